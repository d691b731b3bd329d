// The web demo in a real browser (Debian's chromium via playwright-core), served by pipeline/serve.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chromium, type Browser } from 'playwright-core';
import { buildDemo } from '../src/demo/build.js';
import { resolveInside } from '../src/demo/server.js';
import { openModel, runBatch } from '../src/lib/ort-session.js';
import { writeCodes, writeProjectModels } from './helpers/project-models.js';
import { loadDataset } from '../src/data/dataset.js';
import { codePlane } from '../src/lib/code-range.js';
import { TOL, maxAbsDiff } from './tolerance.js';

const CHROMIUM = '/usr/bin/chromium';
const DATA = process.env.FASHION_MNIST_DIR ?? 'data/fashion-mnist';
const ready = await stat(CHROMIUM).then(() => stat(join(DATA, 'manifest.json'))).then(() => true, () => false);
const skip = !ready && `needs ${CHROMIUM} and the dataset in ${DATA}`;

let dir = '', models: { encoder: string; decoder: string };
let browser: Browser | undefined;
const servers: ChildProcess[] = [];

async function serve(root: string, extra: string[] = []): Promise<string> {
  const child = spawn(process.execPath, ['pipeline/serve.js', '--dir', root, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  return new Promise((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => { const m = /http:\/\/[\d.]+:\d+\//.exec(b.toString()); if (m) ok(m[0]); });
    child.once('exit', (code) => fail(new Error(`serve exited with ${code}`)));
  });
}

async function openPage(url: string) {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1500 } });
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { demo?: { ready: boolean } }).demo !== undefined, undefined, { timeout: 90_000 });
  return page;
}

before(async () => {
  if (!ready) return;
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'web-demo-'));
  models = await writeProjectModels(dir);
  const codes = await writeCodes(models.encoder, (await loadDataset(DATA, { which: 'test' })).test.images.pixels, join(dir, 'test-codes.npy'));
  // The same models again, now with the plane of their codes in the metadata (as train + export store it).
  models = await writeProjectModels(dir, 2, codePlane(codes, 2));
  await buildDemo({ modelsDir: dir, dataDir: DATA, codes: join(dir, 'test-codes.npy'), srcDir: 'web-demo', outDir: join(dir, 'dist') });
  // launch() starts Chromium with a fresh temporary profile (user-data dir) of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.kill();
});

test('the page loads the models, draws the scatter, decodes like onnxruntime-node, and takes a drawing', { skip, timeout: 180_000 }, async () => {
  const page = await openPage(await serve(join(dir, 'dist')));
  const state = await page.evaluate(() => {
    const d = (window as unknown as { demo: { ready: boolean; error?: string; scatter: { pointsDrawn: number } } }).demo;
    const c = document.getElementById('scatter') as HTMLCanvasElement;
    const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! < 240 || px[i + 1]! < 240 || px[i + 2]! < 240) coloured++;
    return { ready: d.ready, error: d.error, points: d.scatter.pointsDrawn, coloured, isolated: self.crossOriginIsolated, status: document.getElementById('status')!.textContent };
  });
  assert.equal(state.error, undefined);
  assert.equal(state.ready, true);
  assert.ok(state.points > 9000, `points drawn: ${state.points}`);
  assert.ok(state.coloured > 20000, `coloured scatter pixels: ${state.coloured}`);
  assert.equal(state.isolated, true, 'make serve sends COOP/COEP');
  assert.match(state.status ?? '', /Ready: 10000 test codes/);

  // Decode a point in the browser and with onnxruntime-node.
  const code = [0.31, -0.27];
  const inBrowser = await page.evaluate(async (c) => (window as unknown as { demo: { decode: (c: number[]) => Promise<number[]> } }).demo.decode(c), code);
  const dec = await openModel(models.decoder);
  const inNode = await runBatch(dec, Float32Array.from(code), [1, 2]);
  assert.equal(inBrowser.length, 784);
  const d = maxAbsDiff(Float32Array.from(inBrowser), inNode);
  assert.ok(d.max <= TOL.modelAbs, `browser vs node decode: ${d.max} at pixel ${d.index}`);

  // Hovering the plane decodes live; drawing on the pad puts a marker on the scatter.
  const scatter = (await page.locator('#scatter').boundingBox())!;
  await page.mouse.move(scatter.x + 300, scatter.y + 300);
  await page.waitForFunction(() => document.getElementById('cursor-code')!.textContent!.includes('ms'));
  const pad = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(pad.x + 40, pad.y + 30);
  await page.mouse.down();
  for (let k = 0; k <= 10; k++) await page.mouse.move(pad.x + 40 + k * 9, pad.y + 30 + k * 11);
  await page.mouse.up();
  await page.waitForFunction(() => (window as unknown as { demo: { scatter: { markers: number } } }).demo.scatter.markers === 1, undefined, { timeout: 20_000 });
  assert.equal(await page.locator('#neighbours canvas').count(), 5);
  const shot = join(dir, 'web-demo.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok((await stat(shot)).size > 20_000);
  if (process.env.WEB_DEMO_SCREENSHOT) await cp(shot, process.env.WEB_DEMO_SCREENSHOT);
  await page.close();
});

test('without COOP/COEP the page still works on one thread', { skip, timeout: 120_000 }, async () => {
  const page = await openPage(await serve(join(dir, 'dist'), ['--no-isolation']));
  const r = await page.evaluate(() => ({ ready: (window as unknown as { demo: { ready: boolean } }).demo.ready, isolated: self.crossOriginIsolated, status: document.getElementById('status')!.textContent }));
  assert.deepEqual([r.ready, r.isolated], [true, false]);
  assert.match(r.status ?? '', /on 1 thread/);
  await page.close();
});

test('a server answering HTML for the .wasm shows a clear message, not a blank page', { skip, timeout: 120_000 }, async () => {
  const broken = join(dir, 'broken');
  await cp(join(dir, 'dist'), broken, { recursive: true });
  await writeFile(join(broken, 'ort', 'ort-wasm-simd-threaded.wasm'), '<!doctype html><title>404</title>Not found');
  const page = await openPage(await serve(broken));
  const text = await page.locator('#error').innerText();
  assert.match(text, /WebAssembly runtime could not be loaded/);
  assert.equal(await page.locator('#error').isVisible(), true);
  await page.close();
});

test('the server never leaves its folder', { skip }, async () => {
  assert.equal(resolveInside('/srv/demo', '/../etc/passwd'), null);
  assert.equal(resolveInside('/srv/demo', '/%2e%2e/%2e%2e/etc/passwd'), null);
  assert.equal(resolveInside('/srv/demo', '/a/../../demo-secret'), null);
  assert.equal(resolveInside('/srv/demo', '/ort/x.wasm'), '/srv/demo/ort/x.wasm');
  const base = new URL(await serve(join(dir, 'dist')));
  for (const path of ['/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/../../../etc/passwd']) {
    const { status, body } = await new Promise<{ status: number; body: string }>((ok) => request({ host: base.hostname, port: base.port, path }, (res) => {
      let body = ''; res.on('data', (c: Buffer) => { body += c.toString(); }); res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    }).end());
    assert.ok(status === 403 || status === 404, `${path}: HTTP ${status}`);
    assert.doesNotMatch(body, /root:/);
  }
});

// The web demo in a real browser (Debian's chromium via playwright-core), served by pipeline/serve.js:
// desktop and phone (touch) viewports, a throttled first view with its byte counts, the keyboard-only
// flow and accessible names, legend filtering, clicking a point, the file:// and bad-upload messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { buildDemo } from '../src/demo/build.js';
import { resolveInside } from '../src/demo/server.js';
import { openModel, runBatch } from '../src/lib/ort-session.js';
import { writeCodes, writeProjectModels } from './helpers/project-models.js';
import { loadDataset } from '../src/data/dataset.js';
import { codePlane } from '../src/lib/code-range.js';
import { TOL, maxAbsDiff } from './tolerance.js';

const CHROMIUM = '/usr/bin/chromium';
const DATA = process.env.FASHION_MNIST_DIR ?? 'data/fashion-mnist';
const ready = await stat(CHROMIUM)
  .then(() => stat(join(DATA, 'manifest.json')))
  .then(
    () => true,
    () => false,
  );
const skip = !ready && `needs ${CHROMIUM} and the dataset in ${DATA}`;
/** Where the screenshots go: WEB_DEMO_SCREENSHOTS=docs writes docs/web-demo.png and docs/web-demo-phone.png. */
const SHOTS = process.env.WEB_DEMO_SCREENSHOTS;
/** WEB_DEMO_MODELS=models builds the demo from those ONNX files instead of random-weight ones (for screenshots). */
const MODELS = process.env.WEB_DEMO_MODELS;

let dir = '',
  models: { encoder: string; decoder: string },
  base = '',
  localScatterMs = NaN;
let browser: Browser | undefined;
const servers: ChildProcess[] = [];

interface DemoApi {
  ready: boolean;
  error?: string;
  decodeTimes: number[];
  decode(c: number[]): Promise<number[]>;
  scatter: {
    cursor: [number, number] | null;
    pointsDrawn: number;
    thumbsDrawn: number;
    markers: number;
    zoom: number;
    selected: number | null;
    hidden: number[];
    toScreen(a: number, b: number): [number, number];
    point(i: number): [number, number];
  };
}
declare const demo: DemoApi;

async function serve(root: string, extra: string[] = []): Promise<string> {
  const child = spawn(process.execPath, ['pipeline/serve.js', '--dir', root, '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(child);
  return new Promise((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => {
      const m = /http:\/\/[\d.]+:\d+\//.exec(b.toString());
      if (m) ok(m[0]);
    });
    child.once('exit', (code) => fail(new Error(`serve exited with ${code}`)));
  });
}

async function openPage(
  url: string,
  options: BrowserContextOptions = { viewport: { width: 1280, height: 800 } },
): Promise<Page> {
  const context = await browser!.newContext(options);
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { demo?: unknown }).demo !== undefined, undefined, {
    timeout: 90_000,
  });
  return page;
}

before(async () => {
  if (!ready) return;
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'web-demo-'));
  const testPixels = (await loadDataset(DATA, { which: 'test' })).test.images.pixels;
  if (MODELS) {
    models = { encoder: join(MODELS, 'encoder.onnx'), decoder: join(MODELS, 'decoder.onnx') };
  } else {
    models = await writeProjectModels(dir);
    const codes = await writeCodes(models.encoder, testPixels, join(dir, 'test-codes.npy'));
    // The same models again, now with the plane of their codes in the metadata (as train + export store it).
    models = await writeProjectModels(dir, 2, codePlane(codes, 2));
  }
  if (MODELS) await writeCodes(models.encoder, testPixels, join(dir, 'test-codes.npy'));
  await buildDemo({
    modelsDir: MODELS ?? dir,
    dataDir: DATA,
    codes: join(dir, 'test-codes.npy'),
    srcDir: 'web-demo',
    outDir: join(dir, 'dist'),
  });
  // launch() starts Chromium with a fresh temporary profile (user-data dir) of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  base = await serve(join(dir, 'dist'));
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.kill();
});

test(
  'desktop: scatter, decode parity, hover, click a point, legend, search, zoom limits, drawing, clear, bad upload, keyboard only, accessible names',
  { skip, timeout: 180_000 },
  async () => {
    const page = await openPage(base);
    const state = await page.evaluate(() => {
      const c = document.getElementById('scatter') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let coloured = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i]! < 200 || px[i + 1]! < 200 || px[i + 2]! < 200) coloured++;
      return {
        ready: demo.ready,
        error: demo.error,
        points: demo.scatter.pointsDrawn,
        coloured,
        isolated: self.crossOriginIsolated,
        status: document.getElementById('status')!.textContent,
      };
    });
    assert.equal(state.error, undefined);
    assert.equal(state.ready, true);
    assert.ok(state.points > 9000, `points drawn: ${state.points}`);
    assert.ok(state.coloured > 5000, `coloured scatter pixels: ${state.coloured}`);
    assert.equal(state.isolated, true, 'make serve sends COOP/COEP');
    assert.match(state.status ?? '', /Ready: 10000 test codes/);

    // Decode a point in the browser and with onnxruntime-node.
    const code = [0.31, -0.27];
    const inBrowser = await page.evaluate(async (c) => demo.decode(c), code);
    const inNode = await runBatch(await openModel(models.decoder), Float32Array.from(code), [1, 2]);
    assert.equal(inBrowser.length, 784);
    const d = maxAbsDiff(Float32Array.from(inBrowser), inNode);
    assert.ok(d.max <= TOL.modelAbs, `browser vs node decode: ${d.max} at pixel ${d.index}`);

    // Hover decodes live; clicking a point shows its image, label, index, reconstruction and neighbours.
    const box = (await page.locator('#scatter').boundingBox())!;
    const [px, py] = await page.evaluate(() => demo.scatter.toScreen(...demo.scatter.point(123)));
    await page.mouse.move(box.x + px + 40, box.y + py + 40);
    await page.waitForFunction(() => document.getElementById('cursor-code')!.textContent!.includes('ms'));
    // Hover decode time, one decode per mouse move (p90 reported).
    await page.evaluate(() => {
      demo.decodeTimes.length = 0;
    });
    for (let k = 0; k < 24; k++) {
      await page.mouse.move(box.x + 100 + k * 13, box.y + 120 + k * 9);
      await page.waitForTimeout(20);
    }
    const times = (await page.evaluate(() => demo.decodeTimes)).sort((a, b) => a - b);
    const p90 = times[Math.floor(times.length * 0.9)] ?? NaN;
    process.stdout.write(
      `# hover decode: p90 ${p90.toFixed(1)} ms over ${times.length} decodes (load ${(loadavg()[0]! / cpus().length).toFixed(1)} per core)\n`,
    );
    assert.ok(times.length >= 20, `decodes: ${times.length}`);
    // Reported, not asserted (see the first-view test); a decoder that never answers fails the count above.
    await page.mouse.move(box.x + box.width + 60, box.y + 100);
    assert.equal(await page.evaluate(() => demo.scatter.cursor), null, 'the cursor ring goes when the mouse leaves');
    await page.mouse.click(box.x + px, box.y + py);
    await page.waitForFunction(() => document.querySelectorAll('#point-neighbours figure').length === 6);
    const picked = await page.evaluate(() => demo.scatter.selected);
    assert.notEqual(picked, null);
    assert.match(await page.locator('#point-label').innerText(), new RegExp(`test image #${picked}$`));
    assert.match(
      await page.locator('#point-neighbours').innerText(),
      /· \d+\.\d\d/,
      'neighbours show labels and distances',
    );
    await page.waitForFunction((i) => location.hash.includes(`sel=${i}`), picked);

    // Legend: hide a class, show only one, show all.
    await page.getByRole('button', { name: /^Trouser, 1000 points$/ }).click();
    assert.deepEqual(await page.evaluate(() => demo.scatter.hidden), [1]);
    const fewer = await page.evaluate(() => demo.scatter.pointsDrawn);
    assert.ok(fewer <= 9000 && fewer > 8000, `points with Trouser hidden: ${fewer}`);
    await page.getByRole('button', { name: 'show only Bag' }).click();
    const bags = await page.evaluate(() => demo.scatter.pointsDrawn);
    assert.ok(bags <= 1000 && bags > 900, `Bag points drawn: ${bags} (a few outliers lie outside the home view)`);
    await page.waitForFunction(() => location.hash.includes('hide=0,1,2,3,4,5,6,7,9'));
    await page.getByRole('button', { name: 'Show all' }).click();
    assert.ok((await page.evaluate(() => demo.scatter.pointsDrawn)) > 9000);

    // Search by index selects and centres it; by class shows only that class.
    await page.locator('#search-input').fill('4321');
    await page.locator('#search-input').press('Enter');
    assert.equal(await page.evaluate(() => demo.scatter.selected), 4321);
    await page.locator('#search-input').fill('sneak');
    await page.locator('#search-input').press('Enter');
    assert.equal(await page.evaluate(() => demo.scatter.hidden.length), 9);
    await page.getByRole('button', { name: 'Show all' }).click();

    // Zoom buttons, and the zoom limit: far in, points stay on screen and thumbnails replace dots.
    await page.getByRole('button', { name: 'zoom in' }).click();
    await page.evaluate(() => {
      for (let k = 0; k < 15; k++) document.getElementById('zoom-in')!.click();
    });
    const z = await page.evaluate(() => ({ zoom: demo.scatter.zoom, points: demo.scatter.pointsDrawn }));
    assert.ok(z.zoom <= 400.001 && z.zoom > 100, `zoom ${z.zoom}`);
    assert.ok(z.points >= 1, 'the zoom limit keeps the selected point in view');
    await page.waitForFunction(() => demo.scatter.thumbsDrawn > 0, undefined, { timeout: 20_000 });
    await page.getByRole('button', { name: 'Reset view' }).click();

    // The wheel scrolls the page unless Ctrl is held: no scroll trap.
    await page.mouse.move(box.x + 200, box.y + 200);
    const zoom0 = await page.evaluate(() => demo.scatter.zoom);
    await page.mouse.wheel(0, -300);
    assert.equal(await page.evaluate(() => demo.scatter.zoom), zoom0);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -300);
    await page.keyboard.up('Control');
    assert.ok((await page.evaluate(() => demo.scatter.zoom)) > zoom0, 'Ctrl + wheel zooms');

    // Drawing on the pad (a stroke that leaves the pad and comes back) puts a marker on the scatter; Clear removes everything.
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const pad = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(pad.x + 40, pad.y + 30);
    await page.mouse.down();
    for (let k = 0; k <= 10; k++) await page.mouse.move(pad.x + 40 + k * 9, pad.y + 30 + k * 11);
    await page.mouse.move(pad.x + pad.width + 30, pad.y + 60);
    await page.mouse.move(pad.x + 60, pad.y + 130);
    await page.mouse.up();
    await page.waitForFunction(() => demo.scatter.markers === 1, undefined, { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll('#neighbours figure').length === 6);
    if (SHOTS) {
      await page.evaluate(() => {
        scrollTo(0, 0);
        document.getElementById('wheel-hint')!.hidden = true;
        document.getElementById('search-msg')!.textContent = '';
        (document.getElementById('search-input') as HTMLInputElement).value = '';
      });
      await page.getByRole('button', { name: 'Reset view' }).click();
      const [sx, sy] = await page.evaluate(() =>
        demo.scatter.toScreen(...demo.scatter.point(demo.scatter.selected ?? 0)),
      );
      await page.mouse.move(box.x + sx + 50, box.y + sy - 40);
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(SHOTS, 'web-demo.png') });
    }
    await page.getByRole('button', { name: 'Clear' }).click();
    assert.equal(await page.evaluate(() => demo.scatter.markers), 0);
    assert.equal(await page.locator('#neighbours figure').count(), 0);
    assert.equal(await page.locator('#pad-code').innerText(), '');

    // A file that is not an image: a message, no exception.
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page
      .locator('#upload')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.waitForFunction(() => document.getElementById('pad-msg')!.textContent !== '');
    assert.match(await page.locator('#pad-msg').innerText(), /"notes\.txt" is not an image/);
    assert.deepEqual(errors, []);

    // Keyboard only: Tab to the plot, arrows pan, + zooms, Enter shows a point; accessible names for plot and pad.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let tabs = 0;
    while (tabs < 40 && !(await page.evaluate(() => document.activeElement?.id === 'scatter'))) {
      await page.keyboard.press('Tab');
      tabs++;
    }
    assert.ok(tabs < 40, 'Tab reaches the plot');
    const z0 = await page.evaluate(() => demo.scatter.zoom);
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowUp');
    assert.ok((await page.evaluate(() => demo.scatter.zoom)) > z0 * 1.4, '+ zooms in');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => demo.scatter.selected !== null);
    await page.waitForFunction(() => /test image #\d+/.test(document.getElementById('point-label')!.textContent!));
    assert.match(
      await page.locator('#point-label').innerText(),
      /^(T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot) · test image #\d+$/,
    );
    assert.match(await page.locator('#cursor-code').innerText(), /ms/, 'the keyboard cursor decodes');
    // Every control is reachable: the upload input takes focus.
    await page.locator('#upload').focus();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'upload');
    const snapshot = await page.locator('body').ariaSnapshot();
    assert.match(snapshot, /application "Scatter plot of the test codes"/);
    assert.match(snapshot, /img "drawing pad[^"]*"/);
    assert.match(snapshot, /img "test image #\d+, [^"]+"/);
    await page.context().close();
  },
);

test(
  'phone 390x844 with touch: no horizontal overflow, a touch-drag decodes, a pinch zooms',
  { skip, timeout: 120_000 },
  async () => {
    const page = await openPage(base, {
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
      deviceScaleFactor: 2,
    });
    localScatterMs = await page.evaluate(() => performance.getEntriesByName('scatter-drawn')[0]!.startTime);
    const layout = await page.evaluate(() => {
      const r = (id: string) => {
        const b = document.getElementById(id)!.getBoundingClientRect();
        return { left: b.left, right: b.right, width: b.width };
      };
      const c = document.getElementById('scatter') as HTMLCanvasElement;
      return {
        scrollWidth: document.documentElement.scrollWidth,
        inner: innerWidth,
        plot: r('scatter'),
        decoded: r('decoded'),
        pad: r('pad'),
        buffer: c.width,
      };
    });
    assert.ok(layout.scrollWidth <= layout.inner, `scrollWidth ${layout.scrollWidth} > ${layout.inner}`);
    for (const k of ['plot', 'decoded', 'pad'] as const)
      assert.ok(
        layout[k].left >= 0 && layout[k].right <= layout.inner && layout[k].width > 50,
        `${k}: ${JSON.stringify(layout[k])}`,
      );
    assert.equal(layout.buffer, Math.round(layout.plot.width * 2), 'the plot canvas has device pixels');

    const cdp = await page.context().newCDPSession(page);
    await page.locator('#scatter').scrollIntoViewIfNeeded();
    const b = (await page.locator('#scatter').boundingBox())!;
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', pts: [number, number][]) =>
      cdp.send('Input.dispatchTouchEvent', {
        type,
        touchPoints: pts.map(([x, y], id) => ({ x: b.x + x, y: b.y + y, id })),
      });
    await touch('touchStart', [[100, 100]]);
    for (let k = 1; k <= 6; k++) await touch('touchMove', [[100 + k * 15, 100 + k * 10]]);
    await page.waitForFunction(() => document.getElementById('cursor-code')!.textContent!.includes('ms'), undefined, {
      timeout: 20_000,
    });
    assert.equal(
      await page.locator('#plot-preview').isVisible(),
      true,
      'the decoded image shows inside the plot while the finger is down',
    );
    await touch('touchEnd', []);
    assert.equal(await page.locator('#plot-preview').isVisible(), false);
    const z0 = await page.evaluate(() => demo.scatter.zoom);
    await touch('touchStart', [
      [150, 150],
      [200, 200],
    ]);
    for (let k = 1; k <= 6; k++)
      await touch('touchMove', [
        [150 - k * 10, 150 - k * 10],
        [200 + k * 10, 200 + k * 10],
      ]);
    await touch('touchEnd', []);
    const z1 = await page.evaluate(() => demo.scatter.zoom);
    assert.ok(z1 > z0 * 1.8, `pinch zoom ${z0} -> ${z1}`);
    await page.locator('#zoom-reset').click();
    // A finger draws on the pad.
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const p = (await page.locator('#pad').boundingBox())!;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: p.x + 30, y: p.y + 30 }] });
    for (let k = 1; k <= 8; k++)
      await cdp.send('Input.dispatchTouchEvent', {
        type: 'touchMove',
        touchPoints: [{ x: p.x + 30 + k * 12, y: p.y + 30 + k * 12 }],
      });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForFunction(() => demo.scatter.markers === 1, undefined, { timeout: 20_000 });
    if (SHOTS) {
      await page.evaluate(() => scrollTo(0, 0));
      await page.screenshot({ path: join(SHOTS, 'web-demo-phone.png') });
    }
    await page.context().close();
  },
);

test(
  'first view: scatter before the models, within the byte and time budgets, throttled to 20 Mbit/s; a reload revalidates',
  { skip, timeout: 120_000 },
  async () => {
    const measure = async (page: Page) =>
      page.evaluate(() => {
        const scatterAt = performance.getEntriesByName('scatter-drawn')[0]!.startTime;
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        const before =
          nav.transferSize + res.filter((r) => r.responseEnd <= scatterAt).reduce((s, r) => s + r.transferSize, 0);
        const total = nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0);
        return { scatterAt, before, total, files: res.length };
      });
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 40,
      downloadThroughput: 20e6 / 8,
      uploadThroughput: 20e6 / 8,
    });
    await page.goto(base);
    await page.waitForFunction(() => (window as unknown as { demo?: unknown }).demo !== undefined, undefined, {
      timeout: 90_000,
    });
    const t = await measure(page);
    await page.reload();
    await page.waitForFunction(
      () => (window as unknown as { demo?: { ready: boolean } }).demo?.ready === true,
      undefined,
      { timeout: 90_000 },
    );
    const r = await measure(page);
    await context.close();
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    process.stdout.write(
      `# first view: localhost scatter ${localScatterMs.toFixed(0)} ms (phone page); 20 Mbit/s scatter ${t.scatterAt.toFixed(0)} ms after ${kb(t.before)}, ` +
        `whole view ${kb(t.total)} in ${t.files + 1} files; reload ${kb(r.total)}; load ${(loadavg()[0]! / cpus().length).toFixed(1)} per core\n`,
    );
    assert.ok(t.before <= 300 * 1024, `bytes before the first scatter: ${kb(t.before)}`);
    assert.ok(t.total <= 6 * 1024 * 1024, `first view: ${kb(t.total)}`);
    assert.ok(r.total <= 50 * 1024, `reload: ${kb(r.total)}`);
    // Times are measured and reported above, never asserted: the README's table holds the targets, and a timed
    // assertion on a shared machine fails by chance. A page that never draws fails the waits above instead.
  },
);

test('without COOP/COEP the page still works on one thread', { skip, timeout: 120_000 }, async () => {
  const page = await openPage(await serve(join(dir, 'dist'), ['--no-isolation']));
  const r = await page.evaluate(() => ({
    ready: demo.ready,
    isolated: self.crossOriginIsolated,
    status: document.getElementById('status')!.textContent,
  }));
  assert.deepEqual([r.ready, r.isolated], [true, false]);
  assert.match(r.status ?? '', /on 1 thread/);
  await page.context().close();
});

test(
  'a server answering HTML for the .wasm shows a clear message, not a blank page; file:// says how to serve',
  { skip, timeout: 120_000 },
  async () => {
    const broken = join(dir, 'broken');
    await cp(join(dir, 'dist'), broken, { recursive: true });
    // Newer than its .br/.gz siblings, so the server sends this text as it is.
    await writeFile(join(broken, 'ort', 'ort-wasm-simd-threaded.wasm'), '<!doctype html><title>404</title>Not found');
    const page = await openPage(await serve(broken));
    assert.match(await page.locator('#error').innerText(), /WebAssembly runtime could not be loaded/);
    assert.equal(await page.locator('#error').isVisible(), true);
    assert.ok(
      (await page.evaluate(() => demo.scatter === undefined)) && (await page.locator('#scatter').isVisible()),
      'the scatter still shows',
    );
    await page.goto(`file://${resolve(dir, 'dist', 'index.html')}`);
    assert.match(await page.locator('#error').innerText(), /must be served over HTTP[\s\S]*make serve/);
    await page.context().close();
  },
);

test('the server never leaves its folder', { skip }, async () => {
  assert.equal(resolveInside('/srv/demo', '/../etc/passwd'), null);
  assert.equal(resolveInside('/srv/demo', '/%2e%2e/%2e%2e/etc/passwd'), null);
  assert.equal(resolveInside('/srv/demo', '/a/../../demo-secret'), null);
  assert.equal(resolveInside('/srv/demo', '/ort/x.wasm'), '/srv/demo/ort/x.wasm');
  const url = new URL(base);
  for (const path of ['/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/../../../etc/passwd']) {
    const { status, body } = await new Promise<{ status: number; body: string }>((ok) =>
      request({ host: url.hostname, port: url.port, path }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      }).end(),
    );
    assert.ok(status === 403 || status === 404, `${path}: HTTP ${status}`);
    assert.doesNotMatch(body, /root:/);
  }
});

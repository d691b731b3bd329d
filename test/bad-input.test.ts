// The bad-input corpus: every CLI, given a bad flag, a bad, truncated or empty file, or files that do not
// belong together, answers with one `error:` line that names the flag or file, exits 1, and leaves no new
// or changed file behind. Each case runs the real CLI in a fresh, empty working folder (so default outputs
// land there) against small fixtures built once; the fixtures are compared byte for byte afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { buildAutoencoder } from '../src/train/model.js';
import { saveLayersModel } from '../src/util/tfjs-io.js';
import { runExportStage } from '../src/export/stage.js';
import { npyHeader } from '../src/artifacts/npy.js';
import { sha256 } from '../src/util/hash.js';
import type { TrainManifest } from '../src/train/stage.js';
import { capThreads, checkFlagValues } from '../src/util/cli.js';
import { checkImageComplete } from '../src/serve/image-check.js';

const REPO = process.cwd();
const DATA = resolve(process.env.FASHION_MNIST_DIR ?? 'data/fashion-mnist');
const hasData = await stat(join(DATA, 'manifest.json')).then(
  () => true,
  () => false,
);

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCli(cli: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO, 'pipeline', `${cli}.js`), ...args], {
      cwd,
      env: { ...process.env, DEBUG: '' },
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status, signal) => done({ status, signal, stdout, stderr }));
  });
}

/** Every file under `dir` with its content hash: what "no new or changed files" compares. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.set(`${relative(dir, p)}/`, '');
        await walk(p);
      } else out.set(relative(dir, p), sha256(await readFile(p)));
    }
  };
  await walk(dir);
  return out;
}

function diffSnapshots(a: Map<string, string>, b: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [k, v] of b)
    if (!a.has(k)) changes.push(`new ${k}`);
    else if (a.get(k) !== v) changes.push(`changed ${k}`);
  for (const k of a.keys()) if (!b.has(k)) changes.push(`removed ${k}`);
  return changes;
}

/** A train manifest with what the export stage reads (the rest of a real one does not matter here). */
function trainManifest(seed: number): TrainManifest {
  const m = {
    stage: 'train',
    settings: {
      model: { latent: 2, filters: [4, 8], decoderFilters: [4, 8], hidden: [8], seed },
      optimizer: 'rmsprop',
      momentum: 0.9,
      lr: 1e-3,
      schedule: 'constant',
      epochs: 1,
      batchSize: 32,
      threads: 1,
      backend: 'wasm',
      limit: 100,
    },
    engine: 'tfjs',
    runtime: 'wasm',
    backend: 'wasm',
    parameters: 0,
    history: [],
    metrics: {
      testMse: 0.1,
      testBce: 0.5,
      knn1: 0.1,
      knn5: 0.1,
      codeRange: [
        [-1, 1],
        [-1, 1],
      ],
    },
    createdAt: new Date(seed).toISOString(),
  };
  return m as unknown as TrainManifest;
}

/** Small fixtures: two "training runs" with their exports, mixed and swapped pairs, broken and empty files. */
async function buildFixtures(fix: string): Promise<void> {
  const f = (...p: string[]) => join(fix, ...p);
  for (const [run, seed] of [
    ['a', 1],
    ['b', 2],
  ] as const) {
    const m = trainManifest(seed);
    const { encoder, decoder } = buildAutoencoder(m.settings.model);
    await saveLayersModel(encoder, f(`tfjs-${run}`, 'encoder'));
    await saveLayersModel(decoder, f(`tfjs-${run}`, 'decoder'));
    await writeFile(f(`tfjs-${run}`, 'manifest.json'), JSON.stringify(m));
    await runExportStage({ tfjsDir: f(`tfjs-${run}`), outDir: f(`models-${run}`) });
  }
  await mkdir(f('swapped'));
  await mkdir(f('mixed'));
  await mkdir(f('empty-dir'));
  await copyFile(f('models-a', 'decoder.onnx'), f('swapped', 'encoder.onnx'));
  await copyFile(f('models-a', 'encoder.onnx'), f('swapped', 'decoder.onnx'));
  await copyFile(f('models-a', 'encoder.onnx'), f('mixed', 'encoder.onnx'));
  await copyFile(f('models-b', 'decoder.onnx'), f('mixed', 'decoder.onnx'));
  // A run whose decoder cannot be read: exporting it must leave an existing pair untouched.
  await mkdir(f('tfjs-broken', 'decoder'), { recursive: true });
  await copyFile(f('tfjs-a', 'manifest.json'), f('tfjs-broken', 'manifest.json'));
  await saveLayersModel(buildAutoencoder(trainManifest(1).settings.model).encoder, f('tfjs-broken', 'encoder'));
  await writeFile(f('tfjs-broken', 'decoder', 'model.json'), 'null');
  await writeFile(f('null.json'), 'null');
  await writeFile(f('empty.json'), '');
  await writeFile(f('empty-images-idx3-ubyte'), '');
  // Images: a real PNG, one cut to its first 60 bytes (signature, IHDR and part of the next chunk), one cut in half.
  const canvas = createCanvas(28, 28);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, 28, 28);
  ctx.fillStyle = '#fff';
  ctx.fillRect(6, 4, 16, 20);
  const png = canvas.toBuffer('image/png');
  await mkdir(f('trunc'));
  await writeFile(f('trunc', 'header.png'), png.subarray(0, 60));
  await writeFile(f('trunc', 'half.png'), png.subarray(0, png.length >> 1));
  await writeFile(f('good.png'), png);
  // Codes and image arrays.
  const npy = (dtype: 'float32' | 'uint8', shape: number[], data: Uint8Array) =>
    Buffer.concat([npyHeader(dtype, shape), data]);
  await writeFile(f('codes.npy'), npy('float32', [1, 2], new Uint8Array(new Float32Array([0.5, -0.5]).buffer)));
  await writeFile(f('no-codes.npy'), npy('float32', [0, 2], new Uint8Array(0)));
  await writeFile(f('no-images.npy'), npy('uint8', [0, 28, 28], new Uint8Array(0)));
  await writeFile(f('empty-cell.csv'), 'index,z0,z1\n0,,1\n');
  await writeFile(f('header-only.csv'), 'index,z0,z1\n');
  await writeFile(f('empty.csv'), '');
  // A checkpoint whose state.bin was cut short (3 bytes: not even one float32).
  await mkdir(f('ckpt', 'checkpoint'), { recursive: true });
  await writeFile(
    f('ckpt', 'checkpoint', 'checkpoint.json'),
    JSON.stringify({ identity: {}, history: [], weights: [4], optimizer: [] }),
  );
  await writeFile(f('ckpt', 'checkpoint', 'state.bin'), new Uint8Array(3));
}

interface Case {
  cli: string;
  args: string[];
  expect: string;
}

function corpus(fix: string): Case[] {
  const f = (...p: string[]) => join(fix, ...p);
  const enc = f('models-a', 'encoder.onnx'),
    dec = f('models-a', 'decoder.onnx');
  const tfjsEnc = f('tfjs-a', 'encoder', 'model.json');
  const d = ['--data', DATA];
  return [
    { cli: 'fetch', args: ['--timeout', '0'], expect: '--timeout must be in (0, 3600]' },
    {
      cli: 'fetch',
      args: ['--from', f('empty-dir'), '--out', 'data'],
      expect: `${f('empty-dir')} has neither train-images-idx3-ubyte`,
    },
    { cli: 'fetch', args: ['--frm', 'x'], expect: 'Unknown argument: frm' },

    { cli: 'train', args: ['--limit', 'abc'], expect: '--limit must be a number, got "abc"' },
    { cli: 'train', args: ['--limit', '3000', '--limit', '5000'], expect: '--limit was given 2 times (3000, 5000)' },
    { cli: 'train', args: ['--seed', 'abc'], expect: '--seed must be a number, got "abc"' },
    { cli: 'train', args: ['--epoch', '3'], expect: 'Unknown argument: epoch' },
    { cli: 'train', args: ['--data', f('empty-dir')], expect: `${f('empty-dir', 'manifest.json')} is missing` },
    {
      cli: 'train',
      args: [...d, '--epochs', '0', '--limit', '100'],
      expect: '--epochs must be a positive integer, got 0',
    },
    {
      cli: 'train',
      args: [...d, '--resume', '--out', f('ckpt'), '--limit', '100', '--epochs', '2', '--threads', '1'],
      expect: `${f('ckpt', 'checkpoint', 'state.bin')} is truncated`,
    },

    { cli: 'export', args: ['--tfjs', f('empty-dir')], expect: `${f('empty-dir', 'manifest.json')} is missing` },
    { cli: 'export', args: ['--opset', '99'], expect: '--opset must be an integer in 11..21, got 99' },
    {
      cli: 'export',
      args: ['--tfjs', f('tfjs-broken'), '--out', f('models-a')],
      expect: `${f('tfjs-broken', 'decoder', 'model.json')}: not a tfjs model.json (the file holds null`,
    },

    {
      cli: 'validate',
      args: [...d, '--onnx', f('swapped'), '--tfjs', f('tfjs-a')],
      expect: 'the two files are swapped',
    },
    {
      cli: 'validate',
      args: [...d, '--onnx', f('mixed'), '--tfjs', f('tfjs-a')],
      expect: 'come from different training runs',
    },
    {
      cli: 'validate',
      args: [...d, '--onnx', f('models-a'), '--tfjs', f('tfjs-b')],
      expect: 'the files do not belong together',
    },

    { cli: 'encode', args: ['--onnx', enc, '--threads', 'many'], expect: '--threads must be a number, got "many"' },
    { cli: 'encode', args: ['--onnx', dec, '--input', f('good.png')], expect: `${dec}: not an encoder` },
    {
      cli: 'encode',
      args: ['--onnx', enc, '--input', f('trunc', 'header.png')],
      expect: `${f('trunc', 'header.png')}: cannot decode image (truncated PNG`,
    },
    {
      cli: 'encode',
      args: ['--onnx', enc, '--input', f('trunc', 'half.png')],
      expect: `${f('trunc', 'half.png')}: cannot decode image (truncated PNG`,
    },
    {
      cli: 'encode',
      args: ['--onnx', enc, '--input', f('trunc'), '--skip-bad', '-o', 'c.csv'],
      expect: 'no images to encode',
    },
    {
      cli: 'encode',
      args: ['--onnx', enc, '--input', f('empty-images-idx3-ubyte')],
      expect: `${f('empty-images-idx3-ubyte')}: the file is empty`,
    },
    {
      cli: 'encode',
      args: ['--onnx', enc, '--input', f('no-images.npy')],
      expect: `${f('no-images.npy')} (.npy uint8, 0 images): no images to encode`,
    },

    {
      cli: 'decode',
      args: ['--onnx', dec, '--input', f('codes.npy'), '-o', 'out', '--scale', '0'],
      expect: '--scale must be an integer in 1..64, got 0',
    },
    {
      cli: 'decode',
      args: ['--onnx', dec, '--walk', '--steps', '100', '--scale', '8', '-o', 'w.png'],
      expect: 'the limits are 16384 pixels per side',
    },
    {
      cli: 'decode',
      args: ['--onnx', dec, '--input', f('no-codes.npy'), '--grid', '-o', 'g.png'],
      expect: `${f('no-codes.npy')}: holds no codes`,
    },
    {
      cli: 'decode',
      args: ['--onnx', dec, '--walk', '--range', '0,1e999,0,1', '-o', 'w.png'],
      expect: '--range takes four finite numbers',
    },
    {
      cli: 'decode',
      args: ['--onnx', dec, '--input', f('codes.npy'), '--grid', '0', '-o', 'g.png'],
      expect: 'Unknown argument: 0',
    },
    {
      cli: 'decode',
      args: ['--onnx', dec, '--input', f('empty-cell.csv'), '-o', 'out'],
      expect: `${f('empty-cell.csv')}: line 2: z0 is empty`,
    },
    {
      cli: 'decode',
      args: ['--onnx', dec, '--input', f('header-only.csv'), '-o', 'out'],
      expect: `${f('header-only.csv')}: holds no codes`,
    },
    {
      cli: 'decode',
      args: ['--onnx', dec, '--input', f('empty.csv'), '-o', 'out'],
      expect: `${f('empty.csv')}: the file is empty`,
    },

    {
      cli: 'report',
      args: [...d, '--models', f('swapped')],
      expect: `${f('swapped', 'encoder.onnx')}: not an encoder`,
    },
    { cli: 'report', args: [...d, '--models', f('mixed')], expect: 'come from different training runs' },
    {
      cli: 'report',
      args: [...d, '--models', f('empty-dir')],
      expect: `${f('empty-dir', 'encoder.onnx')}: cannot read the ONNX model`,
    },

    { cli: 'demo', args: [...d, '--models', f('mixed')], expect: 'come from different training runs' },
    { cli: 'demo', args: [...d, '--models', f('swapped')], expect: `${f('swapped', 'encoder.onnx')}: not an encoder` },
    {
      cli: 'demo',
      args: [...d, '--models', f('models-a'), '--metrics', f('null.json')],
      expect: `${f('null.json')}: field (top level) should be an object, found null`,
    },
    {
      cli: 'triton',
      args: ['--models', f('models-a'), '--bench', f('empty.json')],
      expect: `${f('empty.json')}: not valid JSON`,
    },

    {
      cli: 'tfjs2onnx',
      args: [f('null.json'), '-o', 'm.onnx'],
      expect: `${f('null.json')}: not a tfjs model.json (the file holds null`,
    },
    {
      cli: 'tfjs2onnx',
      args: [f('empty.json'), '-o', 'm.onnx'],
      expect: `${f('empty.json')}: not a readable tfjs model.json`,
    },
    {
      cli: 'tfjs2onnx',
      args: [tfjsEnc, '-o', 'm.onnx', '--opset', '5'],
      expect: '--opset must be an integer in 11..21, got 5',
    },
    { cli: 'tfjs2onnx', args: [], expect: 'expected one model.json, got 0' },

    { cli: 'knn-graph', args: ['--count', 'all'], expect: '--count must be a number, got "all"' },

    { cli: 'bench', args: ['--big', '-1'], expect: '--big must be an integer in 0..100000000, got -1' },
    { cli: 'bench-train', args: ['--seconds', '0'], expect: '--seconds must be in (0, 120], got 0' },
    { cli: 'bench-train', args: ['--sizes', 'huge'], expect: '--sizes: unknown preset "huge"' },
    {
      cli: 'bench-train',
      args: ['--phase-steps', '2.5'],
      expect: '--phase-steps must be an integer in 0..10000, got 2.5',
    },
  ];
}

const CONCURRENCY = 4;

test(
  'bad-input corpus: every CLI answers bad flags and files with one named error line, exit 1, and no new or changed files',
  { timeout: 240_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'bad-input-'));
    const fix = join(root, 'fixtures');
    await buildFixtures(fix);
    const before = await snapshot(fix);
    // BAD_INPUT_CLI=train,encode runs only those CLIs' cases (while working on one).
    const only = process.env.BAD_INPUT_CLI?.split(',');
    const cases = corpus(fix).filter((c) => (hasData || !c.args.includes(DATA)) && (!only || only.includes(c.cli)));
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i]!;
        const cwd = join(root, `case-${i}`);
        await mkdir(cwd);
        const r = await runCli(c.cli, c.args, cwd);
        const name = `${c.cli} ${c.args.map((a) => (relative(root, a).startsWith('..') ? a : relative(root, a))).join(' ')}`;
        const lines = r.stderr.trimEnd().split('\n');
        const last = lines[lines.length - 1] ?? '';
        const problems = [
          r.status !== 1 && `exit ${r.status ?? r.signal}`,
          !last.startsWith('error: ') && 'the last stderr line is not "error: ..."',
          lines.filter((l) => l.startsWith('error: ')).length !== 1 && 'not exactly one error line',
          !last.includes(c.expect) && `expected "${c.expect}"`,
          /Options:|--help +Show help/.test(r.stderr) && 'printed the help text',
          c.cli === 'train' && /steps per epoch|epoch \d+\/\d+:/.test(r.stderr + r.stdout) && 'training started',
          (await readdir(cwd)).length > 0 && `wrote ${(await readdir(cwd)).join(', ')} in its working folder`,
        ].filter(Boolean);
        if (problems.length)
          failures.push(
            `${name}: ${problems.join('; ')}\n    stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
          );
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    for (const change of diffSnapshots(before, await snapshot(fix))) failures.push(`fixtures: ${change}`);
    await rm(root, { recursive: true, force: true });
    assert.equal(
      failures.length,
      0,
      `${failures.length} problems in ${cases.length} cases:\n  ${failures.join('\n  ')}`,
    );
  },
);

test(
  'encode --skip-bad: unreadable images are skipped and counted, the rest encoded; --threads capped at the cores',
  { timeout: 60_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'skip-bad-'));
    await buildImageFolder(join(root, 'in'), 2);
    await writeFile(join(root, 'in', 'z-cut.png'), (await readFile(join(root, 'in', 'img-00000.png'))).subarray(0, 60));
    const models = join(root, 'models');
    await exportTinyModels(root, models);
    const r = await runCli(
      'encode',
      [
        '--onnx',
        join(models, 'encoder.onnx'),
        '--input',
        join(root, 'in'),
        '--skip-bad',
        '-o',
        'codes.csv',
        '--threads',
        '999',
      ],
      root,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^encode: --threads 999 is more than the \d+ cores here; using \d+$/m);
    assert.match(r.stderr, /skipped .*z-cut\.png: .*truncated PNG/);
    assert.match(r.stderr, /2 images .* 1 unreadable file\(s\) skipped/);
    assert.equal((await readFile(join(root, 'codes.csv'), 'utf8')).trim().split('\n').length, 3);
    await rm(root, { recursive: true, force: true });
  },
);

async function buildImageFolder(dir: string, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const canvas = createCanvas(28, 28);
  const ctx = canvas.getContext('2d');
  for (let i = 0; i < count; i++) {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, 28, 28);
    ctx.fillStyle = '#fff';
    ctx.fillRect(4 + (i % 8), 4, 12, 16 + (i % 5));
    await writeFile(join(dir, `img-${String(i).padStart(5, '0')}.png`), canvas.toBuffer('image/png'));
  }
}

async function exportTinyModels(root: string, models: string): Promise<void> {
  const m = trainManifest(3);
  const { encoder, decoder } = buildAutoencoder(m.settings.model);
  await saveLayersModel(encoder, join(root, 'tfjs', 'encoder'));
  await saveLayersModel(decoder, join(root, 'tfjs', 'decoder'));
  await writeFile(join(root, 'tfjs', 'manifest.json'), JSON.stringify(m));
  await runExportStage({ tfjsDir: join(root, 'tfjs'), outDir: models });
}

/**
 * Starts a CLI with the test-only stop point FASHION_AE_PAUSE_AT=`point` (src/util/pause.ts) and resolves once it
 * has announced that it stopped there: no guess about how long the CLI runs, so no flake on a loaded machine.
 */
function spawnPaused(cli: string, args: string[], point: string, cwd = REPO) {
  const child = spawn(process.execPath, [join(REPO, 'pipeline', `${cli}.js`), ...args], {
    cwd,
    env: { ...process.env, DEBUG: '', FASHION_AE_PAUSE_AT: point },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<{ code: number | null; sig: string | null; stderr: string }>((done) =>
    child.on('close', (code, sig) => done({ code, sig, stderr })),
  );
  const paused = new Promise<void>((done, fail) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes(`pause: ${point} pid ${child.pid}`)) done();
    });
    void exited.then((r) => fail(new Error(`${cli} ended (${r.code ?? r.sig}) before ${point}: ${r.stderr}`)));
  });
  return { child, paused, exited };
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
// Stopped with its temporary complete, or just after renaming it (no temporary tracked: the moment the old
// handlers, installed only while a temporary existed, left to the signal's default action).
for (const point of ['write:codes.npy', 'done:codes.npy'] as const) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    test(`encode stopped by ${signal} at ${point} exits ${EXIT_CODES[signal]} and leaves no temporary`, async () => {
      const root = await mkdtemp(join(tmpdir(), 'signal-'));
      await buildImageFolder(join(root, 'in'), 20);
      await exportTinyModels(root, join(root, 'models'));
      const out = join(root, 'out');
      await mkdir(out);
      const run = spawnPaused(
        'encode',
        ['--onnx', join(root, 'models', 'encoder.onnx'), '--input', join(root, 'in'), '-o', join(out, 'codes.npy')],
        point,
      );
      await run.paused;
      const during = await readdir(out);
      assert.ok(
        point === 'write:codes.npy' ? during.some((n) => n.includes('.tmp-')) : during.includes('codes.npy'),
        `at ${point}, ${out} holds ${during.join(', ')}`,
      );
      run.child.kill(signal);
      const { code, sig } = await run.exited;
      assert.equal(code, EXIT_CODES[signal], `exit ${code}, signal ${sig}`);
      const left = await readdir(out);
      assert.deepEqual(
        left,
        point === 'write:codes.npy' ? [] : ['codes.npy'],
        'temporaries, a lock or a partial output left behind',
      );
      await rm(root, { recursive: true, force: true });
    });
  }
}

// A read-only file system needs a private mount namespace (root in a container, or a user namespace); skipped without one.
const canUnshare = spawnSync('unshare', ['-rm', 'true']).status === 0;

test(
  'a read-only output folder is reported as EROFS, not as a missing folder',
  { skip: !canUnshare && 'no unshare -rm here', timeout: 60_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'erofs-'));
    await mkdir(join(root, 'ro'));
    await exportTinyModels(root, join(root, 'models'));
    await writeFile(join(root, 'codes.npy'), Buffer.concat([npyHeader('float32', [1, 2]), new Uint8Array(8)]));
    const script = `mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && exec "${process.execPath}" "${join(REPO, 'pipeline', 'decode.js')}" --onnx "$2" --input "$3" -o "$1/sub/out"`;
    const r = spawnSync(
      'unshare',
      [
        '-rm',
        'sh',
        '-c',
        script,
        'sh',
        join(root, 'ro'),
        join(root, 'models', 'decoder.onnx'),
        join(root, 'codes.npy'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr.trim(),
      new RegExp(
        `^error: cannot write to output folder ${join(root, 'ro', 'sub', 'out')}: read-only file system \\(EROFS\\)$`,
      ),
    );
    await rm(root, { recursive: true, force: true });
  },
);

test('--help wraps at word boundaries', async () => {
  const r = spawnSync(process.execPath, [join(REPO, 'pipeline', 'export.js'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.ok(r.stdout.includes('manifest.json'), r.stdout);
  assert.ok(r.stdout.split('\n').every((l) => l.length <= 110));
});

test('flag checks: a repeated flag and a number that is not one are named; threads are capped at the cores', () => {
  const declared = { array: ['meta'], number: ['limit', 'seed'], key: { limit: true, seed: true, meta: true } };
  assert.throws(
    () => checkFlagValues({ limit: [3, 5] }, declared, []),
    /^Error: --limit was given 2 times \(3, 5\); give it once$/,
  );
  assert.throws(
    () => checkFlagValues({ seed: NaN }, declared, ['--seed', 'abc']),
    /--seed must be a number, got "abc"/,
  );
  assert.throws(() => checkFlagValues({ seed: NaN }, declared, ['--seed=x1']), /got "x1"/);
  assert.equal(checkFlagValues({ limit: 3, meta: ['a=1', 'b=2'] }, declared, []), true);
  const notes: string[] = [];
  assert.equal(
    capThreads(999, (l) => notes.push(l), 2),
    2,
  );
  assert.equal(
    capThreads(2, (l) => notes.push(l), 2),
    2,
  );
  assert.deepEqual(notes, ['--threads 999 is more than the 2 cores here; using 2']);
});

test('image completeness: PNG and JPEG cut short are refused, whole ones pass', () => {
  const canvas = createCanvas(28, 28);
  canvas.getContext('2d').fillRect(4, 4, 10, 10);
  for (const [bytes, error] of [
    [canvas.toBuffer('image/png'), /truncated PNG/],
    [canvas.toBuffer('image/jpeg'), /truncated JPEG/],
  ] as const) {
    checkImageComplete(bytes);
    assert.throws(() => checkImageComplete(bytes.subarray(0, bytes.length - 8)), error);
  }
  assert.throws(() => checkImageComplete(new Uint8Array(0)), /the file is empty/);
  // Dimensions over IMAGE_LIMITS are refused from the header, before decoding.
  const png = Buffer.from(canvas.toBuffer('image/png'));
  png.writeUInt32BE(20000, 16);
  assert.throws(() => checkImageComplete(png), /the picture is 20000x28 pixels; the limits are 16384 per side/);
  const jpeg = Buffer.from(canvas.toBuffer('image/jpeg'));
  const sof = jpeg.findIndex((b, i) => b === 0xff && (jpeg[i + 1] === 0xc0 || jpeg[i + 1] === 0xc2));
  jpeg.writeUInt16BE(9000, sof + 5);
  jpeg.writeUInt16BE(9000, sof + 7);
  assert.throws(() => checkImageComplete(jpeg), /the picture is 9000x9000 pixels; .* 64M pixels/);
});

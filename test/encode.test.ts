// encode and decode CLIs end to end: every input and output format, and every bad input.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { createCanvas } from '@napi-rs/canvas';
import { encodeIdx } from '../src/data/idx.js';
import { npyHeader, readNpy } from '../src/artifacts/npy.js';
import { openModel, runBatch } from '../src/runtime/ort-session.js';
import { writeProjectModels } from './helpers/project-models.js';
import { TOL, assertClose } from './tolerance.js';

// The .npy check needs numpy; without it that one check is skipped (and says so), never passed silently.
const hasNumpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

let dir = '';
let models: { encoder: string; decoder: string };
const N = 50;
const pixels = Uint8Array.from({ length: N * 784 }, (_, i) => (i * 131 + (i >> 9)) % 256);
const labels = Uint8Array.from({ length: N }, (_, i) => i % 10);

function run(script: string, args: string[]) {
  const r = spawnSync(process.execPath, [`pipeline/${script}.js`, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function reference(): Promise<Float32Array> {
  const m = await openModel(models.encoder);
  return runBatch(
    m,
    Float32Array.from(pixels, (v) => v / 255),
    [N, 28, 28, 1],
  );
}

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'encode-test-'));
  models = await writeProjectModels(dir);
  await writeFile(join(dir, 't-images-idx3-ubyte'), encodeIdx([N, 28, 28], pixels));
  await writeFile(join(dir, 't-labels-idx1-ubyte'), encodeIdx([N], labels));
  await writeFile(join(dir, 'g-images-idx3-ubyte.gz'), gzipSync(encodeIdx([N, 28, 28], pixels)));
  await writeFile(join(dir, 'u8.npy'), Buffer.concat([npyHeader('uint8', [N, 28, 28]), pixels]));
  const f32 = Float32Array.from(pixels, (v) => v / 255);
  await writeFile(join(dir, 'f32.npy'), Buffer.concat([npyHeader('float32', [N, 28, 28, 1]), Buffer.from(f32.buffer)]));
});

test('idx input with labels: .npy, .csv and .jsonl outputs agree with onnxruntime and with each other', async (t) => {
  const ref = await reference();
  for (const ext of ['npy', 'csv', 'jsonl']) {
    const r = run('encode', [
      '--onnx',
      models.encoder,
      '--input',
      join(dir, 't-images-idx3-ubyte'),
      '--output',
      join(dir, `out.${ext}`),
      '--batch-size',
      '7',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /50 images .* images\/s/);
  }
  const npy = await readNpy(join(dir, 'out.npy'));
  assert.deepEqual(npy.info.shape, [N, 2]);
  assertClose(npy.data, ref, { atol: TOL.layerAbs }, 'encode CLI .npy codes vs onnxruntime');
  const csv = (await readFile(join(dir, 'out.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv[0], 'index,label,class,z0,z1');
  assert.equal(csv.length, N + 1);
  assert.match(csv[4]!, /^3,3,"Dress",/);
  const fromCsv = Float32Array.from(csv.slice(1).flatMap((l) => l.split(',').slice(3).map(Number)));
  assertClose(fromCsv, npy.data, { atol: TOL.textRoundTripAbs }, 'CSV codes vs .npy codes');
  const jsonl = (await readFile(join(dir, 'out.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { index: number; label: number; code: number[] });
  assert.deepEqual([jsonl[9]!.index, jsonl[9]!.label, jsonl[9]!.code.length], [9, 9, 2]);
  // numpy reads the .npy and it matches the CSV.
  if (!hasNumpy) return t.skip('python3-numpy is not installed');
  const py = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `import numpy as np; a=np.load('${join(dir, 'out.npy')}'); c=np.loadtxt('${join(dir, 'out.csv')}', delimiter=',', skiprows=1, usecols=(3,4)); print(a.dtype, a.shape, float(abs(a-c.astype(np.float32)).max()))`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(py.status, 0, `numpy could not read the files: ${py.stderr}`);
  assert.match(py.stdout, /^float32 \(50, 2\) \d/);
  assertClose(
    Number(py.stdout.trim().split(' ').pop()),
    0,
    { atol: TOL.textRoundTripAbs },
    'numpy: max |npy - float32(csv)|',
  );
});

test('gz idx, uint8 and float32 .npy, a PNG folder, a glob and one JPEG give the same codes', async () => {
  const ref = await reference();
  for (const input of ['g-images-idx3-ubyte.gz', 'u8.npy', 'f32.npy']) {
    const r = run('encode', ['--onnx', models.encoder, '--input', join(dir, input), '--output', join(dir, 'o.npy')]);
    assert.equal(r.code, 0, r.err);
    assertClose((await readNpy(join(dir, 'o.npy'))).data, ref, { atol: TOL.layerAbs }, `codes from ${input}`);
  }
  // Images: light-on-dark PNGs of the first 5 images come back to the same pixels.
  await mkdir(join(dir, 'pngs'));
  for (let i = 0; i < 5; i++) {
    const c = createCanvas(28, 28),
      ctx = c.getContext('2d'),
      img = ctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = pixels[i * 784 + p]!;
      img.data.set([v, v, v, 255], 4 * p);
    }
    ctx.putImageData(img, 0, 0);
    await writeFile(join(dir, 'pngs', `img${i}.png`), c.toBuffer('image/png'));
    if (i === 0) await writeFile(join(dir, 'one.jpg'), c.toBuffer('image/jpeg', 100));
  }
  await writeFile(join(dir, 'pngs', 'notes.txt'), 'not an image');
  const r = run('encode', [
    '--onnx',
    models.encoder,
    '--input',
    join(dir, 'pngs'),
    '--invert',
    'no',
    '--output',
    join(dir, 'img.csv'),
  ]);
  assert.equal(r.code, 0, r.err);
  const rows = (await readFile(join(dir, 'img.csv'), 'utf8')).trim().split('\n');
  assert.equal(rows[0], 'index,file,z0,z1');
  assert.equal(rows.length, 6);
  const codes = Float32Array.from(rows.slice(1).flatMap((l) => l.split(',').slice(2).map(Number)));
  assertClose(
    codes,
    ref.subarray(0, 10),
    { atol: TOL.pngCodeAbs },
    'codes of the PNG round trip (grey conversion rounds)',
  );
  const g = run('encode', [
    '--onnx',
    models.encoder,
    '--input',
    join(dir, 'pngs', 'img[0-2]*.png').replace('[0-2]', '?'),
    '--invert',
    'no',
    '--output',
    join(dir, 'glob.jsonl'),
  ]);
  assert.equal(g.code, 0, g.err);
  assert.equal((await readFile(join(dir, 'glob.jsonl'), 'utf8')).trim().split('\n').length, 5);
  const j = run('encode', [
    '--onnx',
    models.encoder,
    '--input',
    join(dir, 'one.jpg'),
    '--invert',
    'no',
    '--output',
    join(dir, 'jpg.npy'),
  ]);
  assert.equal(j.code, 0, j.err);
  const jpg = await readNpy(join(dir, 'jpg.npy'));
  assert.deepEqual(jpg.info.shape, [1, 2]);
  assertClose(jpg.data, ref.subarray(0, 2), { atol: TOL.jpegCodeAbs }, 'codes of the quality-100 JPEG of image 0');
});

test('decode: .npy and .csv codes to PNG files, a grid, and a walk', async () => {
  assert.equal(
    run('encode', [
      '--onnx',
      models.encoder,
      '--input',
      join(dir, 't-images-idx3-ubyte'),
      '--output',
      join(dir, 'd.npy'),
    ]).code,
    0,
  );
  assert.equal(
    run('encode', [
      '--onnx',
      models.encoder,
      '--input',
      join(dir, 't-images-idx3-ubyte'),
      '--output',
      join(dir, 'd.csv'),
    ]).code,
    0,
  );
  let r = run('decode', ['--onnx', models.decoder, '--input', join(dir, 'd.npy'), '--output', join(dir, 'decoded')]);
  assert.equal(r.code, 0, r.err);
  assert.equal((await readdir(join(dir, 'decoded'))).filter((f) => f.endsWith('.png')).length, N);
  r = run('decode', [
    '--onnx',
    models.decoder,
    '--input',
    join(dir, 'd.csv'),
    '--grid',
    '--output',
    join(dir, 'grid.png'),
  ]);
  assert.equal(r.code, 0, r.err);
  r = run('decode', ['--onnx', models.decoder, '--walk', '--steps', '5', '--output', join(dir, 'walk.png')]);
  assert.equal(r.code, 0, r.err);
  const png = await readFile(join(dir, 'walk.png'));
  assert.equal(png.readUInt32BE(16), 5 * 28 * 2, 'walk grid width');
});

test('bad input: a named error, exit 1, and no output file', async () => {
  await writeFile(join(dir, 'corrupt.onnx'), Buffer.from('this is not a protobuf model at all'));
  const i16 = Buffer.from(npyHeader('uint8', [2, 28, 28]))
    .toString('latin1')
    .replace("'|u1'", "'<i2'");
  await writeFile(join(dir, 'i16.npy'), Buffer.concat([Buffer.from(i16, 'latin1'), Buffer.alloc(2 * 784 * 2)]));
  await writeFile(join(dir, 'shape.npy'), Buffer.concat([npyHeader('uint8', [2, 27, 28]), Buffer.alloc(2 * 27 * 28)]));
  const nan = new Float32Array(2 * 784);
  nan[900] = NaN;
  await writeFile(join(dir, 'nan.npy'), Buffer.concat([npyHeader('float32', [2, 28, 28]), Buffer.from(nan.buffer)]));
  await mkdir(join(dir, 'broken-images'));
  await writeFile(join(dir, 'broken-images', 'a.png'), Buffer.from('not a png'));
  await writeFile(join(dir, 'broken-images', 'b.png'), await readFile(join(dir, 'pngs', 'img1.png')));
  const idx = join(dir, 't-images-idx3-ubyte');
  const cases: [string, string[], RegExp][] = [
    [
      'missing model',
      ['--onnx', join(dir, 'nope.onnx'), '--input', idx],
      /nope\.onnx: cannot read the ONNX model \(ENOENT\)/,
    ],
    ['corrupt model', ['--onnx', join(dir, 'corrupt.onnx'), '--input', idx], /corrupt\.onnx: not a valid ONNX model/],
    [
      'a decoder, not an encoder',
      ['--onnx', models.decoder, '--input', idx],
      /decoder\.onnx: not an encoder of 28x28x1 images: input "code" has shape \[batch, 2\]/,
    ],
    [
      'undecodable image',
      ['--onnx', models.encoder, '--input', join(dir, 'broken-images')],
      /a\.png: cannot decode image .*--skip-bad/,
    ],
    [
      'npy of the wrong dtype',
      ['--onnx', models.encoder, '--input', join(dir, 'i16.npy')],
      /i16\.npy: dtype <i2 is not supported/,
    ],
    [
      'npy of the wrong shape',
      ['--onnx', models.encoder, '--input', join(dir, 'shape.npy')],
      /shape\.npy: shape \[2, 27, 28\]; expected \[N, 28, 28\]/,
    ],
    [
      'NaN in the input',
      ['--onnx', models.encoder, '--input', join(dir, 'nan.npy')],
      /nan\.npy: NaN at image 1, pixel 116/,
    ],
    [
      'missing output folder',
      ['--onnx', models.encoder, '--input', idx, '--output', join(dir, 'no-such-dir', 'c.npy')],
      /cannot write to output folder .*no-such-dir/,
    ],
    [
      'batch size 0',
      ['--onnx', models.encoder, '--input', idx, '--batch-size', '0'],
      /--batch-size must be an integer in 1\.\.65536, got 0/,
    ],
    [
      'unknown output format',
      ['--onnx', models.encoder, '--input', idx, '--output', join(dir, 'c.txt')],
      /unknown format "\.txt"/,
    ],
  ];
  for (const [label, args, pattern] of cases) {
    const out = join(dir, `bad-${label.replace(/\W+/g, '-')}.npy`);
    const withOut = args.includes('--output') ? args : [...args, '--output', out];
    const r = run('encode', withOut);
    assert.equal(r.code, 1, `${label}: exit code ${r.code}`);
    assert.match(r.err, pattern, label);
    assert.doesNotMatch(r.err, /\n\s+at /, `${label}: no stack trace`);
    assert.ok(
      !(await readdir(dir)).some((f) => f.startsWith('bad-') || f.includes('.tmp-')),
      `${label}: no partial output`,
    );
  }
  const skipped = run('encode', [
    '--onnx',
    models.encoder,
    '--input',
    join(dir, 'broken-images'),
    '--skip-bad',
    '--output',
    join(dir, 'skip.csv'),
  ]);
  assert.equal(skipped.code, 0, skipped.err);
  assert.match(skipped.err, /skipped .*a\.png: .*cannot decode image/);
  assert.equal((await readFile(join(dir, 'skip.csv'), 'utf8')).trim().split('\n').length, 2);
  const badCodes = run('decode', ['--onnx', models.encoder, '--input', join(dir, 'd.npy'), '--output', join(dir, 'x')]);
  assert.equal(badCodes.code, 1);
  assert.match(badCodes.err, /encoder\.onnx: not a decoder/);
});

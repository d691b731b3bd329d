// Sharded encoding: N = 1, 2, 4, 7 shards merged are byte-identical to one unsharded run, for .npy, CSV and
// JSONL, from idx, .npy and image-folder inputs; --shard auto; and every bad shard set is refused by name.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createCanvas } from '@napi-rs/canvas';
import { encodeIdx } from '../src/data/idx.js';
import { npyHeader } from '../src/artifacts/npy.js';
import { encodeFile } from '../src/serve/encode.js';
import { mergeShards, parseShard, readEncodeRecord, shardRange } from '../src/serve/shards.js';
import { checkEncodeArgs } from '../src/serve/cli-checks.js';
import { decodeModel, encodeModel } from 'tfjs2onnx/onnx';
import { writeProjectModels } from './helpers/project-models.js';

let dir = '';
let models: { encoder: string; decoder: string };
const N = 45;
const pixels = Uint8Array.from({ length: N * 784 }, (_, i) => (i * 89 + (i >> 7)) % 256);

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [`pipeline/${script}.js`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, err: r.stderr };
}

/** Encodes `input` as `count` shards into `sub/part-i.ext` and returns their paths. */
async function shards(
  input: string,
  ext: string,
  count: number,
  sub: string,
  extra: { skipBad?: boolean; batchSize?: number } = {},
): Promise<string[]> {
  await mkdir(join(dir, sub), { recursive: true });
  const paths: string[] = [];
  for (let index = 0; index < count; index++) {
    const output = join(dir, sub, `part-${index}${ext}`);
    await encodeFile({
      onnx: models.encoder,
      input,
      output,
      shard: { index, count },
      batchSize: extra.batchSize ?? 4,
      skipBad: extra.skipBad,
      invert: 'no',
      threads: 1,
    });
    paths.push(output);
  }
  return paths;
}

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'shards-test-'));
  models = await writeProjectModels(dir);
  await writeFile(join(dir, 'x-images-idx3-ubyte'), encodeIdx([N, 28, 28], pixels));
  await writeFile(
    join(dir, 'x-labels-idx1-ubyte'),
    encodeIdx(
      [N],
      Uint8Array.from({ length: N }, (_, i) => i % 10),
    ),
  );
  await writeFile(join(dir, 'u8.npy'), Buffer.concat([npyHeader('uint8', [N, 28, 28]), pixels]));
  await mkdir(join(dir, 'pngs'));
  for (let i = 0; i < 9; i++) {
    const c = createCanvas(28, 28),
      ctx = c.getContext('2d'),
      img = ctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = pixels[i * 784 + p]!;
      img.data.set([v, v, v, 255], 4 * p);
    }
    ctx.putImageData(img, 0, 0);
    await writeFile(join(dir, 'pngs', `img${i}.png`), i === 3 ? Buffer.from('not a png') : c.toBuffer('image/png'));
  }
});

test('shard ranges: contiguous, cover the input once, sizes differ by at most one', () => {
  for (const [total, count] of [
    [45, 7],
    [3, 7],
    [1_000_000, 12],
    [0, 2],
  ] as const) {
    const ranges = Array.from({ length: count }, (_, index) => shardRange(total, { index, count }));
    assert.equal(ranges[0]!.start, 0);
    assert.equal(ranges.at(-1)!.end, total);
    ranges.slice(1).forEach((r, i) => assert.equal(r.start, ranges[i]!.end));
    const sizes = ranges.map((r) => r.end - r.start);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${total}/${count}: ${sizes}`);
  }
  assert.deepEqual(parseShard('3/7'), { index: 3, count: 7 });
  assert.deepEqual(parseShard('auto', { count: 4, env: { JOB_COMPLETION_INDEX: '2' } }), { index: 2, count: 4 });
  const bad: [string, { count?: number; env?: Record<string, string> }, RegExp][] = [
    ['7/7', {}, /index must be in 0\.\.6 for 7 shards, got 7/],
    ['1/0', {}, /shard count must be in 1\.\.100000, got 0/],
    ['-1/4', {}, /expected I\/N/],
    ['1/2/3', {}, /expected I\/N/],
    ['auto', { env: { JOB_COMPLETION_INDEX: '1' } }, /--shard auto needs --shard-count/],
    ['auto', { count: 4, env: {} }, /JOB_COMPLETION_INDEX is not set/],
    ['auto', { count: 4, env: { JOB_COMPLETION_INDEX: '4' } }, /index must be in 0\.\.3 for 4 shards, got 4/],
    ['auto', { count: 4, env: { JOB_COMPLETION_INDEX: 'x' } }, /JOB_COMPLETION_INDEX is "x", not a whole number/],
  ];
  for (const [text, o, pattern] of bad) assert.throws(() => parseShard(text, o), pattern, text);
  // The CLI's flag check: the index of auto comes later, from the pod's environment.
  assert.equal(checkEncodeArgs({ output: 'c.npy', 'batch-size': 8, shard: 'auto', 'shard-count': 4 }), true);
  assert.throws(
    () => checkEncodeArgs({ output: 'c.npy', 'batch-size': 8, 'shard-count': 4 }),
    /--shard-count goes with --shard auto/,
  );
  assert.throws(() => checkEncodeArgs({ output: 'c.npy', 'batch-size': 8, shard: '2/2' }), /index must be in 0\.\.1/);
});

test('N = 1, 2, 4, 7 shards merge byte-identical to one run: .npy, CSV and JSONL', async () => {
  const input = join(dir, 'x-images-idx3-ubyte');
  for (const ext of ['.npy', '.csv', '.jsonl']) {
    const whole = join(dir, `whole${ext}`);
    await encodeFile({ onnx: models.encoder, input, output: whole, batchSize: 5, threads: 1 });
    const expected = await readFile(whole);
    for (const count of [1, 2, 4, 7]) {
      // Another batch size on purpose: a row's code must not depend on its batch.
      const parts = await shards(input, ext, count, `idx-${count}${ext}`);
      const merged = join(dir, `merged-${count}${ext}`);
      const r = await mergeShards([...parts].reverse(), merged);
      assert.equal(r.rows, N);
      assert.ok((await readFile(merged)).equals(expected), `${ext}, ${count} shards: byte-identical`);
    }
  }
});

test('every encode run writes its record: counts, timing and peak memory (what bench reads)', async () => {
  const input = join(dir, 'x-images-idx3-ubyte');
  const out = join(dir, 'recorded.npy');
  const r = await encodeFile({ onnx: models.encoder, input, output: out, batchSize: 7, threads: 1 });
  const rec = await readEncodeRecord(out);
  assert.deepEqual(rec.shard, { index: 0, count: 1 }, 'an unsharded run is shard 0 of 1');
  assert.deepEqual(rec.range, { start: 0, end: N });
  assert.equal(rec.rows, N);
  assert.equal(rec.output.bytes, (await readFile(out)).length);
  const run = rec.run!;
  assert.equal(run.images, N);
  assert.equal(run.batchSize, 7);
  assert.equal(run.skipped, 0);
  assert.equal(run.seconds, r.seconds);
  assert.equal(run.peakRssBytes, r.peakRssBytes);
  assert.ok(run.peakRssBytes > 0 && run.processCpuSeconds > 0 && run.imagesPerSec > 0, JSON.stringify(run));
  // A hand-edited record is refused by name.
  await writeFile(`${out}.shard.json`, JSON.stringify({ ...rec, run: { ...run, peakRssBytes: 'lots' } }));
  await assert.rejects(readEncodeRecord(out), /recorded\.npy\.shard\.json: "run" needs finite numbers/);
});

test('uint8 .npy and an image folder with a skipped file merge byte-identical too', async () => {
  const npy = join(dir, 'u8.npy');
  await encodeFile({ onnx: models.encoder, input: npy, output: join(dir, 'u8-whole.npy') });
  await mergeShards(await shards(npy, '.npy', 4, 'u8'), join(dir, 'u8-merged.npy'));
  assert.ok((await readFile(join(dir, 'u8-merged.npy'))).equals(await readFile(join(dir, 'u8-whole.npy'))));
  // img3.png cannot be decoded: rows after it are numbered one lower in both runs.
  const pngs = join(dir, 'pngs');
  for (const ext of ['.csv', '.jsonl']) {
    const whole = join(dir, `png-whole${ext}`);
    await encodeFile({ onnx: models.encoder, input: pngs, output: whole, skipBad: true, invert: 'no' });
    await mergeShards(await shards(pngs, ext, 4, `png${ext}`, { skipBad: true }), join(dir, `png-merged${ext}`));
    const text = await readFile(join(dir, `png-merged${ext}`), 'utf8');
    assert.equal(text, await readFile(whole, 'utf8'), ext);
    assert.equal(text.trim().split('\n').length, ext === '.csv' ? 9 : 8);
  }
});

test('CLI: --shard auto from JOB_COMPLETION_INDEX, merge, and bad shard sets refused with one line, exit 1, no output', async () => {
  const input = join(dir, 'x-images-idx3-ubyte');
  await mkdir(join(dir, 'cli'));
  for (let i = 0; i < 3; i++) {
    const r = run(
      'encode',
      [
        '--onnx',
        models.encoder,
        '--input',
        input,
        '--output',
        join(dir, 'cli', `p${i}.csv`),
        '--shard',
        'auto',
        '--shard-count',
        '3',
      ],
      { JOB_COMPLETION_INDEX: String(i) },
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`shard ${i} of 3: images \\[${shardRange(N, { index: i, count: 3 }).start}, `));
  }
  const p = (i: number) => join(dir, 'cli', `p${i}.csv`);
  const ok = run('merge', ['-o', join(dir, 'cli', 'all.csv'), p(0), p(1), p(2)]);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(await readFile(join(dir, 'cli', 'all.csv'), 'utf8'), await readFile(join(dir, 'whole.csv'), 'utf8'));

  // Shards of another input, another model, another count; a changed shard; a record that is missing.
  const other = join(dir, 'other-images-idx3-ubyte');
  await writeFile(
    other,
    encodeIdx(
      [N, 28, 28],
      pixels.map((v) => 255 - v),
    ),
  );
  await encodeFile({
    onnx: models.encoder,
    input: other,
    output: join(dir, 'cli', 'other1.csv'),
    shard: { index: 1, count: 3 },
  });
  const otherModel = join(dir, 'other-encoder.onnx');
  const m = decodeModel(await readFile(models.encoder));
  m.metadataProps.push({ key: 'note', value: 'the same graph, other bytes' });
  await writeFile(otherModel, encodeModel(m));
  await encodeFile({ onnx: otherModel, input, output: join(dir, 'cli', 'model1.csv'), shard: { index: 1, count: 3 } });
  await encodeFile({
    onnx: models.encoder,
    input,
    output: join(dir, 'cli', 'four1.csv'),
    shard: { index: 1, count: 4 },
  });
  await encodeFile({ onnx: models.encoder, input, output: join(dir, 'cli', 'p1.npy'), shard: { index: 1, count: 3 } });
  await copyFile(p(2), join(dir, 'cli', 'changed2.csv'));
  await copyFile(`${p(2)}.shard.json`, join(dir, 'cli', 'changed2.csv.shard.json'));
  await writeFile(join(dir, 'cli', 'changed2.csv'), (await readFile(p(2), 'utf8')).replace(/,(-?\d)/, ',9$1'));
  await copyFile(p(1), join(dir, 'cli', 'norecord1.csv'));
  const c = (f: string) => join(dir, 'cli', f);
  const cases: [string, string[], RegExp][] = [
    ['missing shard', [p(0), p(2)], /1 of 3 shards missing \(index 1\)/],
    ['duplicate shard', [p(0), p(1), p(1), p(2)], /p1\.csv and .*p1\.csv are both shard 1 of 3/],
    [
      'another input',
      [p(0), c('other1.csv'), p(2)],
      /other1\.csv: a shard of another input \(other-images-idx3-ubyte, 45 images/,
    ],
    ['another model', [p(0), c('model1.csv'), p(2)], /model1\.csv: encoded with another model/],
    ['another shard count', [p(0), c('four1.csv'), p(2)], /four1\.csv: shard 1 of 4, but .*p0\.csv is one of 3/],
    ['another format', [p(0), c('p1.npy'), p(2)], /p1\.npy: a \.npy shard cannot be merged into \.csv/],
    ['changed after encode', [p(0), p(1), c('changed2.csv')], /changed2\.csv: changed since encode wrote it/],
    ['no record', [p(0), c('norecord1.csv'), p(2)], /norecord1\.csv: no shard record norecord1\.csv\.shard\.json/],
    ['output exists', [p(0), p(1), p(2)], /--output .*exists\.csv exists; pass --force/],
  ];
  await writeFile(c('exists.csv'), 'keep me');
  for (const [label, inputs, pattern] of cases) {
    const out = label === 'output exists' ? c('exists.csv') : c(`bad-${label.replace(/\W+/g, '-')}.csv`);
    const r = run('merge', ['-o', out, ...inputs]);
    assert.equal(r.code, 1, `${label}: exit code`);
    assert.match(r.err, pattern, label);
    assert.equal(r.err.trim().split('\n').length, 1, `${label}: one line: ${r.err}`);
    assert.ok(
      !(await readdir(join(dir, 'cli'))).some((f) => f.startsWith('bad-') || f.includes('.tmp-')),
      `${label}: nothing written`,
    );
  }
  assert.equal(await readFile(c('exists.csv'), 'utf8'), 'keep me');
  const badShard = run('encode', [
    '--onnx',
    models.encoder,
    '--input',
    input,
    '--output',
    c('bad-s.csv'),
    '--shard',
    '3/3',
  ]);
  assert.equal(badShard.code, 1);
  assert.match(badShard.err, /--shard: the index must be in 0\.\.2 for 3 shards, got 3/);
  const noEnv = run(
    'encode',
    ['--onnx', models.encoder, '--input', input, '--output', c('bad-s.csv'), '--shard', 'auto', '--shard-count', '2'],
    { JOB_COMPLETION_INDEX: '' },
  );
  assert.equal(noEnv.code, 1);
  assert.match(noEnv.err, /JOB_COMPLETION_INDEX is not set/);
  assert.ok(!(await readdir(join(dir, 'cli'))).some((f) => f.startsWith('bad-')));
});

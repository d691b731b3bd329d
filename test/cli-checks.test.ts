// The CLIs' argument rules, called as functions (no process spawned): each bad flag gives its named error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTrainArgs } from '../src/train/cli-checks.js';
import { checkDecodeArgs, checkEncodeArgs } from '../src/serve/cli-checks.js';
import { parseTfjs2onnxArgs } from 'tfjs2onnx/cli';

test('train: --filters, --decoder-filters, --hidden, --threads, --limit and --seed', () => {
  assert.equal(checkTrainArgs({ filters: '16,32', 'decoder-filters': '8,16', hidden: '128,64', threads: 2 }), true);
  assert.equal(checkTrainArgs({ threads: 1 }), true);
  assert.throws(
    () => checkTrainArgs({ filters: '16', threads: 1 }),
    /^Error: --filters must look like "16,32", got "16"$/,
  );
  assert.throws(
    () => checkTrainArgs({ 'decoder-filters': '8,x', threads: 1 }),
    /--decoder-filters must look like "16,32", got "8,x"/,
  );
  assert.throws(
    () => checkTrainArgs({ hidden: '1,2,3,4,5', threads: 1 }),
    /--hidden must look like "128,64" \(1 to 4 sizes\), got "1,2,3,4,5"/,
  );
  assert.throws(() => checkTrainArgs({ threads: 0 }), /--threads must be a positive integer, got 0/);
  assert.throws(() => checkTrainArgs({ threads: 1.5 }), /--threads must be a positive integer, got 1\.5/);
  assert.throws(() => checkTrainArgs({ threads: 1, limit: 10 }), /--limit must be an integer >= 20, got 10/);
  assert.throws(
    () => checkTrainArgs({ threads: 1, seed: 1.5 }),
    /--seed must be an integer in 0\.\.2147483647, got 1\.5/,
  );
  assert.equal(checkTrainArgs({ threads: 1, limit: 20, seed: 0 }), true);
});

test('encode: --output format and --batch-size range', () => {
  assert.equal(checkEncodeArgs({ output: 'codes.npy', 'batch-size': 256 }), true);
  assert.throws(
    () => checkEncodeArgs({ output: 'codes.txt', 'batch-size': 256 }),
    /--output codes\.txt: unknown format "\.txt"; use \.npy, \.csv, \.jsonl/,
  );
  assert.throws(
    () => checkEncodeArgs({ output: 'codes.csv', 'batch-size': 0 }),
    /--batch-size must be an integer in 1\.\.65536, got 0/,
  );
});

test('decode: --input or --walk, .png for --grid/--walk, --range, --steps and --scale', () => {
  const ok = { output: 'out', grid: false, walk: false, steps: 20 };
  assert.equal(checkDecodeArgs({ ...ok, input: 'c.npy' }), true);
  assert.equal(checkDecodeArgs({ ...ok, walk: true, output: 'w.png', range: '-1.5,2,-3e-1,4' }), true);
  assert.throws(() => checkDecodeArgs(ok), /give --input codes\.npy\|codes\.csv, or --walk/);
  assert.throws(
    () => checkDecodeArgs({ ...ok, input: 'c.npy', walk: true, output: 'w.png' }),
    /--walk decodes a grid of its own; drop --input/,
  );
  assert.throws(
    () => checkDecodeArgs({ ...ok, input: 'c.npy', grid: true }),
    /with --grid or --walk, --output must be a \.png file, got out/,
  );
  assert.throws(
    () => checkDecodeArgs({ ...ok, walk: true, output: 'w.png', range: '1,2,3' }),
    /--range takes four finite numbers x0,x1,y0,y1 .*e\.g\. --range -10,10,-20,5; got 1,2,3/,
  );
  assert.throws(
    () => checkDecodeArgs({ ...ok, walk: true, output: 'w.png', range: '0,1e999,0,1' }),
    /--range takes four finite numbers/,
  );
  assert.throws(
    () => checkDecodeArgs({ ...ok, walk: true, output: 'w.png', range: '1,1,0,1' }),
    /with x0 != x1 and y0 != y1/,
  );
  assert.throws(
    () => checkDecodeArgs({ ...ok, walk: true, output: 'w.png', range: '0,,0,1' }),
    /--range takes four finite numbers/,
  );
  for (const scale of [0, -2, 65, 1.5])
    assert.throws(
      () => checkDecodeArgs({ ...ok, input: 'c.npy', scale }),
      new RegExp(`--scale must be an integer in 1\\.\\.64, got ${scale}`),
    );
  assert.equal(checkDecodeArgs({ ...ok, input: 'c.npy', scale: 64 }), true);
  assert.throws(
    () => checkDecodeArgs({ ...ok, input: 'c.npy', steps: 101 }),
    /--steps must be an integer in 2\.\.100, got 101/,
  );
});

test('tfjs2onnx: --batch, --meta, --opset and the one model.json', () => {
  const ok = ['m.json', '-o', 'm.onnx'];
  const a = parseTfjs2onnxArgs([...ok, '--batch', '8', '--meta', 'a=b=c', '--opset', '17']);
  assert.deepEqual([a?.model, a?.output, a?.options.batch, a?.options.opset], ['m.json', 'm.onnx', 8, 17]);
  assert.deepEqual(a?.options.metadata, { a: 'b=c' });
  assert.equal(parseTfjs2onnxArgs([...ok])?.options.batch, 'dynamic');
  assert.equal(parseTfjs2onnxArgs(['--help']), null);
  assert.throws(
    () => parseTfjs2onnxArgs([...ok, '--batch', '0']),
    /--batch must be "dynamic" or a positive integer, got "0"/,
  );
  assert.throws(() => parseTfjs2onnxArgs([...ok, '--meta', 'novalue']), /--meta takes key=value, got "novalue"/);
  assert.throws(() => parseTfjs2onnxArgs([...ok, '--opset', '10']), /--opset must be an integer in 11\.\.21, got 10/);
  assert.throws(() => parseTfjs2onnxArgs(['m.json']), /--output \(-o\) is required/);
  assert.throws(() => parseTfjs2onnxArgs([]), /expected one model.json, got 0/);
  assert.throws(() => parseTfjs2onnxArgs([...ok, '--frm', 'x']), /Unknown option '--frm'/);
});

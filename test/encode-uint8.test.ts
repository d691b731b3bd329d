// The encoder's uint8 variant (src/runtime/uint8-input.ts) against the float model on real test images:
// the scale folded into the first Conv agrees within the parity bar (TOL.modelAbs); the Div fallback is bit-identical.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../src/data/dataset.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { scalePixels } from '../src/data/pixels.js';
import { decodeModel, encodeModel, onnx } from 'tfjs2onnx/onnx';
import { inspectOnnx } from 'tfjs2onnx/onnx';
import { openModel, runBatch } from '../src/runtime/ort-session.js';
import { UINT8_INPUT_NAME, uint8InputVariant } from '../src/runtime/uint8-input.js';
import { writeProjectModels } from './helpers/project-models.js';
import { TOL, maxAbsDiff } from './tolerance.js';

let dir = '';
let encoder = '';
let bytes = new Uint8Array(0);
const COUNT = 2000;

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'uint8-test-'));
  encoder = (await writeProjectModels(dir)).encoder;
  const data = await loadDataset(DEFAULT_DATA_DIR, { which: 'test' });
  bytes = data.test.images.pixels.slice(0, COUNT * 784);
});

async function codes(path: string, inputType: 'float32' | 'uint8'): Promise<Float32Array> {
  const m = await openModel(path, { threads: 1, inputType });
  try {
    return await runBatch(m, inputType === 'uint8' ? bytes : scalePixels(bytes), [COUNT, 28, 28, 1]);
  } finally {
    await m.session.release();
  }
}

test('folded variant: one Cast in front, no Div, codes within tolerance of the float model; the file is untouched', async () => {
  const before = await readFile(encoder);
  const variant = decodeModel(uint8InputVariant(before, encoder));
  assert.deepEqual(
    variant.graph!.input!.map((i) => [i.name, i.type!.tensorType!.elemType]),
    [[UINT8_INPUT_NAME, onnx.TensorProto.DataType.UINT8]],
  );
  assert.equal(variant.graph!.node![0]!.opType, 'Cast');
  assert.ok(!variant.graph!.node!.some((n) => n.opType === 'Div'), 'the scale is folded');
  const diff = maxAbsDiff(await codes(encoder, 'uint8'), await codes(encoder, 'float32'));
  assert.ok(diff.max <= TOL.modelAbs, `max abs diff ${diff.max} at ${diff.index}`);
  assert.ok((await readFile(encoder)).equals(before));
  assert.equal((await inspectOnnx(encoder)).inputs[0]!.name, 'image');
});

test('unfoldable graph (the input read twice): Cast + Div, bit-identical to the float model', async () => {
  const m = decodeModel(await readFile(encoder));
  const g = m.graph!;
  // A second consumer of the input: an extra output that echoes it.
  g.node = [...g.node!, onnx.NodeProto.create({ opType: 'Identity', input: ['image'], output: ['echo'] })];
  g.output = [...g.output!, onnx.ValueInfoProto.create({ name: 'echo', type: g.input![0]!.type })];
  const path = join(dir, 'echo.onnx');
  await writeFile(path, encodeModel(m));
  const variant = decodeModel(uint8InputVariant(await readFile(path), path));
  assert.deepEqual(
    variant.graph!.node!.slice(0, 2).map((n) => n.opType),
    ['Cast', 'Div'],
  );
  const a = await codes(path, 'uint8'),
    b = await codes(path, 'float32');
  assert.ok(
    a.every((v, i) => Object.is(v, b[i])),
    'bit-identical',
  );
});

test('a model without one float input has no uint8 variant', async () => {
  const m = decodeModel(await readFile(encoder));
  m.graph!.input![0]!.type!.tensorType!.elemType = onnx.TensorProto.DataType.DOUBLE;
  assert.throws(() => uint8InputVariant(encodeModel(m), 'd.onnx'), /d\.onnx: input "image" is not float32/);
});

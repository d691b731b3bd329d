// The Triton model repository: every config.pbtxt parses against Triton's model_config.proto and matches
// its model.onnx; a corrupt or mismatched config, and a model Triton cannot batch, are caught.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DescMessage } from '@bufbuild/protobuf';
import {
  DEFAULT_TRITON_BATCHING,
  TRITON_MODELS,
  batchingFromBench,
  writeTritonRepository,
} from '../src/export/triton.js';
import { decodeModel, encodeModel } from 'tfjs2onnx/onnx';
import { writeProjectModels } from './helpers/project-models.js';
import { checkTritonConfig, loadModelConfigSchema } from './helpers/triton-config.js';

let dir = '';
let schema: DescMessage;

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'triton-test-'));
  await writeProjectModels(dir);
  schema = loadModelConfigSchema();
});

test('each config.pbtxt parses against model_config.proto and matches its model; model.onnx is the exported file', async () => {
  const repo = await writeTritonRepository(dir);
  for (const name of TRITON_MODELS) {
    const text = await readFile(join(repo, name, 'config.pbtxt'), 'utf8');
    const onnx = await readFile(join(repo, name, '1', 'model.onnx'));
    assert.ok(onnx.equals(await readFile(join(dir, `${name}.onnx`))), `${name}: model.onnx is the exported file`);
    const cfg = checkTritonConfig(schema, text, onnx, { source: `${name}/config.pbtxt`, folder: name });
    assert.equal(cfg.maxBatchSize, DEFAULT_TRITON_BATCHING.maxBatchSize);
    assert.deepEqual(cfg.dynamicBatching?.preferredBatchSize, DEFAULT_TRITON_BATCHING.preferredBatchSizes);
    assert.deepEqual(
      cfg.instanceGroup?.map((g) => g.kind),
      ['KIND_CPU'],
    );
  }
  const enc = checkTritonConfig(
    schema,
    await readFile(join(repo, 'encoder', 'config.pbtxt'), 'utf8'),
    await readFile(join(dir, 'encoder.onnx')),
    { source: 'e', folder: 'encoder' },
  );
  assert.deepEqual(enc.input, [{ name: 'image', dataType: 'TYPE_FP32', dims: ['28', '28', '1'] }]);
  assert.deepEqual(enc.output, [{ name: 'code', dataType: 'TYPE_FP32', dims: ['2'] }]);
});

test('a corrupt or mismatched config is caught, naming what is wrong', async () => {
  const repo = join(dir, 'triton');
  const text = await readFile(join(repo, 'encoder', 'config.pbtxt'), 'utf8');
  const onnx = await readFile(join(repo, 'encoder', '1', 'model.onnx'));
  const cases: [string, string, RegExp][] = [
    ['truncated', text.slice(0, text.indexOf('output [') + 12), /not a valid inference\.ModelConfig/],
    ['unknown field', text.replace('max_batch_size', 'max_batch'), /not a valid inference\.ModelConfig/],
    ['unknown enum value', text.replace('KIND_CPU', 'KIND_TPU'), /not a valid inference\.ModelConfig/],
    [
      'wrong type',
      text.replace('TYPE_FP32', 'TYPE_FP16'),
      /input "image" is TYPE_FP16 but model\.onnx has ONNX element type 1 \(TYPE_FP32\)/,
    ],
    [
      'batch in dims',
      text.replace('dims: [ 28, 28, 1 ]', 'dims: [ -1, 28, 28, 1 ]'),
      /input "image" has dims \[-1, 28, 28, 1\] but model\.onnx has \[batch, 28, 28, 1\]/,
    ],
    ['wrong output shape', text.replace('dims: [ 2 ]', 'dims: [ 3 ]'), /output "code" has dims \[3\]/],
    [
      'wrong input name',
      text.replace('name: "image"', 'name: "pixels"'),
      /inputs \[pixels\] but model\.onnx has \[image\]/,
    ],
    ['no batching', text.replace(/max_batch_size: \d+/, 'max_batch_size: 0'), /max_batch_size 0/],
    [
      'preferred above max',
      text.replace(/max_batch_size: \d+/, 'max_batch_size: 512'),
      /preferred_batch_size \[256, 1024\] outside 1\.\.max_batch_size 512/,
    ],
    ['wrong platform', text.replace('onnxruntime_onnx', 'tensorflow_savedmodel'), /platform "tensorflow_savedmodel"/],
  ];
  for (const [label, bad, pattern] of cases) {
    assert.notEqual(bad, text, `${label}: the case changes the text`);
    assert.throws(
      () => checkTritonConfig(schema, bad, onnx, { source: 'encoder/config.pbtxt', folder: 'encoder' }),
      (e: Error) => {
        assert.match(e.message, /^encoder\/config\.pbtxt: /, label);
        assert.match(e.message, pattern, label);
        assert.ok(!e.message.includes('\n'), `${label}: one line`);
        return true;
      },
      label,
    );
  }
  // The decoder's config does not describe the encoder.
  const dec = await readFile(join(repo, 'decoder', 'config.pbtxt'), 'utf8');
  assert.throws(
    () => checkTritonConfig(schema, dec.replace('"decoder"', '"encoder"'), onnx, { source: 'x', folder: 'encoder' }),
    /inputs \[code\] but model\.onnx has \[image\]/,
  );
});

test('a model with a fixed batch dimension is refused, and nothing is written', async () => {
  const fixed = join(dir, 'fixed');
  await import('node:fs/promises').then((fs) => fs.mkdir(fixed));
  for (const name of TRITON_MODELS) {
    const m = decodeModel(await readFile(join(dir, `${name}.onnx`)));
    const dim = m.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!;
    if (name === 'decoder') {
      dim.dimParam = '';
      dim.dimValue = 1;
    }
    await writeFile(join(fixed, `${name}.onnx`), encodeModel(m));
  }
  await assert.rejects(
    writeTritonRepository(fixed),
    /decoder\.onnx: input "code" has shape \[1, 2\]; Triton batches only models whose every input and output has a variable first dimension/,
  );
  await assert.rejects(readFile(join(fixed, 'triton', 'encoder', 'config.pbtxt')), /ENOENT/);
});

test('batching from a bench result: the best batch and a quarter of it, half a batch time of delay', () => {
  assert.deepEqual(batchingFromBench(1024, 256000), {
    maxBatchSize: 4096,
    preferredBatchSizes: [256, 1024],
    maxQueueDelayMicroseconds: 2000,
  });
  assert.deepEqual(batchingFromBench(1, 30000), {
    maxBatchSize: 8,
    preferredBatchSizes: [1],
    maxQueueDelayMicroseconds: 100,
  });
  assert.throws(() => batchingFromBench(0, 1000), /best batch 0/);
});

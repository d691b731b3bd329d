// Whole models: the shape and layout bugs that once slipped through, several inputs and outputs, shared
// layers, nested models, and realistic architectures, each vs tfjs at batch 1 and 3.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { checkModel, modelArtifacts, randomizeWeights, type CheckOptions } from './helpers/convert-compare.js';
import { tfjsToOnnx } from 'tfjs2onnx';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

type T = tf.SymbolicTensor;
const L = tf.layers;

async function expectMatch(label: string, model: tf.LayersModel, opts: CheckOptions = {}) {
  randomizeWeights(model, label.length);
  const r = await checkModel(model, opts);
  assert.ok(r.worst <= 1, `${label}: error ${r.worst} x tolerance`);
  return r;
}

test('Flatten with data_format channels_first matches tfjs (was converted as a plain Flatten)', async () => {
  await expectMatch(
    'conv flatten(cf) dense',
    tf.sequential({
      layers: [
        L.conv2d({ inputShape: [6, 5, 2], filters: 3, kernelSize: 3, padding: 'same' }),
        L.flatten({ dataFormat: 'channelsFirst' }),
        L.dense({ units: 4 }),
      ],
    }),
  );
  await expectMatch(
    'flatten(cf) rank 3',
    tf.sequential({ layers: [L.flatten({ inputShape: [4, 3], dataFormat: 'channelsFirst' })] }),
    {},
  );
});

function resnetBlock(batchInputShape: (number | null)[]) {
  const x = tf.input({ batchShape: batchInputShape });
  let y = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as T;
  y = L.batchNormalization({}).apply(y) as T;
  y = L.reLU({}).apply(y) as T;
  y = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(y) as T;
  const shortcut = L.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as T;
  const out = L.activation({ activation: 'relu' }).apply(L.add().apply([y, shortcut]) as T) as T;
  return tf.model({ inputs: x, outputs: L.globalAveragePooling2d({}).apply(out) as T });
}

test('a fixed model batch with merges converts (was "needs inputs of one shape"); ResNet block with and without', async () => {
  const fixed = resnetBlock([1, 6, 6, 3]);
  // The graph batch is the converter's option: dynamic by default, or fixed.
  await expectMatch('resnet fixed batch, dynamic graph', fixed, { batches: [1] });
  await expectMatch('resnet fixed batch, fixed graph', fixed, { batch: 1 });
  await expectMatch('resnet dynamic batch', resnetBlock([null, 6, 6, 3]));
  await expectMatch('resnet dynamic batch, graph batch 3', resnetBlock([null, 6, 6, 3]), { batch: 3, opset: 17 });
});

test('merges that broadcast: squeeze-and-excitation gate, rank-2 into rank-4, Average/Maximum', async () => {
  const x = tf.input({ shape: [5, 5, 6] });
  const squeeze = L.globalAveragePooling2d({}).apply(x) as T;
  const gate = L.dense({ units: 6, activation: 'sigmoid' }).apply(
    L.dense({ units: 2, activation: 'relu' }).apply(squeeze) as T,
  ) as T;
  const gate4 = L.reshape({ targetShape: [1, 1, 6] }).apply(gate) as T;
  const se = L.multiply().apply([x, gate4]) as T;
  const r = await expectMatch('SE block', tf.model({ inputs: x, outputs: se }));
  assert.ok((r.opTypes.Mul ?? 0) >= 1);
  // A [N, C] value into a [N, H, W, C] merge: tfjs inserts the axes after the batch.
  const ranked = L.add().apply([x, gate]) as T;
  const avg = L.average().apply([x, gate4]) as T;
  const max = L.maximum().apply([x, gate4]) as T;
  await expectMatch(
    'rank-2 into rank-4 add, average, maximum',
    tf.model({ inputs: x, outputs: L.concatenate().apply([ranked, avg, max]) as T }),
    { opset: 11 },
  );
});

test('the CLI summary shows the fixed batch; the library entry converts without files', async () => {
  const model = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 2 })] });
  const { json, weights } = await modelArtifacts(model);
  const lib = tfjsToOnnx(JSON.stringify(json), [weights.slice(0, 8).buffer, weights.slice(8)], { batch: 3 });
  assert.deepEqual(lib.summary.inputs[0]!.shape, [3, 3]);
  assert.match(lib.summary.text, /\[3,3\] -> .* \[3,2\]/);
  assert.ok(lib.onnx.length > 0);
  const dir = await mkdtemp(join(tmpdir(), 'tfjs2onnx-'));
  try {
    await writeFile(join(dir, 'weights.bin'), weights);
    await writeFile(
      join(dir, 'model.json'),
      JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0]!, paths: ['weights.bin'] }] }),
    );
    const { stdout } = await promisify(execFile)(process.execPath, [
      'pipeline/tfjs2onnx.js',
      join(dir, 'model.json'),
      '-o',
      join(dir, 'm.onnx'),
      '--batch',
      '3',
    ]);
    assert.match(stdout, /\[3,3\] -> \S+ \[3,2\]/);
    assert.ok(!/\[N,/.test(stdout), stdout);
    assert.equal(stdout.trim().replace(/^.*?\.onnx: /, ''), lib.summary.text);
    assert.ok((await readFile(join(dir, 'm.onnx'))).length > 100);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('several inputs and outputs named after the model; shared layers; nested models inlined', async () => {
  const a = tf.input({ shape: [4], name: 'features' });
  const b = tf.input({ shape: [4], name: 'context' });
  const shared = L.dense({ units: 3, activation: 'tanh', name: 'shared' });
  const ha = shared.apply(a) as T,
    hb = shared.apply(b) as T;
  const score = L.dense({ units: 1, name: 'score' }).apply(L.concatenate().apply([ha, hb])) as T;
  const diff = L.dense({ units: 2, name: 'diff' }).apply(L.add().apply([ha, hb])) as T;
  const model = tf.model({ inputs: [a, b], outputs: [score, diff] });
  const r = await expectMatch('two in, two out, shared', model);
  const { json, weights } = await modelArtifacts(model);
  const s = tfjsToOnnx(json, weights).summary;
  assert.deepEqual(
    s.inputs.map((i) => i.name),
    ['features', 'context'],
  );
  assert.deepEqual(
    s.outputs.map((o) => o.name),
    ['score', 'diff'],
  );
  assert.equal(r.opTypes.Gemm, 4, 'the shared Dense is used twice');

  const inner = tf.sequential({
    name: 'inner_seq',
    layers: [L.dense({ inputShape: [3], units: 4, activation: 'relu' }), L.dense({ units: 2 })],
  });
  const outer = tf.sequential({
    layers: [L.dense({ inputShape: [5], units: 3 }), inner, L.activation({ activation: 'sigmoid' })],
  });
  await expectMatch('nested sequential', outer);
  const fi = tf.input({ shape: [3] });
  const innerFn = tf.model({ name: 'inner_fn', inputs: fi, outputs: L.dense({ units: 2 }).apply(fi) as T });
  const x = tf.input({ shape: [3] });
  const twice = L.add().apply([innerFn.apply(x) as T, innerFn.apply(L.dense({ units: 3 }).apply(x) as T) as T]) as T;
  await expectMatch('nested functional called twice', tf.model({ inputs: x, outputs: twice }));
});

test('realistic architectures: MobileNet-v1 block, U-Net, text classifier, sequence models, VAE encoder', async () => {
  const mob = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [12, 12, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
      L.batchNormalization({}),
      L.reLU({ maxValue: 6 }),
      L.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false }),
      L.batchNormalization({}),
      L.reLU({ maxValue: 6 }),
      L.conv2d({ filters: 16, kernelSize: 1, useBias: false }),
      L.batchNormalization({}),
      L.reLU({ maxValue: 6 }),
      L.globalAveragePooling2d({}),
      L.dense({ units: 5, activation: 'softmax' }),
    ],
  });
  await expectMatch('mobilenet v1 block', mob);

  const ui = tf.input({ shape: [16, 16, 1] });
  const c1 = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(ui) as T;
  const p1 = L.maxPooling2d({ poolSize: 2 }).apply(c1) as T;
  const c2 = L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(p1) as T;
  const u1 = L.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2, padding: 'same' }).apply(c2) as T;
  const m1 = L.concatenate().apply([u1, c1]) as T;
  const uo = L.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }).apply(
    L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(m1) as T,
  ) as T;
  await expectMatch('small U-Net', tf.model({ inputs: ui, outputs: uo }));

  const text = tf.sequential({
    layers: [
      L.embedding({ inputShape: [12], inputDim: 50, outputDim: 8 }),
      L.conv1d({ filters: 6, kernelSize: 3, activation: 'relu' }),
      L.maxPooling1d({ poolSize: 2 }),
      L.globalMaxPooling1d({}),
      L.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  await expectMatch('embedding + conv1d classifier', text, { ints: 50 });

  await expectMatch(
    'LSTM sequence model',
    tf.sequential({
      layers: [
        L.lstm({ inputShape: [7, 3], units: 5, returnSequences: true }),
        L.lstm({ units: 4 }),
        L.dense({ units: 2 }),
      ],
    }),
  );
  await expectMatch(
    'GRU sequence model',
    tf.sequential({
      layers: [
        L.gru({ inputShape: [7, 3], units: 5, returnSequences: true }),
        L.timeDistributed({ layer: L.dense({ units: 2 }) }),
      ],
    }),
  );
  await expectMatch(
    'bidirectional LSTM',
    tf.sequential({
      layers: [
        L.embedding({ inputShape: [9], inputDim: 20, outputDim: 4 }),
        L.bidirectional({ layer: L.lstm({ units: 3, returnSequences: true }) as tf.RNN }),
        L.bidirectional({ layer: L.lstm({ units: 2 }) as tf.RNN, mergeMode: 'sum' }),
        L.dense({ units: 1, activation: 'sigmoid' }),
      ],
    }),
    { ints: 20 },
  );

  const vi = tf.input({ shape: [8, 8, 1], name: 'image' });
  let h = L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(vi) as T;
  h = L.dense({ units: 8, activation: 'relu' }).apply(L.flatten().apply(h) as T) as T;
  const mean = L.dense({ units: 2, name: 'z_mean' }).apply(h) as T;
  const logVar = L.dense({ units: 2, name: 'z_log_var' }).apply(h) as T;
  const vae = tf.model({ inputs: vi, outputs: [mean, logVar] });
  const r = await expectMatch('two-output VAE encoder', vae, { opset: 17 });
  assert.equal(r.outputShapes.length, 2);
});

test('RNN states: return_state outputs and initial states from other layers (an encoder-decoder)', async () => {
  const enc = tf.input({ shape: [5, 3], name: 'source' });
  const dec = tf.input({ shape: [4, 2], name: 'target' });
  const [, h, c] = L.lstm({ units: 3, returnState: true }).apply(enc) as T[];
  const seq = L.lstm({ units: 3, returnSequences: true }).apply(dec, { initialState: [h!, c!] }) as T;
  const [last, gh] = L.gru({ units: 2, returnState: true }).apply(seq) as T[];
  const model = tf.model({ inputs: [enc, dec], outputs: [L.dense({ units: 2 }).apply(seq) as T, last!, gh!] });
  const r = await expectMatch('seq2seq with states', model, { opset: 13 });
  assert.equal(r.outputShapes.length, 3);
});

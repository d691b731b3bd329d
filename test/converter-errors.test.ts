// Random stacks of supported layers, and every unsupported case with its named error.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { convertAndCompare, modelArtifacts, randomizeWeights } from './helpers/convert-compare.js';
import { convertLayersModel, type TfjsModelJson } from 'tfjs2onnx';
import { seededRandom } from '../src/util/random.js';
import { TOL } from './tolerance.js';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

test('random stacks of supported layers match tfjs', async () => {
  const rand = seededRandom(2024);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const acts = ['relu', 'sigmoid', 'tanh', 'elu', 'linear', 'selu', 'softplus'] as const;
  for (let trial = 0; trial < 12; trial++) {
    const layers: tf.layers.Layer[] = [tf.layers.inputLayer({ inputShape: [12, 12, 1 + Math.floor(rand() * 3)] })];
    let side = 12;
    const depth = 2 + Math.floor(rand() * 4);
    for (let i = 0; i < depth; i++) {
      const kind = pick(['conv', 'conv', 'deconv', 'pool', 'bn', 'up', 'act', 'dropout'] as const);
      if (kind === 'conv') {
        const s = side >= 6 ? pick([1, 2]) : 1;
        layers.push(
          tf.layers.conv2d({
            filters: 1 + Math.floor(rand() * 6),
            kernelSize: pick([1, 3, 5]),
            strides: s,
            padding: 'same',
            activation: pick(acts),
          }),
        );
        side = Math.ceil(side / s);
      } else if (kind === 'deconv' && side <= 12) {
        layers.push(
          tf.layers.conv2dTranspose({
            filters: 1 + Math.floor(rand() * 4),
            kernelSize: pick([2, 3, 4]),
            strides: 2,
            padding: 'same',
            activation: pick(acts),
          }),
        );
        side *= 2;
      } else if (kind === 'pool' && side >= 4) {
        layers.push(
          pick([tf.layers.maxPooling2d, tf.layers.averagePooling2d])({
            poolSize: 2,
            padding: pick(['same', 'valid'] as const),
          }),
        );
        side = Math.floor(side / 2);
      } else if (kind === 'bn') layers.push(tf.layers.batchNormalization({}));
      else if (kind === 'up' && side <= 12) {
        layers.push(tf.layers.upSampling2d({ size: [2, 2] }));
        side *= 2;
      } else if (kind === 'act') layers.push(tf.layers.activation({ activation: pick(acts) }));
      else layers.push(tf.layers.dropout({ rate: 0.3 }));
    }
    if (rand() < 0.6)
      layers.push(tf.layers.flatten(), tf.layers.dense({ units: 1 + Math.floor(rand() * 5), activation: pick(acts) }));
    const model = tf.sequential({ layers });
    randomizeWeights(model, trial);
    const r = await convertAndCompare(model, { seed: trial });
    assert.ok(
      r.maxAbs <= TOL.layerAbs,
      `trial ${trial} (${layers.map((l) => l.getClassName()).join(' > ')}): max abs ${r.maxAbs}`,
    );
  }
});

async function artifactsOf(layers: tf.layers.Layer[], inputShape: number[]) {
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape }), ...layers] });
  return modelArtifacts(model);
}

function layerConfigs(json: TfjsModelJson): Record<string, unknown>[] {
  return (json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers.map(
    (l) => l.config,
  );
}

const convert = (a: { json: TfjsModelJson; weights: Uint8Array }) =>
  convertLayersModel(a.json, a.weights, { source: 'm.json' });

test('an unsupported layer is named with its class', async () => {
  const a = await artifactsOf([tf.layers.convLstm2d({ filters: 2, kernelSize: 3, name: 'clstm' })], [3, 5, 5, 1]);
  assert.throws(() => convert(a), /m\.json: layer "clstm" \(ConvLSTM2D\) is not supported; supported layers: .*Conv2D/);
});

test('an unsupported activation names the layer and the activation', async () => {
  const a = await artifactsOf([tf.layers.dense({ units: 2, name: 'd1' })], [3]);
  layerConfigs(a.json)[1]!.activation = 'sinh';
  assert.throws(() => convert(a), /layer "d1" \(Dense\): unsupported activation "sinh"/);
});

test('unsupported options are named: channels_first, causal padding, dilated transpose, bilinear-only options', async () => {
  const conv = await artifactsOf([tf.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c1' })], [6, 6, 1]);
  layerConfigs(conv.json)[1]!.data_format = 'channels_first';
  assert.throws(() => convert(conv), /layer "c1" \(Conv2D\): unsupported data_format "channels_first"/);
  layerConfigs(conv.json)[1]!.data_format = 'channels_last';
  layerConfigs(conv.json)[1]!.padding = 'causal';
  assert.throws(() => convert(conv), /layer "c1" \(Conv2D\): unsupported padding "causal"/);
  const deconv = await artifactsOf([tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, name: 't1' })], [6, 6, 1]);
  layerConfigs(deconv.json)[1]!.dilation_rate = [2, 2];
  assert.throws(() => convert(deconv), /layer "t1" \(Conv2DTranspose\): unsupported dilation_rate \[2,2\]/);
  const up = await artifactsOf([tf.layers.upSampling2d({ name: 'u1' })], [4, 4, 1]);
  layerConfigs(up.json)[1]!.interpolation = 'bicubic';
  assert.throws(() => convert(up), /layer "u1" \(UpSampling2D\): unsupported interpolation "bicubic"/);
  assert.throws(
    () => convertLayersModel(up.json, up.weights, { source: 'm.json', opset: 10 }),
    /--opset must be an integer in 11\.\.21, got 10/,
  );
});

test('broken weights and quantized weights are named errors; a nested model as first layer converts', async () => {
  const a = await artifactsOf([tf.layers.dense({ units: 2, name: 'd1' })], [3]);
  assert.throws(
    () => convertLayersModel(a.json, a.weights.subarray(0, 8), { source: 'm.json' }),
    /m\.json: weight data ends at byte 8/,
  );
  const q = structuredClone(a.json);
  (q.weightsManifest[0]!.weights[0] as { quantization?: unknown }).quantization = { dtype: 'uint8', scale: 1, min: 0 };
  assert.throws(() => convertLayersModel(q, a.weights, { source: 'm.json' }), /weight d1\/kernel is quantized/);
  const inner = tf.sequential({ name: 'inner', layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
  const outer = tf.sequential({ layers: [inner] });
  const nested = await modelArtifacts(outer);
  assert.deepEqual(convert(nested).outputShape, [null, 2]);
});

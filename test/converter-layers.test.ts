// Every layer mapping of the converter: tfjs (cpu backend, the reference) vs onnxruntime-node.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { convertAndCompare, randomizeWeights } from './helpers/convert-compare.js';
import { TOL } from './tolerance.js';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

async function check(
  label: string,
  layers: tf.layers.Layer[],
  inputShape: number[],
  opts: Parameters<typeof convertAndCompare>[1] = {},
) {
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape }), ...layers] });
  randomizeWeights(model, label.length);
  const r = await convertAndCompare(model, opts);
  assert.ok(r.maxAbs <= TOL.layerAbs, `${label}: max abs error ${r.maxAbs}`);
  return r;
}

test('Dense with every supported activation', async () => {
  for (const activation of [
    'linear',
    'relu',
    'relu6',
    'sigmoid',
    'tanh',
    'softmax',
    'elu',
    'selu',
    'softplus',
    'softsign',
    'hardSigmoid',
    'swish',
    'mish',
  ] as const) {
    await check(`dense ${activation}`, [tf.layers.dense({ units: 5, activation })], [7]);
  }
  await check('dense no bias', [tf.layers.dense({ units: 4, useBias: false })], [6]);
  const r = await check('dense on rank 3', [tf.layers.dense({ units: 3, activation: 'relu' })], [4, 6]);
  assert.equal(r.opTypes.MatMul, 1);
});

test('Conv2D: kernels, strides, same/valid, dilation, channels', async () => {
  for (const [k, s, pad, cin, f, d] of [
    [3, 1, 'same', 1, 4, 1],
    [3, 2, 'same', 3, 5, 1],
    [5, 2, 'valid', 2, 3, 1],
    [1, 1, 'valid', 8, 2, 1],
    [3, 3, 'same', 4, 4, 1],
    [4, 2, 'same', 2, 6, 1],
    [3, 1, 'same', 3, 3, 2],
    [2, 3, 'valid', 1, 2, 1],
  ] as const) {
    await check(
      `conv2d k${k} s${s} ${pad} c${cin}->${f} d${d}`,
      [tf.layers.conv2d({ filters: f, kernelSize: k, strides: s, padding: pad, dilationRate: d, activation: 'relu' })],
      [11, 10, cin],
    );
  }
  await check(
    'conv2d strides [2,1]',
    [tf.layers.conv2d({ filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same' })],
    [9, 8, 2],
  );
});

test('Conv2DTranspose: kernels, strides, same/valid (cropped, never asymmetric pads)', async () => {
  for (const [k, s, pad] of [
    [3, 2, 'same'],
    [3, 2, 'valid'],
    [4, 2, 'same'],
    [5, 3, 'same'],
    [3, 1, 'same'],
    [2, 2, 'valid'],
    [2, 3, 'valid'],
    [5, 2, 'valid'],
    [1, 2, 'same'],
  ] as const) {
    const r = await check(
      `conv2dTranspose k${k} s${s} ${pad}`,
      [tf.layers.conv2dTranspose({ filters: 3, kernelSize: k, strides: s, padding: pad, activation: 'sigmoid' })],
      [5, 6, 2],
    );
    assert.ok(r.opTypes.ConvTranspose === 1);
  }
});

test('Flatten then Dense keeps the channels-last order; Reshape back to an image', async () => {
  const r = await check(
    'conv flatten dense',
    [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 6 }),
    ],
    [8, 8, 2],
  );
  assert.equal(r.opTypes.Transpose, 1, 'one transpose into the conv; the Dense absorbs the channel-major Flatten');
  const one = await check(
    '1-channel conv flatten dense dropout',
    [
      tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 5, activation: 'relu' }),
    ],
    [7, 9, 1],
  );
  assert.equal(one.opTypes.Transpose, undefined, 'one input channel: the layout change is a Reshape');
  // A flattened NCHW value read by something other than a Dense gets its channels-last order back.
  const act = await check(
    'conv flatten activation',
    [
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }),
      tf.layers.flatten(),
      tf.layers.activation({ activation: 'sigmoid' }),
    ],
    [4, 5, 2],
  );
  assert.equal(act.opTypes.Transpose, 2);
  await check(
    'dense reshape conv',
    [
      tf.layers.dense({ units: 48 }),
      tf.layers.reshape({ targetShape: [4, 4, 3] }),
      tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }),
    ],
    [5],
  );
  await check('reshape with -1', [tf.layers.reshape({ targetShape: [-1, 3] })], [4, 4, 3]);
});

test('conv chains stay NCHW: no transposes between consecutive convolutions', async () => {
  const r = await check(
    'conv chain',
    [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
      tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
    ],
    [8, 8, 1],
  );
  assert.equal(r.opTypes.Transpose, 1, 'only back to channels-last at the end (the 1-channel input is reshaped)');
  assert.equal(r.opTypes.Reshape, 1);
});

test('pooling: max and average, same/valid, strides; global pooling', async () => {
  for (const [p, s, pad] of [
    [2, null, 'valid'],
    [3, 2, 'same'],
    [3, 1, 'same'],
    [2, 3, 'valid'],
  ] as const) {
    const opts = { poolSize: p, strides: s ?? undefined, padding: pad };
    await check(`max pool ${p}/${s}/${pad}`, [tf.layers.maxPooling2d(opts)], [9, 7, 3]);
    await check(`avg pool ${p}/${s}/${pad}`, [tf.layers.averagePooling2d(opts)], [9, 7, 3]);
  }
  await check('global average pool', [tf.layers.globalAveragePooling2d({})], [5, 6, 4]);
  await check('global max pool', [tf.layers.globalMaxPooling2d({})], [5, 6, 4]);
});

test('UpSampling2D nearest and bilinear', async () => {
  await check('upsample 2x2', [tf.layers.upSampling2d({ size: [2, 2] })], [4, 5, 3]);
  await check('upsample 3x2', [tf.layers.upSampling2d({ size: [3, 2] })], [4, 5, 2]);
  await check('upsample bilinear', [tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' })], [4, 5, 2]);
});

test('BatchNormalization (inference) after conv and dense; center/scale off', async () => {
  await check(
    'bn conv',
    [tf.layers.conv2d({ filters: 3, kernelSize: 3 }), tf.layers.batchNormalization({})],
    [6, 6, 2],
  );
  await check('bn dense', [tf.layers.dense({ units: 4 }), tf.layers.batchNormalization({ epsilon: 0.01 })], [3]);
  await check('bn no center/scale', [tf.layers.batchNormalization({ center: false, scale: false })], [5]);
});

test('training-only layers are the identity; activation layers', async () => {
  await check(
    'dropout',
    [tf.layers.dense({ units: 4 }), tf.layers.dropout({ rate: 0.5 }), tf.layers.gaussianNoise({ stddev: 1 })],
    [3],
  );
  await check(
    'activation layers',
    [
      tf.layers.conv2d({ filters: 3, kernelSize: 3 }),
      tf.layers.activation({ activation: 'tanh' }),
      tf.layers.reLU({ maxValue: 0.3 }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.elu({}),
      tf.layers.softmax({ axis: -1 }),
    ],
    [6, 6, 2],
  );
  await check('softmax layer, tfjs default axis', [tf.layers.dense({ units: 3 }), tf.layers.softmax({})], [4]);
});

test('functional graphs: Add, Concatenate, Multiply, Average, Maximum, Minimum', async () => {
  const input = tf.input({ shape: [6, 6, 2] });
  const a = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
  const cat = tf.layers
    .concatenate({ axis: -1 })
    .apply([sum, b, tf.layers.multiply().apply([a, b]) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const avg = tf.layers
    .average()
    .apply([
      tf.layers.maximum().apply([a, b]) as tf.SymbolicTensor,
      tf.layers.minimum().apply([a, b]) as tf.SymbolicTensor,
    ]) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(tf.layers.concatenate().apply([cat, avg])) as tf.SymbolicTensor;
  const d1 = tf.layers.dense({ units: 4 }).apply(flat) as tf.SymbolicTensor;
  const out = tf.layers
    .concatenate({ axis: 1 })
    .apply([d1, tf.layers.dense({ units: 2 }).apply(flat) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  randomizeWeights(model, 42);
  const r = await convertAndCompare(model);
  assert.ok(r.maxAbs <= TOL.layerAbs, `max abs ${r.maxAbs}`);
  assert.deepEqual(r.outputShape, [3, 6]);
});

test('opsets 11, 13 and 17 and a fixed batch', async () => {
  const layers = () => [
    tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
    tf.layers.upSampling2d({}),
    tf.layers.flatten(),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ];
  for (const opset of [11, 13, 17]) await check(`opset ${opset}`, layers(), [8, 8, 1], { opset });
  await check('fixed batch', layers(), [8, 8, 1], { batch: 3 });
});

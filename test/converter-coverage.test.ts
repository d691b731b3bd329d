// The layer classes beyond the autoencoder's: each converted model vs tfjs (cpu backend) on random inputs
// at batch 1 and 3, within TOL.layerAbs x max(1, |output|).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { checkModel, modelArtifacts, randomizeWeights, type CheckOptions } from './helpers/convert-compare.js';
import { convertLayersModel } from 'tfjs2onnx';
import { maxAbsDiff, TOL } from './tolerance.js';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

async function check(
  label: string,
  layers: tf.layers.Layer[],
  inputShape: number[],
  opts: CheckOptions & { dtype?: 'float32' | 'int32' } = {},
) {
  const { dtype, ...rest } = opts;
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape, dtype }), ...layers] });
  randomizeWeights(model, label.length);
  for (const opset of rest.opset ? [rest.opset] : [11, 17]) {
    const r = await checkModel(model, { ...rest, opset });
    assert.ok(r.worst <= 1, `${label} (opset ${opset}): error ${r.worst} x tolerance`);
  }
}

test('DepthwiseConv2D and SeparableConv2D: multipliers, strides, dilation, same/valid', async () => {
  await check(
    'depthwise m1',
    [tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6' })],
    [7, 6, 3],
  );
  await check(
    'depthwise m2 s2 valid',
    [tf.layers.depthwiseConv2d({ kernelSize: [3, 2], depthMultiplier: 2, strides: 2 })],
    [9, 8, 2],
  );
  await check(
    'depthwise no bias',
    [tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false })],
    [8, 8, 2],
  );
  await check(
    'separable',
    [tf.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu' })],
    [6, 7, 3],
  );
  await check('separable s2', [tf.layers.separableConv2d({ filters: 5, kernelSize: 3, strides: 2 })], [9, 9, 2]);
});

test('ZeroPadding2D, Cropping2D, Rescaling, Resizing, CenterCrop', async () => {
  await check(
    'zero padding',
    [
      tf.layers.zeroPadding2d({
        padding: [
          [1, 2],
          [0, 3],
        ],
      }),
      tf.layers.conv2d({ filters: 2, kernelSize: 3 }),
    ],
    [5, 4, 2],
  );
  await check('zero padding int', [tf.layers.zeroPadding2d({ padding: 2 })], [3, 4, 1]);
  await check(
    'cropping',
    [
      tf.layers.conv2d({ filters: 2, kernelSize: 1 }),
      tf.layers.cropping2D({
        cropping: [
          [1, 0],
          [2, 1],
        ],
      }),
    ],
    [6, 7, 2],
  );
  await check('rescaling', [tf.layers.rescaling({ scale: 1 / 255, offset: -0.5 })], [4, 4, 3]);
  // tfjs's Resizing fails inside model.predict (it passes its input list to the op): the layer itself is the reference.
  for (const interpolation of ['bilinear', 'nearest'] as const) {
    for (const [h, w, inShape, crop] of [
      [7, 9, [4, 5, 2], false],
      [3, 2, [8, 7, 2], false],
      [6, 5, [4, 7, 1], true],
    ] as const) {
      const layer = tf.layers.resizing({ height: h, width: w, interpolation, cropToAspectRatio: crop });
      const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [...inShape] }), layer] });
      const { json, weights } = await modelArtifacts(model);
      const r = convertLayersModel(json, weights, { source: 'resizing' });
      const session = await ort.InferenceSession.create(r.bytes);
      const x = tf.randomUniform([3, ...inShape], -1, 1, 'float32', 5);
      const expected = (layer.apply(x) as tf.Tensor).dataSync();
      const got = (
        await session.run({ [r.inputName]: new ort.Tensor('float32', x.dataSync() as Float32Array, [3, ...inShape]) })
      )[r.outputName]!;
      assert.deepEqual(got.dims, [3, h, w, inShape[2]]);
      assert.ok(
        maxAbsDiff(got.data as Float32Array, expected).max <= TOL.layerAbs,
        `resizing ${interpolation} to ${h}x${w}`,
      );
    }
  }
  await check('center crop', [tf.layers.centerCrop({ height: 4, width: 3 })], [8, 7, 2]);
  await check('center crop odd', [tf.layers.centerCrop({ height: 5, width: 6 })], [9, 7, 1]);
  await check('center crop upsize', [tf.layers.centerCrop({ height: 6, width: 8 })], [4, 5, 2]);
});

test('Embedding with float and int32 inputs; Conv1D, 1-D pooling', async () => {
  await check('embedding float', [tf.layers.embedding({ inputDim: 11, outputDim: 4 }), tf.layers.flatten()], [6], {
    ints: 11,
  });
  await check('embedding int32', [tf.layers.embedding({ inputDim: 9, outputDim: 3 })], [5], {
    ints: 9,
    dtype: 'int32',
  });
  for (const outputMode of ['multiHot', 'count'] as const) {
    await check(
      `category encoding ${outputMode}`,
      [tf.layers.categoryEncoding({ numTokens: 7, outputMode }), tf.layers.dense({ units: 2 })],
      [5],
      { ints: 7 },
    );
  }
  await check('category encoding int32', [tf.layers.categoryEncoding({ numTokens: 4, outputMode: 'multiHot' })], [3], {
    ints: 4,
    dtype: 'int32',
  });
  await check('int32 into dense', [tf.layers.dense({ units: 3 })], [4], { ints: 5, dtype: 'int32' });
  for (const padding of ['same', 'valid'] as const) {
    await check(
      `conv1d ${padding}`,
      [tf.layers.conv1d({ filters: 4, kernelSize: 3, padding, activation: 'tanh' })],
      [10, 3],
    );
  }
  await check('conv1d s2 d1', [tf.layers.conv1d({ filters: 3, kernelSize: 2, strides: 2 })], [9, 2]);
  await check(
    'conv1d dilated',
    [tf.layers.conv1d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' })],
    [9, 2],
  );
  await check(
    'pool1d',
    [tf.layers.maxPooling1d({ poolSize: 2 }), tf.layers.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' })],
    [9, 3],
  );
  await check(
    'global pool1d',
    [tf.layers.conv1d({ filters: 3, kernelSize: 3 }), tf.layers.globalAveragePooling1d({})],
    [8, 2],
  );
  await check(
    'conv1d bn softmax',
    [
      tf.layers.conv1d({ filters: 3, kernelSize: 3 }),
      tf.layers.batchNormalization({}),
      tf.layers.softmax({ axis: -1 }),
      tf.layers.conv1d({ filters: 2, kernelSize: 1 }),
    ],
    [7, 2],
  );
  await check(
    'conv3d prelu rescaling',
    [tf.layers.conv3d({ filters: 2, kernelSize: 1 }), tf.layers.prelu({}), tf.layers.rescaling({ scale: 2 })],
    [3, 3, 3, 2],
  );
  await check('global max pool1d', [tf.layers.globalMaxPooling1d({})], [8, 2]);
});

test('LSTM, GRU, SimpleRNN: sequences, last step, go_backwards, activations; RNN with a cell', async () => {
  for (const [name, make] of [
    ['lstm', tf.layers.lstm],
    ['gru', tf.layers.gru],
    ['simpleRNN', tf.layers.simpleRNN],
  ] as const) {
    await check(`${name} last`, [make({ units: 4 })], [5, 3]);
    await check(`${name} seq`, [make({ units: 3, returnSequences: true })], [6, 2]);
    await check(`${name} backwards seq`, [make({ units: 3, returnSequences: true, goBackwards: true })], [5, 2]);
    await check(
      `${name} backwards last, relu, no bias`,
      [make({ units: 2, goBackwards: true, activation: 'relu', useBias: false })],
      [4, 3],
    );
  }
  await check(
    'lstm sigmoid recurrent',
    [tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true }), tf.layers.lstm({ units: 2 })],
    [5, 2],
  );
  await check(
    'rnn lstm cell',
    [tf.layers.rnn({ cell: tf.layers.lstmCell({ units: 3 }), returnSequences: true })],
    [4, 2],
  );
  await check('rnn gru cell', [tf.layers.rnn({ cell: tf.layers.gruCell({ units: 3 }) })], [4, 2]);
});

test('Bidirectional in every merge mode; TimeDistributed', async () => {
  for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
    await check(
      `bidirectional lstm ${mergeMode}`,
      [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, returnSequences: true }) as tf.RNN, mergeMode })],
      [5, 2],
    );
  }
  await check(
    'bidirectional gru last',
    [tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }) as tf.RNN })],
    [4, 3],
  );
  await check(
    'time distributed dense',
    [tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3, activation: 'relu' }) })],
    [4, 5],
  );
  await check(
    'time distributed conv',
    [tf.layers.timeDistributed({ layer: tf.layers.conv2d({ filters: 2, kernelSize: 3 }) })],
    [3, 5, 5, 1],
  );
});

test('LayerNormalization, PReLU, ThresholdedReLU, Permute, RepeatVector, Masking', async () => {
  await check('layer norm', [tf.layers.dense({ units: 6 }), tf.layers.layerNormalization({})], [4]);
  await check(
    'layer norm rank 4',
    [tf.layers.conv2d({ filters: 3, kernelSize: 3 }), tf.layers.layerNormalization({ epsilon: 0.01, center: false })],
    [5, 5, 2],
  );
  await check('prelu', [tf.layers.conv2d({ filters: 3, kernelSize: 3 }), tf.layers.prelu({})], [5, 5, 2]);
  await check('prelu shared', [tf.layers.prelu({ sharedAxes: [1, 2] })], [4, 5, 3]);
  await check('thresholded relu', [tf.layers.thresholdedReLU({ theta: 0.2 })], [7]);
  await check('permute', [tf.layers.permute({ dims: [2, 1] }), tf.layers.dense({ units: 2 })], [4, 5]);
  await check(
    'permute rank 4',
    [tf.layers.conv2d({ filters: 3, kernelSize: 1 }), tf.layers.permute({ dims: [3, 1, 2] })],
    [4, 5, 2],
  );
  await check(
    'repeat vector',
    [
      tf.layers.dense({ units: 3 }),
      tf.layers.repeatVector({ n: 4 }),
      tf.layers.lstm({ units: 2, returnSequences: true }),
    ],
    [5],
  );
  await check('masking', [tf.layers.masking({ maskValue: 0 }), tf.layers.dense({ units: 2 })], [4, 3], { ints: 2 });
});

test('3-D layers: Conv3D, Conv3DTranspose, 3-D pooling', async () => {
  await check(
    'conv3d',
    [tf.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' })],
    [4, 5, 5, 2],
  );
  await check('conv3d s2 valid', [tf.layers.conv3d({ filters: 2, kernelSize: [2, 3, 3], strides: 2 })], [5, 6, 7, 1]);
  await check(
    'conv3d transpose same',
    [tf.layers.conv3dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' })],
    [3, 3, 4, 2],
  );
  await check(
    'conv3d transpose valid',
    [tf.layers.conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2 })],
    [2, 3, 3, 1],
  );
  await check(
    'pool3d',
    [tf.layers.maxPooling3d({ poolSize: 2 }), tf.layers.averagePooling3d({ poolSize: 2, strides: 1, padding: 'same' })],
    [4, 4, 6, 2],
  );
});

test('activations gelu, gelu_new, logSoftmax', async () => {
  for (const activation of ['gelu', 'gelu_new', 'logSoftmax'] as const) {
    await check(`dense ${activation}`, [tf.layers.dense({ units: 5, activation: activation as 'relu' })], [4]);
  }
  await check(
    'conv logSoftmax',
    [tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'logSoftmax' as 'relu' })],
    [5, 5, 2],
  );
});

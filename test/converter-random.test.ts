// Seeded random models: 100+ functional graphs mixing the supported classes, with branches and merges
// (broadcasting ones included), fixed and dynamic batch, opsets 11..21, each vs tfjs within
// TOL.layerAbs x max(1, |output|) at batch 1 and 3 (the fixed batch: at that size only).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { checkModel, randomizeWeights } from './helpers/convert-compare.js';
import { seededRandom } from '../src/util/random.js';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

type T = tf.SymbolicTensor;
const L = tf.layers;

/** A random image model: convolutional stages, a residual or SE branch now and then, a head. */
function imageModel(rand: () => number, fixedBatch: boolean): tf.LayersModel {
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rand() * xs.length)]!;
  const acts = ['relu', 'relu6', 'tanh', 'sigmoid', 'elu', 'selu', 'swish', 'gelu', 'linear'] as const;
  const side = pick([6, 8]),
    ch = 1 + Math.floor(rand() * 3);
  const input = tf.input(fixedBatch ? { batchShape: [1, side, side, ch] } : { shape: [side, side, ch] });
  let x: T = input,
    s = side,
    c = ch;
  const depth = 2 + Math.floor(rand() * 4);
  for (let i = 0; i < depth; i++) {
    const kind = pick([
      'conv',
      'depthwise',
      'separable',
      'bn',
      'pool',
      'pad',
      'crop',
      'residual',
      'se',
      'prelu',
      'rescale',
      'up',
      'act',
      'branch',
    ] as const);
    if (kind === 'conv') {
      c = 1 + Math.floor(rand() * 5);
      x = L.conv2d({ filters: c, kernelSize: pick([1, 3]), padding: 'same', activation: pick(acts) as 'relu' }).apply(
        x,
      ) as T;
    } else if (kind === 'depthwise') {
      const m = pick([1, 2]);
      x = L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: m }).apply(x) as T;
      c *= m;
    } else if (kind === 'separable') {
      c = 1 + Math.floor(rand() * 4);
      x = L.separableConv2d({ filters: c, kernelSize: 3, padding: 'same' }).apply(x) as T;
    } else if (kind === 'bn') x = L.batchNormalization({}).apply(x) as T;
    else if (kind === 'pool' && s >= 4) {
      x = pick([L.maxPooling2d, L.averagePooling2d])({ poolSize: 2 }).apply(x) as T;
      s = Math.floor(s / 2);
    } else if (kind === 'pad') {
      x = L.zeroPadding2d({ padding: 1 }).apply(x) as T;
      s += 2;
    } else if (kind === 'crop' && s >= 4) {
      x = L.cropping2D({ cropping: 1 }).apply(x) as T;
      s -= 2;
    } else if (kind === 'residual') {
      const y = L.conv2d({ filters: c, kernelSize: 3, padding: 'same' }).apply(x) as T;
      x = pick([L.add, L.maximum, L.minimum, L.average, L.multiply])({}).apply([x, y]) as T;
    } else if (kind === 'se') {
      const g = L.dense({ units: c, activation: 'sigmoid' }).apply(L.globalAveragePooling2d({}).apply(x) as T) as T;
      // Broadcasting merges: [N, C] or [N, 1, 1, C] against [N, H, W, C].
      x = pick([L.multiply, L.add])({}).apply([
        x,
        rand() < 0.5 ? g : (L.reshape({ targetShape: [1, 1, c] }).apply(g) as T),
      ]) as T;
    } else if (kind === 'prelu') x = L.prelu({}).apply(x) as T;
    else if (kind === 'rescale') x = L.rescaling({ scale: 0.5, offset: 0.25 }).apply(x) as T;
    else if (kind === 'up' && s <= 8) {
      x = L.upSampling2d({ size: [2, 2] }).apply(x) as T;
      s *= 2;
    } else if (kind === 'act') x = L.activation({ activation: pick(acts) as 'relu' }).apply(x) as T;
    else if (kind === 'branch') {
      const a = L.conv2d({ filters: 2, kernelSize: 1 }).apply(x) as T;
      const b = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(x) as T;
      x = L.concatenate().apply([a, b]) as T;
      c = 5;
    }
  }
  const head = pick(['flatten', 'gap', 'gmp', 'image', 'flatten_cf'] as const);
  let out: T;
  if (head === 'image') out = x;
  else {
    const f =
      head === 'gap'
        ? (L.globalAveragePooling2d({}).apply(x) as T)
        : head === 'gmp'
          ? (L.globalMaxPooling2d({}).apply(x) as T)
          : (L.flatten(head === 'flatten_cf' ? { dataFormat: 'channelsFirst' } : {}).apply(x) as T);
    out = L.dense({
      units: 1 + Math.floor(rand() * 4),
      activation: pick(['softmax', 'linear', 'sigmoid'] as const),
    }).apply(f) as T;
  }
  return tf.model({ inputs: input, outputs: out });
}

/** A random sequence model: Conv1D / pooling / recurrent layers / LayerNormalization, a head. */
function sequenceModel(rand: () => number, fixedBatch: boolean): { model: tf.LayersModel; ints?: number } {
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rand() * xs.length)]!;
  const steps = pick([5, 6, 8]);
  const embed = rand() < 0.3;
  const input = tf.input(
    fixedBatch ? { batchShape: [1, ...(embed ? [steps] : [steps, 3])] } : { shape: embed ? [steps] : [steps, 3] },
  );
  let x: T = embed ? (L.embedding({ inputDim: 12, outputDim: 4 }).apply(input) as T) : input;
  let t = steps;
  for (let i = 0, n = 1 + Math.floor(rand() * 3); i < n; i++) {
    const kind = pick(['conv1d', 'pool1d', 'lstm', 'gru', 'rnn', 'bi', 'ln', 'td'] as const);
    if (kind === 'conv1d')
      x = L.conv1d({
        filters: 1 + Math.floor(rand() * 4),
        kernelSize: pick([1, 3]),
        padding: 'same',
        activation: 'relu',
      }).apply(x) as T;
    else if (kind === 'pool1d' && t >= 4) {
      x = pick([L.maxPooling1d, L.averagePooling1d])({ poolSize: 2 }).apply(x) as T;
      t = Math.floor(t / 2);
    } else if (kind === 'lstm')
      x = L.lstm({ units: 1 + Math.floor(rand() * 4), returnSequences: true, goBackwards: rand() < 0.3 }).apply(x) as T;
    else if (kind === 'gru') x = L.gru({ units: 1 + Math.floor(rand() * 4), returnSequences: true }).apply(x) as T;
    else if (kind === 'rnn')
      x = L.simpleRNN({ units: 1 + Math.floor(rand() * 4), returnSequences: true }).apply(x) as T;
    else if (kind === 'bi')
      x = L.bidirectional({
        layer: L.lstm({ units: 2, returnSequences: true }) as tf.RNN,
        mergeMode: pick(['concat', 'sum', 'ave', 'mul'] as const),
      }).apply(x) as T;
    else if (kind === 'ln') x = L.layerNormalization({}).apply(x) as T;
    else x = L.timeDistributed({ layer: L.dense({ units: 3 }) }).apply(x) as T;
  }
  const head = pick(['lstm', 'gap', 'flatten'] as const);
  const f =
    head === 'lstm'
      ? (L.gru({ units: 3 }).apply(x) as T)
      : head === 'gap'
        ? (L.globalAveragePooling1d({}).apply(x) as T)
        : (L.flatten().apply(x) as T);
  return {
    model: tf.model({ inputs: input, outputs: L.dense({ units: 2 }).apply(f) as T }),
    ...(embed ? { ints: 12 } : {}),
  };
}

test('120 seeded random models match tfjs: all opsets 11..21, fixed and dynamic batch, broadcasting merges', async () => {
  const rand = seededRandom(7);
  const started = Date.now();
  const failures: string[] = [];
  let count = 0;
  for (let i = 0; i < 120; i++) {
    const opset = 11 + (i % 11);
    const fixedBatch = i % 4 === 3;
    const { model, ints } =
      i % 3 === 2 ? sequenceModel(rand, fixedBatch) : { model: imageModel(rand, fixedBatch), ints: undefined };
    randomizeWeights(model, 1000 + i);
    const batch = fixedBatch && i % 8 === 7 ? 1 : undefined;
    try {
      const r = await checkModel(model, {
        opset,
        seed: i,
        ints,
        ...(batch ? { batch } : {}),
        ...(fixedBatch ? { batches: [1] } : {}),
      });
      if (!(r.worst <= 1))
        failures.push(
          `model ${i} (opset ${opset}): error ${r.worst} x tolerance: ${model.layers.map((l) => l.getClassName()).join(' > ')}`,
        );
    } catch (err) {
      failures.push(`model ${i} (opset ${opset}): ${(err as Error).message.split('\n')[0]}`);
    }
    count++;
    tf.disposeVariables();
  }
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `random models: ${count} converted and compared in ${seconds.toFixed(1)} s, ${failures.length} mismatches\n`,
  );
  assert.deepEqual(failures, []);
  assert.ok(seconds < 120, `took ${seconds} s`);
});

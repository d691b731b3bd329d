// The ort training engine against tfjs: every training rule's gradients (weights and input) against the
// cpu backend's autodiff on random shapes, the whole model on real images, training runs on both engines,
// data-parallel determinism, and the named errors.
import { test, before } from 'node:test';
import { DATA, skipWithoutData } from './helpers/dataset.js';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layerChain } from '../src/train/layer-chain.js';
import { buildStepGraph, type TrainLoss } from '../src/onnx/grad/step-graph.js';
import { TRAINABLE_ACTIVATIONS } from '../src/onnx/grad/index.js';
import { buildAutoencoder, bceLoss, presetConfig } from '../src/train/model.js';
import { resolveEngine } from '../src/train/engine.js';
import { trainAutoencoder, type TrainSettings } from '../src/train/trainer.js';
import { runTrainStage } from '../src/train/stage.js';
import { loadDataset } from '../src/data/dataset.js';
import { PIXELS } from '../src/data/fashion-mnist.js';
import { scalePixels } from '../src/data/pixels.js';
import { seededRandom } from '../src/util/random.js';
import { TOL, maxAbsDiff, relativeError } from './tolerance.js';

const skip = skipWithoutData;

before(async () => {
  await tf.setBackend('cpu');
});

const rand = seededRandom(20261201);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const randomArray = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + rand() * (hi - lo));

/** onnxruntime's loss, weight gradients and input gradient vs tfjs's autodiff for `model` on a random batch. */
async function compareGradients(
  model: tf.LayersModel,
  loss: TrainLoss,
  n = 3,
): Promise<{ worst: number; where: string }> {
  const chain = layerChain(model);
  const graph = buildStepGraph(chain.layers, chain.inputShape, chain.parameters, {
    mode: 'train',
    loss,
    target: 'separate',
    inputGradient: true,
  });
  const outShape = model.outputs[0]!.shape.slice(1) as number[];
  const x = randomArray(n * chain.inputShape.reduce((a, b) => a * b, 1));
  const t = randomArray(n * outShape.reduce((a, b) => a * b, 1), 0.05, 0.95);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const flat = new Float32Array(graph.parameterCount);
  vars.forEach((v, i) => flat.set(v.dataSync() as Float32Array, chain.parameters[i]!.offset));

  const session = await ort.InferenceSession.create(graph.bytes);
  const out = await session.run({
    image: new ort.Tensor('float32', x, [n, ...chain.inputShape]),
    target: new ort.Tensor('float32', t, [n, ...outShape]),
    weights: new ort.Tensor('float32', flat, [flat.length]),
  });
  await session.release();

  const xt = tf.tensor(x, [n, ...chain.inputShape]),
    tt = tf.tensor(t, [n, ...outShape]);
  const lossOf = (input: tf.Tensor) => {
    const y = model.apply(input, { training: true }) as tf.Tensor;
    return loss === 'bce' ? bceLoss(tt, y) : (tf.mean(tf.squaredDifference(y, tt)) as tf.Scalar);
  };
  const { value, grads } = tf.variableGrads(() => lossOf(xt), vars);
  const dx = tf.grad((input: tf.Tensor) => lossOf(input))(xt);

  const errors: [string, number][] = [['loss', relativeError(out.loss!.data as Float32Array, value.dataSync())]];
  const g = out.grads!.data as Float32Array;
  chain.parameters.forEach((p, i) =>
    errors.push([p.name, relativeError(g.subarray(p.offset, p.offset + p.size), grads[vars[i]!.name]!.dataSync())]),
  );
  errors.push(['input', relativeError(out.image_grad!.data as Float32Array, dx.dataSync())]);
  tf.dispose([xt, tt, value, dx, ...Object.values(grads)]);
  const [where, worst] = errors.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { worst, where };
}

test('Conv2D training rule: gradients match tfjs (kernels 1-4, strides 1-3, same/valid, 1-6 channels, every activation)', async () => {
  for (let i = 0; i < 14; i++) {
    const k = int(1, 4),
      padding = pick(['same', 'valid'] as const);
    const s = int(1, 3);
    const strides: [number, number] = i % 5 === 4 ? [1, 2] : [s, s];
    const h = int(Math.max(k, 4), 10),
      w = int(Math.max(k, 4), 10),
      cin = int(1, 6),
      filters = int(1, 6);
    const activation = TRAINABLE_ACTIVATIONS[i % TRAINABLE_ACTIVATIONS.length]!;
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [h, w, cin],
          filters,
          kernelSize: k,
          strides,
          padding,
          activation,
          biasInitializer: 'randomNormal',
        }),
      ],
    });
    const r = await compareGradients(model, 'mse');
    assert.ok(
      r.worst < TOL.kernelRelative,
      `conv ${h}x${w}x${cin} -> ${filters}, k ${k}, strides ${strides}, ${padding}, ${activation}: ${r.where} relative error ${r.worst}`,
    );
  }
});

test('Conv2DTranspose training rule: gradients match tfjs (kernels 1-4, strides 1-3, same/valid, every activation)', async () => {
  for (let i = 0; i < 12; i++) {
    const k = int(1, 4),
      s = int(1, 3),
      padding = pick(['same', 'valid'] as const);
    const h = int(2, 7),
      w = int(2, 7),
      cin = int(1, 6),
      filters = int(1, 6);
    const activation = TRAINABLE_ACTIVATIONS[(i + 3) % TRAINABLE_ACTIVATIONS.length]!;
    const model = tf.sequential({
      layers: [
        tf.layers.conv2dTranspose({
          inputShape: [h, w, cin],
          filters,
          kernelSize: k,
          strides: s,
          padding,
          activation,
          biasInitializer: 'randomNormal',
        }),
      ],
    });
    const r = await compareGradients(model, 'mse');
    assert.ok(
      r.worst < TOL.kernelRelative,
      `deconv ${h}x${w}x${cin} -> ${filters}, k ${k}, stride ${s}, ${padding}, ${activation}: ${r.where} relative error ${r.worst}`,
    );
  }
});

test('Dense, Flatten and Reshape training rules: gradients match tfjs, with both losses and every activation', async () => {
  for (const activation of TRAINABLE_ACTIVATIONS) {
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [3, 4, 2] }),
        tf.layers.dense({ units: 5, activation, biasInitializer: 'randomNormal' }),
        tf.layers.dense({ units: 2 * 3 * 3, activation: 'relu' }),
        tf.layers.reshape({ targetShape: [3, 3, 2] }),
        tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
      ],
    });
    for (const loss of ['mse', 'bce'] as const) {
      const r = await compareGradients(model, loss);
      assert.ok(
        r.worst < TOL.kernelRelative,
        `dense chain with ${activation}, ${loss}: ${r.where} relative error ${r.worst}`,
      );
    }
  }
});

test('BCE on an output without a sigmoid: the unfused gradient matches tfjs', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [6],
        units: 4,
        activation: 'softplus',
        kernelInitializer: 'zeros',
        biasInitializer: 'ones',
      }),
    ],
  });
  const r = await compareGradients(model, 'bce');
  assert.ok(r.worst < TOL.kernelRelative, `${r.where} relative error ${r.worst}`);
});

test('the whole compact autoencoder on real images: loss and every gradient match tfjs', { skip }, async () => {
  const data = await loadDataset(DATA);
  const { autoencoder } = buildAutoencoder({
    latent: 2,
    filters: [16, 32],
    decoderFilters: [8, 16],
    hidden: [128, 64],
    seed: 5,
  });
  const chain = layerChain(autoencoder);
  const graph = buildStepGraph(chain.layers, chain.inputShape, chain.parameters, { mode: 'train', loss: 'bce' });
  const n = 8,
    x = scalePixels(data.train.images.pixels.subarray(0, n * PIXELS));
  const vars = autoencoder.trainableWeights.map((w) => w.read() as tf.Variable);
  const flat = new Float32Array(graph.parameterCount);
  vars.forEach((v, i) => flat.set(v.dataSync() as Float32Array, chain.parameters[i]!.offset));
  const session = await ort.InferenceSession.create(graph.bytes);
  const out = await session.run({
    image: new ort.Tensor('float32', x, [n, 28, 28, 1]),
    weights: new ort.Tensor('float32', flat, [flat.length]),
  });
  await session.release();
  const xt = tf.tensor4d(x, [n, 28, 28, 1]);
  const { value, grads } = tf.variableGrads(
    () => bceLoss(xt, autoencoder.apply(xt, { training: true }) as tf.Tensor),
    vars,
  );
  assert.ok(relativeError(out.loss!.data as Float32Array, value.dataSync()) < TOL.modelGradRelative, 'loss');
  const g = out.grads!.data as Float32Array;
  chain.parameters.forEach((p, i) => {
    const err = relativeError(g.subarray(p.offset, p.offset + p.size), grads[vars[i]!.name]!.dataSync());
    assert.ok(err < TOL.modelGradRelative, `${p.name}: relative error ${err}`);
  });
  tf.dispose([xt, value, ...Object.values(grads)]);
});

const tiny = (over: Partial<TrainSettings> = {}): TrainSettings => ({
  model: presetConfig('tiny', 3),
  optimizer: 'rmsprop',
  momentum: 0.9,
  lr: 2e-3,
  schedule: 'cosine',
  epochs: 1,
  batchSize: 32,
  threads: 2,
  backend: 'wasm',
  ...over,
});

test(
  'one epoch from the same initial weights: ort and tfjs reach the same validation BCE (within 1 %)',
  { skip },
  async () => {
    const data = await loadDataset(DATA);
    const pixels = data.train.images.pixels.subarray(0, 3000 * PIXELS);
    const onOrt = await trainAutoencoder(pixels, tiny({ engine: 'ort' }));
    const onTfjs = await trainAutoencoder(pixels, tiny({ engine: 'tfjs' }));
    assert.equal(onOrt.engine, 'ort');
    assert.equal(onOrt.runtime, 'onnxruntime');
    assert.equal(onTfjs.engine, 'tfjs');
    const a = onOrt.history[0]!.valLoss,
      b = onTfjs.history[0]!.valLoss;
    assert.ok(a < 0.6, `ort validation BCE ${a}: it did not learn`);
    assert.ok(Math.abs(a - b) / b < 0.01, `validation BCE ort ${a} vs tfjs ${b}`);
  },
);

test(
  'ort engine: 1 and 2 workers agree within float tolerance; the same run twice is identical',
  { skip },
  async () => {
    const data = await loadDataset(DATA);
    const pixels = data.train.images.pixels.subarray(0, 700 * PIXELS);
    const one = await trainAutoencoder(pixels, tiny({ engine: 'ort', threads: 1 }));
    const two = await trainAutoencoder(pixels, tiny({ engine: 'ort', threads: 2 }));
    const twoAgain = await trainAutoencoder(pixels, tiny({ engine: 'ort', threads: 2 }));
    let worst = 0;
    two.state.weights.forEach((w, i) => {
      worst = Math.max(worst, maxAbsDiff(one.state.weights[i]!, w).max);
      assert.deepEqual(w, twoAgain.state.weights[i], `weight ${i} differs between two identical 2-worker runs`);
    });
    assert.ok(worst <= TOL.dataParallelAbs, `1 vs 2 workers: max abs weight difference ${worst}`);
    // Each of the 2 workers updates its own slice of one shared optimizer state: rank 0's checkpoint has all.
    assert.deepEqual(
      two.state.optimizer.map((s) => s.name),
      one.state.optimizer.map((s) => s.name),
    );
    two.state.optimizer.forEach((slot, i) => {
      const ref = one.state.optimizer[i]!.data;
      const scale = ref.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      assert.ok(scale > 0, `slot ${slot.name} is all zero on 1 worker`);
      const d = maxAbsDiff(ref, slot.data).max / scale;
      assert.ok(d <= TOL.dataParallelSlotRelative, `slot ${slot.name}: 1 vs 2 workers differ by ${d} of its scale`);
    });
  },
);

test(
  'a checkpoint continues on the other engine, and a longer --epochs extends the cosine schedule',
  { skip },
  async () => {
    const out = await mkdtemp(join(tmpdir(), 'ort-resume-'));
    try {
      const base = {
        dataDir: DATA,
        outDir: out,
        limit: 1200,
        settings: tiny({ engine: 'ort' as const, batchSize: 64 }),
      };
      const first = await runTrainStage(base);
      assert.equal(first.engine, 'ort');
      const second = await runTrainStage({
        ...base,
        resume: true,
        settings: { ...base.settings, engine: 'tfjs', epochs: 2 },
      });
      assert.equal(second.history.length, 2);
      assert.equal(second.history[0]!.engine, 'ort');
      assert.equal(second.history[1]!.engine, 'tfjs');
      assert.equal(second.history[1]!.scheduleEpochs, 2);
      assert.ok(
        second.history[1]!.valLoss < second.history[0]!.valLoss,
        `resumed epoch: val BCE ${second.history[1]!.valLoss} after ${second.history[0]!.valLoss}`,
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
);

test('a layer without a training rule is a named error; --engine auto falls back to tfjs and says why', () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, padding: 'same', name: 'c1' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
      tf.layers.upSampling2d({ size: [2, 2], name: 'up' }),
    ],
  });
  const chain = layerChain(model);
  assert.throws(
    () => buildStepGraph(chain.layers, chain.inputShape, chain.parameters, { mode: 'train', loss: 'bce' }),
    /layer "pool" \(MaxPooling2D\) has no backward rule in the ort training engine.*--engine tfjs/,
  );
  const config = tiny().model;
  const failing = () => {
    buildStepGraph(chain.layers, chain.inputShape, chain.parameters, { mode: 'train', loss: 'bce' });
  };
  const auto = resolveEngine('auto', config, failing);
  assert.equal(auto.engine, 'tfjs');
  assert.match(auto.note ?? '', /engine auto: training with tfjs.*"pool" \(MaxPooling2D\)/);
  assert.throws(() => resolveEngine('ort', config, failing), /^Error: --engine ort: layer "pool" \(MaxPooling2D\)/);
  assert.throws(() => resolveEngine('gpu' as never, config), /unknown engine "gpu": use one of auto, ort, tfjs/);
  assert.equal(resolveEngine('auto', config).engine, 'ort');
});

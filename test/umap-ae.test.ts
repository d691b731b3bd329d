// The umap-ae objective on the ort engine: the step's gradient (reconstruction + weight x UMAP, the UMAP
// part entering the graph at the code layer) against tfjs autodiff of the same total loss; a short stage
// run that builds and then reuses the neighbour-graph cache; the named errors.
import { test, before } from 'node:test';
import { DATA, skipWithoutData } from './helpers/dataset.js';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, stat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrtReplica } from '../src/train/ort-replica.js';
import { umapEdgesObjective } from '../src/train/objectives/umap-edges.js';
import { sharedNeighbourTable, umapNeighboursObjective } from '../src/train/objectives/umap-neighbours.js';
import { buildAutoencoder, bceLoss, presetConfig, type ModelConfig } from '../src/train/model.js';
import { runTrainStage } from '../src/train/stage.js';
import type { TrainSettings } from '../src/train/trainer.js';
import { UMAP_DEFAULTS } from '../src/train/objective.js';
import { negativePairs, UMAP_EPS } from '../src/umap/loss.js';
import { neighbourLossAndGrad, neighbourRows } from '../src/umap/neighbour-loss.js';
import { fuzzySimplicialSet } from '../src/umap/fuzzy-set.js';
import { buildKnnGraph } from '../src/umap/knn-graph.js';
import { trainAutoencoder } from '../src/train/trainer.js';
import { findAbParams } from '../src/umap/ab-params.js';
import { loadDataset } from '../src/data/dataset.js';
import { PIXELS } from '../src/data/fashion-mnist.js';
import { seededRandom } from '../src/util/random.js';
import { TOL, relativeError } from './tolerance.js';
import { flatGradients, imageBatch } from './helpers/tfjs-gradients.js';

const skip = skipWithoutData;

before(async () => {
  await tf.setBackend('cpu');
});

const config: ModelConfig = presetConfig('tiny', 4);

/** tfumap's loss on codes [2B, d] (heads then tails) with explicit negatives, written with tfjs ops. */
function umapLossTf(
  codes: tf.Tensor2D,
  b: number,
  negHead: Int32Array,
  negTail: Int32Array,
  a: number,
  bExp: number,
): tf.Scalar {
  const heads = codes.slice([0, 0], [b, -1]),
    tails = codes.slice([b, 0], [b, -1]);
  const q = (x: tf.Tensor2D, y: tf.Tensor2D) =>
    tf.div(1, tf.add(1, tf.mul(a, tf.pow(tf.sum(tf.square(tf.sub(x, y)), 1), bExp))));
  const positive = tf.neg(tf.log(tf.clipByValue(q(heads, tails), UMAP_EPS, 1)));
  const qn = q(
    tf.gather(heads, Array.from(negHead)) as tf.Tensor2D,
    tf.gather(tails, Array.from(negTail)) as tf.Tensor2D,
  );
  const negative = tf.neg(tf.log(tf.clipByValue(tf.sub(1, qn), UMAP_EPS, 1)));
  return tf.div(tf.add(tf.sum(positive), tf.sum(negative)), b + negHead.length) as tf.Scalar;
}

test(
  'umap-ae step: the ort gradient of reconstruction + weight x UMAP matches tfjs autodiff of the same loss',
  { skip },
  async () => {
    const data = await loadDataset(DATA);
    const b = 12,
      weight = 0.7,
      negativeRate = 3,
      seed = 11,
      negativeSeed = 5;
    const { a, b: bExp } = findAbParams(1, 0.1);
    const images = data.train.images.pixels.subarray(0, 200 * PIXELS);
    const replica = await OrtReplica.create(config, 'rmsprop', images, 64, {}, 'bce', {
      codeGrad: true,
      codeTarget: false,
    });
    const objective = umapEdgesObjective.replica({ a, b: bExp, weight, negativeRate, seed }, config.latent);
    const heads = Int32Array.from({ length: b }, (_, i) => i * 3),
      tails = Int32Array.from({ length: b }, (_, i) => 100 + i * 5);
    const grads = new Float32Array(replica.parameterCount);
    const loss = await objective.step(replica, {
      heads,
      tails,
      flat: grads,
      seed: negativeSeed,
      reconstructionOnly: false,
      termScale: 1,
    });
    await replica.close();

    // The same model (seeded initialisers) and the same negatives, in tfjs.
    const { encoder, decoder, autoencoder } = buildAutoencoder(config);
    const neg = negativePairs(b, negativeRate, seededRandom(seed * 7919 + negativeSeed), true);
    const x = imageBatch(images, [...heads, ...tails]);
    const vars = autoencoder.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads: ref } = tf.variableGrads(() => {
      const codes = encoder.apply(x, { training: true }) as tf.Tensor2D;
      const recon = decoder.apply(codes, { training: true }) as tf.Tensor;
      return tf.add(bceLoss(x, recon), tf.mul(weight, umapLossTf(codes, b, neg.head, neg.tail, a, bExp))) as tf.Scalar;
    }, vars);
    assert.ok(
      Math.abs(loss - value.dataSync()[0]!) / value.dataSync()[0]! < TOL.modelGradRelative,
      `loss ${loss} vs tfjs ${value.dataSync()[0]}`,
    );
    // Compared over the whole gradient vector: the UMAP term's gradient sums to exactly zero over a batch's codes
    // (it depends on code differences only), so the code layer's bias gradient is a cancellation whose own
    // relative error says nothing.
    const err = relativeError(grads, flatGradients(vars, ref));
    assert.ok(err < TOL.umapStepRelative, `whole gradient: relative error ${err}`);
    tf.dispose([x, value, ...Object.values(ref)]);
  },
);

test(
  'umap-ae step, neighbour sampling: the ort gradient matches tfjs autodiff of reconstruction + weight x the neighbour loss',
  { skip },
  async () => {
    const data = await loadDataset(DATA);
    const n = 300,
      weight = 0.6,
      negativeRate = 3,
      seed = 7,
      negativeSeed = 9;
    const { a, b: bExp } = findAbParams(1, 0.1);
    const images = data.train.images.pixels.subarray(0, n * PIXELS);
    const graph = fuzzySimplicialSet(await buildKnnGraph(images, n, PIXELS, 10));
    const rows = neighbourRows(graph);
    const table = Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(i * 1.7) * 2);
    const shared = sharedNeighbourTable(graph, config.latent, { a, b: bExp, weight, negativeRate, seed });
    new Float32Array(shared.codes).set(table);
    const replica = await OrtReplica.create(config, 'rmsprop', images, 64, {}, 'bce', {
      codeGrad: true,
      codeTarget: false,
    });
    const objective = umapNeighboursObjective.replica(shared, config.latent);
    const heads = Int32Array.from({ length: 10 }, (_, i) => i * 29);
    const grads = new Float32Array(replica.parameterCount);
    const loss = await objective.step(replica, {
      heads,
      flat: grads,
      seed: negativeSeed,
      reconstructionOnly: false,
      termScale: 1,
    });
    // Between the barriers the step writes its fresh codes into the shared table.
    objective.betweenBarriers!();
    const written = new Float32Array(shared.codes);
    const freshCodes = Float32Array.from([...heads].flatMap((h) => [written[h * 2]!, written[h * 2 + 1]!]));
    const r = { loss, grads, codes: freshCodes };
    await replica.close();

    // tfjs: the same seeded model; the neighbour loss's gradient at tfjs's own codes enters as sum(codes * g).
    const { encoder, decoder, autoencoder } = buildAutoencoder(config);
    const x = imageBatch(images, heads);
    const tfCodes = (encoder.predict(x) as tf.Tensor2D).dataSync() as Float32Array;
    assert.ok(relativeError(r.codes, tfCodes) < TOL.modelGradRelative, 'the step returns the fresh codes');
    const ref = neighbourLossAndGrad(tfCodes, heads, table, rows, 2, {
      a,
      b: bExp,
      negativeRate,
      rng: seededRandom(seed * 7919 + negativeSeed),
    });
    const g = tf.tensor2d(ref.grad, [heads.length, 2]);
    const vars = autoencoder.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads: tfGrads } = tf.variableGrads(() => {
      const codes = encoder.apply(x, { training: true }) as tf.Tensor2D;
      const recon = decoder.apply(codes, { training: true }) as tf.Tensor;
      return tf.add(bceLoss(x, recon), tf.mul(weight, tf.sum(tf.mul(codes, g)))) as tf.Scalar;
    }, vars);
    const reconLoss = value.dataSync()[0]!;
    assert.ok(
      Math.abs(r.loss - (reconLoss + weight * ref.loss)) / r.loss < TOL.modelGradRelative,
      `loss ${r.loss} vs ${reconLoss} + ${weight} x ${ref.loss}`,
    );
    const err = relativeError(r.grads, flatGradients(vars, tfGrads));
    assert.ok(err < TOL.umapStepRelative, `whole gradient: relative error ${err}`);
    tf.dispose([x, g, value, ...Object.values(tfGrads)]);
  },
);

test(
  'umap-ae, neighbour sampling: two 2-worker runs give the same weights bit for bit (the code table is race-free)',
  { skip },
  async () => {
    const data = await loadDataset(DATA);
    const n = 1200;
    const images = data.train.images.pixels.subarray(0, n * PIXELS);
    const trainCount = n - Math.min(5000, Math.floor(n * 0.1));
    const graph = fuzzySimplicialSet(
      await buildKnnGraph(images.subarray(0, trainCount * PIXELS), trainCount, PIXELS, 15),
    );
    const run = () =>
      trainAutoencoder(images, { ...settings(), epochs: 2, batchSize: 32 }, { inputs: { graph } }).then((r) => r.state);
    const [first, second] = [await run(), await run()];
    first.weights.forEach((w, i) => assert.deepEqual(w, second.weights[i], `weight ${i}`));
  },
);

const settings = (over: Partial<TrainSettings> = {}): TrainSettings => ({
  model: config,
  optimizer: 'rmsprop',
  momentum: 0.9,
  lr: 2e-3,
  schedule: 'cosine',
  epochs: 1,
  batchSize: 64,
  threads: 2,
  backend: 'wasm',
  objective: 'umap-ae',
  umap: { ...UMAP_DEFAULTS },
  ...over,
});

test(
  'umap-ae stage: builds the neighbour graph once, reuses it, trains and records the objective',
  { skip },
  async () => {
    const out = await mkdtemp(join(tmpdir(), 'umap-ae-stage-'));
    const cache = join(out, 'knn-cache');
    try {
      const events: string[] = [];
      const first = await runTrainStage(
        { dataDir: DATA, outDir: join(out, 'a'), limit: 1500, knnCacheDir: cache, settings: settings() },
        (e) => {
          if (e.type === 'knn') events.push(e.event.type);
        },
      );
      assert.ok(
        events.includes('written') && !events.includes('hit'),
        `first run builds the graph: ${events.join(', ')}`,
      );
      assert.equal(first.engine, 'ort');
      assert.equal(first.settings.objective, 'umap-ae');
      assert.equal(first.settings.umap?.sampling, 'neighbours');
      assert.ok(first.history[0]!.valLoss < 0.6, `validation BCE ${first.history[0]!.valLoss}`);
      assert.ok(
        first.metrics.validation && first.metrics.validation.knn5 > 0.3,
        `validation 5-NN ${first.metrics.validation?.knn5}`,
      );
      assert.deepEqual((await readdir(cache)).sort(), ['knn-graph.bin', 'knn-graph.json']);
      const again: string[] = [];
      await runTrainStage(
        {
          dataDir: DATA,
          outDir: join(out, 'b'),
          limit: 1500,
          knnCacheDir: cache,
          settings: settings({ umap: { ...UMAP_DEFAULTS, sampling: 'edges' } }),
        },
        (e) => {
          if (e.type === 'knn') again.push(e.event.type);
        },
      );
      assert.deepEqual(again, ['hit']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
);

test(
  'umap-ae warm-up: the first epochs train exactly what ae trains, then the UMAP term starts',
  { skip },
  async () => {
    const data = await loadDataset(DATA);
    const n = 1200;
    const images = data.train.images.pixels.subarray(0, n * PIXELS);
    const trainCount = n - Math.min(5000, Math.floor(n * 0.1));
    const graph = fuzzySimplicialSet(
      await buildKnnGraph(images.subarray(0, trainCount * PIXELS), trainCount, PIXELS, 15),
    );
    const base = { ...settings(), epochs: 2, batchSize: 32 };
    const ae = await trainAutoencoder(images, { ...base, objective: 'ae' });
    const warm = await trainAutoencoder(
      images,
      { ...base, umap: { ...UMAP_DEFAULTS, warmup: 1 } },
      { inputs: { graph } },
    );
    assert.equal(warm.history[0]!.trainLoss, ae.history[0]!.trainLoss, 'epoch 1: reconstruction alone');
    assert.equal(warm.history[0]!.valLoss, ae.history[0]!.valLoss);
    assert.ok(
      warm.history[1]!.trainLoss > ae.history[1]!.trainLoss + 0.01,
      `epoch 2 adds the UMAP term: ${warm.history[1]!.trainLoss} vs ${ae.history[1]!.trainLoss}`,
    );
  },
);

test('umap-ae: bad settings are named errors before any work', { skip }, async () => {
  const base = {
    dataDir: DATA,
    outDir: join(tmpdir(), 'umap-never-written'),
    limit: 500,
    knnCacheDir: join(tmpdir(), 'umap-never-cache'),
  };
  await assert.rejects(
    runTrainStage({ ...base, settings: settings({ engine: 'tfjs' }) }),
    /--objective umap-ae trains on the ort engine only/,
  );
  await assert.rejects(
    // Edge sampling draws batch / 2 edges a step; neighbour sampling takes any batch.
    runTrainStage({ ...base, settings: settings({ batchSize: 63, umap: { ...UMAP_DEFAULTS, sampling: 'edges' } }) }),
    /--batch-size must be even with --objective umap-ae/,
  );
  await assert.rejects(runTrainStage({ ...base, settings: settings({ umap: { ...UMAP_DEFAULTS, k: 1 } }) }), /--k/);
  await assert.rejects(
    runTrainStage({ ...base, settings: settings({ umap: { ...UMAP_DEFAULTS, weight: -1 } }) }),
    /--umap-weight/,
  );
  await assert.rejects(
    runTrainStage({ ...base, settings: settings({ umap: { ...UMAP_DEFAULTS, minDist: 5 } }) }),
    /--min-dist/,
  );
  await assert.rejects(
    runTrainStage({ ...base, settings: settings({ umap: { ...UMAP_DEFAULTS, negativeRate: 0 } }) }),
    /--negative-rate/,
  );
  await assert.rejects(
    runTrainStage({
      ...base,
      settings: settings({ umap: { ...UMAP_DEFAULTS, sampling: 'pairs' as unknown as 'edges' } }),
    }),
    /--umap-sampling must be one of neighbours, edges, got pairs/,
  );
  await assert.rejects(
    runTrainStage({ ...base, settings: settings({ umap: { ...UMAP_DEFAULTS, warmup: -1 } }) }),
    /--umap-warmup must be an integer in 0..1000/,
  );
  await assert.rejects(
    runTrainStage({ ...base, settings: settings({ umap: { ...UMAP_DEFAULTS, sampling: 'edges', warmup: 2 } }) }),
    /--umap-warmup needs --umap-sampling neighbours/,
  );
  // An absent sampling is edge sampling (runs recorded before the setting existed): no warm-up there either.
  await assert.rejects(
    runTrainStage({ ...base, settings: settings({ umap: { ...UMAP_DEFAULTS, sampling: undefined, warmup: 2 } }) }),
    /--umap-warmup needs --umap-sampling neighbours/,
  );
  await assert.rejects(
    runTrainStage({ ...base, settings: settings({ umap: { ...UMAP_DEFAULTS, warmup: 1 } }) }),
    /--umap-warmup 1 leaves no UMAP epoch in --epochs 1/,
  );
  await assert.rejects(stat(base.outDir));
  await assert.rejects(stat(base.knnCacheDir));
});

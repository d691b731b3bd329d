// The non-parametric UMAP layout and the layout objective:
// - the optimiser against umap-learn (the reference implementation, run by /usr/bin/python3) on the same 3,000
//   real images: its 5-NN accuracy may fall at most TOL.layoutKnnBelowReference below the reference's;
// - the same graph, start and seed give the same bytes; the layout cache is reused, and rebuilt when its
//   settings change or its file is damaged;
// - a layout-objective step's gradient against tfjs autodiff of reconstruction + weight x mean |code - target|^2;
// - two 2-worker runs give the same weights bit for bit; bad settings are named errors before any work.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DATA, skipWithoutData } from './helpers/dataset.js';
import { TOL, relativeError } from './tolerance.js';
import { flatGradients, imageBatch } from './helpers/tfjs-gradients.js';
import { loadDataset } from '../src/data/dataset.js';
import { PIXELS } from '../src/data/fashion-mnist.js';
import { buildKnnGraph } from '../src/umap/knn-graph.js';
import { fuzzySimplicialSet, type FuzzyGraph } from '../src/umap/fuzzy-set.js';
import { findAbParams } from '../src/umap/ab-params.js';
import { optimizeLayout } from '../src/umap/layout.js';
import { initialLayout } from '../src/umap/layout-init.js';
import { layoutSettingsOf, loadOrBuildLayout, LAYOUT_FILE, type LayoutCacheEvent } from '../src/umap/layout-cache.js';
import { nearestNeighbours, voteLabels } from '../src/metrics/knn.js';
import { OrtReplica } from '../src/train/ort-replica.js';
import { layoutObjective } from '../src/train/objectives/layout.js';
import { buildAutoencoder, bceLoss, presetConfig, type ModelConfig } from '../src/train/model.js';
import { trainAutoencoder, type TrainSettings } from '../src/train/trainer.js';
import { runTrainStage } from '../src/train/stage.js';
import { LAYOUT_OBJECTIVE_DEFAULTS, UMAP_DEFAULTS } from '../src/train/objective.js';

const PYTHON = '/usr/bin/python3';
const hasUmapLearn = spawnSync(PYTHON, ['-c', 'import umap, numpy'], { stdio: 'ignore' }).status === 0;
const config: ModelConfig = presetConfig('tiny', 3);

before(async () => {
  await tf.setBackend('cpu');
});

async function graphOf(n: number): Promise<{ pixels: Uint8Array; labels: Uint8Array; graph: FuzzyGraph }> {
  const data = await loadDataset(DATA);
  const pixels = data.train.images.pixels.subarray(0, n * PIXELS);
  return {
    pixels,
    labels: data.train.labels.labels,
    graph: fuzzySimplicialSet(await buildKnnGraph(pixels, n, PIXELS, 15)),
  };
}

/** Leave-one-out 5-NN accuracy: each point classified by its 5 nearest others (every point a query: less noise). */
function leaveOneOutKnn(layout: Float32Array, labels: Uint8Array, n: number): number {
  const nearest = nearestNeighbours(layout, layout, 2, 6);
  const others = new Int32Array(n * 5);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < 6 && c < 5; j++) if (nearest[i * 6 + j] !== i) others[i * 5 + c++] = nearest[i * 6 + j]!;
  }
  const predicted = voteLabels(others, 5, 5, labels);
  let right = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === labels[i]) right++;
  return right / n;
}

test(
  "UMAP layout: on 3,000 real images its 5-NN accuracy is umap-learn's, within TOL.layoutKnnBelowReference",
  { skip: skipWithoutData || (!hasUmapLearn && `${PYTHON} cannot import umap (apt-get install umap-learn)`) },
  async () => {
    const n = 3000;
    const { pixels, labels, graph } = await graphOf(n);
    const { a, b } = findAbParams(1, 0.1);
    // umap-learn runs 500 epochs below 10,000 points; so does the comparison.
    const init = initialLayout(pixels, graph, PIXELS, 2, 1);
    const before = leaveOneOutKnn(init, labels, n);
    const ours = optimizeLayout(graph, init, 2, { a, b, nEpochs: 500, negativeRate: 5, seed: 1 });
    const dir = await mkdtemp(join(tmpdir(), 'umap-learn-'));
    try {
      const out = join(dir, 'layout.f32');
      const r = spawnSync(
        PYTHON,
        ['test/helpers/umap_learn_layout.py', join(DATA, 'train-images-idx3-ubyte'), String(n), out],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 0, r.stderr);
      const reference = new Float32Array(new Uint8Array(await readFile(out)).buffer);
      const mine = leaveOneOutKnn(ours, labels, n),
        theirs = leaveOneOutKnn(reference, labels, n);
      assert.ok(mine >= theirs - TOL.layoutKnnBelowReference, `5-NN: ours ${mine}, umap-learn ${theirs}`);
      assert.ok(mine > before + 0.05, `the optimisation improves on its start: ${before} -> ${mine}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'UMAP layout: deterministic bytes; the cache is reused, and rebuilt for other settings or a damaged file',
  { skip: skipWithoutData },
  async () => {
    const n = 800;
    const { pixels, graph } = await graphOf(n);
    const dir = await mkdtemp(join(tmpdir(), 'layout-cache-'));
    try {
      const settings = layoutSettingsOf({ nEpochs: 30, minDist: 0.1, spread: 1, spectralRounds: 20 });
      const events: LayoutCacheEvent['type'][] = [];
      const build = (s = settings) =>
        loadOrBuildLayout({
          dir,
          graph,
          graphSha256: 'g1',
          pixels,
          pixelDim: PIXELS,
          settings: s,
          onEvent: (e) => events.push(e.type),
        });
      const first = await build();
      assert.equal(first.built, true);
      const again = await build();
      assert.equal(again.built, false, 'the second call reads the cache');
      assert.deepEqual(again.layout, first.layout);
      // The same inputs optimised afresh give the same bytes.
      const fresh = optimizeLayout(graph, initialLayout(pixels, graph, PIXELS, 2, 1, 20), 2, {
        ...findAbParams(1, 0.1),
        nEpochs: 30,
        negativeRate: 5,
        seed: 1,
      });
      assert.deepEqual(fresh, first.layout);
      assert.equal((await build({ ...settings, nEpochs: 31 })).built, true, 'other settings: rebuilt');
      await writeFile(join(dir, LAYOUT_FILE), new Uint8Array(16));
      assert.equal((await build({ ...settings, nEpochs: 31 })).built, true, 'a damaged file: rebuilt');
      assert.deepEqual(events.filter((e) => e === 'rebuild').length, 3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'layout objective step: the ort gradient matches tfjs autodiff of reconstruction + weight x mean |code - target|^2',
  { skip: skipWithoutData },
  async () => {
    const data = await loadDataset(DATA);
    const images = data.train.images.pixels.subarray(0, 100 * PIXELS);
    const n = 100,
      weight = 0.4;
    const targets = Float32Array.from({ length: n * 2 }, (_, i) => Math.cos(i * 0.7) * 1.5);
    const shared = new SharedArrayBuffer(targets.byteLength);
    new Float32Array(shared).set(targets);
    const replica = await OrtReplica.create(config, 'rmsprop', images, 64, {}, 'bce', {
      codeGrad: false,
      codeTarget: true,
    });
    const objective = layoutObjective.replica({ targets: shared, weight }, 2);
    const heads = Int32Array.from({ length: 12 }, (_, i) => i * 7);
    const grads = new Float32Array(replica.parameterCount);
    const loss = await objective.step(replica, {
      heads,
      flat: grads,
      seed: 0,
      reconstructionOnly: false,
      termScale: 1,
    });
    await replica.close();

    const { encoder, decoder, autoencoder } = buildAutoencoder(config);
    const x = imageBatch(images, heads);
    const t = tf.tensor2d(Float32Array.from([...heads].flatMap((i) => [targets[i * 2]!, targets[i * 2 + 1]!])), [
      heads.length,
      2,
    ]);
    const vars = autoencoder.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads: ref } = tf.variableGrads(() => {
      const codes = encoder.apply(x, { training: true }) as tf.Tensor2D;
      const recon = decoder.apply(codes, { training: true }) as tf.Tensor;
      const pull = tf.div(tf.sum(tf.square(tf.sub(codes, t))), heads.length);
      return tf.add(bceLoss(x, recon), tf.mul(weight, pull)) as tf.Scalar;
    }, vars);
    const expected = value.dataSync()[0]!;
    assert.ok(Math.abs(loss - expected) / expected < TOL.layoutStepRelative, `loss ${loss} vs tfjs ${expected}`);
    const flat = flatGradients(vars, ref);
    const err = relativeError(grads, flat);
    assert.ok(err < TOL.layoutStepRelative, `whole gradient: relative error ${err}`);
    tf.dispose([x, t, value, ...Object.values(ref)]);
  },
);

const settings = (over: Partial<TrainSettings> = {}): TrainSettings => ({
  model: config,
  optimizer: 'rmsprop',
  momentum: 0.9,
  lr: 2e-3,
  schedule: 'cosine',
  epochs: 2,
  batchSize: 32,
  threads: 2,
  backend: 'cpu',
  objective: 'layout',
  umap: UMAP_DEFAULTS,
  layout: { ...LAYOUT_OBJECTIVE_DEFAULTS, weight: 0.5, warmup: 1 },
  ...over,
});

test(
  'layout objective: two 2-worker runs give the same weights bit for bit; the warm-up trains what ae trains',
  { skip: skipWithoutData },
  async () => {
    const n = 1200,
      train = 1080;
    const images = (await loadDataset(DATA)).train.images.pixels.subarray(0, n * PIXELS);
    const layout = Float32Array.from({ length: train * 2 }, (_, i) => Math.sin(i * 0.37) * 3);
    const run = () => trainAutoencoder(images, settings(), { inputs: { layout } });
    const [first, second] = [await run(), await run()];
    first.state.weights.forEach((w, i) => assert.deepEqual(w, second.state.weights[i], `weight ${i}`));
    const ae = await trainAutoencoder(images, { ...settings(), objective: 'ae' });
    assert.equal(first.history[0]!.trainLoss, ae.history[0]!.trainLoss, 'epoch 1 (warm-up): reconstruction alone');
    assert.ok(first.history[1]!.trainLoss > ae.history[1]!.trainLoss, 'epoch 2 adds the layout term');
  },
);

test('layout objective: bad settings are named errors before any work', { skip: skipWithoutData }, async () => {
  const base = {
    dataDir: DATA,
    outDir: join(tmpdir(), 'layout-never-written'),
    limit: 500,
    knnCacheDir: join(tmpdir(), 'layout-never-cache'),
  };
  const bad = async (over: Partial<TrainSettings>, message: RegExp) =>
    assert.rejects(runTrainStage({ ...base, settings: settings(over) }), message);
  await bad({ engine: 'tfjs' }, /--objective layout trains on the ort engine only/);
  await bad({ layout: { ...LAYOUT_OBJECTIVE_DEFAULTS, weight: 0 } }, /--layout-weight must be in \(0, 100\], got 0/);
  await bad(
    { layout: { ...LAYOUT_OBJECTIVE_DEFAULTS, epochs: 0 } },
    /--layout-epochs must be an integer in 1\.\.5000, got 0/,
  );
  await bad(
    { layout: { ...LAYOUT_OBJECTIVE_DEFAULTS, warmup: 2 } },
    /--layout-warmup must be an integer in 0\.\.1 \(fewer than --epochs\), got 2/,
  );
  await bad({ layout: undefined }, /--objective layout needs its layout settings/);
  await bad({ umap: { ...UMAP_DEFAULTS, k: 1 } }, /--k/);
  await assert.rejects(stat(base.outDir));
  await assert.rejects(stat(base.knnCacheDir));
});

// The kNN graph (onnxruntime vs a plain-JS scan, with duplicate images for ties), its verified cache,
// the fuzzy simplicial set vs a dense umap-learn-style reference, and the knn-graph CLI. Real Fashion-MNIST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadDataset } from '../src/data/dataset.js';
import { PIXELS } from '../src/data/fashion-mnist.js';
import { buildKnnGraph, knnRowsReference, type KnnGraph } from '../src/umap/knn-graph.js';
import {
  KNN_GRAPH_FILE,
  KNN_HEADER_FILE,
  KnnCacheError,
  loadOrBuildKnnGraph,
  pixelsSha256,
  readKnnCache,
  type KnnCacheEvent,
} from '../src/umap/knn-cache.js';
import { fuzzySimplicialSet, smoothKnnDist } from '../src/umap/fuzzy-set.js';
import { EdgeSampler } from '../src/umap/edge-sampler.js';
import { findAbParams } from '../src/umap/ab-params.js';
import { umapLossAndGrad } from '../src/umap/loss.js';
import { knnAccuracies } from '../src/metrics/knn.js';
import { seededRandom } from '../src/util/random.js';
import { TOL } from './tolerance.js';

const run = promisify(execFile);
const data = await loadDataset('data/fashion-mnist');
const N = 1000;

/** The first n training images, with images 700 and 900 replaced by copies of image 500 (exact ties at 0). */
function imagesWithDuplicates(n: number): Uint8Array {
  const px = data.train.images.pixels.slice(0, n * PIXELS);
  for (const dst of [700, 900]) px.copyWithin(dst * PIXELS, 500 * PIXELS, 501 * PIXELS);
  return px;
}

test('kNN graph: onnxruntime blocks equal a plain-JS scan exactly, duplicates and ties included', async () => {
  const px = imagesWithDuplicates(N);
  const events: number[] = [];
  const g = await buildKnnGraph(px, N, PIXELS, 15, { blockRows: 128, onProgress: (p) => events.push(p.rowsDone) });
  assert.deepEqual(events, [128, 256, 384, 512, 640, 768, 896, 1000]);
  const ref = knnRowsReference(
    px,
    N,
    PIXELS,
    15,
    Array.from({ length: N }, (_, i) => i),
  );
  assert.deepEqual(g.indices, ref.indices);
  assert.deepEqual(g.distances, ref.distances);
  // The copies are each other's nearest neighbours at distance 0, lower index first; never themselves.
  assert.deepEqual([...g.indices.subarray(500 * 15, 500 * 15 + 2)], [700, 900]);
  assert.deepEqual([...g.indices.subarray(900 * 15, 900 * 15 + 2)], [500, 700]);
  assert.equal(g.distances[900 * 15 + 1], 0);
  for (let i = 0; i < N; i++) for (let c = 0; c < 15; c++) assert.notEqual(g.indices[i * 15 + c], i);
});

test('kNN graph: more identical images than k + 1 still give k other points by (distance, index)', async () => {
  const n = 40,
    px = new Uint8Array(n * PIXELS);
  px.set(data.train.images.pixels.subarray(0, n * PIXELS));
  for (let i = 0; i < 20; i++) px.copyWithin(i * 2 * PIXELS, 3 * PIXELS, 4 * PIXELS); // image 3 and 20 copies at even indices
  const g = await buildKnnGraph(px, n, PIXELS, 5, { blockRows: 7 });
  const ref = knnRowsReference(
    px,
    n,
    PIXELS,
    5,
    Array.from({ length: n }, (_, i) => i),
  );
  assert.deepEqual(g.indices, ref.indices);
  assert.deepEqual([...g.indices.subarray(38 * 5, 39 * 5)], [0, 2, 3, 4, 6]);
  assert.deepEqual([...g.indices.subarray(2 * 5, 3 * 5)], [0, 3, 4, 6, 8]);
});

test('kNN cache: written, reused, and a mismatched or corrupt cache is refused by name or rebuilt', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'knn-cache-'));
  try {
    const n = 300,
      px = data.train.images.pixels;
    const events: KnnCacheEvent['type'][] = [];
    const first = await loadOrBuildKnnGraph({
      dir,
      pixels: px,
      n,
      dim: PIXELS,
      k: 15,
      onEvent: (e) => events.push(e.type),
    });
    assert.equal(first.built, true);
    assert.ok(events.includes('rebuild') && events.includes('written'));
    const again = await loadOrBuildKnnGraph({ dir, pixels: px, n, dim: PIXELS, k: 15, mode: 'verify' });
    assert.equal(again.built, false);
    assert.deepEqual(again.graph.indices, first.graph.indices);
    assert.deepEqual(again.graph.distances, first.graph.distances);

    const key = { k: 15, n, dim: PIXELS, dataSha256: pixelsSha256(px, n, PIXELS) };
    const refused = async (k: typeof key, problem: string, message: RegExp) => {
      await assert.rejects(
        readKnnCache(dir, k),
        (e: unknown) => e instanceof KnnCacheError && e.problem === problem && message.test(e.message),
      );
    };
    await refused({ ...key, k: 10 }, 'mismatch', /knn-graph\.json is for k = 15, not 10/);
    await refused({ ...key, n: 299 }, 'mismatch', /is for n = 300, not 299/);
    await refused(
      { ...key, dataSha256: pixelsSha256(px.subarray(PIXELS), n, PIXELS) },
      'mismatch',
      /is for images with SHA-256/,
    );

    const graphPath = join(dir, KNN_GRAPH_FILE),
      bytes = await readFile(graphPath);
    const flipped = Uint8Array.from(bytes);
    flipped[1234] = flipped[1234]! ^ 1;
    await writeFile(graphPath, flipped);
    await refused(key, 'corrupt', /knn-graph\.bin does not match the SHA-256/);
    // 'verify' refuses without touching the files; 'auto' rebuilds the same graph.
    await assert.rejects(
      loadOrBuildKnnGraph({ dir, pixels: px, n, dim: PIXELS, k: 15, mode: 'verify' }),
      /does not match the SHA-256/,
    );
    assert.deepEqual(new Uint8Array(await readFile(graphPath)), flipped);
    await writeFile(graphPath, bytes.subarray(0, bytes.length - 8));
    await refused(key, 'corrupt', /has 35992 bytes, expected 36000 \(truncated/);
    const reasons: string[] = [];
    const rebuilt = await loadOrBuildKnnGraph({
      dir,
      pixels: px,
      n,
      dim: PIXELS,
      k: 15,
      onEvent: (e) => {
        if (e.type === 'rebuild') reasons.push(e.reason);
      },
    });
    assert.equal(rebuilt.built, true);
    assert.match(reasons[0]!, /truncated/);
    assert.deepEqual(await readFile(graphPath), bytes);
    await writeFile(join(dir, KNN_HEADER_FILE), '{"format": "fashion-ae-onnx/knn-graph", "ver');
    await refused(key, 'corrupt', /knn-graph\.json is not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** umap-learn's smooth_knn_dist and compute_membership_strengths line by line on the n x nNeighbors table
 * that includes each point itself in column 0, and the fuzzy union on a dense n x n matrix. */
function denseFuzzyReference(g: KnnGraph, nNeighbors: number): Float64Array {
  const { n } = g,
    m = nNeighbors;
  const dist = (i: number, j: number) => (j === 0 ? 0 : g.distances[i * g.k + j - 1]!);
  const idx = (i: number, j: number) => (j === 0 ? i : g.indices[i * g.k + j - 1]!);
  let meanAll = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) meanAll += dist(i, j) / (n * m);
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: m }, (_, j) => dist(i, j));
    const nonZero = row.filter((d) => d > 0);
    const rho = nonZero.length >= 1 ? nonZero[0]! : 0;
    let lo = 0,
      hi = Infinity,
      mid = 1;
    for (let it = 0; it < 64; it++) {
      let psum = 0;
      for (let j = 1; j < m; j++) {
        const d = row[j]! - rho;
        psum += d > 0 ? Math.exp(-(d / mid)) : 1;
      }
      if (Math.abs(psum - Math.log2(m)) < 1e-5) break;
      if (psum > Math.log2(m)) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    const meanRow = row.reduce((s, d) => s + d, 0) / m;
    if (rho > 0) {
      if (mid < 1e-3 * meanRow) mid = 1e-3 * meanRow;
    } else if (mid < 1e-3 * meanAll) mid = 1e-3 * meanAll;
    for (let j = 0; j < m; j++) {
      const t = idx(i, j);
      const val = t === i ? 0 : row[j]! - rho <= 0 || mid === 0 ? 1 : Math.exp(-((row[j]! - rho) / mid));
      P[i * n + t] = val;
    }
  }
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) W[i * n + j] = P[i * n + j]! + P[j * n + i]! - P[i * n + j]! * P[j * n + i]!;
  return W;
}

test('fuzzy simplicial set: equals a dense umap-learn-style reference; memberships sum to log2(n_neighbors)', async () => {
  const n = 400,
    px = imagesWithDuplicates(n + 0).slice(0, n * PIXELS);
  px.copyWithin(10 * PIXELS, 20 * PIXELS, 21 * PIXELS); // a duplicate pair: rho skips the zero distance
  const g = await buildKnnGraph(px, n, PIXELS, 15);
  for (const nNeighbors of [15, 16, 5]) {
    const f = fuzzySimplicialSet(g, { nNeighbors });
    const W = denseFuzzyReference(g, nNeighbors);
    let nonZero = 0,
      maxDiff = 0;
    for (const w of W) if (w > 0) nonZero++;
    assert.equal(f.head.length, nonZero, `n_neighbors ${nNeighbors}: edge count`);
    for (let e = 0; e < f.head.length; e++) {
      maxDiff = Math.max(maxDiff, Math.abs(f.weight[e]! - W[f.head[e]! * n + f.tail[e]!]!));
      if (e > 0)
        assert.ok(
          f.head[e - 1]! < f.head[e]! || (f.head[e - 1] === f.head[e] && f.tail[e - 1]! < f.tail[e]!),
          'sorted by (head, tail)',
        );
    }
    assert.ok(maxDiff < TOL.fuzzyWeightAbs, `n_neighbors ${nNeighbors}: max weight difference ${maxDiff}`);
  }
  // With sigma from the binary search, each row's memberships over its nNeighbors - 1 neighbours sum to log2(nNeighbors).
  const { sigmas, rhos } = smoothKnnDist(g, { nNeighbors: 15 });
  for (const i of [0, 10, 20, 199, 399]) {
    let s = 0;
    for (let j = 0; j < 14; j++) s += Math.exp(-Math.max(0, g.distances[i * 15 + j]! - rhos[i]!) / sigmas[i]!);
    assert.ok(Math.abs(s - Math.log2(15)) < TOL.fuzzyRowSumAbs, `row ${i}: ${s}`);
  }
  assert.equal(rhos[10], g.distances[10 * 15 + 1]); // image 10's nearest is its copy at 0; rho is the next distance
  assert.throws(() => fuzzySimplicialSet(g, { nNeighbors: 17 }), /n_neighbors must be an integer in 2\.\.16/);
});

test('knn-graph CLI: builds, verifies, and refuses an out-of-range k or a mismatched cache in one line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'knn-cli-'));
  try {
    const bad = await run('node', ['pipeline/knn-graph.js', '--k', '101', '--out', dir]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(bad?.code, 1);
    assert.equal(bad.stderr, 'error: --k must be an integer in 2..100, got 101 (see `knn-graph --help`)\n');
    const built = await run('node', ['pipeline/knn-graph.js', '--count', '300', '--out', dir]);
    assert.match(built.stderr, /knn-graph: neighbour graph of 300 images, k 15, written to /);
    const verified = await run('node', ['pipeline/knn-graph.js', '--count', '300', '--out', dir, '--verify']);
    assert.match(verified.stderr, /knn-graph: neighbour graph from the cache, verified: k 15, 300 images/);
    const before = (await stat(join(dir, KNN_GRAPH_FILE))).mtimeMs;
    const mismatch = await run('node', [
      'pipeline/knn-graph.js',
      '--count',
      '300',
      '--k',
      '10',
      '--out',
      dir,
      '--verify',
    ]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(mismatch?.code, 1);
    assert.match(mismatch.stderr, /^error: .*knn-graph\.json is for k = 15, not 10\n$/);
    assert.equal((await stat(join(dir, KNN_GRAPH_FILE))).mtimeMs, before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the objective end to end: free 2-D codes moved by Adam along the loss gradient of sampled edges separate the classes', async () => {
  // Non-parametric UMAP from these parts alone: graph, fuzzy set, edge batches, loss gradient (no network).
  const n = 2000,
    B = 256,
    steps = 3000,
    lr = 0.1;
  const g = await buildKnnGraph(data.train.images.pixels, n, PIXELS, 15);
  const sampler = new EdgeSampler(fuzzySimplicialSet(g), { seed: 1 });
  const { a, b } = findAbParams(1, 0.1),
    rng = seededRandom(2);
  const z = Float64Array.from({ length: n * 2 }, () => (rng() - 0.5) * 10);
  const m = new Float64Array(n * 2),
    v = new Float64Array(n * 2),
    grad = new Float64Array(n * 2);
  const zh = new Float64Array(B * 2),
    zt = new Float64Array(B * 2);
  const losses: number[] = [];
  for (let it = 1; it <= steps; it++) {
    const e = sampler.sample(B);
    for (let i = 0; i < B; i++)
      for (let c = 0; c < 2; c++) {
        zh[i * 2 + c] = z[e.head[i]! * 2 + c]!;
        zt[i * 2 + c] = z[e.tail[i]! * 2 + c]!;
      }
    const r = umapLossAndGrad(zh, zt, 2, { a, b, rng });
    losses.push(r.loss);
    grad.fill(0);
    for (let i = 0; i < B; i++)
      for (let c = 0; c < 2; c++) {
        grad[e.head[i]! * 2 + c]! += r.gradHead[i * 2 + c]!;
        grad[e.tail[i]! * 2 + c]! += r.gradTail[i * 2 + c]!;
      }
    for (let k = 0; k < n * 2; k++) {
      if (grad[k] === 0) continue;
      m[k] = 0.9 * m[k]! + 0.1 * grad[k]!;
      v[k] = 0.999 * v[k]! + 0.001 * grad[k]! ** 2;
      z[k]! -= (lr * (m[k]! / (1 - 0.9 ** it))) / (Math.sqrt(v[k]! / (1 - 0.999 ** it)) + 1e-8);
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(mean(losses.slice(-200)) < 0.7 * mean(losses.slice(0, 200)), 'the loss falls');
  // 5-NN of the second 1,000 codes among the first 1,000: random codes score about 0.1.
  const codes = Float32Array.from(z),
    y = data.train.labels.labels;
  const [, knn5] = knnAccuracies(codes.subarray(0, n), y, codes.subarray(n), y.subarray(n / 2, n), 2, [1, 5]);
  assert.ok(knn5! > 0.5, `5-NN accuracy ${knn5}`);
});

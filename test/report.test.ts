// The report stage end to end on the real test set with a small random-weight model: it reads the encode
// stage's codes, its reconstruction metrics match an independent per-pixel loop, its kNN accuracies and
// trustworthiness match brute-force computations written here from the definitions, and stale codes are refused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, type Dataset } from '../src/data/dataset.js';
import { CLASS_NAMES, IMAGE_SIZE, PIXELS } from '../src/data/fashion-mnist.js';
import { openModel, runBatched } from '../src/runtime/ort-session.js';
import { npyHeader, readNpy } from '../src/artifacts/npy.js';
import { runReportStage } from '../src/report/stage.js';
import { writeCodes, writeProjectModels } from './helpers/project-models.js';
import { TOL, assertClose } from './tolerance.js';
import { DATA, skipWithoutData } from './helpers/dataset.js';
import { permutation, seededRandom } from '../src/util/random.js';
import { TRUSTWORTHINESS_SAMPLE } from '../src/report/stage.js';

/**
 * k-NN accuracy by brute force in float64: every query against every reference, keeping the k + 1 nearest
 * (ties: lower index); the vote is the majority, a tie going to the class whose votes sit nearer (the larger
 * sum of k - rank), then to the lower class. Also counts the queries whose neighbour set float32 rounding may
 * change: neighbours k and k + 1 closer than TOL.knnAmbiguousRelative.
 */
function bruteForceKnn(
  ref: Float32Array,
  refY: Uint8Array,
  q: Float32Array,
  qY: Uint8Array,
  dim: number,
  k: number,
): { accuracy: number; ambiguous: number } {
  const n = qY.length,
    m = refY.length;
  const best = new Int32Array(k + 1),
    bestD = new Float64Array(k + 1);
  let correct = 0,
    ambiguous = 0;
  for (let i = 0; i < n; i++) {
    bestD.fill(Infinity);
    best.fill(-1);
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += (q[i * dim + c]! - ref[j * dim + c]!) ** 2;
      if (s >= bestD[k]!) continue; // equal: the lower index, seen first, stays ahead
      let r = k;
      while (r > 0 && bestD[r - 1]! > s) {
        bestD[r] = bestD[r - 1]!;
        best[r] = best[r - 1]!;
        r--;
      }
      bestD[r] = s;
      best[r] = j;
    }
    const count = new Array<number>(10).fill(0),
      nearness = new Array<number>(10).fill(0);
    for (let r = 0; r < k; r++) {
      count[refY[best[r]!]!]!++;
      nearness[refY[best[r]!]!]! += k - r;
    }
    let label = 0;
    for (let c = 1; c < 10; c++)
      if (count[c]! > count[label]! || (count[c] === count[label] && nearness[c]! > nearness[label]!)) label = c;
    if (label === qY[i]) correct++;
    if (bestD[k]! - bestD[k - 1]! <= TOL.knnAmbiguousRelative * bestD[k - 1]!) ambiguous++;
  }
  return { accuracy: correct / n, ambiguous };
}

/**
 * Trustworthiness (Venna & Kaski) from its definition in float64: for each point, its k nearest in the embedding
 * (ties: lower index), each one's rank r among the point's original-space neighbours (1 = nearest; ties:
 * lower index), T = 1 - 2 / (n k (2n - 3k - 1)) * sum of max(0, r - k).
 */
function bruteForceTrustworthiness(x: Float32Array, xDim: number, z: Float32Array, zDim: number, k: number): number {
  const n = x.length / xDim;
  const sq = (a: Float32Array, i: number, j: number, dim: number) => {
    let s = 0;
    for (let c = 0; c < dim; c++) s += (a[i * dim + c]! - a[j * dim + c]!) ** 2;
    return s;
  };
  let penalty = 0;
  const high = new Float64Array(n),
    low = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      high[j] = j === i ? Infinity : sq(x, i, j, xDim);
      low[j] = j === i ? Infinity : sq(z, i, j, zDim);
    }
    const embedded = Array.from({ length: n }, (_, j) => j)
      .sort((a, b) => low[a]! - low[b]! || a - b)
      .slice(0, k);
    for (const j of embedded) {
      let rank = 1;
      for (let l = 0; l < n; l++) if (l !== i && (high[l]! < high[j]! || (high[l] === high[j] && l < j))) rank++;
      penalty += Math.max(0, rank - k);
    }
  }
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}

const skip = skipWithoutData;
let dir = '',
  data: Dataset,
  models: { encoder: string; decoder: string };

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'report-'));
  data = await loadDataset(DATA);
  models = await writeProjectModels(dir);
  await writeCodes(models.encoder, data.test.images.pixels, join(dir, 'test-codes.npy'));
  await writeCodes(models.encoder, data.train.images.pixels, join(dir, 'train-codes.npy'));
});

test('report stage: metrics from the encode stage codes, pictures written; stale codes refused', { skip }, async () => {
  const out = join(dir, 'reports');
  const o = {
    dataDir: DATA,
    modelsDir: dir,
    tfjsDir: join(dir, 'no-tfjs'),
    outDir: out,
    testCodes: join(dir, 'test-codes.npy'),
    trainCodes: join(dir, 'train-codes.npy'),
  };
  const m = await runReportStage(o);

  // Independent reference: decode(encode(x)) with onnxruntime and a plain per-pixel loop in float64.
  const x = Float32Array.from(data.test.images.pixels, (v) => v / 255);
  const codes = await runBatched(await openModel(models.encoder), x, [IMAGE_SIZE, IMAGE_SIZE, 1]);
  const y = await runBatched(await openModel(models.decoder), codes, [2]);
  let sq = 0,
    bce = 0;
  for (let p = 0; p < x.length; p++) {
    const c = Math.min(Math.max(y[p]!, 1e-7), 1 - 1e-7);
    sq += (x[p]! - y[p]!) ** 2;
    bce -= x[p]! * Math.log(c) + (1 - x[p]!) * Math.log(1 - c);
  }
  assert.equal(m.test.images, 10000);
  assertClose(m.test.mse, sq / x.length, { rtol: TOL.metricRelative }, 'report MSE vs a plain loop');
  assertClose(m.test.bce, bce / x.length, { rtol: TOL.metricRelative }, 'report BCE vs a plain loop');
  assert.deepEqual(Object.keys(m.perClassMse), [...CLASS_NAMES]);
  // kNN accuracy (fitted on the 60,000 training codes, scored on the test codes) against brute force: equal up
  // to the queries whose neighbour set float32 rounding may change.
  const trainCodes = (await readNpy(o.trainCodes)).data as Float32Array,
    testCodes = (await readNpy(o.testCodes)).data as Float32Array;
  for (const [key, k] of [
    ['knn1', 1],
    ['knn5', 5],
  ] as const) {
    const ref = bruteForceKnn(trainCodes, data.train.labels.labels, testCodes, data.test.labels.labels, 2, k);
    assertClose(m.test[key], ref.accuracy, { atol: ref.ambiguous / 10000 }, `${key} vs brute force`);
  }
  // Trustworthiness on the report's own seeded sample of test images, from the definition.
  const sample = permutation(10000, seededRandom(7)).subarray(0, TRUSTWORTHINESS_SAMPLE);
  const sx = new Float32Array(sample.length * PIXELS),
    sz = new Float32Array(sample.length * 2);
  sample.forEach((idx, i) => {
    sx.set(x.subarray(idx * PIXELS, (idx + 1) * PIXELS), i * PIXELS);
    sz.set(testCodes.subarray(idx * 2, (idx + 1) * 2), i * 2);
  });
  assert.equal(m.test.trustworthinessSample, sample.length);
  assertClose(
    m.test.trustworthiness5,
    bruteForceTrustworthiness(sx, PIXELS, sz, 2, 5),
    { atol: TOL.trustworthinessAbs },
    'trustworthiness vs its definition',
  );
  const written = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')) as typeof m;
  assert.equal(written.test.mse, m.test.mse);
  for (const f of ['latent.png', 'reconstructions.png', 'manifold.png']) {
    assert.equal((await readFile(join(out, f))).subarray(1, 4).toString(), 'PNG', f);
  }
  await assert.rejects(stat(join(out, 'training.png')), 'no training.png without a train manifest');

  // Codes of another model: refused, naming the file.
  const other = await mkdtemp(join(tmpdir(), 'report-other-'));
  const otherModels = await writeProjectModels(other, 3);
  await writeCodes(
    otherModels.encoder,
    data.test.images.pixels.subarray(0, 10000 * PIXELS),
    join(other, 'test-codes.npy'),
  );
  await assert.rejects(
    runReportStage({ ...o, testCodes: join(other, 'test-codes.npy') }),
    /test-codes\.npy: float32 \[10000, 3\], expected float32 \[10000, 2\]: run `make encode`/,
  );
  await assert.rejects(
    runReportStage({ ...o, trainCodes: o.testCodes }),
    /test-codes\.npy: float32 \[10000, 2\], expected float32 \[60000, 2\]/,
  );
  // Same shape, but not this encoder's codes (one value off by 0.01): refused as stale.
  const stale = (await readNpy(o.testCodes)).data as Float32Array;
  stale[5] = stale[5]! + 0.01;
  await writeFile(
    join(other, 'stale.npy'),
    Buffer.concat([npyHeader('float32', [10000, 2]), Buffer.from(stale.buffer)]),
  );
  await assert.rejects(
    runReportStage({ ...o, testCodes: join(other, 'stale.npy') }),
    /stale\.npy: image 2's code differs from .*encoder\.onnx's by 0\.0\d+ \(stale\?\): run `make encode`/,
  );
  await rm(other, { recursive: true });
  await rm(dir, { recursive: true });
});

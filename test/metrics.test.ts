// Metric code against small cases whose answers are worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knnAccuracy, knnPredict } from '../src/metrics/knn.js';
import {
  classOverlap,
  nearestOthers,
  pca2,
  silhouette,
  trustworthiness,
  trustworthinessFromPenalty,
  trustworthinessPenalty,
} from '../src/metrics/embedding-metrics.js';
import { quantile } from '../src/metrics/quantile.js';
import { seededRandom } from '../src/util/random.js';
import { TOL, assertClose } from './tolerance.js';

const f = (xs: number[]) => Float32Array.from(xs);

test('kNN: 1-NN and 3-NN votes on points on a line', () => {
  // Reference: 0,1,2 are class 0; 10,11 class 1; 5 is class 1 (an outlier near the middle).
  const ref = f([0, 1, 2, 5, 10, 11]),
    refLab = [0, 0, 0, 1, 1, 1];
  const q = f([0.4, 4.6, 9]);
  assert.deepEqual([...knnPredict(ref, refLab, q, 1, 1)], [0, 1, 1]);
  // 3-NN of 4.6: 5 (class 1), 2 (0), 1 (0) -> class 0.  3-NN of 9: 10, 11, 5 -> class 1.
  assert.deepEqual([...knnPredict(ref, refLab, q, 1, 3)], [0, 0, 1]);
  assert.equal(knnAccuracy(ref, refLab, q, [0, 1, 1], 1, 3), 2 / 3);
});

test('kNN: a 1-1 tie goes to the nearer class', () => {
  assert.deepEqual([...knnPredict(f([0, 3]), [1, 0], f([1]), 1, 2)], [1]);
});

test('trustworthiness: 1 for a faithful embedding; a hand-computed value for a swapped one', () => {
  // Gaps 1,2,3,4,5,6 so no two distances from a point tie.
  const high = f([0, 1, 3, 6, 10, 15, 21]);
  assert.equal(trustworthiness(high, 1, high, 1, 2), 1);
  // The embedding swaps points 0 and 6. With k = 1, each point's embedded nearest neighbour and its rank in the original:
  // 0 (at 21) -> 5, original rank 5, penalty 4;  1 (at 1) -> 6 (at 0), rank 6, penalty 5;  6 (at 0) -> 1, rank 5, penalty 4;
  // points 2..5 keep their true nearest neighbour. T = 1 - 2 / (7 * 1 * (14 - 3 - 1)) * 13 = 1 - 26/70.
  const low = f([21, 1, 3, 6, 10, 15, 0]);
  assertClose(trustworthiness(high, 1, low, 1, 1), 1 - 26 / 70, { atol: TOL.exactFloat64 }, 'trustworthiness');
});

test('silhouette: two 1-D clusters by hand', () => {
  // A = {0, 1}, B = {10, 11}: s(0) = (10.5-1)/10.5, s(1) = (9.5-1)/9.5, and B mirrors A.
  const s = silhouette(f([0, 1, 10, 11]), 1, [0, 0, 1, 1], 2);
  assertClose(s, (9.5 / 10.5 + 8.5 / 9.5) / 2, { atol: TOL.exactFloat64 }, 'silhouette');
});

test('class overlap: rows sum to 1 and show which classes mix', () => {
  const m = classOverlap(f([0, 1, 2, 10, 11]), [0, 0, 1, 1, 1], f([0.5, 10.5]), [0, 1], 1, 2, 2);
  assert.deepEqual(m, [
    [1, 0],
    [0, 1],
  ]);
  const m3 = classOverlap(f([0, 1, 2, 10, 11]), [0, 0, 1, 1, 1], f([1.4]), [0], 1, 3, 2);
  assert.deepEqual(m3[0], [2 / 3, 1 / 3]);
});

test('PCA: points on a tilted line project onto one axis; quantiles interpolate', () => {
  const pts: number[] = [];
  for (let t = -2; t <= 2; t++) pts.push(t, 2 * t, -t);
  const { projected } = pca2(f(pts), 3);
  for (let i = 0; i < 5; i++) {
    assertClose(
      Math.abs(projected[i * 2]!),
      Math.abs((i - 2) * Math.sqrt(6)),
      { atol: TOL.pcaAbs },
      `PCA point ${i}, component 1`,
    );
    assertClose(projected[i * 2 + 1]!, 0, { atol: TOL.pcaAbs }, `PCA point ${i}, component 2`);
  }
  assert.equal(quantile([4, 1, 3, 2], 0.5), 2.5);
});

/** Silhouette straight from the definition, one pair at a time. */
function silhouetteBrute(x: Float32Array, dim: number, labels: number[], numClasses: number): number {
  const n = labels.length;
  const d = (i: number, j: number) =>
    Math.hypot(...Array.from({ length: dim }, (_, t) => x[i * dim + t]! - x[j * dim + t]!));
  let total = 0;
  for (let i = 0; i < n; i++) {
    const mean = (c: number) => {
      let s = 0,
        m = 0;
      for (let j = 0; j < n; j++)
        if (j !== i && labels[j] === c) {
          s += d(i, j);
          m++;
        }
      return m ? s / m : NaN;
    };
    if (labels.filter((l) => l === labels[i]).length <= 1) continue;
    const a = mean(labels[i]!);
    const others = Array.from({ length: numClasses }, (_, c) => c).filter((c) => c !== labels[i] && labels.includes(c));
    const b = Math.min(...others.map(mean));
    total += (b - a) / Math.max(a, b);
  }
  return total / n;
}

test('silhouette: the class-blocked loop equals the pair-by-pair definition (2-D and 3-D, a singleton class)', () => {
  const r = seededRandom(21);
  for (const dim of [2, 3]) {
    const n = 120,
      x = Float32Array.from({ length: n * dim }, () => r() * 4);
    const labels = Array.from({ length: n }, (_, i) => (i === 0 ? 3 : Math.floor(r() * 3)));
    assert.ok(Math.abs(silhouette(x, dim, labels, 4) - silhouetteBrute(x, dim, labels, 4)) < TOL.exactFloat64);
  }
});

test('trustworthiness from distance rows equals the sorting reference; nearestOthers skips only the point itself', () => {
  const r = seededRandom(5);
  const n = 150;
  const high = Float32Array.from({ length: n * 6 }, () => r()),
    low = Float32Array.from({ length: n * 2 }, () => r());
  for (const k of [1, 5, 12]) {
    const nn = nearestOthers(low, 2, k);
    let penalty = 0;
    for (let i = 0; i < n; i++) {
      const sq = (j: number, t: number) => (high[i * 6 + t]! - high[j * 6 + t]!) ** 2;
      const row = Float64Array.from({ length: n }, (_, j) => [0, 1, 2, 3, 4, 5].reduce((s, t) => s + sq(j, t), 0));
      penalty += trustworthinessPenalty(row, i, nn.subarray(i * k, (i + 1) * k), k);
    }
    const ref = trustworthiness(high, 6, low, 2, k);
    assert.ok(Math.abs(trustworthinessFromPenalty(penalty, n, k) - ref) < TOL.exactFloat64, `k ${k}`);
  }
  // Points 0 and 2 coincide: each is the other's nearest, and neither lists itself; 3 ties 0, 1, 2 at 2 (lower index first).
  assert.deepEqual([...nearestOthers(f([5, 1, 5, 3]), 1, 2)], [2, 3, 3, 0, 0, 3, 0, 1]);
});

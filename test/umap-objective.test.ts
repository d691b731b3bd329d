// The UMAP objective's parts against independent references: find_ab_params, the loss and its gradient
// (naive loops, central finite differences), the negative pairing, the edge sampler and the option checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abResidual, abTargetCurve, findAbParams } from '../src/umap/ab-params.js';
import { negativePairs, umapLossAndGrad, umapLossAndGradPairs, UMAP_EPS } from '../src/umap/loss.js';
import { aliasTable, EdgeSampler } from '../src/umap/edge-sampler.js';
import { checkK, checkMinDist, checkNegativeRate, checkSpread, checkUmapWeight } from '../src/umap/options.js';
import { seededRandom } from '../src/util/random.js';
import { relativeError, TOL } from './tolerance.js';

test("find_ab_params: min_dist 0.1, spread 1 give umap-learn's a = 1.577, b = 0.895", () => {
  const { a, b } = findAbParams(1, 0.1);
  assert.ok(Math.abs(a - 1.577) < TOL.abParamsAbs, `a = ${a}`);
  assert.ok(Math.abs(b - 0.895) < TOL.abParamsAbs, `b = ${b}`);
});

test('find_ab_params: the fit is a least-squares minimum (no nearby a, b fits better) for other settings', () => {
  for (const [spread, minDist] of [
    [1, 0.001],
    [1.5, 0.5],
    [2, 2],
  ] as const) {
    const { a, b } = findAbParams(spread, minDist);
    const { x, y } = abTargetCurve(spread, minDist);
    const best = abResidual(a, b, x, y);
    for (const [da, db] of [
      [1e-4, 0],
      [-1e-4, 0],
      [0, 1e-4],
      [0, -1e-4],
      [1e-4, 1e-4],
      [-1e-4, 1e-4],
    ]) {
      assert.ok(
        abResidual(a * (1 + da!), b * (1 + db!), x, y) >= best,
        `spread ${spread}, min_dist ${minDist}: (${a}, ${b}) is not a minimum`,
      );
    }
  }
  assert.throws(() => findAbParams(1, 1.5), /min_dist must be in \(0, spread = 1\]/);
});

/** The loss written out pair by pair, straight from tfumap's formulas. */
function naiveLoss(
  zh: Float64Array,
  zt: Float64Array,
  dim: number,
  negH: Int32Array,
  negT: Int32Array,
  a: number,
  b: number,
): number {
  const terms: number[] = [];
  const dist = (p: Float64Array, i: number, q: Float64Array, j: number) =>
    Math.hypot(...Array.from({ length: dim }, (_, c) => p[i * dim + c]! - q[j * dim + c]!));
  const prob = (d: number) => 1 / (1 + a * d ** (2 * b));
  const clip = (v: number) => Math.min(Math.max(v, UMAP_EPS), 1);
  for (let i = 0; i < zh.length / dim; i++) terms.push(-Math.log(clip(prob(dist(zh, i, zt, i)))));
  for (let t = 0; t < negH.length; t++) terms.push(-Math.log(clip(1 - prob(dist(zh, negH[t]!, zt, negT[t]!)))));
  return terms.reduce((s, v) => s + v, 0) / terms.length;
}

function randomCodes(n: number, seed: number, scale = 2): Float64Array {
  const r = seededRandom(seed);
  return Float64Array.from({ length: n }, () => (r() - 0.5) * 2 * scale);
}

test("UMAP loss: matches the naive pair-by-pair reference; negatives follow tfumap's repeat-and-shuffle", () => {
  const { a, b } = findAbParams(1, 0.1);
  for (const [B, dim, rate] of [
    [16, 2, 5],
    [7, 3, 1],
    [32, 2, 8],
  ] as const) {
    const zh = randomCodes(B * dim, B),
      zt = randomCodes(B * dim, B + 100);
    const r = umapLossAndGrad(zh, zt, dim, { a, b, negativeRate: rate, rng: seededRandom(3) });
    const neg = negativePairs(B, rate, seededRandom(3));
    const ref = naiveLoss(zh, zt, dim, neg.head, neg.tail, a, b);
    assert.ok(Math.abs(r.loss - ref) <= TOL.umapLossRelative * Math.abs(ref), `B ${B}: ${r.loss} vs ${ref}`);
    // Each head appears `rate` times in order, each tail `rate` times in some order.
    const tailCount = new Int32Array(B);
    neg.tail.forEach((t) => tailCount[t]!++);
    assert.deepEqual(
      [...neg.head],
      Array.from({ length: B * rate }, (_, s) => Math.floor(s / rate)),
    );
    assert.ok(tailCount.every((c) => c === rate));
  }
});

test('UMAP loss: analytic gradient vs central finite differences (float64)', () => {
  const { a, b } = findAbParams(1, 0.1);
  const B = 12,
    dim = 2,
    h = 1e-6;
  const zh = randomCodes(B * dim, 5),
    zt = randomCodes(B * dim, 6);
  const neg = negativePairs(B, 5, seededRandom(9));
  const lossAt = (h2: Float64Array, t2: Float64Array) =>
    umapLossAndGradPairs(h2, t2, dim, neg.head, neg.tail, { a, b }).loss;
  const r = umapLossAndGradPairs(zh, zt, dim, neg.head, neg.tail, { a, b });
  for (const [z, grad] of [
    [zh, r.gradHead],
    [zt, r.gradTail],
  ] as const) {
    const fd = new Float64Array(z.length);
    for (let e = 0; e < z.length; e++) {
      const keep = z[e]!;
      z[e] = keep + h;
      const up = lossAt(zh, zt);
      z[e] = keep - h;
      const down = lossAt(zh, zt);
      z[e] = keep;
      fd[e] = (up - down) / (2 * h);
    }
    const err = relativeError(grad, fd);
    assert.ok(err < TOL.umapGradRelative, `relative error ${err}`);
  }
});

test('UMAP loss: clipped pairs give the clip value and no gradient; coincident positives give zero gradient', () => {
  const a = 1.577,
    b = 0.895;
  // Head 0 sits on its tail (q = 1); head 1 is 1e4 from its tail (q < 1e-4, clipped). One negative joins head 0 with tail 0.
  const zh = Float64Array.of(0, 0, 1e4, 0),
    zt = Float64Array.of(0, 0, 0, 0);
  const r = umapLossAndGradPairs(zh, zt, 2, Int32Array.of(0), Int32Array.of(0), { a, b });
  assert.ok(Math.abs(r.loss - (0 + -Math.log(UMAP_EPS) * 2) / 3) < TOL.exactFloat64);
  assert.deepEqual([...r.gradHead, ...r.gradTail], new Array(8).fill(0));
});

test("UMAP loss: shards of the positives and negatives with the whole batch's normalizer add up to the whole batch", () => {
  const { a, b } = findAbParams(1, 0.1);
  const B = 20,
    dim = 2,
    rate = 5;
  const zh = randomCodes(B * dim, 11),
    zt = randomCodes(B * dim, 12);
  const neg = negativePairs(B, rate, seededRandom(4));
  const whole = umapLossAndGradPairs(zh, zt, dim, neg.head, neg.tail, { a, b });
  const half = (B / 2) * rate,
    normalizer = B * (1 + rate);
  const s0 = umapLossAndGradPairs(zh, zt, dim, neg.head.subarray(0, half), neg.tail.subarray(0, half), {
    a,
    b,
    normalizer,
    positives: { start: 0, end: B / 2 },
  });
  const s1 = umapLossAndGradPairs(zh, zt, dim, neg.head.subarray(half), neg.tail.subarray(half), {
    a,
    b,
    normalizer,
    positives: { start: B / 2, end: B },
  });
  assert.ok(Math.abs(s0.loss + s1.loss - whole.loss) < TOL.exactFloat64);
  const sum = whole.gradHead.map((_, e) => s0.gradHead[e]! + s1.gradHead[e]!);
  assert.ok(relativeError(sum, whole.gradHead) < TOL.splitGradRelative);
});

test('edge sampler: frequencies follow the weights, weak edges are pruned, the same seed repeats', () => {
  const graph = {
    n: 4,
    head: Int32Array.of(0, 1, 1, 2, 2, 3),
    tail: Int32Array.of(1, 0, 2, 1, 3, 2),
    weight: Float32Array.of(0.9, 0.9, 0.3, 0.3, 0.001, 0.001),
  };
  const s = new EdgeSampler(graph, { seed: 1, nEpochs: 200 });
  assert.equal(s.edgeCount, 4); // 0.001 < 0.9 / 200
  const draws = 240_000,
    batch = s.sample(draws);
  const freq = new Map<string, number>();
  for (let t = 0; t < draws; t++) {
    const key = `${batch.head[t]}-${batch.tail[t]}`;
    freq.set(key, (freq.get(key) ?? 0) + 1);
  }
  for (const [key, w] of [
    ['0-1', 0.9],
    ['1-0', 0.9],
    ['1-2', 0.3],
    ['2-1', 0.3],
  ] as const) {
    const p = w / 2.4,
      got = (freq.get(key) ?? 0) / draws,
      sd = Math.sqrt((p * (1 - p)) / draws);
    assert.ok(Math.abs(got - p) < TOL.samplingSds * sd, `${key}: ${got} vs ${p}`);
  }
  assert.equal(freq.get('2-3'), undefined);
  const again = new EdgeSampler(graph, { seed: 1 }).sample(50),
    other = new EdgeSampler(graph, { seed: 2 }).sample(50);
  assert.deepEqual(again.head, batch.head.subarray(0, 50));
  assert.notDeepEqual([...other.head], [...again.head]);
  // The alias table's implied probabilities equal the normalised weights.
  const w = [5, 1, 3, 1, 0.5],
    { prob, alias } = aliasTable(w),
    implied = new Float64Array(w.length);
  prob.forEach((pr, c) => {
    implied[c]! += pr / w.length;
    implied[alias[c]!]! += (1 - pr) / w.length;
  });
  implied.forEach((v, e) => assert.ok(Math.abs(v - w[e]! / 10.5) < TOL.exactFloat64));
});

test('option checks: boundaries pass, out-of-range values name the flag', () => {
  assert.equal(checkK(2), 2);
  assert.equal(checkK(100), 100);
  assert.throws(() => checkK(1), /--k must be an integer in 2\.\.100, got 1/);
  assert.throws(() => checkK(15.5), /--k must be an integer/);
  assert.throws(() => checkK(15, 10), /--k 15 needs more than 15 images, got 10/);
  assert.equal(checkUmapWeight(0), 0);
  assert.throws(() => checkUmapWeight(-0.1), /--umap-weight must be a number in 0\.\.100/);
  assert.throws(() => checkUmapWeight(Number.NaN), /--umap-weight/);
  assert.equal(checkMinDist(1, 1), 1);
  assert.throws(() => checkMinDist(0), /--min-dist must be a number in \(0, 1\]/);
  assert.throws(() => checkMinDist(1.2, 1), /--min-dist/);
  assert.throws(() => checkSpread(0), /--spread must be a number in \(0, 10\]/);
  assert.equal(checkNegativeRate(50), 50);
  assert.throws(() => checkNegativeRate(0), /--negative-rate must be an integer in 1\.\.50, got 0/);
  assert.throws(() => checkNegativeRate(51), /--negative-rate/);
});

test('negativePairs with excludeOwnTail never pairs a head with its own positive tail, and still uses every other tail', () => {
  const B = 8,
    rate = 5;
  const plain = negativePairs(B, rate, seededRandom(21));
  assert.ok(
    Array.from(plain.head).some((h, s) => plain.tail[s] === h),
    'without the option some negatives hit their own tail (1/B of them)',
  );
  const neg = negativePairs(B, rate, seededRandom(21), true);
  const seen = new Set<number>();
  for (let s = 0; s < neg.head.length; s++) {
    assert.notEqual(neg.tail[s], neg.head[s], `negative ${s} pairs head ${neg.head[s]} with its own tail`);
    assert.equal(neg.head[s], Math.floor(s / rate));
    seen.add(neg.tail[s]!);
  }
  assert.equal(seen.size, B, 'every tail of the batch still serves as a negative');
});

// Neighbour sampling for the umap-ae objective (src/umap/neighbour-loss.ts) against independent references:
// the compressed rows against the edge list, the loss against a pair-by-pair sum written from the formula,
// the gradient against central finite differences, and the expected loss against tfumap-style edge sampling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findAbParams } from '../src/umap/ab-params.js';
import { neighbourLossAndGrad, neighbourRows } from '../src/umap/neighbour-loss.js';
import { UMAP_EPS } from '../src/umap/loss.js';
import type { FuzzyGraph } from '../src/umap/fuzzy-set.js';
import { seededRandom } from '../src/util/random.js';
import { relativeError, TOL } from './tolerance.js';

/** A random symmetric graph on n points, each joined to `deg` others, sorted by head then tail. */
function randomGraph(n: number, deg: number, seed: number): FuzzyGraph {
  const rng = seededRandom(seed);
  const w = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < deg; d++) {
      const j = (i + 1 + Math.floor(rng() * (n - 1))) % n;
      const weight = Math.fround(0.001 + rng());
      w.set(`${i},${j}`, weight);
      w.set(`${j},${i}`, weight);
    }
  }
  const edges = [...w.entries()].map(([k, v]) => [...k.split(',').map(Number), v] as [number, number, number]);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return {
    n,
    head: Int32Array.from(edges, (e) => e[0]),
    tail: Int32Array.from(edges, (e) => e[1]),
    weight: Float32Array.from(edges, (e) => e[2]),
  };
}

function randomTable(length: number, seed: number, scale = 3): Float32Array {
  const rng = seededRandom(seed);
  return Float32Array.from({ length }, () => (rng() - 0.5) * 2 * scale);
}

test('neighbour rows: each head holds exactly its edges above max / nEpochs, in order, with the mean summed weight', () => {
  const g = randomGraph(50, 4, 1);
  const rows = neighbourRows(g, { nEpochs: 5 });
  let max = 0;
  for (const w of g.weight) max = Math.max(max, w);
  let total = 0;
  for (let h = 0; h < g.n; h++) {
    const expected: [number, number][] = [];
    for (let e = 0; e < g.weight.length; e++)
      if (g.head[e] === h && g.weight[e]! >= max / 5) expected.push([g.tail[e]!, g.weight[e]!]);
    const got: [number, number][] = [];
    for (let e = rows.offsets[h]!; e < rows.offsets[h + 1]!; e++) got.push([rows.tails[e]!, rows.weights[e]!]);
    assert.deepEqual(got, expected, `head ${h}`);
    total += expected.reduce((a, [, w]) => a + w, 0);
  }
  assert.ok(Math.abs(rows.meanWeight - total / g.n) < TOL.float64SumAbs);
  const unsorted = { ...g, head: g.head.slice().reverse() };
  assert.throws(() => neighbourRows(unsorted), /not sorted by head/);
  // Shared memory: the allocator is used for every array.
  const rowsShared = neighbourRows(g, { alloc: (bytes) => new SharedArrayBuffer(bytes) });
  assert.ok(
    rowsShared.tails.buffer instanceof SharedArrayBuffer && rowsShared.offsets.buffer instanceof SharedArrayBuffer,
  );
});

test('neighbour loss: matches the pair-by-pair sum of the formula, negatives replayed from the same stream', () => {
  const { a, b } = findAbParams(1, 0.1);
  const g = randomGraph(40, 3, 2);
  const rows = neighbourRows(g);
  const dim = 2,
    rate = 5;
  const table = randomTable(g.n * dim, 3);
  const heads = Int32Array.of(0, 7, 7, 39, 12);
  const codes = Float64Array.from(randomTable(heads.length * dim, 4));
  const r = neighbourLossAndGrad(codes, heads, table, rows, dim, { a, b, negativeRate: rate, rng: seededRandom(5) });

  const q = (i: number, t: number) => {
    let s = 0;
    for (let c = 0; c < dim; c++) s += (codes[i * dim + c]! - table[t * dim + c]!) ** 2;
    return 1 / (1 + a * s ** b);
  };
  const clipLog = (x: number) => Math.log(Math.min(1, Math.max(UMAP_EPS, x)));
  const rng = seededRandom(5);
  let total = 0;
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i]!;
    const edges: [number, number][] = [];
    for (let e = 0; e < g.weight.length; e++) if (g.head[e] === h) edges.push([g.tail[e]!, g.weight[e]!]);
    const W = edges.reduce((s, [, w]) => s + w, 0);
    for (const [t, w] of edges) total += -w * clipLog(q(i, t));
    for (let m = 0; m < rate * edges.length; m++) {
      const u = Math.floor(rng() * (g.n - 1));
      const t = u >= h ? u + 1 : u;
      assert.notEqual(t, h);
      total += -(W / edges.length) * clipLog(1 - q(i, t));
    }
  }
  const expected = total / ((1 + rate) * heads.length * rows.meanWeight);
  assert.ok(Math.abs(r.loss - expected) <= TOL.umapLossRelative * Math.abs(expected), `${r.loss} vs ${expected}`);
});

test('neighbour loss: analytic gradient vs central finite differences (float64)', () => {
  const { a, b } = findAbParams(1, 0.1);
  const g = randomGraph(30, 3, 6);
  const rows = neighbourRows(g);
  for (const dim of [2, 3]) {
    const table = randomTable(g.n * dim, 7);
    const heads = Int32Array.of(3, 4, 29, 0);
    const codes = Float64Array.from(randomTable(heads.length * dim, 8));
    const lossAt = () =>
      neighbourLossAndGrad(codes, heads, table, rows, dim, { a, b, negativeRate: 4, rng: seededRandom(9) }).loss;
    const { grad } = neighbourLossAndGrad(codes, heads, table, rows, dim, {
      a,
      b,
      negativeRate: 4,
      rng: seededRandom(9),
    });
    const h = 1e-6;
    const fd = new Float64Array(codes.length);
    for (let e = 0; e < codes.length; e++) {
      const keep = codes[e]!;
      codes[e] = keep + h;
      const up = lossAt();
      codes[e] = keep - h;
      const down = lossAt();
      codes[e] = keep;
      fd[e] = (up - down) / (2 * h);
    }
    const err = relativeError(grad, fd);
    assert.ok(err < TOL.umapGradRelative, `dim ${dim}: relative error ${err}`);
  }
});

test("neighbour loss: averaged over many draws it equals the edge-sampling objective's expectation", () => {
  // Edge sampling draws edge (i, j) with probability w_ij / sum(w) and `rate` uniform negatives for its head;
  // its expected per-pair loss is E = sum_ij w_ij (P_ij + rate * N_i) / ((1 + rate) sum(w)), N_i the mean
  // negative loss of head i over all other points. All heads at once with negatives averaged must give E.
  const { a, b } = findAbParams(1, 0.1);
  const g = randomGraph(25, 3, 11);
  const rows = neighbourRows(g, { nEpochs: 1e9 });
  const dim = 2,
    rate = 5;
  const table = randomTable(g.n * dim, 12, 1.5);
  const heads = Int32Array.from({ length: g.n }, (_, i) => i);
  const codes = Float64Array.from(table);
  const loss = (q: number) => -Math.log(Math.max(UMAP_EPS, q));
  const qOf = (i: number, j: number) => {
    let s = 0;
    for (let c = 0; c < dim; c++) s += (table[i * dim + c]! - table[j * dim + c]!) ** 2;
    return 1 / (1 + a * s ** b);
  };
  let num = 0,
    den = 0;
  for (let e = 0; e < g.weight.length; e++) {
    const i = g.head[e]!,
      j = g.tail[e]!,
      w = g.weight[e]!;
    let neg = 0;
    for (let t = 0; t < g.n; t++) if (t !== i) neg += loss(1 - qOf(i, t));
    num += w * (loss(qOf(i, j)) + (rate * neg) / (g.n - 1));
    den += w * (1 + rate);
  }
  const expected = num / den;
  const rng = seededRandom(13);
  let mean = 0;
  const draws = 400;
  for (let d = 0; d < draws; d++)
    mean += neighbourLossAndGrad(codes, heads, table, rows, dim, { a, b, negativeRate: rate, rng }).loss / draws;
  assert.ok(Math.abs(mean - expected) < TOL.monteCarloRelative * expected, `mean ${mean} vs expected ${expected}`);
});

test('neighbour loss: named errors for mismatched inputs', () => {
  const g = randomGraph(10, 2, 14);
  const rows = neighbourRows(g);
  const opts = { a: 1.5, b: 0.9, negativeRate: 5, rng: seededRandom(1) };
  assert.throws(
    () => neighbourLossAndGrad(new Float32Array(3), [0, 1], new Float32Array(20), rows, 2, opts),
    /2 heads need 4/,
  );
  assert.throws(
    () => neighbourLossAndGrad(new Float32Array(4), [0, 1], new Float32Array(18), rows, 2, opts),
    /code table holds 18/,
  );
  assert.throws(
    () => neighbourLossAndGrad(new Float32Array(4), [0, 10], new Float32Array(20), rows, 2, opts),
    /head 10 is outside/,
  );
});

// The UMAP cross-entropy for a batch of images against all of their graph neighbours at once.
//
// tfumap's batch (loss.ts) spends two encoded images on one sampled edge. Here every image of an
// ordinary autoencoder batch is a head, and all of its edges count: the tails' codes are read from a
// table holding the latest code of every training image (rewritten each time an image is encoded, so at
// most one epoch old). A batch of B images then carries about 14 B weighted edges instead of B / 2.
//
// For head i with edges (i, j, w_ij), W_i = sum_j w_ij and deg_i edges, the loss is
//   L_i = sum_j w_ij * -log clip(q(z_i, t_j))  +  (W_i / deg_i) * sum_{m < rate * deg_i} -log clip(1 - q(z_i, t_n_m)),
// negatives n_m drawn uniformly from the table (never i itself). In expectation this is UMAP's objective
// as edge sampling sees it: an edge is drawn with probability ~ w_ij and brings `rate` uniform negatives.
// The gradient is taken with respect to the head's code only: the graph is symmetric, so each edge's other
// direction is counted when its tail is a head. The batch's loss is sum_i L_i / ((1 + rate) * B * meanW),
// the analogue of tfumap's mean over pairs (meanW: the mean W_i over the table), so the value and the
// umap weight mean the same as with sampled edges, and shards of one batch add up.
import type { FuzzyGraph } from './fuzzy-set.js';
import { edgeWeightFloor } from './edge-sampler.js';
import { pairLoss, type Codes } from './loss.js';

/** The fuzzy graph as compressed rows: the edges of head h are offsets[h]..offsets[h + 1]. */
export interface NeighbourRows {
  n: number;
  offsets: Int32Array;
  tails: Int32Array;
  weights: Float32Array;
  /** Mean over heads of the summed edge weights W_i. */
  meanWeight: number;
}

/**
 * The graph's edges grouped by head, without the edges lighter than max weight / nEpochs (the ones
 * umap-learn and tfumap would sample less than once). `alloc` lets the caller put the rows in shared memory.
 */
export function neighbourRows(
  graph: FuzzyGraph,
  opts: { nEpochs?: number; alloc?: (bytes: number) => ArrayBufferLike } = {},
): NeighbourRows {
  const alloc = opts.alloc ?? ((bytes: number) => new ArrayBuffer(bytes));
  const floor = edgeWeightFloor(graph.weight, opts.nEpochs);
  const offsets = new Int32Array(alloc((graph.n + 1) * 4));
  let kept = 0;
  for (let e = 0; e < graph.weight.length; e++) {
    const w = graph.weight[e]!;
    const h = graph.head[e]!;
    if (e > 0 && h < graph.head[e - 1]!) throw new RangeError('neighbour rows: the edge list is not sorted by head');
    if (w >= floor && w > 0) {
      offsets[h + 1]!++;
      kept++;
    }
  }
  for (let h = 0; h < graph.n; h++) offsets[h + 1]! += offsets[h]!;
  const tails = new Int32Array(alloc(kept * 4));
  const weights = new Float32Array(alloc(kept * 4));
  let total = 0;
  for (let e = 0, k = 0; e < graph.weight.length; e++) {
    const w = graph.weight[e]!;
    if (w >= floor && w > 0) {
      tails[k] = graph.tail[e]!;
      weights[k] = w;
      total += w;
      k++;
    }
  }
  return { n: graph.n, offsets, tails, weights, meanWeight: total / graph.n };
}

export interface NeighbourLossOptions {
  a: number;
  b: number;
  /** Negatives per edge (umap-learn's negative_sample_rate). */
  negativeRate: number;
  /** A seeded uniform [0, 1) stream (src/util/random.ts) for the negatives. */
  rng: () => number;
}

/**
 * Loss and gradient (float32 [B, dim], d loss / d codes) for heads `heads` (indices into the table) with
 * fresh codes `codes` [B, dim]; neighbours and negatives are read from `table` [n, dim].
 */
export function neighbourLossAndGrad(
  codes: Codes,
  heads: ArrayLike<number>,
  table: Float32Array,
  rows: NeighbourRows,
  dim: number,
  opts: NeighbourLossOptions,
): { loss: number; grad: Float32Array } {
  const B = heads.length;
  if (codes.length !== B * dim)
    throw new RangeError(`UMAP loss: ${B} heads need ${B * dim} code values, got ${codes.length}`);
  if (table.length !== rows.n * dim)
    throw new RangeError(`UMAP loss: the code table holds ${table.length} values, the graph needs ${rows.n * dim}`);
  const { a, b, negativeRate, rng } = opts;
  if (!(a > 0) || !(b > 0)) throw new RangeError(`UMAP loss: a and b must be positive, got a = ${a}, b = ${b}`);
  const grad = new Float64Array(B * dim);
  const z = new Float64Array(dim);
  let total = 0;
  for (let i = 0; i < B; i++) {
    const h = heads[i]!;
    if (!(Number.isInteger(h) && h >= 0 && h < rows.n))
      throw new RangeError(`UMAP loss: head ${h} is outside 0..${rows.n - 1}`);
    for (let c = 0; c < dim; c++) z[c] = codes[i * dim + c]!;
    const e0 = rows.offsets[h]!,
      e1 = rows.offsets[h + 1]!;
    let weightSum = 0;
    for (let e = e0; e < e1; e++) {
      const w = rows.weights[e]!;
      weightSum += w;
      total += w * pairTerm(z, table, rows.tails[e]! * dim, dim, true, a, b, w, grad, i * dim);
    }
    const deg = e1 - e0;
    if (deg === 0 || rows.n < 2) continue;
    const negatives = negativeRate * deg;
    const wNeg = weightSum / deg;
    for (let m = 0; m < negatives; m++) {
      let t = Math.floor(rng() * (rows.n - 1));
      if (t >= h) t++; // uniform over the other points
      total += wNeg * pairTerm(z, table, t * dim, dim, false, a, b, wNeg, grad, i * dim);
    }
  }
  const norm = (1 + negativeRate) * B * rows.meanWeight;
  const out = new Float32Array(B * dim);
  for (let k = 0; k < out.length; k++) out[k] = grad[k]! / norm;
  return { loss: total / norm, grad: out };
}

/** One pair's unweighted loss; adds weight x its gradient with respect to z into grad at `at`. */
function pairTerm(
  z: Float64Array,
  table: Float32Array,
  t: number,
  dim: number,
  positive: boolean,
  a: number,
  b: number,
  weight: number,
  grad: Float64Array,
  at: number,
): number {
  let s = 0;
  for (let c = 0; c < dim; c++) {
    const v = z[c]! - table[t + c]!;
    s += v * v;
  }
  const { loss, coef } = pairLoss(s, positive, a, b);
  if (coef !== 0) {
    const g = 2 * coef * weight;
    for (let c = 0; c < dim; c++) grad[at + c]! += g * (z[c]! - table[t + c]!);
  }
  return loss;
}

// Draws batches of positive edges from the fuzzy graph with probability proportional to weight.
//
// Reads: a FuzzyGraph (symmetric edge list, so each undirected edge can come out in either direction).
// Like umap-learn and tfumap, edges below max weight / nEpochs (default 200) are dropped first: they would
// be sampled less than once in the whole optimisation. Sampling is i.i.d. by Walker's alias method
// (O(1) per draw), driven by a seeded stream (src/util/random.ts), two uniforms per draw, so the same seed
// gives the same batches on every machine.
import type { FuzzyGraph } from './fuzzy-set.js';
import { seededRandom } from '../util/random.js';

export interface EdgeBatch {
  /** [B] head point index and tail point index of each drawn edge. */
  head: Int32Array;
  tail: Int32Array;
}

/**
 * The lightest weight an edge may have and still be used: max weight / nEpochs (default 200), as umap-learn and
 * tfumap prune the edges they would sample less than once in the whole optimisation. Use edges with w >= floor, w > 0.
 */
export function edgeWeightFloor(weights: ArrayLike<number>, nEpochs = 200): number {
  if (!(nEpochs >= 1)) throw new RangeError(`edge sampler: nEpochs must be >= 1, got ${nEpochs}`);
  let max = 0;
  for (let e = 0; e < weights.length; e++) max = Math.max(max, weights[e]!);
  return max / nEpochs;
}

export class EdgeSampler {
  readonly head: Int32Array;
  readonly tail: Int32Array;
  readonly weight: Float32Array;
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  private readonly random: () => number;

  constructor(graph: FuzzyGraph, opts: { seed: number; nEpochs?: number }) {
    const floor = edgeWeightFloor(graph.weight, opts.nEpochs);
    let kept = 0;
    for (const w of graph.weight) if (w >= floor && w > 0) kept++;
    if (kept === 0) throw new RangeError('edge sampler: the graph has no edges');
    this.head = new Int32Array(kept);
    this.tail = new Int32Array(kept);
    this.weight = new Float32Array(kept);
    for (let e = 0, k = 0; e < graph.weight.length; e++) {
      const w = graph.weight[e]!;
      if (w >= floor && w > 0) {
        this.head[k] = graph.head[e]!;
        this.tail[k] = graph.tail[e]!;
        this.weight[k] = w;
        k++;
      }
    }
    ({ prob: this.prob, alias: this.alias } = aliasTable(this.weight));
    this.random = seededRandom(opts.seed);
  }

  get edgeCount(): number {
    return this.head.length;
  }

  /** The next `size` edges. */
  sample(size: number): EdgeBatch {
    const head = new Int32Array(size),
      tail = new Int32Array(size);
    const m = this.head.length;
    for (let t = 0; t < size; t++) {
      const col = Math.floor(this.random() * m);
      const e = this.random() < this.prob[col]! ? col : this.alias[col]!;
      head[t] = this.head[e]!;
      tail[t] = this.tail[e]!;
    }
    return { head, tail };
  }
}

/** Vose's alias table: column c keeps itself with probability prob[c], else gives alias[c]. */
export function aliasTable(weights: ArrayLike<number>): { prob: Float64Array; alias: Int32Array } {
  const m = weights.length;
  let sum = 0;
  for (let e = 0; e < m; e++) sum += weights[e]!;
  const scaled = new Float64Array(m);
  for (let e = 0; e < m; e++) scaled[e] = (weights[e]! * m) / sum;
  const prob = new Float64Array(m),
    alias = new Int32Array(m);
  // Two stacks in typed arrays: columns still below and at-or-above their share.
  const small = new Int32Array(m),
    large = new Int32Array(m);
  let ns = 0,
    nl = 0;
  for (let e = m - 1; e >= 0; e--) {
    if (scaled[e]! < 1) small[ns++] = e;
    else large[nl++] = e;
  }
  while (ns > 0 && nl > 0) {
    const sm = small[--ns]!,
      l = large[--nl]!;
    prob[sm] = scaled[sm]!;
    alias[sm] = l;
    scaled[l] = scaled[l]! + scaled[sm]! - 1;
    if (scaled[l]! < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  // What is left holds (up to round-off) exactly its share.
  while (nl > 0) {
    const e = large[--nl]!;
    prob[e] = 1;
    alias[e] = e;
  }
  while (ns > 0) {
    const e = small[--ns]!;
    prob[e] = 1;
    alias[e] = e;
  }
  return { prob, alias };
}

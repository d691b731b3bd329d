// The non-parametric UMAP layout of a fuzzy graph: every point's low-dimensional position optimised
// directly, the way umap-learn's optimize_layout_euclidean does it.
//
// Reads: a FuzzyGraph (symmetric edge list, both directions) and a starting layout Float32Array [n, dim].
// Writes: the optimised layout, in place, and returns it.
//
// The schedule is umap-learn's: edges lighter than max / nEpochs are dropped; edge e is sampled every
// epochsPerSample[e] = max / w_e epochs (so about nEpochs · w_e / max times in all), moving both of its
// ends towards each other (attraction -2ab d^(2(b-1)) / (1 + a d^2b)); each sample is followed by
// negativeRate negatives per epochsPerSample, uniform over all points, moving only the head away
// (repulsion 2 gamma b / ((0.001 + d^2)(1 + a d^2b))). Every gradient coordinate is clipped to ±4 and the
// learning rate falls linearly from `alpha` to 0. One thread and one seeded stream: the same graph, start
// and seed give the same bytes on every machine.
import type { FuzzyGraph } from './fuzzy-set.js';
import { edgeWeightFloor } from './edge-sampler.js';

export interface LayoutOptions {
  /** a, b of q(d) = 1 / (1 + a d^2b) (findAbParams(spread, minDist)). */
  a: number;
  b: number;
  /** Epochs of the whole optimisation (umap-learn: 200 for large data). */
  nEpochs: number;
  /** Negative samples per positive sample. */
  negativeRate: number;
  /** Starting learning rate (umap-learn's learning_rate, 1). */
  alpha?: number;
  /** Weight of the repulsive term (umap-learn's repulsion_strength, 1). */
  gamma?: number;
  seed: number;
  /** Called after each epoch with the number of epochs done. */
  onEpoch?: (done: number, total: number) => void;
}

/** Gradient coordinates are clipped to this magnitude, as umap-learn does. */
export const LAYOUT_CLIP = 4;

export const LAYOUT_DEFAULTS = { nEpochs: 200, negativeRate: 5, alpha: 1, gamma: 1 } as const;

function clip(v: number): number {
  return v > LAYOUT_CLIP ? LAYOUT_CLIP : v < -LAYOUT_CLIP ? -LAYOUT_CLIP : v;
}

/** The edges that take part (weight >= max / nEpochs), and how many epochs apart each is sampled. */
export function layoutSchedule(
  graph: FuzzyGraph,
  nEpochs: number,
): { head: Int32Array; tail: Int32Array; epochsPerSample: Float64Array } {
  const floor = edgeWeightFloor(graph.weight, nEpochs);
  let max = 0,
    kept = 0;
  for (const w of graph.weight) {
    max = Math.max(max, w);
    if (w >= floor && w > 0) kept++;
  }
  if (kept === 0) throw new RangeError('layout: the graph has no edges');
  const head = new Int32Array(kept),
    tail = new Int32Array(kept),
    epochsPerSample = new Float64Array(kept);
  let e = 0;
  for (let i = 0; i < graph.weight.length; i++) {
    const w = graph.weight[i]!;
    if (!(w >= floor && w > 0)) continue;
    head[e] = graph.head[i]!;
    tail[e] = graph.tail[i]!;
    epochsPerSample[e] = max / w;
    e++;
  }
  return { head, tail, epochsPerSample };
}

/** Optimises `layout` [graph.n, dim] in place (see the module header) and returns it. */
export function optimizeLayout(graph: FuzzyGraph, layout: Float32Array, dim: number, o: LayoutOptions): Float32Array {
  const n = graph.n;
  if (layout.length !== n * dim) throw new RangeError(`layout: ${layout.length} values for ${n} points of ${dim}-D`);
  if (!(Number.isInteger(o.nEpochs) && o.nEpochs >= 1))
    throw new RangeError(`layout: nEpochs must be >= 1, got ${o.nEpochs}`);
  if (!(o.negativeRate >= 0)) throw new RangeError(`layout: negativeRate must be >= 0, got ${o.negativeRate}`);
  const { a, b } = o;
  const alpha0 = o.alpha ?? LAYOUT_DEFAULTS.alpha;
  const gamma = o.gamma ?? LAYOUT_DEFAULTS.gamma;
  const { head, tail, epochsPerSample } = layoutSchedule(graph, o.nEpochs);
  const edges = head.length;
  const epochsPerNegative = new Float64Array(edges);
  for (let e = 0; e < edges; e++) epochsPerNegative[e] = epochsPerSample[e]! / o.negativeRate;
  const nextSample = Float64Array.from(epochsPerSample);
  const nextNegative = Float64Array.from(epochsPerNegative);
  // xorshift32: a fast seeded stream for the negatives (0 is its only fixed point).
  let state = (o.seed * 2654435761 + 1) >>> 0 || 1;
  const delta = new Float64Array(dim);

  for (let epoch = 0; epoch < o.nEpochs; epoch++) {
    const alpha = alpha0 * (1 - epoch / o.nEpochs);
    for (let e = 0; e < edges; e++) {
      if (nextSample[e]! > epoch) continue;
      const j = head[e]! * dim,
        k = tail[e]! * dim;
      let d2 = 0;
      for (let c = 0; c < dim; c++) {
        const t = layout[j + c]! - layout[k + c]!;
        delta[c] = t;
        d2 += t * t;
      }
      if (d2 > 0) {
        const pb = Math.pow(d2, b);
        const coef = (-2 * a * b * (pb / d2)) / (a * pb + 1);
        for (let c = 0; c < dim; c++) {
          const g = clip(coef * delta[c]!) * alpha;
          layout[j + c]! += g;
          layout[k + c]! -= g;
        }
      }
      nextSample[e]! += epochsPerSample[e]!;

      const negatives = Math.floor((epoch - nextNegative[e]!) / epochsPerNegative[e]!);
      for (let p = 0; p < negatives; p++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const q = ((state >>> 0) % n) * dim;
        let s2 = 0;
        for (let c = 0; c < dim; c++) {
          const t = layout[j + c]! - layout[q + c]!;
          delta[c] = t;
          s2 += t * t;
        }
        if (s2 <= 0) continue;
        const coef = (2 * gamma * b) / ((0.001 + s2) * (a * Math.pow(s2, b) + 1));
        for (let c = 0; c < dim; c++) layout[j + c]! += clip(coef * delta[c]!) * alpha;
      }
      nextNegative[e]! += negatives * epochsPerNegative[e]!;
    }
    o.onEpoch?.(epoch + 1, o.nEpochs);
  }
  return layout;
}

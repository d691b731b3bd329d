// The fuzzy simplicial set of a kNN graph, as umap-learn's fuzzy_simplicial_set builds it.
//
// Reads: a KnnGraph (indices/distances [n, k], the k nearest *other* points, ascending).
// umap-learn's neighbour lists include the point itself at distance 0 in column 0, so its n_neighbors
// counts the point: `nNeighbors` here is that number, and uses the first nNeighbors - 1 columns of the
// graph (the study's n_neighbors = 15 uses 14 other points; a k = 15 graph allows up to 16).
//
// Per point i (smooth_knn_dist, local_connectivity 1, bandwidth 1):
//   rho_i   = distance to the nearest neighbour at distance > 0;
//   sigma_i by binary search (64 iterations, |psum - target| < 1e-5) so that
//           psum = sum_j exp(-max(0, d_ij - rho_i) / sigma_i) = log2(nNeighbors),
//           floored at 1e-3 x the mean distance of the row (self's 0 included), or of the whole graph when rho_i = 0;
//   p_j|i   = exp(-(d_ij - rho_i) / sigma_i), 1 where d_ij <= rho_i.
// Union (set_op_mix_ratio 1): w_ij = p_j|i + p_i|j - p_j|i p_i|j.
// Returns a symmetric edge list (both directions), sorted by head then tail; weights float32 as umap-learn's.
import type { KnnGraph } from './knn-graph.js';

export const SMOOTH_K_TOLERANCE = 1e-5;
export const MIN_K_DIST_SCALE = 1e-3;
export const SMOOTH_K_ITERATIONS = 64;

export interface FuzzyGraph {
  n: number;
  /** Edge e runs head[e] -> tail[e] with weight[e] in (0, 1]; (j, i) is present with the same weight. */
  head: Int32Array;
  tail: Int32Array;
  weight: Float32Array;
}

export interface FuzzyOptions {
  /** umap-learn's n_neighbors, counting the point itself: 2..graph.k + 1. Default min(15, graph.k + 1). */
  nNeighbors?: number;
  localConnectivity?: number;
}

function neighbourCount(graph: KnnGraph, nNeighbors: number | undefined): number {
  const m = nNeighbors ?? Math.min(15, graph.k + 1);
  if (!Number.isInteger(m) || m < 2 || m > graph.k + 1)
    throw new RangeError(`n_neighbors must be an integer in 2..${graph.k + 1} for a k = ${graph.k} graph, got ${m}`);
  return m;
}

/** sigma_i and rho_i of every point (umap-learn's smooth_knn_dist); Float64Array [n] each. */
export function smoothKnnDist(graph: KnnGraph, opts: FuzzyOptions = {}): { sigmas: Float64Array; rhos: Float64Array } {
  const m = neighbourCount(graph, opts.nNeighbors);
  const local = opts.localConnectivity ?? 1;
  if (!(local >= 0)) throw new RangeError(`local_connectivity must be >= 0, got ${local}`);
  const { n, k, distances } = graph;
  const target = Math.log2(m);
  const sigmas = new Float64Array(n),
    rhos = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m - 1; j++) total += distances[i * k + j]!;
  const meanDistances = total / (n * m); // over the n x m table that includes the zeros of self
  for (let i = 0; i < n; i++) {
    const row = distances.subarray(i * k, i * k + m - 1);
    const nonZero: number[] = [];
    for (const d of row) if (d > 0) nonZero.push(d);
    let rho = 0;
    if (nonZero.length >= local) {
      const index = Math.floor(local),
        interpolation = local - index;
      if (index > 0) {
        rho = nonZero[index - 1]!;
        if (interpolation > SMOOTH_K_TOLERANCE) rho += interpolation * (nonZero[index]! - nonZero[index - 1]!);
      } else {
        rho = interpolation * nonZero[0]!;
      }
    } else if (nonZero.length > 0) {
      rho = Math.max(...nonZero);
    }
    let lo = 0,
      hi = Infinity,
      mid = 1;
    for (let it = 0; it < SMOOTH_K_ITERATIONS; it++) {
      let psum = 0;
      for (const d of row) psum += d - rho > 0 ? Math.exp(-(d - rho) / mid) : 1;
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    let rowSum = 0;
    for (const d of row) rowSum += d;
    const floor = MIN_K_DIST_SCALE * (rho > 0 ? rowSum / m : meanDistances);
    sigmas[i] = Math.max(mid, floor);
    rhos[i] = rho;
  }
  return { sigmas, rhos };
}

/** Directed memberships p_j|i: Float64Array [n, nNeighbors - 1], aligned with the graph's first columns. */
export function memberships(
  graph: KnnGraph,
  sigmas: Float64Array,
  rhos: Float64Array,
  nNeighbors: number,
): Float64Array {
  const { n, k, distances } = graph,
    m = nNeighbors - 1;
  const p = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const d = distances[i * k + j]! - rhos[i]!;
      p[i * m + j] = d <= 0 || sigmas[i] === 0 ? 1 : Math.exp(-d / sigmas[i]!);
    }
  return p;
}

/** Sorts edge ids by (a, b) with a native numeric sort: key = (a * n + b) * E + e stays an exact float64. */
function sortEdges(a: Int32Array, b: Int32Array, n: number, count: number): Int32Array {
  if (n * n * count >= 2 ** 53)
    throw new RangeError(`fuzzy set: ${count} edges over ${n} points is too many to sort exactly`);
  const keys = new Float64Array(count);
  for (let e = 0; e < count; e++) keys[e] = (a[e]! * n + b[e]!) * count + e;
  keys.sort();
  const order = new Int32Array(count);
  for (let e = 0; e < count; e++) order[e] = keys[e]! % count;
  return order;
}

/** The symmetric fuzzy union of the kNN graph's memberships: an edge list with both directions. */
export function fuzzySimplicialSet(graph: KnnGraph, opts: FuzzyOptions = {}): FuzzyGraph {
  const nNeighbors = neighbourCount(graph, opts.nNeighbors);
  const { sigmas, rhos } = smoothKnnDist(graph, { ...opts, nNeighbors });
  const p = memberships(graph, sigmas, rhos, nNeighbors);
  const { n, k } = graph,
    m = nNeighbors - 1;
  // Directed edges keyed by the unordered pair (lo, hi), remembering which way each ran.
  const count = n * m;
  const lo = new Int32Array(count),
    hi = new Int32Array(count);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const t = graph.indices[i * k + j]!,
        e = i * m + j;
      lo[e] = Math.min(i, t);
      hi[e] = Math.max(i, t);
    }
  const order = sortEdges(lo, hi, n, count);
  const uA: number[] = [],
    uB: number[] = [],
    uW: number[] = [];
  for (let s = 0; s < count;) {
    const e0 = order[s]!,
      a = lo[e0]!,
      b = hi[e0]!;
    let pab = 0,
      pba = 0; // p_b|a (edge a -> b) and p_a|b
    for (; s < count && lo[order[s]!] === a && hi[order[s]!] === b; s++) {
      const e = order[s]!,
        from = Math.floor(e / m);
      if (from === a) pab = p[e]!;
      else pba = p[e]!;
    }
    const w = pab + pba - pab * pba;
    if (w > 0) {
      uA.push(a);
      uB.push(b);
      uW.push(w);
    }
  }
  // Both directions, then sorted by (head, tail).
  const E = 2 * uA.length;
  const head = new Int32Array(E),
    tail = new Int32Array(E),
    wAll = new Float32Array(E);
  for (let u = 0; u < uA.length; u++) {
    head[2 * u] = uA[u]!;
    tail[2 * u] = uB[u]!;
    wAll[2 * u] = uW[u]!;
    head[2 * u + 1] = uB[u]!;
    tail[2 * u + 1] = uA[u]!;
    wAll[2 * u + 1] = uW[u]!;
  }
  const o = sortEdges(head, tail, n, E);
  return {
    n,
    head: o.map((e) => head[e]!),
    tail: o.map((e) => tail[e]!),
    weight: Float32Array.from(o, (e) => wAll[e]!),
  };
}

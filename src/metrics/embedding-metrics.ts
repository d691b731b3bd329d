// Embedding-quality metrics on codes: trustworthiness, silhouette by class, class overlap, PCA.
// Plain typed-array code; points are row-major [n, dim].
import { nearestNeighbours } from './knn.js';

function sqDist(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let d = 0;
  for (let t = 0; t < dim; t++) {
    const x = a[i * dim + t]! - b[j * dim + t]!;
    d += x * x;
  }
  return d;
}

/** Indices of all other points sorted by distance to point i (ties by index). */
function ranking(x: Float32Array, dim: number, n: number, i: number): Int32Array {
  const d = new Float64Array(n);
  for (let j = 0; j < n; j++) d[j] = sqDist(x, i, x, j, dim);
  const idx = Int32Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
  idx.sort((p, q) => d[p]! - d[q]! || p - q);
  return idx;
}

/**
 * Trustworthiness (Venna & Kaski): how far the k nearest neighbours in the embedding are from being
 * neighbours in the original space. 1 = every embedded neighbour is a true neighbour.
 * T = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in U_i} (r(i, j) - k)
 */
export function trustworthiness(
  high: Float32Array,
  highDim: number,
  low: Float32Array,
  lowDim: number,
  k: number,
): number {
  const n = high.length / highDim;
  if (low.length / lowDim !== n) throw new Error('trustworthiness: point counts differ');
  if (!(k >= 1 && k < n / 2))
    throw new RangeError(`trustworthiness: k must be in 1..${Math.ceil(n / 2) - 1}, got ${k}`);
  let penalty = 0;
  const rankHigh = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const rh = ranking(high, highDim, n, i);
    rh.forEach((j, r) => {
      rankHigh[j] = r + 1;
    });
    const rl = ranking(low, lowDim, n, i);
    for (let t = 0; t < k; t++) {
      const r = rankHigh[rl[t]!]!;
      if (r > k) penalty += r - k;
    }
  }
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}

/**
 * Mean silhouette coefficient of points grouped by label (Euclidean), exact over all pairs. The points are
 * copied class by class and each pair's distance is computed once: point p sums its distances to the later
 * points of each class in a tight loop and hands the same distance to each later point q through
 * `toClass[class of p][q]`, so all 50,000 training codes take seconds rather than a minute.
 */
export function silhouette(x: Float32Array, dim: number, labels: ArrayLike<number>, numClasses = 10): number {
  const n = x.length / dim;
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) counts[labels[i]!]!++;
  const start = new Int32Array(numClasses + 1);
  for (let c = 0; c < numClasses; c++) start[c + 1] = start[c]! + counts[c]!;
  const fill = start.slice(0, numClasses);
  const sorted = new Float64Array(n * dim),
    classOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const at = fill[labels[i]!]!++;
    classOf[at] = labels[i]!;
    for (let t = 0; t < dim; t++) sorted[at * dim + t] = x[i * dim + t]!;
  }
  // toClass[c * n + q]: sum of distances from point q to the points of class c that come before it.
  const toClass = new Float64Array(numClasses * n);
  const sums = new Float64Array(numClasses);
  let total = 0;
  for (let p = 0; p < n; p++) {
    const own = classOf[p]!,
      back = toClass.subarray(own * n, (own + 1) * n);
    for (let c = 0; c < numClasses; c++) {
      let s = 0;
      const from = Math.max(start[c]!, p + 1),
        to = start[c + 1]!;
      if (dim === 2) {
        const px = sorted[2 * p]!,
          py = sorted[2 * p + 1]!;
        for (let q = from; q < to; q++) {
          const dx = px - sorted[2 * q]!,
            dy = py - sorted[2 * q + 1]!,
            d = Math.sqrt(dx * dx + dy * dy);
          s += d;
          back[q] = back[q]! + d;
        }
      } else {
        for (let q = from; q < to; q++) {
          let d2 = 0;
          for (let t = 0; t < dim; t++) {
            const v = sorted[p * dim + t]! - sorted[q * dim + t]!;
            d2 += v * v;
          }
          const d = Math.sqrt(d2);
          s += d;
          back[q] = back[q]! + d;
        }
      }
      sums[c] = s + toClass[c * n + p]!;
    }
    if (counts[own]! <= 1) continue; // silhouette of a singleton is 0
    const a = sums[own]! / (counts[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < numClasses; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[c]! / counts[c]!);
    total += (b - a) / Math.max(a, b);
  }
  return total / n;
}

/**
 * overlap[a][b]: among the k nearest reference codes of the query codes of class a, the fraction of class b.
 * The diagonal says how well a class holds together; large off-diagonal entries are classes that mix.
 */
export function classOverlap(
  reference: Float32Array,
  refLabels: ArrayLike<number>,
  queries: Float32Array,
  queryLabels: ArrayLike<number>,
  dim: number,
  k: number,
  numClasses = 10,
): number[][] {
  return overlapFromNeighbours(nearestNeighbours(reference, queries, dim, k), k, refLabels, queryLabels, numClasses);
}

/** classOverlap from an existing neighbour search ([nQueries, k] indices). */
export function overlapFromNeighbours(
  neighbours: Int32Array,
  k: number,
  refLabels: ArrayLike<number>,
  queryLabels: ArrayLike<number>,
  numClasses = 10,
): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let q = 0; q < neighbours.length / k; q++) {
    for (let i = 0; i < k; i++) m[queryLabels[q]!]![refLabels[neighbours[q * k + i]!]!]! += 1;
  }
  return m.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s ? v / s : 0));
  });
}

function removeAlong(v: Float64Array, basis: Float64Array[]): number {
  for (let pass = 0; pass < 2; pass++) {
    for (const p of basis) {
      const dot = v.reduce((s, vi, i) => s + vi * p[i]!, 0);
      for (let i = 0; i < v.length; i++) v[i]! -= dot * p[i]!;
    }
  }
  return Math.hypot(...v);
}

/** w with its parts along the orthonormal `basis` removed, at unit length; if nothing real is left, any unit vector orthogonal to the basis. */
function orthonormalize(w: Float64Array, basis: Float64Array[]): Float64Array {
  const scale = Math.hypot(...w);
  let v = Float64Array.from(w);
  let norm = removeAlong(v, basis);
  if (!(norm > 1e-9 * scale)) {
    for (let k = 0; k < w.length; k++) {
      v = Float64Array.from({ length: w.length }, (_, i) => (i === k ? 1 : 0));
      norm = removeAlong(v, basis);
      if (norm > 0.1) break;
    }
  }
  return v.map((x) => x / norm);
}

/** The top-2 principal components of the rows of x, and x projected onto them. */
export function pca2(
  x: Float32Array,
  dim: number,
): { projected: Float32Array; components: Float64Array[]; mean: Float64Array } {
  const n = x.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let t = 0; t < dim; t++) mean[t]! += x[i * dim + t]! / n;
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < dim; a++) {
      const va = x[i * dim + a]! - mean[a]!;
      for (let b = 0; b < dim; b++) cov[a * dim + b]! += (va * (x[i * dim + b]! - mean[b]!)) / n;
    }
  const components: Float64Array[] = [];
  for (let c = 0; c < 2 && c < dim; c++) {
    let v: Float64Array = Float64Array.from({ length: dim }, (_, i) => 1 + i * 0.01);
    for (let it = 0; it < 500; it++) {
      const w = new Float64Array(dim);
      for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) w[a]! += cov[a * dim + b]! * v[b]!;
      v = orthonormalize(w, components);
    }
    components.push(v);
  }
  const projected = new Float32Array(n * 2);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < components.length; c++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += (x[i * dim + t]! - mean[t]!) * components[c]![t]!;
      projected[i * 2 + c] = s;
    }
  return { projected, components, mean };
}

/**
 * The k nearest *other* points of every point of x ([n, k], nearest first, ties to the lower index): a
 * point's own row is skipped even when an identical copy elsewhere ties with it at distance 0.
 */
export function nearestOthers(x: Float32Array, dim: number, k: number): Int32Array {
  const n = x.length / dim;
  if (!(Number.isInteger(k) && k >= 1 && k < n)) throw new RangeError(`k must be in 1..${n - 1}, got ${k}`);
  const withSelf = nearestNeighbours(x, x, dim, k + 1);
  const out = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let c = 0; c <= k && w < k; c++) {
      const j = withSelf[i * (k + 1) + c]!;
      if (j !== i) out[i * k + w++] = j;
    }
  }
  return out;
}

/**
 * Point i's trustworthiness penalty, sum over its embedded neighbours j of max(0, r(i, j) - k), where
 * r(i, j) is j's rank among i's original-space distances `highRow` ([n], any monotone form of the distance):
 * 1 + the number of other points nearer than j, ties counted as nearer when their index is lower.
 */
export function trustworthinessPenalty(
  highRow: ArrayLike<number>,
  i: number,
  neighbours: ArrayLike<number>,
  k: number,
): number {
  const target = new Float64Array(k),
    idx = new Int32Array(k),
    rank = new Int32Array(k).fill(1);
  for (let t = 0; t < k; t++) {
    idx[t] = neighbours[t]!;
    target[t] = highRow[idx[t]!]!;
  }
  for (let l = 0; l < highRow.length; l++) {
    if (l === i) continue;
    const d = highRow[l]!;
    for (let t = 0; t < k; t++) if (d < target[t]! || (d === target[t]! && l < idx[t]!)) rank[t]!++;
  }
  let penalty = 0;
  for (let t = 0; t < k; t++) if (rank[t]! > k) penalty += rank[t]! - k;
  return penalty;
}

/** Trustworthiness from the summed penalties of n points: 1 - 2 / (n k (2n - 3k - 1)) * penalty. */
export function trustworthinessFromPenalty(penalty: number, n: number, k: number): number {
  if (!(k >= 1 && k < n / 2))
    throw new RangeError(`trustworthiness: k must be in 1..${Math.ceil(n / 2) - 1}, got ${k}`);
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}

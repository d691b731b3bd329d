// The exact k-nearest-neighbour graph of a set of images (Euclidean, pixels scaled to [0, 1]).
//
// Reads: n uint8 images of `dim` pixels, row-major [n, dim].
// Returns: `indices` int32 [n, k], the k nearest other images of each image, nearest first, and
// `distances` float32 [n, k], their Euclidean distances in the [0, 1] pixel scale (sqrt(D) / 255 for the
// integer squared distance D). Deterministic: distances are exact integers before the square root, ties go
// to the lower index, and an image is never its own neighbour (an identical copy elsewhere is a neighbour
// at distance 0).
//
// Two paths give identical graphs: `buildKnnGraph` (onnxruntime-node blocks, MatMulInteger + TopK; see
// pixel-distances.ts) and `knnRowsReference` (plain JS, for tests and the speed comparison in docs/umap.md).
import { PixelDistances } from './pixel-distances.js';

export interface KnnGraph {
  n: number;
  k: number;
  /** [n, k] neighbour indices, nearest first. */
  indices: Int32Array;
  /** [n, k] Euclidean distances in the [0, 1] pixel scale, ascending per row. */
  distances: Float32Array;
}

export interface KnnProgress {
  rowsDone: number;
  rows: number;
  seconds: number;
}

export const DEFAULT_BLOCK_ROWS = 256;

/** Integer squared distance (pixel units) -> Euclidean distance in the [0, 1] scale, the same way on every path. */
export function pixelDistance(squared: number): number {
  return Math.sqrt(squared) / 255;
}

/**
 * Keeps the k nearest other points of row i from K = k + 1 candidates ordered by (distance, index):
 * drops i itself, or the last candidate when i is not among them (more than k points tie at distance 0
 * with lower indices).
 */
export function dropSelf(
  i: number,
  candIdx: ArrayLike<number>,
  candD: ArrayLike<number>,
  k: number,
  outIdx: Int32Array,
  outD: Float32Array,
  at: number,
): void {
  let w = 0;
  for (let c = 0; c < candIdx.length && w < k; c++) {
    if (candIdx[c] === i) continue;
    outIdx[at + w] = candIdx[c]!;
    outD[at + w] = pixelDistance(candD[c]!);
    w++;
  }
}

/** The exact kNN graph with onnxruntime-node, `blockRows` images at a time. */
export async function buildKnnGraph(
  pixels: Uint8Array,
  n: number,
  dim: number,
  k: number,
  opts: { blockRows?: number; threads?: number; onProgress?: (p: KnnProgress) => void } = {},
): Promise<KnnGraph> {
  if (!Number.isInteger(k) || k < 1 || k > n - 1)
    throw new RangeError(`kNN graph: k must be an integer in 1..${n - 1}, got ${k}`);
  const blockRows = opts.blockRows ?? DEFAULT_BLOCK_ROWS;
  const engine = new PixelDistances(pixels, n, dim, opts.threads);
  const indices = new Int32Array(n * k),
    distances = new Float32Array(n * k);
  const t0 = performance.now();
  try {
    for (let start = 0; start < n; start += blockRows) {
      const count = Math.min(blockRows, n - start);
      const c = await engine.candidates(start, count, k + 1);
      for (let r = 0; r < count; r++) {
        const o = r * (k + 1);
        dropSelf(
          start + r,
          c.indices.subarray(o, o + k + 1),
          c.values.subarray(o, o + k + 1),
          k,
          indices,
          distances,
          (start + r) * k,
        );
      }
      opts.onProgress?.({ rowsDone: start + count, rows: n, seconds: (performance.now() - t0) / 1000 });
    }
  } finally {
    await engine.release();
  }
  return { n, k, indices, distances };
}

/**
 * Plain-JS reference: the k nearest other images of each of `rows` (indices into the n images), by a full
 * scan with integer distances and an insertion list ordered by (distance, index). [rows.length, k].
 */
export function knnRowsReference(
  pixels: Uint8Array,
  n: number,
  dim: number,
  k: number,
  rows: ArrayLike<number>,
): { indices: Int32Array; distances: Float32Array } {
  const indices = new Int32Array(rows.length * k),
    distances = new Float32Array(rows.length * k);
  const bestD = new Float64Array(k),
    bestI = new Int32Array(k);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    bestD.fill(Infinity);
    bestI.fill(-1);
    const qo = i * dim;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const jo = j * dim;
      let d = 0;
      for (let p = 0; p < dim; p++) {
        const t = pixels[qo + p]! - pixels[jo + p]!;
        d += t * t;
      }
      // Scanning j upwards, a later j only displaces on a strictly smaller distance: ties keep the lower index.
      if (d < bestD[k - 1]!) {
        let s = k - 1;
        while (s > 0 && bestD[s - 1]! > d) {
          bestD[s] = bestD[s - 1]!;
          bestI[s] = bestI[s - 1]!;
          s--;
        }
        bestD[s] = d;
        bestI[s] = j;
      }
    }
    for (let c = 0; c < k; c++) {
      indices[r * k + c] = bestI[c]!;
      distances[r * k + c] = pixelDistance(bestD[c]!);
    }
  }
  return { indices, distances };
}

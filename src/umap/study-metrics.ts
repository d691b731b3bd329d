// The embedding metrics computed the way the reference study (Sainburg, McInnes & Gentner 2021) computes them.
//
// Reads: training images (uint8 [nTrain, 784]) with their codes ([nTrain, dim]) and labels, test codes and labels.
// Protocol: the kNN classifier is fitted on the codes of the first `fitCount` (50,000) training images and
// scored on the test codes (1-NN and 5-NN, ties to the nearer class); trustworthiness (k = 5) compares the
// codes of the first `trustCount` (10,000) training images with their pixels (exact ranks: the pixel-space
// distances come from onnxruntime in blocks, see pixel-distances.ts); silhouette by class over all
// `fitCount` training codes, exact (every pair).
import { accuracy, nearestNeighbours, voteLabels } from '../metrics/knn.js';
import {
  nearestOthers,
  silhouette,
  trustworthinessFromPenalty,
  trustworthinessPenalty,
} from '../metrics/embedding-metrics.js';
import { PixelDistances } from './pixel-distances.js';

export interface StudyMetrics {
  knn1: number;
  knn5: number;
  trustworthiness5: number;
  silhouette: number;
  protocol: { fitCount: number; trustCount: number; silhouetteCount: number; testCount: number };
  seconds: { knn: number; trustworthiness: number; silhouette: number };
}

/** Trustworthiness (k) of `codes` against the first n images, exact; [n, dim] codes. */
export async function pixelTrustworthiness(
  pixels: Uint8Array,
  pixelDim: number,
  codes: Float32Array,
  dim: number,
  k: number,
  opts: { blockRows?: number; threads?: number } = {},
): Promise<number> {
  const n = codes.length / dim;
  const low = nearestOthers(codes, dim, k);
  const engine = new PixelDistances(pixels, n, pixelDim, opts.threads);
  const block = opts.blockRows ?? 256;
  let penalty = 0;
  try {
    for (let s = 0; s < n; s += block) {
      const count = Math.min(block, n - s);
      const rows = await engine.rows(s, count);
      for (let r = 0; r < count; r++)
        penalty += trustworthinessPenalty(
          rows.subarray(r * n, (r + 1) * n),
          s + r,
          low.subarray((s + r) * k, (s + r + 1) * k),
          k,
        );
    }
  } finally {
    await engine.release();
  }
  return trustworthinessFromPenalty(penalty, n, k);
}

export async function studyMetrics(o: {
  trainPixels: Uint8Array;
  pixelDim: number;
  trainCodes: Float32Array;
  trainLabels: ArrayLike<number>;
  testCodes: Float32Array;
  testLabels: ArrayLike<number>;
  dim: number;
  fitCount?: number;
  trustCount?: number;
}): Promise<StudyMetrics> {
  const nTrain = o.trainCodes.length / o.dim;
  const fitCount = Math.min(o.fitCount ?? 50_000, nTrain),
    trustCount = Math.min(o.trustCount ?? 10_000, nTrain);
  const fit = o.trainCodes.subarray(0, fitCount * o.dim);
  let t = performance.now();
  const nn = nearestNeighbours(fit, o.testCodes, o.dim, 5);
  const knn1 = accuracy(voteLabels(nn, 5, 1, o.trainLabels), o.testLabels);
  const knn5 = accuracy(voteLabels(nn, 5, 5, o.trainLabels), o.testLabels);
  const tKnn = (performance.now() - t) / 1000;
  t = performance.now();
  const trust = await pixelTrustworthiness(
    o.trainPixels,
    o.pixelDim,
    o.trainCodes.subarray(0, trustCount * o.dim),
    o.dim,
    5,
  );
  const tTrust = (performance.now() - t) / 1000;
  t = performance.now();
  const sil = silhouette(fit, o.dim, o.trainLabels);
  const tSil = (performance.now() - t) / 1000;
  return {
    knn1,
    knn5,
    trustworthiness5: trust,
    silhouette: sil,
    protocol: { fitCount, trustCount, silhouetteCount: fitCount, testCount: o.testCodes.length / o.dim },
    seconds: { knn: tKnn, trustworthiness: tTrust, silhouette: tSil },
  };
}

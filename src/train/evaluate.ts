// Test-set evaluation of a trained autoencoder: reconstruction error and how well codes separate classes.
import * as tf from '@tensorflow/tfjs';
import { PIXELS, IMAGE_SIZE } from '../data/fashion-mnist.js';
import { knnAccuracies } from '../lib/knn.js';
import { bceLoss } from './model.js';
import { quantile } from '../lib/quantile.js';
import { scalePixels } from '../data/pixels.js';

export interface TestMetrics {
  testMse: number;
  testBce: number;
  knn1: number;
  knn5: number;
  /** 1st and 99th percentile of each of the first two code dimensions on the test set: [[lo0, hi0], [lo1, hi1]]. */
  codeRange: [number, number][];
  /** Validation split (the last `valCount` training images; kNN fitted on the rest), what settings are chosen on. */
  validation?: { knn1: number; knn5: number };
}

function imagesTensor(pixels: Uint8Array, start: number, n: number): tf.Tensor4D {
  return tf.tensor4d(scalePixels(pixels.subarray(start * PIXELS, (start + n) * PIXELS)), [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
}

/** Codes of `count` images, [count, latent] row-major. */
export function encodeImages(encoder: tf.LayersModel, pixels: Uint8Array, count: number, batch = 1000): Float32Array {
  const latent = (encoder.outputs[0]!.shape[1] as number);
  const out = new Float32Array(count * latent);
  for (let s = 0; s < count; s += batch) {
    const n = Math.min(batch, count - s);
    tf.tidy(() => { out.set((encoder.predict(imagesTensor(pixels, s, n)) as tf.Tensor).dataSync() as Float32Array, s * latent); });
  }
  return out;
}

export function reconstructionError(encoder: tf.LayersModel, decoder: tf.LayersModel, pixels: Uint8Array, count: number, batch = 1000): { mse: number; bce: number } {
  let sq = 0, bce = 0;
  for (let s = 0; s < count; s += batch) {
    const n = Math.min(batch, count - s);
    tf.tidy(() => {
      const x = imagesTensor(pixels, s, n);
      const y = decoder.predict(encoder.predict(x) as tf.Tensor) as tf.Tensor;
      sq += tf.sum(tf.squaredDifference(x, y)).dataSync()[0]!;
      bce += bceLoss(x, y).dataSync()[0]! * x.size;
    });
  }
  return { mse: sq / (count * PIXELS), bce: bce / (count * PIXELS) };
}

export function evaluateAutoencoder(
  encoder: tf.LayersModel, decoder: tf.LayersModel,
  train: { pixels: Uint8Array; labels: Uint8Array; count: number },
  test: { pixels: Uint8Array; labels: Uint8Array; count: number },
  valCount = 0,
): TestMetrics {
  const latent = encoder.outputs[0]!.shape[1] as number;
  const { mse, bce } = reconstructionError(encoder, decoder, test.pixels, test.count);
  const trainCodes = encodeImages(encoder, train.pixels, train.count);
  const testCodes = encodeImages(encoder, test.pixels, test.count);
  const [knn1, knn5] = knnAccuracies(trainCodes, train.labels, testCodes, test.labels, latent, [1, 5]) as [number, number];
  const fit = train.count - valCount;
  const validation = valCount > 0
    ? (([v1, v5]) => ({ knn1: v1!, knn5: v5! }))(knnAccuracies(trainCodes.subarray(0, fit * latent), train.labels.subarray(0, fit),
      trainCodes.subarray(fit * latent), train.labels.subarray(fit), latent, [1, 5]))
    : undefined;
  return {
    validation,
    testMse: mse, testBce: bce, knn1, knn5,
    codeRange: [0, 1].map((d) => {
      const col = testCodes.filter((_, i) => i % latent === d);
      return [quantile(col, 0.01), quantile(col, 0.99)] as [number, number];
    }),
  };
}

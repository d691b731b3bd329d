// Test-set evaluation of a trained autoencoder: reconstruction error and how well codes separate classes.
import * as tf from '@tensorflow/tfjs';
import { PIXELS, IMAGE_SIZE } from '../data/fashion-mnist.js';
import { knnAccuracies } from '../lib/knn.js';
import { ReconstructionSums } from '../lib/reconstruction.js';
import { codePlane, type CodePlane } from '../lib/code-range.js';
import { scalePixels } from '../data/pixels.js';

export interface TestMetrics {
  testMse: number;
  testBce: number;
  knn1: number;
  knn5: number;
  /** 1st and 99th percentile of the test codes on each axis of the code plane: [[lo0, hi0], [lo1, hi1]]. */
  codeRange: [number, number][];
  /** The code plane for codes longer than 2 (top two principal components); null for 2-D codes. */
  codeProjection: CodePlane['projection'];
  /** Validation split (the last `valCount` training images; kNN fitted on the rest), what settings are chosen on. */
  validation?: { knn1: number; knn5: number };
}

function imagesTensor(pixels: Uint8Array, start: number, n: number): tf.Tensor4D {
  return tf.tensor4d(scalePixels(pixels.subarray(start * PIXELS, (start + n) * PIXELS)), [
    n,
    IMAGE_SIZE,
    IMAGE_SIZE,
    1,
  ]);
}

/** Codes of `count` images, [count, latent] row-major. */
export function encodeImages(encoder: tf.LayersModel, pixels: Uint8Array, count: number, batch = 1000): Float32Array {
  const latent = encoder.outputs[0]!.shape[1] as number;
  const out = new Float32Array(count * latent);
  for (let s = 0; s < count; s += batch) {
    const n = Math.min(batch, count - s);
    tf.tidy(() => {
      out.set((encoder.predict(imagesTensor(pixels, s, n)) as tf.Tensor).dataSync() as Float32Array, s * latent);
    });
  }
  return out;
}

export function reconstructionError(
  encoder: tf.LayersModel,
  decoder: tf.LayersModel,
  pixels: Uint8Array,
  count: number,
  batch = 1000,
): { mse: number; bce: number } {
  const sums = new ReconstructionSums(PIXELS);
  for (let s = 0; s < count; s += batch) {
    const n = Math.min(batch, count - s);
    tf.tidy(() => {
      const x = imagesTensor(pixels, s, n);
      const y = decoder.predict(encoder.predict(x) as tf.Tensor) as tf.Tensor;
      sums.add(x.dataSync(), y.dataSync());
    });
  }
  const r = sums.result();
  return { mse: r.mse, bce: r.bce };
}

export function evaluateAutoencoder(
  encoder: tf.LayersModel,
  decoder: tf.LayersModel,
  train: { pixels: Uint8Array; labels: Uint8Array; count: number },
  test: { pixels: Uint8Array; labels: Uint8Array; count: number },
  valCount = 0,
): TestMetrics {
  const latent = encoder.outputs[0]!.shape[1] as number;
  const { mse, bce } = reconstructionError(encoder, decoder, test.pixels, test.count);
  const trainCodes = encodeImages(encoder, train.pixels, train.count);
  const testCodes = encodeImages(encoder, test.pixels, test.count);
  const [knn1, knn5] = knnAccuracies(trainCodes, train.labels, testCodes, test.labels, latent, [1, 5]) as [
    number,
    number,
  ];
  const fit = train.count - valCount;
  const validation =
    valCount > 0
      ? (([v1, v5]) => ({ knn1: v1!, knn5: v5! }))(
          knnAccuracies(
            trainCodes.subarray(0, fit * latent),
            train.labels.subarray(0, fit),
            trainCodes.subarray(fit * latent),
            train.labels.subarray(fit),
            latent,
            [1, 5],
          ),
        )
      : undefined;
  const plane = codePlane(testCodes, latent);
  return {
    validation,
    testMse: mse,
    testBce: bce,
    knn1,
    knn5,
    codeRange: plane.range,
    codeProjection: plane.projection,
  };
}

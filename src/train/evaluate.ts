// What the train stage measures of a trained autoencoder: kNN accuracy on the validation split (what settings are
// chosen on) and the code plane of the test codes (stored in the ONNX metadata by export). The test-set metrics are
// the report stage's alone, measured once on the exported ONNX files.
import * as tf from '@tensorflow/tfjs';
import { PIXELS, IMAGE_SIZE } from '../data/fashion-mnist.js';
import { knnAccuracies } from '../metrics/knn.js';
import { codePlane, type CodePlane } from '../metrics/code-range.js';
import { scalePixels } from '../data/pixels.js';

export interface TrainMetrics {
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

export function evaluateAutoencoder(
  encoder: tf.LayersModel,
  train: { pixels: Uint8Array; labels: Uint8Array; count: number },
  test: { pixels: Uint8Array; labels: Uint8Array; count: number },
  valCount = 0,
): TrainMetrics {
  const latent = encoder.outputs[0]!.shape[1] as number;
  const testCodes = encodeImages(encoder, test.pixels, test.count);
  const fit = train.count - valCount;
  const trainCodes = valCount > 0 ? encodeImages(encoder, train.pixels, train.count) : new Float32Array(0);
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
    codeRange: plane.range,
    codeProjection: plane.projection,
  };
}

// tfjs references for the ort training steps: a batch of real images as a tensor, and tfjs's gradients flattened
// in the replicas' weight layout.
import * as tf from '@tensorflow/tfjs';
import { PIXELS } from '../../src/data/fashion-mnist.js';
import { scalePixels } from '../../src/data/pixels.js';

/** tfjs's gradients of `vars`, flattened in their order (the replicas' flat weight layout). */
export function flatGradients(vars: tf.Variable[], grads: tf.NamedTensorMap): Float32Array {
  const flat = new Float32Array(vars.reduce((n, v) => n + v.size, 0));
  let offset = 0;
  for (const v of vars) {
    flat.set(grads[v.name]!.dataSync() as Float32Array, offset);
    offset += v.size;
  }
  return flat;
}

/** Images `indices` of `images` (uint8 [n, 784]), scaled to [0, 1], as a [B, 28, 28, 1] tensor. */
export function imageBatch(images: Uint8Array, indices: ArrayLike<number>): tf.Tensor4D {
  const picked = Uint8Array.from(
    Array.from(indices).flatMap((i) => Array.from(images.subarray(i * PIXELS, (i + 1) * PIXELS))),
  );
  return tf.tensor4d(scalePixels(picked), [indices.length, 28, 28, 1]);
}

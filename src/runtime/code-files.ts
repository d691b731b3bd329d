// Reading the codes the encode stage wrote (reports/test-codes.npy, reports/train-codes.npy) instead of
// encoding the images again. A cheap check guards against a stale file: the first few images are encoded
// with the model at hand and must match the file's codes.
import { IMAGE_SIZE, PIXELS } from '../data/fashion-mnist.js';
import { readNpy } from '../artifacts/npy.js';
import { runBatch, type OpenedModel } from './ort-session.js';

/** Images re-encoded to check a codes file; enough to catch another model, cheap next to the full set. */
export const CODES_CHECK_IMAGES = 32;
/** Codes of one model from one file vs a fresh run: onnxruntime's batch-size noise is ~1e-6. */
export const CODES_CHECK_ATOL = 1e-4;

/** Reads float32 codes [count, latent] from `path` and checks them against `encoder` on the first images. */
export async function readEncodedCodes(
  path: string,
  encoder: OpenedModel,
  images: Float32Array,
  latent: number,
): Promise<Float32Array> {
  const count = images.length / PIXELS;
  const fix = 'run `make encode` to write it for this model';
  const { info, data } = await readNpy(path).catch((e: Error) => {
    throw new Error(`${e.message}: ${fix}`);
  });
  if (info.dtype !== 'float32' || info.shape.length !== 2 || info.shape[0] !== count || info.shape[1] !== latent) {
    throw new Error(
      `${path}: ${info.dtype} [${info.shape.join(', ')}], expected float32 [${count}, ${latent}]: ${fix}`,
    );
  }
  const codes = data as Float32Array;
  const k = Math.min(CODES_CHECK_IMAGES, count);
  const fresh = await runBatch(encoder, images.subarray(0, k * PIXELS), [k, IMAGE_SIZE, IMAGE_SIZE, 1]);
  for (let i = 0; i < fresh.length; i++) {
    const diff = Math.abs(fresh[i]! - codes[i]!);
    if (!(diff <= CODES_CHECK_ATOL)) {
      throw new Error(
        `${path}: image ${Math.floor(i / latent)}'s code differs from ${encoder.info.path}'s by ${diff} (stale?): ${fix}`,
      );
    }
  }
  return codes;
}

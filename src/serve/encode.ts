// Batch encoding with onnxruntime-node: reads an ImageSource chunk by chunk, runs the encoder in
// batches, and streams codes to a writer. The next chunk is read and scaled while the current one
// runs, and memory holds only two chunks whatever the input size.
import { IMAGE_SIZE, PIXELS } from '../data/fashion-mnist.js';
import { runBatch, type OpenedModel } from '../lib/ort-session.js';
import { checkEncoder } from '../lib/model-interface.js';
import type { ImageChunk, ImageSource } from './image-sources.js';
import type { CodeWriter } from './code-writers.js';

export const BATCH_SIZE_RANGE = [1, 65536] as const;

export function checkBatchSize(b: number): void {
  if (!Number.isInteger(b) || b < BATCH_SIZE_RANGE[0] || b > BATCH_SIZE_RANGE[1]) {
    throw new RangeError(`--batch-size must be an integer in ${BATCH_SIZE_RANGE[0]}..${BATCH_SIZE_RANGE[1]}, got ${b}`);
  }
}

export interface EncodeProgress { done: number; total: number; imagesPerSec: number }

export interface EncodeResult { count: number; latent: number; seconds: number; imagesPerSec: number; peakRssBytes: number }

export async function encodeSource(model: OpenedModel, source: ImageSource, writer: CodeWriter,
  o: { batchSize: number; chunkSize?: number; onProgress?: (p: EncodeProgress) => void }): Promise<EncodeResult> {
  let latent: number;
  try {
    latent = checkEncoder(model.info);
    checkBatchSize(o.batchSize);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const chunkSize = Math.max(o.batchSize, o.chunkSize ?? 16384);
  const t0 = performance.now();
  let done = 0, peakRss = process.memoryUsage().rss;
  const chunks = source.chunks(chunkSize);
  let next: Promise<IteratorResult<ImageChunk>> = chunks.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) break;
      const chunk = r.value;
      next = chunks.next(); // read and scale the following chunk while this one runs
      next.catch(() => undefined); // surfaced when awaited
      const codes = new Float32Array(chunk.count * latent);
      for (let s = 0; s < chunk.count; s += o.batchSize) {
        const n = Math.min(o.batchSize, chunk.count - s);
        const out = await runBatch(model, chunk.pixels.subarray(s * PIXELS, (s + n) * PIXELS), [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
        codes.set(out, s * latent);
      }
      for (let i = 0; i < codes.length; i++) {
        if (Number.isNaN(codes[i])) throw new Error(`the encoder produced NaN for image ${chunk.start + Math.floor(i / latent)}`);
      }
      await writer.write({ start: chunk.start, codes, labels: chunk.labels, names: chunk.names });
      done += chunk.count;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      o.onProgress?.({ done, total: source.count, imagesPerSec: done / ((performance.now() - t0) / 1000) });
    }
    if (done === 0) throw new Error(`${source.description}: no images to encode (an empty input is an error)`);
    await writer.close();
  } catch (err) {
    await writer.abort();
    await chunks.return(undefined).catch(() => undefined);
    throw err;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { count: done, latent, seconds, imagesPerSec: done / seconds, peakRssBytes: peakRss };
}

// Batch encoding with onnxruntime-node: reads an ImageSource chunk by chunk (or one contiguous range of it),
// runs the encoder in batches, and streams codes to a writer. Raw bytes go to the model's uint8 variant as
// they are read. The next chunk is read, and the previous chunk's codes written, while the current one runs
// (onnxruntime runs on this thread; file reads and writes go to libuv's pool), and memory holds two chunks
// whatever the input size.
import { IMAGE_SIZE, PIXELS } from '../data/fashion-mnist.js';
import { scalePixels } from '../data/pixels.js';
import { inspectOnnx } from 'tfjs2onnx/onnx';
import { openModel, runBatch, type OpenedModel } from '../runtime/ort-session.js';
import { checkEncoder } from '../runtime/model-interface.js';
import {
  openImageSource,
  type ImageChunk,
  type ImageRange,
  type ImageSource,
  type SourceOptions,
} from './image-sources.js';
import { openCodeWriter, type CodeWriter } from './code-writers.js';
import { stageProgress, type OnProgress } from '../util/progress.js';
import {
  inputIdentity,
  modelIdentity,
  shardRecordPath,
  shardRange,
  writeShardRecord,
  type EncodeRun,
  type ShardRecord,
  type ShardSpec,
} from './shards.js';

export const BATCH_SIZE_RANGE = [1, 65536] as const;
/**
 * `make bench` on 2 cores, quiet: 256 was the best batch with 1 thread and with 2 (1024: 13 % and 4 % slower), and
 * batches of 128-256 the best of 128-1024 on the uint8 variant too (the activations of a 256-image batch stay in cache).
 */
export const DEFAULT_BATCH_SIZE = 256;
/** Images read per chunk: 12.8 MB as bytes, two in memory at a time. */
export const DEFAULT_CHUNK_SIZE = 16384;

export function checkBatchSize(b: number): void {
  if (!Number.isInteger(b) || b < BATCH_SIZE_RANGE[0] || b > BATCH_SIZE_RANGE[1]) {
    throw new RangeError(`--batch-size must be an integer in ${BATCH_SIZE_RANGE[0]}..${BATCH_SIZE_RANGE[1]}, got ${b}`);
  }
}

export interface EncodeProgress {
  done: number;
  total: number;
  imagesPerSec: number;
}

export interface EncodeResult {
  count: number;
  latent: number;
  seconds: number;
  imagesPerSec: number;
  peakRssBytes: number;
}

export async function encodeSource(
  model: OpenedModel,
  source: ImageSource,
  writer: CodeWriter,
  o: { batchSize: number; chunkSize?: number; range?: ImageRange; onProgress?: (p: EncodeProgress) => void },
): Promise<EncodeResult> {
  let latent: number;
  try {
    latent = checkEncoder(model.info);
    checkBatchSize(o.batchSize);
    if (source.pixelType === 'float32' && model.inputType === 'uint8')
      throw new Error(`${source.description}: float32 images need the model opened with its float input`);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const chunkSize = Math.max(o.batchSize, o.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const total = o.range ? o.range.end - o.range.start : source.count;
  const t0 = performance.now();
  let done = 0,
    peakRss = process.memoryUsage().rss;
  const chunks = source.chunks(chunkSize, o.range);
  let next: Promise<IteratorResult<ImageChunk>> = chunks.next();
  let writing: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const r = await next;
      if (r.done) break;
      const chunk = r.value;
      next = chunks.next(); // read the following chunk while this one runs
      next.catch(() => undefined); // surfaced when awaited
      // A float model given bytes (a library caller's choice) gets them scaled here, as everywhere else.
      const pixels =
        chunk.pixels instanceof Uint8Array && model.inputType === 'float32' ? scalePixels(chunk.pixels) : chunk.pixels;
      const codes = new Float32Array(chunk.count * latent);
      for (let s = 0; s < chunk.count; s += o.batchSize) {
        const n = Math.min(o.batchSize, chunk.count - s);
        const batch = pixels.subarray(s * PIXELS, (s + n) * PIXELS);
        const out = await runBatch(model, batch, [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
        codes.set(out, s * latent);
      }
      for (let i = 0; i < codes.length; i++) {
        if (Number.isNaN(codes[i]))
          throw new Error(`the encoder produced NaN for image ${chunk.start + Math.floor(i / latent)}`);
      }
      await writing; // writes stay in order, one behind the model
      writing = writer.write({ start: chunk.start, codes, labels: chunk.labels, names: chunk.names });
      writing.catch(() => undefined); // surfaced when awaited
      done += chunk.count;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      o.onProgress?.({ done, total, imagesPerSec: done / ((performance.now() - t0) / 1000) });
    }
    await writing;
    // An empty input is an error; an empty shard (more shards than images, or all of its images skipped) is not.
    if (done === 0 && (!o.range || source.count === 0))
      throw new Error(`${source.description}: no images to encode (an empty input is an error)`);
    await writer.close();
  } catch (err) {
    await writing.catch(() => undefined);
    await writer.abort();
    await chunks.return(undefined).catch(() => undefined);
    throw err;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { count: done, latent, seconds, imagesPerSec: done / seconds, peakRssBytes: peakRss };
}

export interface EncodeFileOptions extends SourceOptions {
  onnx: string;
  input: string;
  output: string;
  batchSize?: number;
  threads?: number;
  /** Encode only slice `index` of `count` (the record beside the output then says which). */
  shard?: ShardSpec;
  onProgress?: OnProgress;
}

/**
 * The encode stage on files: checks the model before touching the data, then input -> output, and always the
 * record `<output>.shard.json` beside it (slice, input and model identity, output hash, and the run's counts,
 * timing and peak memory; an unsharded run is shard 0 of 1).
 */
export interface EncodeFileResult extends EncodeResult {
  description: string;
  inputCount: number;
  record: ShardRecord;
}

export async function encodeFile(o: EncodeFileOptions): Promise<EncodeFileResult> {
  const p = stageProgress('encode', o.onProgress);
  const info = await inspectOnnx(o.onnx);
  const latent = checkEncoder(info);
  let skipped = 0;
  const source = await openImageSource(o.input, {
    ...o,
    onSkip: (file, why) => {
      skipped++;
      o.onSkip?.(file, why);
      p.note(`skipped ${file}: ${why}`);
    },
  });
  // Bytes go to the model's uint8 variant; floats (float32 .npy, decoded images) to the file as it is.
  const model = await openModel(info, { threads: o.threads, inputType: source.pixelType });
  try {
    const range = o.shard ? shardRange(source.count, o.shard) : undefined;
    const writer = await openCodeWriter(o.output, latent, { labels: source.hasLabels, names: source.hasNames });
    const batchSize = o.batchSize ?? DEFAULT_BATCH_SIZE;
    const r = await encodeSource(model, source, writer, {
      batchSize,
      range,
      onProgress: (e) => p.progress('images', e.done, e.total, { rate: e.imagesPerSec, unit: 'img' }),
    });
    const cpu = process.cpuUsage();
    const run: EncodeRun = {
      images: r.count,
      seconds: r.seconds,
      imagesPerSec: r.imagesPerSec,
      peakRssBytes: r.peakRssBytes,
      processCpuSeconds: (cpu.user + cpu.system) / 1e6,
      batchSize,
      skipped,
    };
    const record = await writeShardRecord(o.output, {
      shard: o.shard ?? { index: 0, count: 1 },
      range: range ?? { start: 0, end: source.count },
      rows: r.count,
      latent,
      input: await inputIdentity(o.input, source.count, source.files),
      model: modelIdentity(o.onnx, info.bytes),
      run,
    });
    if (o.shard)
      p.note(
        `shard ${o.shard.index} of ${o.shard.count}: images [${record.range.start}, ${record.range.end}) of ${source.count}`,
      );
    p.done(
      `${r.count} images from ${source.description} -> ${o.output} ([${r.count}, ${latent}] float32); ` +
        `${Math.round(r.imagesPerSec)} images/s, ${r.seconds.toFixed(2)}s encoding, ` +
        `peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB, CPU ${run.processCpuSeconds.toFixed(2)}s; record ${shardRecordPath(o.output)}` +
        (skipped ? `; ${skipped} unreadable file(s) skipped` : ''),
    );
    return { ...r, description: source.description, inputCount: source.count, record };
  } finally {
    await model.session.release();
  }
}

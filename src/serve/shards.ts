// Encoding one input on many machines: `encode --shard I/N` encodes the contiguous slice I of N of the input and
// writes, beside its output, a shard record `<output>.shard.json` (shard index and count, the slice, the input's
// identity, the model's SHA-256, the output's SHA-256 and row count). mergeShards checks that N records describe
// all N slices of the same input and model, each once, and writes the one output: byte-identical to an unsharded
// run, since each row's code does not depend on its batch and the text formats number rows from the whole input.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import {
  ensureWritableDir,
  renameIntoPlace,
  tempPathFor,
  writeError,
  writeFully,
  writeJsonAtomic,
} from '../util/atomic.js';
import { sha256, sha256File } from '../util/hash.js';
import type { ImageRange } from './image-sources.js';
import { NPY_STREAM_HEADER_BYTES, npyHeader, readNpyInfo } from '../artifacts/npy.js';
import { checkOutputPath } from './code-writers.js';

export interface ShardSpec {
  index: number;
  count: number;
}

export const SHARD_RECORD_KIND = 'fashion-ae-onnx encode shard';
export const SHARD_COUNT_MAX = 100000;

/** What makes two runs read the same input: its size, image count and a fingerprint of its content. */
export interface InputIdentity {
  name: string;
  images: number;
  bytes: number;
  /** SHA-256 over the byte size and 64 KiB at 17 evenly spaced offsets (files), or over the sorted names and sizes (image folders). */
  fingerprint: string;
}

/** How the encode run went: written by every run, read by bench instead of encode's stderr. */
export interface EncodeRun {
  /** Images encoded (after any skipped files). */
  images: number;
  /** The encode loop's wall time (reading, the model, writing), and its rate. */
  seconds: number;
  imagesPerSec: number;
  /** Peak resident memory of the process, sampled after every chunk. */
  peakRssBytes: number;
  /** User + system CPU time of the process from its start to the record (all threads, onnxruntime's included). */
  processCpuSeconds: number;
  batchSize: number;
  skipped: number;
}

export interface ShardRecord {
  kind: typeof SHARD_RECORD_KIND;
  shard: ShardSpec;
  range: ImageRange;
  rows: number;
  input: InputIdentity;
  model: { file: string; sha256: string };
  output: { file: string; format: '.npy' | '.csv' | '.jsonl'; latent: number; bytes: number; sha256: string };
  /** Absent in records of older versions. */
  run?: EncodeRun;
  createdAt: string;
}

/** Parses `--shard I/N` or `--shard auto` (index from JOB_COMPLETION_INDEX, count from `--shard-count`). */
export function parseShard(
  text: string,
  o: { count?: number; env?: Record<string, string | undefined> } = {},
): ShardSpec {
  let index: number, count: number;
  if (text === 'auto') {
    const raw = (o.env ?? process.env).JOB_COMPLETION_INDEX;
    if (o.count === undefined) throw new Error("--shard auto needs --shard-count N (the Job's completions)");
    if (raw === undefined || raw === '')
      throw new Error(
        '--shard auto: JOB_COMPLETION_INDEX is not set (Kubernetes sets it in the pods of an Indexed Job); use --shard I/N elsewhere',
      );
    if (!/^\d+$/.test(raw)) throw new Error(`--shard auto: JOB_COMPLETION_INDEX is "${raw}", not a whole number`);
    index = Number(raw);
    count = o.count;
  } else {
    const m = /^(\d+)\/(\d+)$/.exec(text);
    if (!m) throw new Error(`--shard "${text}": expected I/N (e.g. --shard 0/4) or auto`);
    if (o.count !== undefined)
      throw new Error('--shard-count goes with --shard auto only; --shard I/N names the count itself');
    index = Number(m[1]);
    count = Number(m[2]);
  }
  if (!Number.isSafeInteger(count) || count < 1 || count > SHARD_COUNT_MAX)
    throw new RangeError(`--shard: the shard count must be in 1..${SHARD_COUNT_MAX}, got ${count}`);
  if (!Number.isSafeInteger(index) || index >= count)
    throw new RangeError(`--shard: the index must be in 0..${count - 1} for ${count} shards, got ${index}`);
  return { index, count };
}

/** Shard I of N of `total` images: [floor(I*total/N), floor((I+1)*total/N)), sizes differing by at most one. */
export function shardRange(total: number, s: ShardSpec): ImageRange {
  return { start: Math.floor((s.index * total) / s.count), end: Math.floor(((s.index + 1) * total) / s.count) };
}

export function shardRecordPath(output: string): string {
  return `${output}.shard.json`;
}

/** The identity of a file input (idx, .npy, one image) or of a list of image files. */
export async function inputIdentity(input: string, images: number, files?: string[]): Promise<InputIdentity> {
  const hash = createHash('sha256');
  let bytes = 0;
  if (files) {
    for (const f of files) {
      const size = (await stat(f)).size;
      bytes += size;
      hash.update(`${basename(f)}\0${size}\n`);
    }
  } else {
    const fh = await open(input, 'r');
    try {
      bytes = (await fh.stat()).size;
      hash.update(`${bytes}\n`);
      const block = new Uint8Array(Math.min(65536, bytes));
      for (let k = 0; k <= 16 && block.length > 0; k++) {
        const { bytesRead } = await fh.read(block, 0, block.length, Math.floor((k * (bytes - block.length)) / 16));
        hash.update(block.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  }
  return { name: basename(input), images, bytes, fingerprint: hash.digest('hex') };
}

/** Writes the record of a finished shard output; on failure the output goes too, so no shard is left half-done. */
export async function writeShardRecord(
  output: string,
  r: Omit<ShardRecord, 'kind' | 'output' | 'createdAt'> & { latent: number },
): Promise<ShardRecord> {
  try {
    const record: ShardRecord = {
      kind: SHARD_RECORD_KIND,
      shard: r.shard,
      range: r.range,
      rows: r.rows,
      input: r.input,
      model: r.model,
      ...(r.run ? { run: r.run } : {}),
      output: {
        file: basename(output),
        format: checkOutputPath(output),
        latent: r.latent,
        bytes: (await stat(output)).size,
        sha256: await sha256File(output),
      },
      createdAt: new Date().toISOString(),
    };
    await writeJsonAtomic(shardRecordPath(output), record);
    return record;
  } catch (err) {
    await rm(output, { force: true });
    throw err;
  }
}

export function modelIdentity(path: string, bytes: Uint8Array): { file: string; sha256: string } {
  return { file: basename(path), sha256: sha256(bytes) };
}

/** The record encode wrote beside `path` (its output), checked: every run writes one, a sharded run or not. */
export async function readEncodeRecord(path: string): Promise<ShardRecord> {
  const recPath = shardRecordPath(path);
  const text = await readFile(recPath, 'utf8').catch(() => null);
  if (text === null)
    throw new Error(`${path}: no shard record ${basename(recPath)} beside it; shards come from encode --shard I/N`);
  let rec: ShardRecord;
  try {
    rec = JSON.parse(text) as ShardRecord;
  } catch {
    throw new Error(`${recPath}: not valid JSON`);
  }
  if (rec.kind !== SHARD_RECORD_KIND || !rec.shard || !rec.range || !rec.input || !rec.model || !rec.output)
    throw new Error(`${recPath}: not a shard record of encode`);
  const run = rec.run as Partial<EncodeRun> | undefined;
  if (
    run !== undefined &&
    !(['images', 'seconds', 'imagesPerSec', 'peakRssBytes', 'processCpuSeconds'] as const).every(
      (k) => typeof run[k] === 'number' && Number.isFinite(run[k]),
    )
  )
    throw new Error(
      `${recPath}: "run" needs finite numbers images, seconds, imagesPerSec, peakRssBytes, processCpuSeconds`,
    );
  return rec;
}

export interface MergeResult {
  shards: number;
  rows: number;
  format: string;
  bytes: number;
}

const sameInput = (a: InputIdentity, b: InputIdentity) =>
  a.images === b.images && a.bytes === b.bytes && a.fingerprint === b.fingerprint;
const describeInput = (i: InputIdentity) =>
  `${i.name}, ${i.images} images, ${i.bytes} bytes, fingerprint ${i.fingerprint.slice(0, 12)}`;

/** Checks the shard outputs in `paths` and writes their merge to `output` (temp file + rename). */
export async function mergeShards(paths: string[], output: string, o: { force?: boolean } = {}): Promise<MergeResult> {
  const format = checkOutputPath(output);
  if (paths.length === 0) throw new Error('merge: no shard outputs given');
  if (
    !o.force &&
    (await stat(output).then(
      () => true,
      () => false,
    ))
  )
    throw new Error(`--output ${output} exists; pass --force to replace it`);
  const records = await Promise.all(paths.map(readEncodeRecord));
  const first = records[0]!,
    firstPath = paths[0]!;
  const n = first.shard.count;
  const byIndex = new Map<number, number>();
  records.forEach((r, k) => {
    const p = paths[k]!;
    if (r.shard.count !== n)
      throw new Error(`${p}: shard ${r.shard.index} of ${r.shard.count}, but ${firstPath} is one of ${n}`);
    if (!sameInput(r.input, first.input))
      throw new Error(
        `${p}: a shard of another input (${describeInput(r.input)}) than ${firstPath} (${describeInput(first.input)})`,
      );
    if (r.model.sha256 !== first.model.sha256)
      throw new Error(
        `${p}: encoded with another model (${r.model.file} ${r.model.sha256.slice(0, 12)}) than ${firstPath} (${first.model.file} ${first.model.sha256.slice(0, 12)})`,
      );
    if (r.output.format !== format)
      throw new Error(
        `${p}: a ${r.output.format} shard cannot be merged into ${format}; the output's format must be the shards'`,
      );
    if (r.output.latent !== first.output.latent)
      throw new Error(`${p}: codes of size ${r.output.latent}, but ${firstPath} has ${first.output.latent}`);
    const dup = byIndex.get(r.shard.index);
    if (dup !== undefined) throw new Error(`${paths[dup]} and ${p} are both shard ${r.shard.index} of ${n}`);
    byIndex.set(r.shard.index, k);
  });
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw new Error(
      `merge: ${missing.length} of ${n} shards missing (index ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''})`,
    );
  const ordered = Array.from({ length: n }, (_, i) => byIndex.get(i)!);
  for (const k of ordered) {
    const r = records[k]!,
      p = paths[k]!;
    const want = shardRange(first.input.images, r.shard);
    if (r.range.start !== want.start || r.range.end !== want.end) {
      throw new Error(
        `${p}: covers images [${r.range.start}, ${r.range.end}), but shard ${r.shard.index} of ${n} is [${want.start}, ${want.end}): overlapping or incomplete shards`,
      );
    }
    const s = await stat(p);
    if (s.size !== r.output.bytes || (await sha256File(p)) !== r.output.sha256)
      throw new Error(`${p}: changed since encode wrote it (its SHA-256 differs from ${basename(shardRecordPath(p))})`);
  }
  await ensureWritableDir(dirname(output) || '.', false);
  const tmp = tempPathFor(output);
  const out = await open(tmp, 'w');
  let rows = 0;
  try {
    const shards = ordered.map((k) => ({ path: paths[k]!, record: records[k]! }));
    const total = shards.reduce((a, s) => a + s.record.rows, 0);
    if (format === '.npy')
      await writeFully(out, npyHeader('float32', [total, first.output.latent], NPY_STREAM_HEADER_BYTES));
    for (const [i, s] of shards.entries()) {
      // Rows are numbered from the whole input; a shard that skipped bad images shifts the ones after it.
      const offset = rows - s.record.range.start;
      await appendShard(out, s.path, format, {
        keepHeader: i === 0,
        offset,
        latent: first.output.latent,
        rows: s.record.rows,
      });
      rows += s.record.rows;
    }
    await out.close();
    await renameIntoPlace(tmp, output);
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    // A read error names its input already; a failed write is named here (a file-system write error has no path).
    throw (err as NodeJS.ErrnoException).path || !(err as NodeJS.ErrnoException).code ? err : writeError(output, err);
  }
  return { shards: n, rows, format, bytes: (await stat(output)).size };
}

async function appendShard(
  out: FileHandle,
  path: string,
  format: string,
  o: { keepHeader: boolean; offset: number; latent: number; rows: number },
): Promise<void> {
  if (format === '.npy') {
    const info = await readNpyInfo(path);
    if (info.dtype !== 'float32' || info.shape.length !== 2 || info.shape[0] !== o.rows || info.shape[1] !== o.latent) {
      throw new Error(
        `${path}: holds ${info.dtype} [${info.shape.join(', ')}], but its record says float32 [${o.rows}, ${o.latent}]`,
      );
    }
    for await (const part of createReadStream(path, { start: info.dataOffset })) await writeFully(out, part as Buffer);
    return;
  }
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  const indexAt = format === '.csv' ? /^(\d+)(?=,)/ : /^(\{"index":)(\d+)/;
  let first = format === '.csv',
    batch: string[] = [];
  for await (const line of lines) {
    if (first) {
      first = false;
      if (o.keepHeader) batch.push(line);
      continue;
    }
    batch.push(
      o.offset === 0
        ? line
        : line.replace(indexAt, (...m: string[]) =>
            format === '.csv' ? String(Number(m[1]) + o.offset) : `${m[1]}${Number(m[2]) + o.offset}`,
          ),
    );
    if (batch.length >= 16384) {
      await writeFully(out, batch.join('\n') + '\n');
      batch = [];
    }
  }
  if (batch.length > 0) await writeFully(out, batch.join('\n') + '\n');
}

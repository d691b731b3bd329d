// The kNN graph as a verified artifact in a folder the caller names, so later runs skip the build.
//
// Writes two files into `dir`:
//   knn-graph.bin   little-endian: indices int32 [n, k], then distances float32 [n, k] (KnnGraph's arrays);
//   knn-graph.json  the header: format and version, k, n, dim, the SHA-256 of the exact uint8 pixel bytes the
//                   graph was built from ([n, dim]), and the SHA-256 and size of knn-graph.bin.
// Each is written atomically (src/util/atomic.ts), the graph first: a run killed in between leaves a header
// whose graph hash no longer matches, which reads as corrupt. A cache for other data, another k or n, or
// another format version is a mismatch; a bad hash, a wrong size or out-of-range content is corrupt. Either
// is rebuilt (mode 'auto', with the reason reported) or refused with a named error (mode 'verify'); it is
// never used.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { buildKnnGraph, type KnnGraph, type KnnProgress } from './knn-graph.js';
import { ensureWritableDir, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { sha256 } from '../util/hash.js';
import { stageProgress, type OnProgress } from '../util/progress.js';

export const KNN_CACHE_FORMAT = 'fashion-ae-onnx/knn-graph';
export const KNN_CACHE_VERSION = 1;
export const KNN_HEADER_FILE = 'knn-graph.json';
export const KNN_GRAPH_FILE = 'knn-graph.bin';
/** Where pipeline/knn-graph.js keeps the training set's graph by default. */
export const DEFAULT_KNN_DIR = 'data/knn-cache';
/** The training split: the first 55,000 images (the last 5,000 are the validation split). */
export const DEFAULT_KNN_COUNT = 55_000;

export interface KnnCacheHeader {
  format: typeof KNN_CACHE_FORMAT;
  version: number;
  k: number;
  n: number;
  dim: number;
  metric: string;
  dataSha256: string;
  graphFile: string;
  graphBytes: number;
  graphSha256: string;
  buildSeconds: number;
  createdAt: string;
}

export interface KnnCacheKey {
  k: number;
  n: number;
  dim: number;
  dataSha256: string;
}

export type KnnCacheProblem = 'missing' | 'mismatch' | 'corrupt';

/** A cache that cannot be used, and why; `problem` says which kind. */
export class KnnCacheError extends Error {
  constructor(
    readonly problem: KnnCacheProblem,
    message: string,
  ) {
    super(message);
    this.name = 'KnnCacheError';
  }
}

export type KnnCacheEvent =
  | { type: 'hit'; header: KnnCacheHeader }
  | { type: 'rebuild'; problem: KnnCacheProblem; reason: string }
  | { type: 'progress'; progress: KnnProgress }
  | { type: 'written'; header: KnnCacheHeader; headerPath: string; graphPath: string };

/** The cache's events in the one progress protocol, reported under `stage` (train, knn-graph). */
export function knnCacheProgress(stage: string, on: OnProgress): (e: KnnCacheEvent) => void {
  const p = stageProgress(stage, on);
  return (e) => {
    if (e.type === 'hit')
      p.note(
        `neighbour graph from the cache, verified: k ${e.header.k}, ${e.header.n} images, ` +
          `data SHA-256 ${e.header.dataSha256.slice(0, 12)}, built ${e.header.createdAt} in ${e.header.buildSeconds.toFixed(1)} s`,
      );
    else if (e.type === 'rebuild') p.note(`building the neighbour graph (${e.reason})`);
    else if (e.type === 'progress')
      p.progress('kNN graph', e.progress.rowsDone, e.progress.rows, {
        rate: e.progress.rowsDone / Math.max(e.progress.seconds, 1e-9),
        unit: 'img',
      });
    else
      p.note(
        `neighbour graph of ${e.header.n} images, k ${e.header.k}, written to ${e.headerPath} ` +
          `in ${e.header.buildSeconds.toFixed(1)} s (graph SHA-256 ${e.header.graphSha256.slice(0, 12)})`,
      );
  };
}

/** SHA-256 of the exact pixel bytes a graph over the first n images of `dim` pixels is built from. */
export function pixelsSha256(pixels: Uint8Array, n: number, dim: number): string {
  return sha256(pixels.subarray(0, n * dim));
}

function graphBytes(graph: KnnGraph): Uint8Array {
  if (endianness() !== 'LE') throw new Error('the kNN cache is little-endian; this machine is big-endian');
  const out = new Uint8Array(graph.indices.byteLength + graph.distances.byteLength);
  out.set(new Uint8Array(graph.indices.buffer, graph.indices.byteOffset, graph.indices.byteLength), 0);
  out.set(
    new Uint8Array(graph.distances.buffer, graph.distances.byteOffset, graph.distances.byteLength),
    graph.indices.byteLength,
  );
  return out;
}

/** Writes the graph and its header into `dir` (created if missing). */
export async function writeKnnCache(
  dir: string,
  graph: KnnGraph,
  key: KnnCacheKey,
  buildSeconds: number,
): Promise<KnnCacheHeader> {
  await ensureWritableDir(dir);
  const bytes = graphBytes(graph);
  const header: KnnCacheHeader = {
    format: KNN_CACHE_FORMAT,
    version: KNN_CACHE_VERSION,
    k: graph.k,
    n: graph.n,
    dim: key.dim,
    metric: 'euclidean on pixels / 255; neighbours exclude the point itself; ties to the lower index',
    dataSha256: key.dataSha256,
    graphFile: KNN_GRAPH_FILE,
    graphBytes: bytes.length,
    graphSha256: sha256(bytes),
    buildSeconds,
    createdAt: new Date().toISOString(),
  };
  await writeFileAtomic(join(dir, KNN_GRAPH_FILE), bytes);
  await writeJsonAtomic(join(dir, KNN_HEADER_FILE), header);
  return header;
}

/** Reads and verifies the cache in `dir` against `key`; throws KnnCacheError naming the file and the problem. */
export async function readKnnCache(
  dir: string,
  key: KnnCacheKey,
): Promise<{ graph: KnnGraph; header: KnnCacheHeader }> {
  const headerPath = join(dir, KNN_HEADER_FILE),
    graphPath = join(dir, KNN_GRAPH_FILE);
  let text: string;
  try {
    text = await readFile(headerPath, 'utf8');
  } catch {
    throw new KnnCacheError('missing', `${headerPath} does not exist`);
  }
  let h: KnnCacheHeader;
  try {
    h = JSON.parse(text) as KnnCacheHeader;
  } catch {
    throw new KnnCacheError('corrupt', `${headerPath} is not valid JSON`);
  }
  if (h === null || typeof h !== 'object' || h.format !== KNN_CACHE_FORMAT)
    throw new KnnCacheError('corrupt', `${headerPath} is not a kNN graph header (format "${KNN_CACHE_FORMAT}")`);
  const mismatch = (what: string, found: unknown, want: unknown): KnnCacheError =>
    new KnnCacheError('mismatch', `${headerPath} is for ${what} ${String(found)}, not ${String(want)}`);
  if (h.version !== KNN_CACHE_VERSION) throw mismatch('format version', h.version, KNN_CACHE_VERSION);
  if (h.k !== key.k) throw mismatch('k =', h.k, key.k);
  if (h.n !== key.n) throw mismatch('n =', h.n, key.n);
  if (h.dim !== key.dim) throw mismatch('dim =', h.dim, key.dim);
  if (h.dataSha256 !== key.dataSha256) throw mismatch('images with SHA-256', h.dataSha256, key.dataSha256);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(graphPath);
  } catch {
    throw new KnnCacheError('corrupt', `${graphPath} is missing (its header ${headerPath} exists)`);
  }
  const expected = h.n * h.k * 8;
  if (bytes.length !== expected || h.graphBytes !== expected)
    throw new KnnCacheError(
      'corrupt',
      `${graphPath} has ${bytes.length} bytes, expected ${expected} (truncated or not this graph)`,
    );
  if (sha256(bytes) !== h.graphSha256)
    throw new KnnCacheError('corrupt', `${graphPath} does not match the SHA-256 in ${headerPath}`);
  if (endianness() !== 'LE') throw new Error('the kNN cache is little-endian; this machine is big-endian');
  const copy = new Uint8Array(bytes); // a fresh ArrayBuffer at offset 0 (a Buffer may be a view into a pool)
  const graph: KnnGraph = {
    n: h.n,
    k: h.k,
    indices: new Int32Array(copy.buffer, 0, h.n * h.k),
    distances: new Float32Array(copy.buffer, h.n * h.k * 4, h.n * h.k),
  };
  const bad = checkGraph(graph);
  if (bad) throw new KnnCacheError('corrupt', `${graphPath}: ${bad}`);
  return { graph, header: h };
}

/** A reason the graph's content is impossible, or null: indices in range and not self, distances finite, >= 0, ascending. */
export function checkGraph(g: KnnGraph): string | null {
  for (let i = 0; i < g.n; i++) {
    for (let c = 0; c < g.k; c++) {
      const j = g.indices[i * g.k + c]!,
        d = g.distances[i * g.k + c]!;
      if (!(j >= 0 && j < g.n) || j === i) return `row ${i} has neighbour ${j}`;
      if (!(d >= 0 && Number.isFinite(d)) || (c > 0 && d < g.distances[i * g.k + c - 1]!))
        return `row ${i} has distance ${d} out of order`;
    }
  }
  return null;
}

/**
 * The kNN graph of the first n images, from the cache in `dir` when it verifies, else built and written
 * there ('auto'); 'verify' throws the cache's KnnCacheError instead of building.
 */
export async function loadOrBuildKnnGraph(o: {
  dir: string;
  pixels: Uint8Array;
  n: number;
  dim: number;
  k: number;
  mode?: 'auto' | 'verify';
  blockRows?: number;
  threads?: number;
  onEvent?: (e: KnnCacheEvent) => void;
}): Promise<{ graph: KnnGraph; header: KnnCacheHeader; built: boolean }> {
  const emit = o.onEvent ?? (() => undefined);
  const key: KnnCacheKey = { k: o.k, n: o.n, dim: o.dim, dataSha256: pixelsSha256(o.pixels, o.n, o.dim) };
  try {
    const hit = await readKnnCache(o.dir, key);
    emit({ type: 'hit', header: hit.header });
    return { ...hit, built: false };
  } catch (err) {
    if (!(err instanceof KnnCacheError) || o.mode === 'verify') throw err;
    emit({ type: 'rebuild', problem: err.problem, reason: err.message });
  }
  const t0 = performance.now();
  const graph = await buildKnnGraph(o.pixels, o.n, o.dim, o.k, {
    blockRows: o.blockRows,
    threads: o.threads,
    onProgress: (progress) => emit({ type: 'progress', progress }),
  });
  const header = await writeKnnCache(o.dir, graph, key, (performance.now() - t0) / 1000);
  emit({ type: 'written', header, headerPath: join(o.dir, KNN_HEADER_FILE), graphPath: join(o.dir, KNN_GRAPH_FILE) });
  return { graph, header, built: true };
}

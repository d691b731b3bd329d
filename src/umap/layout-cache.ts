// The training images' UMAP layout as a verified artifact beside the kNN graph it was optimised on, so
// later runs (and the report) reuse it.
//
// Writes two files into `dir`:
//   layout.bin    little-endian float32 [n, dim]: each training image's position;
//   layout.json   the header: format and version, the kNN graph's SHA-256 (its header's graphSha256), the
//                 settings the layout was optimised with, and the SHA-256 and size of layout.bin.
// Written atomically, the layout first (a run killed in between leaves a header whose hash no longer matches:
// corrupt). A layout of another graph, other settings or another format version is a mismatch; either kind
// is rebuilt with the reason reported.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { findAbParams } from './ab-params.js';
import type { FuzzyGraph } from './fuzzy-set.js';
import { optimizeLayout, LAYOUT_DEFAULTS } from './layout.js';
import { initialLayout, SPECTRAL_ROUNDS } from './layout-init.js';
import { ensureWritableDir, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { sha256 } from '../util/hash.js';
import { stageProgress, type OnProgress } from '../util/progress.js';

export const LAYOUT_CACHE_FORMAT = 'fashion-ae-onnx/umap-layout';
export const LAYOUT_CACHE_VERSION = 1;
export const LAYOUT_HEADER_FILE = 'layout.json';
export const LAYOUT_FILE = 'layout.bin';

/** Everything the layout depends on besides the graph. */
export interface LayoutSettings {
  dim: number;
  nEpochs: number;
  minDist: number;
  spread: number;
  negativeRate: number;
  seed: number;
  spectralRounds: number;
}

export interface LayoutCacheHeader {
  format: typeof LAYOUT_CACHE_FORMAT;
  version: number;
  n: number;
  graphSha256: string;
  settings: LayoutSettings;
  layoutFile: string;
  layoutBytes: number;
  layoutSha256: string;
  buildSeconds: number;
  createdAt: string;
}

export type LayoutCacheEvent =
  | { type: 'hit'; header: LayoutCacheHeader }
  | { type: 'rebuild'; reason: string }
  | { type: 'progress'; epoch: number; epochs: number }
  | { type: 'written'; header: LayoutCacheHeader; path: string };

/** The layout cache's events in the one progress protocol, reported under `stage`. */
export function layoutCacheProgress(stage: string, on: OnProgress): (e: LayoutCacheEvent) => void {
  const p = stageProgress(stage, on);
  return (e) => {
    if (e.type === 'hit') p.note(`UMAP layout from the cache (${e.header.n} images)`);
    else if (e.type === 'rebuild') p.note(`optimising the UMAP layout (${e.reason})`);
    else if (e.type === 'progress') p.progress('UMAP layout', e.epoch, e.epochs, { unit: 'epoch' });
    else p.note(`UMAP layout written to ${e.path} (${e.header.buildSeconds.toFixed(1)} s)`);
  };
}

/** The settings of `o` with the defaults filled in. */
export function layoutSettingsOf(
  o: Partial<LayoutSettings> & Pick<LayoutSettings, 'minDist' | 'spread'>,
): LayoutSettings {
  return {
    dim: o.dim ?? 2,
    nEpochs: o.nEpochs ?? LAYOUT_DEFAULTS.nEpochs,
    minDist: o.minDist,
    spread: o.spread,
    negativeRate: o.negativeRate ?? LAYOUT_DEFAULTS.negativeRate,
    seed: o.seed ?? 1,
    spectralRounds: o.spectralRounds ?? SPECTRAL_ROUNDS,
  };
}

/** The cached layout when it serves (n, graph, settings, intact file), else why it cannot. */
async function readLayoutCache(
  dir: string,
  n: number,
  graphSha256: string,
  settings: LayoutSettings,
): Promise<{ layout: Float32Array; header: LayoutCacheHeader } | string> {
  const headerPath = join(dir, LAYOUT_HEADER_FILE),
    path = join(dir, LAYOUT_FILE);
  let h: LayoutCacheHeader;
  try {
    h = JSON.parse(await readFile(headerPath, 'utf8')) as LayoutCacheHeader;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? `${headerPath} does not exist`
      : `${headerPath} is not valid JSON`;
  }
  if (h === null || typeof h !== 'object' || h.format !== LAYOUT_CACHE_FORMAT)
    return `${headerPath} is not a layout header (format "${LAYOUT_CACHE_FORMAT}")`;
  if (h.version !== LAYOUT_CACHE_VERSION)
    return `${headerPath} is format version ${h.version}, not ${LAYOUT_CACHE_VERSION}`;
  if (h.n !== n || h.graphSha256 !== graphSha256) return `${headerPath} is for another neighbour graph`;
  if (JSON.stringify(h.settings) !== JSON.stringify(settings))
    return `${headerPath} was optimised with other settings (${JSON.stringify(h.settings)})`;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    return `${path} is missing (its header ${headerPath} exists)`;
  }
  const expected = n * settings.dim * 4;
  if (bytes.length !== expected || h.layoutBytes !== expected)
    return `${path} has ${bytes.length} bytes, expected ${expected}`;
  if (sha256(bytes) !== h.layoutSha256) return `${path} does not match the SHA-256 in ${headerPath}`;
  const layout = new Float32Array(new Uint8Array(bytes).buffer);
  for (const v of layout) if (!Number.isFinite(v)) return `${path} holds a value that is not finite`;
  return { layout, header: h };
}

/**
 * The UMAP layout of `graph` (the fuzzy graph of `pixels`, whose kNN graph has SHA-256 `graphSha256`), from
 * the cache in `dir` when it verifies, else optimised (src/umap/layout.ts) and written there.
 */
export async function loadOrBuildLayout(o: {
  dir: string;
  graph: FuzzyGraph;
  graphSha256: string;
  pixels: Uint8Array;
  pixelDim: number;
  settings: LayoutSettings;
  onEvent?: (e: LayoutCacheEvent) => void;
}): Promise<{ layout: Float32Array; header: LayoutCacheHeader; built: boolean }> {
  const emit = o.onEvent ?? (() => undefined);
  if (endianness() !== 'LE') throw new Error('the layout cache is little-endian; this machine is big-endian');
  const s = o.settings;
  const cached = await readLayoutCache(o.dir, o.graph.n, o.graphSha256, s);
  if (typeof cached !== 'string') {
    emit({ type: 'hit', header: cached.header });
    return { ...cached, built: false };
  }
  emit({ type: 'rebuild', reason: cached });
  const t0 = performance.now();
  const layout = initialLayout(o.pixels, o.graph, o.pixelDim, s.dim, s.seed, s.spectralRounds);
  const { a, b } = findAbParams(s.spread, s.minDist);
  optimizeLayout(o.graph, layout, s.dim, {
    a,
    b,
    nEpochs: s.nEpochs,
    negativeRate: s.negativeRate,
    seed: s.seed,
    onEpoch: (epoch, epochs) => emit({ type: 'progress', epoch, epochs }),
  });
  await ensureWritableDir(o.dir);
  const bytes = new Uint8Array(layout.buffer, layout.byteOffset, layout.byteLength);
  const header: LayoutCacheHeader = {
    format: LAYOUT_CACHE_FORMAT,
    version: LAYOUT_CACHE_VERSION,
    n: o.graph.n,
    graphSha256: o.graphSha256,
    settings: s,
    layoutFile: LAYOUT_FILE,
    layoutBytes: bytes.length,
    layoutSha256: sha256(bytes),
    buildSeconds: (performance.now() - t0) / 1000,
    createdAt: new Date().toISOString(),
  };
  await writeFileAtomic(join(o.dir, LAYOUT_FILE), bytes);
  await writeJsonAtomic(join(o.dir, LAYOUT_HEADER_FILE), header);
  emit({ type: 'written', header, path: join(o.dir, LAYOUT_FILE) });
  return { layout, header, built: true };
}

/** The layout as a regression target: centred, and scaled to unit root-mean-square per coordinate (shape kept). */
export function standardisedLayout(layout: Float32Array, dim: number): Float32Array {
  const n = layout.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) mean[c]! += layout[i * dim + c]! / n;
  let ss = 0;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < dim; c++) {
      const d = layout[i * dim + c]! - mean[c]!;
      ss += d * d;
    }
  const scale = 1 / Math.sqrt(ss / (n * dim) || 1);
  return layout.map((v, k) => (v - mean[k % dim]!) * scale);
}

// The fetch stage: produce a verified local copy of Fashion-MNIST in `outDir`.
// Writes: <outDir>/<name> (the four decompressed idx files) and <outDir>/manifest.json.
// Sources, in order: a verified cache in outDir; --from DIR; Debian's package; the canonical download.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CANONICAL_BASE_URL,
  CLASS_NAMES,
  DATASET_FILES,
  DEBIAN_DIR,
  type DatasetFileSpec,
} from '../data/fashion-mnist.js';
import { checkPairs, decompressIfGzip, parseImages, parseLabels } from '../data/idx.js';
import { md5, sha256 } from '../util/hash.js';
import { withOutputDir, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { MANIFEST_NAME, checkDatasetManifest, type DatasetManifest, type SourceKind } from '../artifacts/manifests.js';
import { stageProgress, type OnProgress } from '../util/progress.js';

export type FetchEvent =
  | { type: 'try'; source: SourceKind; location: string }
  | { type: 'skip'; source: SourceKind; location: string; reason: string }
  | { type: 'download'; file: string; received: number; total: number }
  | { type: 'verified'; file: string; bytes: number }
  | { type: 'done'; outDir: string; manifest: DatasetManifest; seconds: number };

/** The fetch stage's events in the one progress protocol. */
export function fetchProgress(on: OnProgress): (e: FetchEvent) => void {
  const p = stageProgress('fetch', on);
  return (e) => {
    if (e.type === 'try') p.note(`trying ${e.source} (${e.location})`);
    else if (e.type === 'skip') p.note(`${e.source} failed: ${e.reason}`);
    else if (e.type === 'download') p.progress(e.file, e.received, e.total, { unit: 'B' });
    else if (e.type === 'verified') p.note(`verified ${e.file} (${e.bytes} bytes)`);
    else
      p.done(
        `${e.outDir} holds verified Fashion-MNIST from ${e.manifest.source.kind} (${e.manifest.source.location}) ` +
          `in ${e.seconds.toFixed(1)}s`,
      );
  };
}

export interface FetchOptions {
  outDir: string;
  /** A folder holding the four files, `.gz` or raw; when given, the Debian package and download are not tried. */
  from?: string;
  debianDir?: string;
  baseUrl?: string;
  /** Skip the network source (tests, offline machines). */
  offline?: boolean;
  timeoutMs?: number;
  retries?: number;
  onEvent?: (e: FetchEvent) => void;
}

/** Checks decompressed bytes against the release's checksum and structure; returns a reason or null. */
export function verifyContent(spec: DatasetFileSpec, raw: Uint8Array, source: string): void {
  if (raw.length !== spec.bytes) {
    throw new Error(`${source}: ${raw.length} bytes after decompression, expected ${spec.bytes}`);
  }
  const digest = sha256(raw);
  if (digest !== spec.sha256) {
    throw new Error(`${source}: SHA-256 ${digest} does not match the release's ${spec.sha256}`);
  }
  const count = spec.kind === 'images' ? parseImages(raw, source).count : parseLabels(raw, source).count;
  if (count !== spec.count) throw new Error(`${source}: ${count} entries, expected ${spec.count}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Reads the four files from a folder (`name` or `name.gz`), decompressed and verified. */
async function readFromFolder(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const spec of DATASET_FILES) {
    const candidates = [join(dir, spec.name), join(dir, `${spec.name}.gz`)];
    let found: string | undefined;
    for (const c of candidates)
      if (await exists(c)) {
        found = c;
        break;
      }
    if (!found) throw new Error(`${dir} has neither ${spec.name} nor ${spec.name}.gz`);
    const raw = decompressIfGzip(await readFile(found), found);
    verifyContent(spec, raw, found);
    files.set(spec.name, raw);
  }
  checkAllPairs(files, dir);
  return files;
}

function checkAllPairs(files: Map<string, Uint8Array>, where: string): void {
  for (const [img, lab] of [
    ['trainImages', 'trainLabels'],
    ['testImages', 'testLabels'],
  ] as const) {
    const si = DATASET_FILES.find((s) => s.key === img)!;
    const sl = DATASET_FILES.find((s) => s.key === lab)!;
    const pi = join(where, si.name),
      pl = join(where, sl.name);
    checkPairs(parseImages(files.get(si.name)!, pi), parseLabels(files.get(sl.name)!, pl), pi, pl);
  }
}

async function downloadOne(url: string, spec: DatasetFileSpec, opts: FetchOptions): Promise<Uint8Array> {
  const retries = opts.retries ?? 3;
  let lastError = '';
  for (let attempt = 1; attempt <= retries; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const total = Number(res.headers.get('content-length') ?? 0);
      const chunks: Uint8Array[] = [];
      let received = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        chunks.push(chunk);
        received += chunk.length;
        opts.onEvent?.({ type: 'download', file: spec.name, received, total });
      }
      const gz = Buffer.concat(chunks);
      const digest = md5(gz);
      if (digest !== spec.gzMd5) throw new Error(`MD5 ${digest} does not match upstream's ${spec.gzMd5}`);
      const raw = decompressIfGzip(gz, url);
      verifyContent(spec, raw, url);
      return raw;
    } catch (err) {
      lastError = (err as Error).message;
      if (attempt < retries) await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
  throw new Error(`${url}: ${lastError} (after ${retries} attempts)`);
}

async function download(opts: FetchOptions): Promise<Map<string, Uint8Array>> {
  const base = opts.baseUrl ?? CANONICAL_BASE_URL;
  const files = new Map<string, Uint8Array>();
  for (const spec of DATASET_FILES) files.set(spec.name, await downloadOne(`${base}/${spec.name}.gz`, spec, opts));
  checkAllPairs(files, base);
  return files;
}

/** Returns the manifest if outDir already holds a verified copy, else null. */
export async function readVerifiedCache(outDir: string): Promise<DatasetManifest | null> {
  try {
    const path = join(outDir, MANIFEST_NAME);
    const manifest = checkDatasetManifest(JSON.parse(await readFile(path, 'utf8')), path);
    for (const spec of DATASET_FILES) {
      const path = join(outDir, spec.name);
      const raw = await readFile(path);
      if (raw.length !== spec.bytes || sha256(raw) !== spec.sha256) return null;
    }
    return manifest;
  } catch {
    return null;
  }
}

export async function fetchDataset(opts: FetchOptions): Promise<DatasetManifest> {
  const emit = opts.onEvent ?? (() => undefined);
  const tried: string[] = [];
  const t0 = performance.now();

  emit({ type: 'try', source: 'cache', location: opts.outDir });
  const manifest =
    (await readVerifiedCache(opts.outDir)) ??
    (await withOutputDir(opts.outDir, () => fetchInto(opts, [...tried, `cache ${opts.outDir}: no verified copy`])));
  emit({ type: 'done', outDir: opts.outDir, manifest, seconds: (performance.now() - t0) / 1000 });
  return manifest;
}

async function fetchInto(opts: FetchOptions, tried: string[]): Promise<DatasetManifest> {
  const emit = opts.onEvent ?? (() => undefined);

  const sources: { kind: SourceKind; location: string; read: () => Promise<Map<string, Uint8Array>> }[] = [];
  if (opts.from !== undefined) {
    const from = opts.from;
    sources.push({ kind: 'from', location: from, read: () => readFromFolder(from) });
  } else {
    const debian = opts.debianDir ?? DEBIAN_DIR;
    sources.push({ kind: 'debian', location: debian, read: () => readFromFolder(debian) });
    if (!opts.offline) {
      sources.push({ kind: 'download', location: opts.baseUrl ?? CANONICAL_BASE_URL, read: () => download(opts) });
    }
  }

  for (const source of sources) {
    emit({ type: 'try', source: source.kind, location: source.location });
    let files: Map<string, Uint8Array>;
    try {
      files = await source.read();
    } catch (err) {
      const reason = (err as Error).message;
      tried.push(`${source.kind} ${source.location}: ${reason}`);
      emit({ type: 'skip', source: source.kind, location: source.location, reason });
      continue;
    }
    const manifest: DatasetManifest = {
      dataset: 'fashion-mnist',
      source: { kind: source.kind, location: source.location },
      classNames: [...CLASS_NAMES],
      files: {},
      createdAt: new Date().toISOString(),
    };
    for (const spec of DATASET_FILES) {
      const raw = files.get(spec.name)!;
      await writeFileAtomic(join(opts.outDir, spec.name), raw);
      manifest.files[spec.key] = { name: spec.name, bytes: raw.length, sha256: spec.sha256, count: spec.count };
      emit({ type: 'verified', file: spec.name, bytes: raw.length });
    }
    // The manifest goes last: its presence marks a complete, verified copy.
    await writeJsonAtomic(join(opts.outDir, MANIFEST_NAME), manifest);
    return manifest;
  }

  throw new Error(
    `no verified copy of Fashion-MNIST could be made. Tried: ${tried.join('; ')}. ` +
      'Fix: install the Debian package (apt-get install dataset-fashion-mnist), ' +
      'or pass --from DIR with the four idx files (.gz or raw) from the Fashion-MNIST release.',
  );
}

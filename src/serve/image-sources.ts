// Inputs for encoding, read in chunks of images [n, 28, 28, 1]: idx files (raw, streamed; or .gz) and uint8 .npy
// arrays [N,28,28] / [N,28,28,1] as their raw bytes (0..255, scaled by the model's uint8 variant, never in JS);
// float32 .npy arrays (in [0,1]) and PNG/JPEG images (a folder, a glob or one file, decoded with @napi-rs/canvas)
// as float32 scaled like training (pixel / 255). Any contiguous range of images can be read on its own (shards).
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { IMAGE_SIZE, PIXELS } from '../data/fashion-mnist.js';
import { decompressIfGzip, parseImages, parseImagesHeader, parseLabels } from '../data/idx.js';
import { readNpyInfo } from '../lib/npy.js';
import { greyOf, isDarkOnLight } from '../data/pixels.js';
import { checkImageComplete } from './image-check.js';

export interface ImageChunk {
  /** Index of the first image of the chunk in the whole input. */
  start: number;
  count: number;
  /**
   * uint8: raw pixels 0..255, valid until the next-but-one chunk is requested (read buffers are reused);
   * float32: pixel / 255, the chunk's own.
   */
  pixels: Float32Array | Uint8Array;
  labels?: Uint8Array;
  names?: string[];
}

export interface ImageSource {
  description: string;
  /** Known up front, except for image files when bad ones may be skipped. */
  count: number;
  hasLabels: boolean;
  hasNames: boolean;
  /** The image files, in order, for a folder or glob. */
  files?: string[];
  /** What chunks hold: raw bytes or scaled floats. */
  pixelType: 'uint8' | 'float32';
  /** Chunks of the images in [range.start, range.end) (default: all); `start` counts from the whole input. */
  chunks(size: number, range?: ImageRange): AsyncGenerator<ImageChunk>;
}

export interface ImageRange {
  start: number;
  end: number;
}

function checkRange(range: ImageRange | undefined, count: number, source: string): ImageRange {
  const r = range ?? { start: 0, end: count };
  if (!(Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 0 && r.start <= r.end && r.end <= count)) {
    throw new RangeError(`${source}: image range [${r.start}, ${r.end}) is outside [0, ${count}]`);
  }
  return r;
}

/** Two read buffers used in turn: one is read into while the consumer runs the other. */
function byteBuffers(bytes: number): () => Uint8Array {
  const bufs = [new Uint8Array(bytes), new Uint8Array(bytes)];
  let i = 0;
  return () => bufs[i++ % 2]!;
}

export type InvertMode = 'auto' | 'yes' | 'no';

export interface SourceOptions {
  invert?: InvertMode;
  skipBad?: boolean;
  onSkip?: (file: string, reason: string) => void;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

function labelsPathFor(imagesPath: string): string | null {
  const name = basename(imagesPath);
  return name.includes('images-idx3') ? join(dirname(imagesPath), name.replace('images-idx3', 'labels-idx1')) : null;
}

async function readLabelsBeside(imagesPath: string, count: number): Promise<Uint8Array | undefined> {
  const p = labelsPathFor(imagesPath);
  if (!p) return undefined;
  for (const candidate of [p, p.endsWith('.gz') ? p.slice(0, -3) : `${p}.gz`]) {
    const bytes = await readFile(candidate).catch(() => null);
    if (!bytes) continue;
    const labels = parseLabels(bytes, candidate);
    if (labels.count !== count)
      throw new Error(`${candidate} holds ${labels.count} labels but ${imagesPath} holds ${count} images`);
    return labels.labels;
  }
  return undefined;
}

function checkImageSize(rows: number, cols: number, source: string): void {
  if (rows !== IMAGE_SIZE || cols !== IMAGE_SIZE)
    throw new Error(`${source}: images are ${rows}x${cols}; the encoder takes ${IMAGE_SIZE}x${IMAGE_SIZE}`);
}

async function idxSource(path: string): Promise<ImageSource> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${path}: cannot open (${e.code ?? e.message})`);
  });
  const head = new Uint8Array(16);
  await fh.read(head, 0, 16, 0);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    // Compressed input is decompressed whole (gzip has no random access); raw idx files stream.
    await fh.close();
    const images = parseImages(decompressIfGzip(await readFile(path), path), path);
    checkImageSize(images.rows, images.cols, path);
    const labels = await readLabelsBeside(path, images.count);
    return {
      description: `${path} (idx, ${images.count} images)`,
      count: images.count,
      hasLabels: !!labels,
      hasNames: false,
      pixelType: 'uint8',
      async *chunks(size, range) {
        const { start, end } = checkRange(range, images.count, path);
        for (let s = start; s < end; s += size) {
          const n = Math.min(size, end - s);
          const pixels = images.pixels.subarray(s * PIXELS, (s + n) * PIXELS);
          yield { start: s, count: n, pixels, labels: labels?.subarray(s, s + n) };
        }
      },
    };
  }
  let count: number;
  try {
    const h = parseImagesHeader(head, (await fh.stat()).size, path);
    checkImageSize(h.rows, h.cols, path);
    count = h.count;
  } catch (err) {
    await fh.close();
    throw err;
  }
  await fh.close();
  const labels = await readLabelsBeside(path, count);
  return {
    description: `${path} (idx, ${count} images)`,
    count,
    hasLabels: !!labels,
    hasNames: false,
    pixelType: 'uint8',
    chunks: (size, range) => rawByteChunks(path, 16, count, size, range, labels),
  };
}

/**
 * Chunks of an uncompressed idx file or uint8 .npy array: both are the images' raw bytes after a header, so both
 * take this one path (the file opened per pass, two read buffers used in turn).
 */
async function* rawByteChunks(
  path: string,
  dataOffset: number,
  count: number,
  size: number,
  range: ImageRange | undefined,
  labels?: Uint8Array,
): AsyncGenerator<ImageChunk> {
  const { start, end } = checkRange(range, count, path);
  const fh = await open(path, 'r');
  try {
    const nextBuffer = byteBuffers(Math.min(size, end - start) * PIXELS);
    for (let s = start; s < end; s += size) {
      const n = Math.min(size, end - s);
      const pixels = nextBuffer().subarray(0, n * PIXELS);
      await fh.read(pixels, 0, pixels.length, dataOffset + s * PIXELS);
      yield { start: s, count: n, pixels, labels: labels?.subarray(s, s + n) };
    }
  } finally {
    await fh.close();
  }
}

async function npySource(path: string): Promise<ImageSource> {
  const info = await readNpyInfo(path);
  const s = info.shape;
  const ok = (s.length === 3 || (s.length === 4 && s[3] === 1)) && s[1] === IMAGE_SIZE && s[2] === IMAGE_SIZE;
  if (!ok) throw new Error(`${path}: shape [${s.join(', ')}]; expected [N, 28, 28] or [N, 28, 28, 1]`);
  const count = s[0]!;
  return {
    description: `${path} (.npy ${info.dtype}, ${count} images)`,
    count,
    hasLabels: false,
    hasNames: false,
    pixelType: info.dtype,
    chunks: (size, range) =>
      info.dtype === 'uint8'
        ? rawByteChunks(path, info.dataOffset, count, size, range)
        : floatChunks(path, info.dataOffset, count, size, range),
  };
}

/** Chunks of a float32 .npy array, each checked to hold values in [0, 1] (pixel / 255, as in training). */
async function* floatChunks(
  path: string,
  dataOffset: number,
  count: number,
  size: number,
  range: ImageRange | undefined,
): AsyncGenerator<ImageChunk> {
  const { start, end } = checkRange(range, count, path);
  const fh = await open(path, 'r');
  try {
    for (let st = start; st < end; st += size) {
      const n = Math.min(size, end - st);
      const pixels = new Float32Array(n * PIXELS);
      await fh.read(new Uint8Array(pixels.buffer), 0, pixels.byteLength, dataOffset + st * PIXELS * 4);
      for (let i = 0; i < pixels.length; i++) {
        const v = pixels[i]!;
        if (!(v >= 0 && v <= 1)) {
          const where = `image ${st + Math.floor(i / PIXELS)}, pixel ${i % PIXELS}`;
          throw new Error(
            Number.isNaN(v)
              ? `${path}: NaN at ${where}`
              : `${path}: value ${v} at ${where} is outside [0, 1]; float32 input must be scaled like training (pixel / 255)`,
          );
        }
      }
      yield { start: st, count: n, pixels };
    }
  } finally {
    await fh.close();
  }
}

/** Decodes one image file to 28x28 grey in [0, 1], light object on dark ground like Fashion-MNIST. */
export async function decodeImageFile(path: string, invert: InvertMode = 'auto'): Promise<Float32Array> {
  // Loaded here, not at the top: idx and .npy inputs never pay for the native canvas module.
  const { createCanvas, loadImage } = await import('@napi-rs/canvas');
  let img;
  try {
    const bytes = await readFile(path);
    checkImageComplete(bytes);
    img = await loadImage(bytes);
  } catch (err) {
    throw new Error(`${path}: cannot decode image (${(err as Error).message})`);
  }
  if (!img.width || !img.height) throw new Error(`${path}: cannot decode image (empty)`);
  const canvas = createCanvas(IMAGE_SIZE, IMAGE_SIZE);
  const ctx = canvas.getContext('2d');
  // Letterbox non-square images with the colour of their own top-left corner.
  const probe = createCanvas(1, 1).getContext('2d');
  probe.fillStyle = '#fff';
  probe.fillRect(0, 0, 1, 1);
  probe.drawImage(img, 0, 0, 1, 1, 0, 0, 1, 1);
  const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
  ctx.fillStyle = `rgb(${r},${g},${b})`;
  ctx.fillRect(0, 0, IMAGE_SIZE, IMAGE_SIZE);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  const scale = IMAGE_SIZE / Math.max(img.width, img.height);
  const w = img.width * scale,
    h = img.height * scale;
  ctx.drawImage(img, (IMAGE_SIZE - w) / 2, (IMAGE_SIZE - h) / 2, w, h);
  const rgba = ctx.getImageData(0, 0, IMAGE_SIZE, IMAGE_SIZE).data;
  const grey = new Float32Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) grey[i] = greyOf(rgba[4 * i]!, rgba[4 * i + 1]!, rgba[4 * i + 2]!);
  // Photos and drawings are usually dark on light; Fashion-MNIST is light on dark. Judge by the border.
  const flip = invert === 'yes' || (invert === 'auto' && isDarkOnLight(grey, IMAGE_SIZE, IMAGE_SIZE));
  if (flip) for (let i = 0; i < PIXELS; i++) grey[i] = 1 - grey[i]!;
  return grey;
}

function globToRegExp(pattern: string): RegExp {
  const esc = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${esc}$`, 'i');
}

async function listImages(input: string): Promise<string[]> {
  const isGlob = /[*?[]/.test(input);
  const dir = isGlob ? dirname(input) : input;
  const match = isGlob ? globToRegExp(basename(input)) : null;
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${dir}: cannot list (${e.code ?? e.message})`);
  });
  const files = entries
    .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()) && (!match || match.test(f)))
    .sort();
  if (files.length === 0) throw new Error(`${input}: no .png/.jpg/.jpeg images found`);
  return files.map((f) => join(dir, f));
}

function imageFilesSource(files: string[], label: string, o: SourceOptions): ImageSource {
  return {
    description: `${label} (${files.length} image files)`,
    count: files.length,
    hasLabels: false,
    hasNames: true,
    pixelType: 'float32',
    files,
    async *chunks(size, range) {
      const r = checkRange(range, files.length, label);
      // Indices count decoded images; a skipped file shifts the ones after it (merge renumbers shards alike).
      let start = r.start;
      for (let s = r.start; s < r.end; s += size) {
        const batch = files.slice(s, Math.min(s + size, r.end));
        const decoded: { name: string; grey: Float32Array }[] = [];
        for (const f of batch) {
          try {
            decoded.push({ name: f, grey: await decodeImageFile(f, o.invert) });
          } catch (err) {
            if (!o.skipBad)
              throw new Error(`${(err as Error).message} (pass --skip-bad to skip images that cannot be decoded)`);
            o.onSkip?.(f, (err as Error).message);
          }
        }
        if (decoded.length === 0) continue;
        const pixels = new Float32Array(decoded.length * PIXELS);
        decoded.forEach((d, i) => pixels.set(d.grey, i * PIXELS));
        yield { start, count: decoded.length, pixels, names: decoded.map((d) => d.name) };
        start += decoded.length;
      }
    },
  };
}

export async function openImageSource(input: string, o: SourceOptions = {}): Promise<ImageSource> {
  if (/[*?[]/.test(input)) return imageFilesSource(await listImages(input), input, o);
  const st = await stat(input).catch(() => null);
  if (!st) throw new Error(`${input}: no such file or folder`);
  if (st.isFile() && st.size === 0) throw new Error(`${input}: the file is empty; there are no images to encode`);
  if (st.isDirectory()) return imageFilesSource(await listImages(input), input, o);
  const ext = extname(input).toLowerCase();
  if (ext === '.npy') return npySource(input);
  if (IMAGE_EXTENSIONS.has(ext)) return imageFilesSource([input], input, o);
  return idxSource(input);
}

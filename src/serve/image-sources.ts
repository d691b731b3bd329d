// Inputs for encoding, read in chunks of float32 images [n, 28, 28, 1] scaled like training (pixel / 255):
// idx files (raw, streamed; or .gz), .npy arrays [N,28,28] / [N,28,28,1] (uint8 or float32 in [0,1]),
// and PNG/JPEG images (a folder, a glob or one file), decoded with @napi-rs/canvas.
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { IMAGE_SIZE, PIXELS } from '../data/fashion-mnist.js';
import { decompressIfGzip, parseImages, parseImagesHeader, parseLabels } from '../data/idx.js';
import { readNpyInfo } from '../lib/npy.js';
import { greyOf, isDarkOnLight, scalePixels } from '../data/pixels.js';
import { checkImageComplete } from './image-check.js';

export interface ImageChunk {
  /** Index of the first image of the chunk in the whole input. */
  start: number;
  count: number;
  pixels: Float32Array;
  labels?: Uint8Array;
  names?: string[];
}

export interface ImageSource {
  description: string;
  /** Known up front, except for image files when bad ones may be skipped. */
  count: number;
  hasLabels: boolean;
  hasNames: boolean;
  chunks(size: number): AsyncGenerator<ImageChunk>;
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
    if (labels.count !== count) throw new Error(`${candidate} holds ${labels.count} labels but ${imagesPath} holds ${count} images`);
    return labels.labels;
  }
  return undefined;
}

function checkImageSize(rows: number, cols: number, source: string): void {
  if (rows !== IMAGE_SIZE || cols !== IMAGE_SIZE) throw new Error(`${source}: images are ${rows}x${cols}; the encoder takes ${IMAGE_SIZE}x${IMAGE_SIZE}`);
}

async function idxSource(path: string): Promise<ImageSource> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => { throw new Error(`${path}: cannot open (${e.code ?? e.message})`); });
  const head = new Uint8Array(16);
  await fh.read(head, 0, 16, 0);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    // Compressed input is decompressed whole (gzip has no random access); raw idx files stream.
    await fh.close();
    const images = parseImages(decompressIfGzip(await readFile(path), path), path);
    checkImageSize(images.rows, images.cols, path);
    const labels = await readLabelsBeside(path, images.count);
    return {
      description: `${path} (idx, ${images.count} images)`, count: images.count, hasLabels: !!labels, hasNames: false,
      async *chunks(size) {
        for (let s = 0; s < images.count; s += size) {
          const n = Math.min(size, images.count - s);
          const pixels = new Float32Array(n * PIXELS);
          scalePixels(images.pixels.subarray(s * PIXELS, (s + n) * PIXELS), pixels);
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
  const labels = await readLabelsBeside(path, count);
  return {
    description: `${path} (idx, ${count} images)`, count, hasLabels: !!labels, hasNames: false,
    async *chunks(size) {
      const raw = new Uint8Array(size * PIXELS);
      try {
        for (let s = 0; s < count; s += size) {
          const n = Math.min(size, count - s);
          const part = raw.subarray(0, n * PIXELS);
          await fh.read(part, 0, part.length, 16 + s * PIXELS);
          const pixels = new Float32Array(n * PIXELS);
          scalePixels(part, pixels);
          yield { start: s, count: n, pixels, labels: labels?.subarray(s, s + n) };
        }
      } finally {
        await fh.close();
      }
    },
  };
}

async function npySource(path: string): Promise<ImageSource> {
  const info = await readNpyInfo(path);
  const s = info.shape;
  const ok = (s.length === 3 || (s.length === 4 && s[3] === 1)) && s[1] === IMAGE_SIZE && s[2] === IMAGE_SIZE;
  if (!ok) throw new Error(`${path}: shape [${s.join(', ')}]; expected [N, 28, 28] or [N, 28, 28, 1]`);
  const count = s[0]!;
  const itemBytes = info.dtype === 'float32' ? 4 : 1;
  return {
    description: `${path} (.npy ${info.dtype}, ${count} images)`, count, hasLabels: false, hasNames: false,
    async *chunks(size) {
      const fh = await open(path, 'r');
      try {
        for (let st = 0; st < count; st += size) {
          const n = Math.min(size, count - st);
          const pixels = new Float32Array(n * PIXELS);
          if (info.dtype === 'uint8') {
            const raw = new Uint8Array(n * PIXELS);
            await fh.read(raw, 0, raw.length, info.dataOffset + st * PIXELS);
            scalePixels(raw, pixels);
          } else {
            await fh.read(new Uint8Array(pixels.buffer), 0, pixels.byteLength, info.dataOffset + st * PIXELS * itemBytes);
            for (let i = 0; i < pixels.length; i++) {
              const v = pixels[i]!;
              if (!(v >= 0 && v <= 1)) {
                const where = `image ${st + Math.floor(i / PIXELS)}, pixel ${i % PIXELS}`;
                throw new Error(Number.isNaN(v) ? `${path}: NaN at ${where}` : `${path}: value ${v} at ${where} is outside [0, 1]; float32 input must be scaled like training (pixel / 255)`);
              }
            }
          }
          yield { start: st, count: n, pixels };
        }
      } finally {
        await fh.close();
      }
    },
  };
}

/** Decodes one image file to 28x28 grey in [0, 1], light object on dark ground like Fashion-MNIST. */
export async function decodeImageFile(path: string, invert: InvertMode = 'auto'): Promise<Float32Array> {
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
  const w = img.width * scale, h = img.height * scale;
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
  const esc = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${esc}$`, 'i');
}

async function listImages(input: string): Promise<string[]> {
  const isGlob = /[*?[]/.test(input);
  const dir = isGlob ? dirname(input) : input;
  const match = isGlob ? globToRegExp(basename(input)) : null;
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => { throw new Error(`${dir}: cannot list (${e.code ?? e.message})`); });
  const files = entries.filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()) && (!match || match.test(f))).sort();
  if (files.length === 0) throw new Error(`${input}: no .png/.jpg/.jpeg images found`);
  return files.map((f) => join(dir, f));
}

function imageFilesSource(files: string[], label: string, o: SourceOptions): ImageSource {
  return {
    description: `${label} (${files.length} image files)`, count: files.length, hasLabels: false, hasNames: true,
    async *chunks(size) {
      let start = 0;
      for (let s = 0; s < files.length; s += size) {
        const batch = files.slice(s, s + size);
        const decoded: { name: string; grey: Float32Array }[] = [];
        for (const f of batch) {
          try {
            decoded.push({ name: f, grey: await decodeImageFile(f, o.invert) });
          } catch (err) {
            if (!o.skipBad) throw new Error(`${(err as Error).message} (pass --skip-bad to skip images that cannot be decoded)`);
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

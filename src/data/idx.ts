// The idx format (big-endian header, then raw bytes) used by MNIST-style datasets.
// The one reader every stage uses: it accepts raw or gzip bytes and checks magic, dimensions and length.
import { gunzipSync } from 'node:zlib';

export const IMAGES_MAGIC = 0x00000803; // unsigned bytes, 3 dimensions
export const LABELS_MAGIC = 0x00000801; // unsigned bytes, 1 dimension
export const NUM_CLASSES = 10;

export interface ImageSet {
  count: number;
  rows: number;
  cols: number;
  /** count*rows*cols bytes, row-major, 0 = background. */
  pixels: Uint8Array;
}

export interface LabelSet {
  count: number;
  labels: Uint8Array;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Returns the idx bytes, decompressing gzip input; `source` names the file in errors. */
export function decompressIfGzip(bytes: Uint8Array, source: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new Error(`${source}: corrupt or truncated gzip data (${(err as Error).message})`);
  }
}

/** Checks the header in `bytes` (the whole file, or its start when `totalBytes` gives the file's size). */
function header(bytes: Uint8Array, source: string, magic: number, dims: number, totalBytes = bytes.length): number[] {
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < 4)
    throw new Error(`${source}: too short for an idx header (${totalBytes} bytes, need ${headerBytes})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0);
  if (found !== magic) {
    throw new Error(
      `${source}: wrong magic number 0x${found.toString(16).padStart(8, '0')}, ` +
        `expected 0x${magic.toString(16).padStart(8, '0')} (${dims === 3 ? 'images' : 'labels'})`,
    );
  }
  if (bytes.length < headerBytes) {
    throw new Error(`${source}: too short for an idx header (${totalBytes} bytes, need ${headerBytes})`);
  }
  const sizes: number[] = [];
  for (let d = 0; d < dims; d++) sizes.push(view.getUint32(4 + 4 * d));
  const expected = headerBytes + sizes.reduce((a, b) => a * b, 1);
  if (totalBytes !== expected) {
    throw new Error(`${source}: ${totalBytes} bytes, but the header [${sizes.join(', ')}] needs ${expected}`);
  }
  return sizes;
}

export function parseImages(bytes: Uint8Array, source: string): ImageSet {
  const raw = decompressIfGzip(bytes, source);
  const [count, rows, cols] = header(raw, source, IMAGES_MAGIC, 3) as [number, number, number];
  if (rows === 0 || cols === 0) throw new Error(`${source}: images of size ${rows}x${cols}`);
  return { count, rows, cols, pixels: raw.subarray(16) };
}

/**
 * The header of a raw (not gzip) image file from its first 16 bytes, checked against the file's size: a
 * large file can then stream through without being held whole. Same checks and messages as parseImages.
 */
export function parseImagesHeader(head: Uint8Array, totalBytes: number, source: string): Omit<ImageSet, 'pixels'> {
  const [count, rows, cols] = header(head.subarray(0, 16), source, IMAGES_MAGIC, 3, totalBytes) as [
    number,
    number,
    number,
  ];
  if (rows === 0 || cols === 0) throw new Error(`${source}: images of size ${rows}x${cols}`);
  return { count, rows, cols };
}

export function parseLabels(bytes: Uint8Array, source: string): LabelSet {
  const raw = decompressIfGzip(bytes, source);
  const [count] = header(raw, source, LABELS_MAGIC, 1) as [number];
  const labels = raw.subarray(8);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l >= NUM_CLASSES) throw new Error(`${source}: label ${l} at index ${i} is outside 0..${NUM_CLASSES - 1}`);
  }
  return { count, labels };
}

export function checkPairs(images: ImageSet, labels: LabelSet, imagesSource: string, labelsSource: string): void {
  if (images.count !== labels.count) {
    throw new Error(`${labelsSource} holds ${labels.count} labels but ${imagesSource} holds ${images.count} images`);
  }
}

/** Encodes an idx file (used by tests and by tools that write datasets). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

// Decoding codes back to images with onnxruntime-node: reading codes (.npy or the encode CSV), and decodeFile,
// the decode stage on files: codes (or a grid over the code plane) -> one PNG per code, or one PNG grid.
import { readFile, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { readNpy } from '../lib/npy.js';
import { openModel, runBatched } from '../lib/ort-session.js';
import { checkDecoder } from '../lib/model-interface.js';
import { codePlaneFromMetadata } from '../lib/code-range.js';
import { decodePlaneGrid, planeRect } from '../lib/decoder-grid.js';
import { PIXELS } from '../data/fashion-mnist.js';
import { writeFileAtomic, writeFilesIntoDirAtomic } from '../util/atomic.js';
import { stageProgress, type OnProgress } from '../util/progress.js';

/** Reads codes [N, latent] from a float32 .npy or a CSV with z0..z{latent-1} columns (as encode writes). */
export async function readCodes(path: string, latent: number): Promise<{ codes: Float32Array; count: number }> {
  const ext = extname(path).toLowerCase();
  let codes: Float32Array;
  if (ext === '.npy') {
    const { info, data } = await readNpy(path);
    if (info.dtype !== 'float32') throw new Error(`${path}: codes must be float32, found ${info.dtype}`);
    if (info.shape.length !== 2 || info.shape[1] !== latent)
      throw new Error(`${path}: shape [${info.shape.join(', ')}], the decoder needs [N, ${latent}]`);
    codes = data as Float32Array;
  } else if (ext === '.csv') {
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new Error(`${path}: cannot read (${e.code ?? e.message})`);
    });
    if (text.trim() === '') throw new Error(`${path}: the file is empty; there are no codes to decode`);
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = (lines.shift() ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
    const cols = Array.from({ length: latent }, (_, d) => header.indexOf(`z${d}`));
    if (cols.some((c) => c < 0))
      throw new Error(`${path}: the header needs columns z0..z${latent - 1}, found ${header.join(',')}`);
    codes = new Float32Array(lines.length * latent);
    lines.forEach((line, i) => {
      // Quoted fields (class, file) never hold the code columns, which come last.
      const fields = line.split(',');
      const offset = fields.length - header.length;
      cols.forEach((c, d) => {
        const cell = (fields[c + offset] ?? '').trim();
        // Number('') is 0: an empty cell would silently decode as the origin of the code plane.
        if (cell === '') throw new Error(`${path}: line ${i + 2}: z${d} is empty`);
        const v = Number(cell);
        if (!Number.isFinite(v)) throw new Error(`${path}: line ${i + 2}: z${d} is not a number ("${cell}")`);
        codes[i * latent + d] = v;
      });
    });
  } else {
    throw new Error(`${path}: codes must be .npy or .csv`);
  }
  if (codes.length === 0) throw new Error(`${path}: holds no codes; there is nothing to decode`);
  for (let i = 0; i < codes.length; i++)
    if (!Number.isFinite(codes[i])) throw new Error(`${path}: code ${Math.floor(i / latent)} holds ${codes[i]}`);
  return { codes, count: codes.length / latent };
}

/**
 * What decode draws is bounded: --scale (PNG pixels per image pixel), and the side and area of one PNG,
 * since the canvas holds 4 bytes per pixel in memory and the PNG encoder another copy (at the
 * area limit, about 0.5 GB in all); the side limit stays within the canvas's own.
 */
export const DECODE_LIMITS = { scale: [1, 64], walkSteps: [2, 100], maxSide: 16384, maxPixels: 2 ** 26 } as const;

/** Checks a PNG of `width` x `height` against DECODE_LIMITS; `what` says what it is for in the message. */
export function checkPngSize(width: number, height: number, what: string): void {
  const { maxSide, maxPixels } = DECODE_LIMITS;
  if (width > maxSide || height > maxSide || width * height > maxPixels) {
    throw new RangeError(
      `${what} would be a ${width}x${height} PNG; the limits are ${maxSide} pixels per side and ` +
        `${maxPixels / 2 ** 20}M pixels in all (DECODE_LIMITS in src/serve/decode.ts): lower --scale`,
    );
  }
}

/** Checks --walk's x0,x1,y0,y1: four finite numbers, each pair spanning a non-empty interval. */
export function parseWalkRange(text: string): [number, number, number, number] {
  const v = text.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (v.length !== 4 || !v.every(Number.isFinite) || v[0] === v[1] || v[2] === v[3]) {
    throw new RangeError(
      `--range takes four finite numbers x0,x1,y0,y1 with x0 != x1 and y0 != y1, e.g. --range -10,10,-20,5; got ${text}`,
    );
  }
  return v as [number, number, number, number];
}

export interface DecodeFileOptions {
  /** The decoder model (models/decoder.onnx). */
  onnx: string;
  /** Codes: float32 .npy [N, latent] or the CSV encode writes; or leave it out and set `walk`. */
  input?: string;
  /** A folder for one PNG per code, or a .png with `grid` or `walk`. */
  output: string;
  /** All images in one PNG grid. */
  grid?: boolean;
  /** Decode a steps x steps grid over a rectangle of the code plane instead of codes. */
  walk?: boolean;
  /** With `walk`: [x0, x1, y0, y1] (default: the plane's range from the model's metadata). */
  range?: [number, number, number, number];
  /** With `walk`: grid points per side (DECODE_LIMITS.walkSteps). */
  steps?: number;
  /** PNG pixels per image pixel (DECODE_LIMITS.scale). */
  scale?: number;
  onProgress?: OnProgress;
}

/** Codes -> PNGs, written atomically; every input and size is checked before anything is drawn or written. */
export async function decodeFile(o: DecodeFileOptions): Promise<{ count: number; output: string }> {
  // Loaded here: the encode CLI imports this module for its flag checks and never pays for the native canvas.
  const { imageGridPng, imageGridSize } = await import('../lib/plots.js');
  const p = stageProgress('decode', o.onProgress);
  const scale = o.scale ?? 2,
    steps = o.steps ?? 20;
  if (!o.walk && !o.input) throw new Error('decode: give an input of codes, or walk');
  const model = await openModel(o.onnx);
  try {
    const latent = checkDecoder(model.info);
    let images: Float32Array, count: number, cols: number;
    const grid = Boolean(o.walk || o.grid);
    const layout = { scale, gap: o.walk ? 0 : 2 };
    const check = (n: number, c: number) => {
      const size = grid ? imageGridSize(Math.ceil(n / c), c, layout) : imageGridSize(1, 1, { scale, gap: 0 });
      checkPngSize(
        size.width,
        size.height,
        grid ? `--output ${o.output} (${n} images, --scale ${scale})` : `each image at --scale ${scale}`,
      );
    };
    if (o.walk) {
      // The code plane and its range come from the model's metadata (export wrote them); `range` overrides the range.
      const plane = o.range && latent === 2 ? null : codePlaneFromMetadata(model.info.metadata, latent, o.onnx);
      count = steps * steps;
      cols = steps;
      check(count, cols);
      images = await decodePlaneGrid(model, latent, o.range ?? planeRect(plane!), steps, plane?.projection ?? null);
    } else {
      const read = await readCodes(o.input!, latent);
      count = read.count;
      cols = Math.ceil(Math.sqrt(count));
      check(count, cols);
      images = await runBatched(model, read.codes, [latent], 1024);
    }
    if (grid) {
      await writeFileAtomic(o.output, imageGridPng(images, Math.ceil(count / cols), cols, layout));
      p.done(`${count} images -> ${o.output}`);
      return { count, output: o.output };
    }
    const width = String(count - 1).length;
    await writeFilesIntoDirAtomic(o.output, async (tmp) => {
      for (let i = 0; i < count; i++) {
        await writeFile(
          join(tmp, `${String(i).padStart(Math.max(5, width), '0')}.png`),
          imageGridPng(images.subarray(i * PIXELS, (i + 1) * PIXELS), 1, 1, { scale, gap: 0 }),
        );
        p.progress('PNG files', i + 1, count, { unit: 'file' });
      }
    });
    p.done(`${count} images -> ${o.output}/`);
    return { count, output: o.output };
  } finally {
    await model.session.release();
  }
}

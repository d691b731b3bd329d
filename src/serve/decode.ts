// Decoding codes back to images with onnxruntime-node: reading codes (.npy or the encode CSV).
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { readNpy } from '../lib/npy.js';

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

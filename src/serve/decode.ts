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
    if (info.shape.length !== 2 || info.shape[1] !== latent) throw new Error(`${path}: shape [${info.shape.join(', ')}], the decoder needs [N, ${latent}]`);
    codes = data as Float32Array;
  } else if (ext === '.csv') {
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => { throw new Error(`${path}: cannot read (${e.code ?? e.message})`); });
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = (lines.shift() ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
    const cols = Array.from({ length: latent }, (_, d) => header.indexOf(`z${d}`));
    if (cols.some((c) => c < 0)) throw new Error(`${path}: the header needs columns z0..z${latent - 1}, found ${header.join(',')}`);
    codes = new Float32Array(lines.length * latent);
    lines.forEach((line, i) => {
      // Quoted fields (class, file) never hold the code columns, which come last.
      const fields = line.split(',');
      const offset = fields.length - header.length;
      cols.forEach((c, d) => {
        const v = Number(fields[c + offset]);
        if (!Number.isFinite(v)) throw new Error(`${path}: line ${i + 2}: z${d} is not a number`);
        codes[i * latent + d] = v;
      });
    });
  } else {
    throw new Error(`${path}: codes must be .npy or .csv`);
  }
  for (let i = 0; i < codes.length; i++) if (!Number.isFinite(codes[i])) throw new Error(`${path}: code ${Math.floor(i / latent)} holds ${codes[i]}`);
  return { codes, count: codes.length / latent };
}

// NumPy .npy files (format version 1.0): a header describing dtype and shape, then raw little-endian data.
// Reading is chunked through a file handle so inputs larger than memory stream through.
import { open, type FileHandle } from 'node:fs/promises';
import { writeFully } from '../util/atomic.js';

export type NpyDtype = 'float32' | 'uint8';
const DESCR: Record<NpyDtype, string> = { float32: '<f4', uint8: '|u1' };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** A version 1.0 header; `minBytes` reserves room so it can be rewritten later with a larger shape. */
export function npyHeader(dtype: NpyDtype, shape: number[], minBytes = 0): Uint8Array {
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // Magic (6) + version (2) + length (2) + dict + padding + newline, a multiple of 64 bytes.
  const total = Math.max(minBytes, Math.ceil((10 + dict.length + 1) / 64) * 64);
  const text = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  return out;
}

export interface NpyInfo {
  dtype: NpyDtype;
  shape: number[];
  dataOffset: number;
}

/** Parses the header of a .npy file; `source` names the file in errors. */
export function parseNpyHeader(head: Uint8Array, source: string): NpyInfo {
  if (head.length < 10 || MAGIC.some((b, i) => head[i] !== b))
    throw new Error(`${source}: not a .npy file (bad magic)`);
  const major = head[6]!;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const [len, start] =
    major === 1 ? [view.getUint16(8, true), 10] : major === 2 || major === 3 ? [view.getUint32(8, true), 12] : [-1, 0];
  if (len < 0) throw new Error(`${source}: unsupported .npy version ${major}`);
  if (head.length < start + len) throw new Error(`${source}: truncated .npy header`);
  const text = new TextDecoder().decode(head.subarray(start, start + len));
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!descr || !fortran || shapeText === undefined)
    throw new Error(`${source}: unreadable .npy header ${JSON.stringify(text.trim())}`);
  if (fortran === 'True')
    throw new Error(`${source}: Fortran-order arrays are not supported; save with numpy.ascontiguousarray`);
  const dtype = descr === '<f4' ? 'float32' : descr === '|u1' || descr === '<u1' ? 'uint8' : null;
  if (!dtype) throw new Error(`${source}: dtype ${descr} is not supported; use uint8 (0..255) or float32 (0..1)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  return { dtype, shape, dataOffset: start + len };
}

export async function readNpyInfo(path: string): Promise<NpyInfo> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${path}: cannot open (${e.code ?? e.message})`);
  });
  try {
    const head = new Uint8Array(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const info = parseNpyHeader(head.subarray(0, bytesRead), path);
    const size = (await fh.stat()).size;
    const expected = info.dataOffset + info.shape.reduce((a, b) => a * b, 1) * (info.dtype === 'float32' ? 4 : 1);
    if (size !== expected)
      throw new Error(
        `${path}: ${size} bytes, but the header (${info.dtype} [${info.shape.join(', ')}]) needs ${expected}`,
      );
    return info;
  } finally {
    await fh.close();
  }
}

/** Reads a whole .npy (for small arrays such as codes). */
export async function readNpy(path: string): Promise<{ info: NpyInfo; data: Float32Array | Uint8Array }> {
  const info = await readNpyInfo(path);
  const fh = await open(path, 'r');
  try {
    const n = info.shape.reduce((a, b) => a * b, 1);
    const data = info.dtype === 'float32' ? new Float32Array(n) : new Uint8Array(n);
    await fh.read(new Uint8Array(data.buffer), 0, data.byteLength, info.dataOffset);
    return { info, data };
  } finally {
    await fh.close();
  }
}

/** Header size of NpyWriter's files, room for any row count; merged shards use it too, to match byte for byte. */
export const NPY_STREAM_HEADER_BYTES = 128;

/**
 * Writes a float32 .npy one chunk of rows at a time. The row count need not be known up front:
 * the header is written with room to spare and rewritten with the final count on close.
 */
export class NpyWriter {
  private rows = 0;
  private static readonly HEADER_BYTES = NPY_STREAM_HEADER_BYTES;
  private constructor(
    private readonly fh: FileHandle,
    private readonly rowShape: number[],
  ) {}

  static async create(path: string, rowShape: number[]): Promise<NpyWriter> {
    const fh = await open(path, 'w');
    await writeFully(fh, npyHeader('float32', [0, ...rowShape], NpyWriter.HEADER_BYTES));
    return new NpyWriter(fh, rowShape);
  }

  async write(chunk: Float32Array): Promise<void> {
    await writeFully(this.fh, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.rows += chunk.length / this.rowShape.reduce((a, b) => a * b, 1);
  }

  async close(): Promise<void> {
    const header = npyHeader('float32', [this.rows, ...this.rowShape], NpyWriter.HEADER_BYTES);
    if (header.length !== NpyWriter.HEADER_BYTES) throw new Error('npy header outgrew its reserved size');
    await this.fh.write(header, 0, header.length, 0);
    await this.fh.close();
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

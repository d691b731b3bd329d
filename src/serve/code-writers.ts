// Writers for encoded codes, chosen by the output's extension: .npy (float32 [N, latent]), .csv, .jsonl.
// Each writes to a temporary file and renames it into place on close; abort leaves nothing behind.
import { open, rm, type FileHandle } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { CLASS_NAMES } from '../data/fashion-mnist.js';
import { ensureWritableDir, renameIntoPlace, tempPathFor, writeError, writeFully } from '../util/atomic.js';
import { NpyWriter } from '../artifacts/npy.js';

export interface CodeRows {
  start: number;
  codes: Float32Array;
  labels?: Uint8Array;
  names?: string[];
}

export interface CodeWriter {
  write(rows: CodeRows): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

export const OUTPUT_FORMATS = ['.npy', '.csv', '.jsonl'] as const;

/** The shortest decimal text that reads back as the same float32. */
export function formatFloat32(x: number): string {
  for (let p = 6; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(Number(x.toPrecision(9)));
}

class TextWriter implements CodeWriter {
  private buffer: string[] = [];
  private size = 0;
  constructor(
    private readonly fh: FileHandle,
    private readonly tmp: string,
    private readonly path: string,
    private readonly latent: number,
    private readonly format: 'csv' | 'jsonl',
    header?: string,
  ) {
    if (header) this.push(header);
  }

  private push(line: string): void {
    this.buffer.push(line);
    this.size += line.length;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    await writeFully(this.fh, this.buffer.join('\n') + '\n').catch((err: unknown) => {
      throw writeError(this.path, err);
    });
    this.buffer = [];
    this.size = 0;
  }

  async write(r: CodeRows): Promise<void> {
    const n = r.codes.length / this.latent;
    for (let i = 0; i < n; i++) {
      const code = Array.from(r.codes.subarray(i * this.latent, (i + 1) * this.latent), formatFloat32);
      const label = r.labels?.[i];
      const name = r.names?.[i];
      if (this.format === 'csv') {
        const cols = [String(r.start + i)];
        if (label !== undefined) cols.push(String(label), `"${CLASS_NAMES[label]}"`);
        if (name !== undefined) cols.push(`"${name.replace(/"/g, '""')}"`);
        this.push([...cols, ...code].join(','));
      } else {
        this.push(
          `{"index":${r.start + i}${label !== undefined ? `,"label":${label},"class":${JSON.stringify(CLASS_NAMES[label])}` : ''}` +
            `${name !== undefined ? `,"file":${JSON.stringify(name)}` : ''},"code":[${code.join(',')}]}`,
        );
      }
    }
    if (this.size > 1 << 20) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh.close().catch((err: unknown) => {
      throw writeError(this.path, err);
    });
    await renameIntoPlace(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}

class NpyCodeWriter implements CodeWriter {
  constructor(
    private readonly w: NpyWriter,
    private readonly tmp: string,
    private readonly path: string,
  ) {}
  write(r: CodeRows): Promise<void> {
    return this.w.write(r.codes).catch((err: unknown) => {
      throw writeError(this.path, err);
    });
  }
  async close(): Promise<void> {
    await this.w.close().catch((err: unknown) => {
      throw writeError(this.path, err);
    });
    await renameIntoPlace(this.tmp, this.path);
  }
  async abort(): Promise<void> {
    await this.w.abort();
    await rm(this.tmp, { force: true });
  }
}

export function checkOutputPath(path: string): '.npy' | '.csv' | '.jsonl' {
  const ext = extname(path).toLowerCase();
  if (!(OUTPUT_FORMATS as readonly string[]).includes(ext))
    throw new Error(`--output ${path}: unknown format "${ext}"; use ${OUTPUT_FORMATS.join(', ')}`);
  return ext as '.npy' | '.csv' | '.jsonl';
}

/** Opens a writer; the output folder must already exist and be writable. */
export async function openCodeWriter(
  path: string,
  latent: number,
  columns: { labels: boolean; names: boolean },
): Promise<CodeWriter> {
  const ext = checkOutputPath(path);
  await ensureWritableDir(dirname(path), false);
  const tmp = tempPathFor(path);
  const fail = (err: unknown) => {
    throw writeError(path, err);
  };
  if (ext === '.npy') return new NpyCodeWriter(await NpyWriter.create(tmp, [latent]).catch(fail), tmp, path);
  const fh = await open(tmp, 'w').catch(fail);
  if (ext === '.jsonl') return new TextWriter(fh, tmp, path, latent, 'jsonl');
  const header = [
    'index',
    ...(columns.labels ? ['label', 'class'] : []),
    ...(columns.names ? ['file'] : []),
    ...Array.from({ length: latent }, (_, i) => `z${i}`),
  ].join(',');
  return new TextWriter(fh, tmp, path, latent, 'csv', header);
}

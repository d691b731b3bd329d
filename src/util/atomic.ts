// Atomic writes: every artifact is written to a sibling temporary path and renamed into place,
// so an interrupted or failed run never leaves a half-written file behind.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Checks that `dir` exists (creating it when `create`) and is a writable folder; throws a named error otherwise. */
export async function ensureWritableDir(dir: string, create = true): Promise<void> {
  try {
    if (create) await mkdir(dir, { recursive: true });
    const s = await stat(dir);
    if (!s.isDirectory()) throw new Error('not a folder');
    const probe = tempPathFor(join(dir, 'probe'));
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    throw new Error(`cannot write to output folder ${dir}: ${(err as Error).message}`);
  }
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`cannot write ${path}: ${(err as Error).message}`);
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Fills a fresh temporary folder with `fill`, then swaps it in for `dir`.
 * The old folder is removed only after the new one is complete.
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(dir);
  const old = `${tmp}.old`;
  await mkdir(dirname(dir), { recursive: true });
  try {
    await mkdir(tmp);
    await fill(tmp);
    const existed = await stat(dir).then(() => true, () => false);
    if (existed) await rename(dir, old);
    await rename(tmp, dir);
    if (existed) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

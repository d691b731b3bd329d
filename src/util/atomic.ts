// Atomic writes: every artifact is written to a sibling temporary path and renamed into place,
// so an interrupted or failed run never leaves a half-written file behind. Every temporary path is
// registered here; on SIGINT, SIGTERM or SIGHUP (and at exit) the ones still on disk are removed,
// so no CLI leaves `.name.tmp-PID-*` files behind when stopped. A full disk, a quota or a file-size limit
// (ENOSPC, EDQUOT, EFBIG) is reported as one line naming the artifact being written and what to do.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, writeFile, stat, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join, relative } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { pauseAt } from './pause.js';

/** Temporaries of this process that may be on disk; the value, when set, is where it is put back instead. */
const pending = new Map<string, string | null>();
let exitHookInstalled = false;

/** Removes this process's temporaries still on disk (restoring a folder moved aside mid-swap). Synchronous: runs in signal and exit handlers. */
export function removeTemporariesSync(): void {
  for (const [path, restoreTo] of pending) {
    try {
      if (restoreTo !== null && !existsSync(restoreTo)) renameSync(path, restoreTo);
      else rmSync(path, { recursive: true, force: true });
    } catch {
      /* best effort: the process is stopping */
    }
  }
  pending.clear();
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
const onSignal = (signal: keyof typeof SIGNAL_EXIT_CODES) => {
  removeTemporariesSync();
  process.exit(SIGNAL_EXIT_CODES[signal]);
};

// In a library caller the signal handlers are installed only while temporaries exist: the rest of the time a
// signal keeps its default effect. The CLIs install them for the whole run (installSignalHandlers, from runCli),
// so a signal at any moment ends the process with the documented code (130, 143, 129) and no leftovers.
let permanent = false;
function setSignalHandlers(on: boolean): void {
  if (!isMainThread || permanent) return;
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]) {
    if (on) process.on(signal, onSignal);
    else process.removeListener(signal, onSignal);
  }
}

/** Handles SIGINT, SIGTERM and SIGHUP for the rest of the process: temporaries removed, exit 130, 143 or 129. */
export function installSignalHandlers(): void {
  if (!isMainThread || permanent) return;
  if (pending.size === 0) setSignalHandlers(true);
  permanent = true;
  if (!exitHookInstalled) {
    process.on('exit', removeTemporariesSync);
    exitHookInstalled = true;
  }
}

/** Registers `path` as a temporary of this process (removed if the process is stopped); `restoreTo`: put it back there instead. */
export function trackTemporary(path: string, restoreTo: string | null = null): string {
  if (!exitHookInstalled && isMainThread) {
    process.on('exit', removeTemporariesSync);
    exitHookInstalled = true;
  }
  if (pending.size === 0) setSignalHandlers(true);
  pending.set(path, restoreTo);
  return path;
}

/** The temporary at `path` has been renamed into place or removed. */
export function untrackTemporary(path: string): void {
  if (pending.delete(path) && pending.size === 0) setSignalHandlers(false);
}

const TEMPORARY_NAME = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}(\.old)?$/;
const swept = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporaries in `dir` left by processes that no longer run (SIGKILL gives no chance to clean up), so a
 * rerun after `kill -9` leaves the folder as an uninterrupted run would. A folder moved aside mid-swap
 * (`.name.tmp-PID-x.old`) is put back when its place is empty. Runs once per folder per process.
 */
export function sweepStaleTemporaries(dir: string): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMPORARY_NAME.exec(name);
    if (!m || Number(m[2]) === process.pid || isAlive(Number(m[2]))) continue;
    const path = join(dir, name);
    try {
      if (m[3] && !existsSync(join(dir, m[1]!))) renameSync(path, join(dir, m[1]!));
      else rmSync(path, { recursive: true, force: true });
    } catch {
      /* another run swept it first */
    }
  }
}

/**
 * Writes all of `data` at the file handle's position: FileHandle.write may write part of it and report no error (the
 * last bytes a full disk or a file-size limit allows); the rest is written again, so that the error shows.
 */
export async function writeFully(fh: FileHandle, data: Uint8Array | string): Promise<void> {
  let bytes = typeof data === 'string' ? Buffer.from(data) : data;
  while (bytes.length > 0) {
    const { bytesWritten } = await fh.write(bytes, 0, bytes.length);
    bytes = bytes.subarray(bytesWritten);
  }
}

/** A fresh temporary path beside `path`, registered for removal if the process is stopped. */
export function tempPathFor(path: string): string {
  sweepStaleTemporaries(dirname(path));
  return trackTemporary(join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`));
}

const ERRNO_TEXT: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file-size limit of this process or file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
};

/** A file-system error as "read-only file system (EROFS)", without the temporary path Node puts in its message. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code && ERRNO_TEXT[e.code] ? `${ERRNO_TEXT[e.code]} (${e.code})` : (e.message ?? String(err));
}

const FULL_DISK = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** Whether `err` (or the error it was folded into) is a full disk, an exhausted quota or a file-size limit. */
export function isFullDiskError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return (
    !!e && (FULL_DISK.has(e.code ?? '') || FULL_DISK.has((e.cause as NodeJS.ErrnoException | undefined)?.code ?? ''))
  );
}

const FULL_DISK_ADVICE = 'free space on the device (or raise the quota or file-size limit) or choose another output';

/**
 * The error for a failed write of the artifact `path`: one line naming it and the cause; for a full disk, quota or
 * file-size limit also what to do. An error already named by an inner writer passes through unchanged.
 */
export function writeError(path: string, err: unknown): Error {
  if (err instanceof Error && (err as Error & { named?: boolean }).named) return err;
  const e = err as NodeJS.ErrnoException;
  if (!e?.code) return new Error(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
  const advice = isFullDiskError(e) ? `; ${FULL_DISK_ADVICE}` : '';
  return Object.assign(new Error(`cannot write ${path}: ${describeFsError(e)}${advice}`, { cause: e }), {
    named: true,
  });
}

/** `err` named by `writeError` when it is a full disk, quota or file-size limit; otherwise `err` unchanged. */
function nameIfFullDisk(path: string, err: unknown): unknown {
  return isFullDiskError(err) ? writeError(path, err) : err;
}

/** The artifact a path inside the temporary folder `tmp` stands for, once `tmp` is renamed to `dir`. */
function inFinalPlace(tmp: string, dir: string, path: string | undefined): string {
  if (!path) return dir;
  const rel = relative(tmp, path);
  return rel.startsWith('..') ? dir : join(dir, rel);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Writes and removes an empty probe file in `dir`; throws the file system's own error. */
async function probeWrite(dir: string): Promise<void> {
  const probe = tempPathFor(join(dir, 'probe'));
  try {
    await writeFile(probe, '');
  } finally {
    await rm(probe, { force: true });
    untrackTemporary(probe);
  }
}

/** Checks that `dir` exists (creating it when `create`) and is a writable folder; throws a named error otherwise. */
export async function ensureWritableDir(dir: string, create = true): Promise<void> {
  try {
    if (create) {
      await mkdir(dir, { recursive: true }).catch(async (err: NodeJS.ErrnoException) => {
        // Node's recursive mkdir reports ENOENT when the real cause is a read-only or unwritable parent:
        // probe the nearest folder that exists for the true error.
        let up = dirname(dir);
        while (!(await exists(up)) && dirname(up) !== up) up = dirname(up);
        await probeWrite(up);
        throw err;
      });
    }
    const s = await stat(dir);
    if (!s.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    await probeWrite(dir);
  } catch (err) {
    throw new Error(`cannot write to output folder ${dir}: ${describeFsError(err)}`);
  }
}

/**
 * Runs `body` with `dir` ensured writable (created if missing). If `body` fails, a `dir` this call
 * created is removed again, when still empty: a failed run leaves no new empty folder behind.
 */
export async function withOutputDir<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const created = !(await exists(dir));
  await ensureWritableDir(dir);
  try {
    return await body();
  } catch (err) {
    if (created) await rmdir(dir).catch(() => undefined);
    throw err;
  }
}

/**
 * For writers that stream into a temporary of their own (from `tempPathFor`): renames the complete temporary
 * into place, with the `write:` and `done:` stop points of src/util/pause.ts around it.
 */
export async function renameIntoPlace(tmp: string, path: string): Promise<void> {
  await pauseAt(`write:${basename(path)}`);
  await rename(tmp, path);
  untrackTemporary(tmp);
  await pauseAt(`done:${basename(path)}`);
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await pauseAt(`write:${basename(path)}`);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw writeError(path, err);
  } finally {
    untrackTemporary(tmp);
  }
  await pauseAt(`done:${basename(path)}`);
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
    await fill(tmp).catch((err: NodeJS.ErrnoException) => {
      throw nameIfFullDisk(inFinalPlace(tmp, dir, err?.path), err);
    });
    await pauseAt(`write:${basename(dir)}`);
    const existed = await exists(dir);
    // Stopped between the two renames, the old folder goes back into place.
    if (existed) {
      trackTemporary(old, dir);
      await rename(dir, old);
    }
    await rename(tmp, dir);
    untrackTemporary(tmp);
    if (existed) {
      await rm(old, { recursive: true, force: true });
      untrackTemporary(old);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    untrackTemporary(tmp);
    throw nameIfFullDisk(dir, err);
  }
  await pauseAt(`done:${basename(dir)}`);
}

/**
 * Adds files to the folder `dir` all or nothing: `fill` writes them into a temporary folder inside `dir`,
 * and only when it succeeds are they renamed into `dir`. A `dir` this call created is removed on failure.
 */
export async function writeFilesIntoDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const created = !(await exists(dir));
  await ensureWritableDir(dir);
  const tmp = tempPathFor(join(dir, 'files'));
  try {
    await mkdir(tmp);
    await fill(tmp).catch((err: NodeJS.ErrnoException) => {
      throw nameIfFullDisk(inFinalPlace(tmp, dir, err?.path), err);
    });
    await pauseAt(`write:${basename(dir)}`);
    for (const name of await readdir(tmp)) await rename(join(tmp, name), join(dir, name));
    await rmdir(tmp);
  } catch (err) {
    await rm(created ? dir : tmp, { recursive: true, force: true });
    throw nameIfFullDisk(dir, err);
  } finally {
    untrackTemporary(tmp);
  }
  await pauseAt(`done:${basename(dir)}`);
}

/**
 * Replaces a set of files that belong together (say two models and the manifest that lists their hashes):
 * `write` fills one temporary per path; only when all are written are they renamed into place. The last
 * path is the set's record: it is removed before the others are replaced and renamed in last, so if the
 * process dies part-way the record is missing (the set reads as incomplete, and a rerun redoes it) rather
 * than describing files it does not match.
 */
export async function writeFileSetAtomic(
  paths: readonly string[],
  write: (tmps: string[]) => Promise<void>,
): Promise<void> {
  const tmps = paths.map((p) => tempPathFor(p));
  const record = paths[paths.length - 1]!;
  try {
    await write(tmps).catch((err: NodeJS.ErrnoException) => {
      const i = err?.path ? tmps.indexOf(err.path) : -1;
      throw nameIfFullDisk(i >= 0 ? paths[i]! : paths.join(', '), err);
    });
    await pauseAt(`write:${basename(record)}`);
    await rm(record, { force: true });
    for (let i = 0; i < paths.length; i++) {
      await rename(tmps[i]!, paths[i]!);
      untrackTemporary(tmps[i]!);
    }
  } catch (err) {
    await Promise.all(tmps.map((t) => rm(t, { force: true })));
    throw nameIfFullDisk(paths.join(', '), err);
  } finally {
    for (const t of tmps) untrackTemporary(t);
  }
  await pauseAt(`done:${basename(record)}`);
}

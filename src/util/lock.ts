// One writer per output: a stage holds the lock file `.<name>.lock` beside its output <name> (a file or a folder)
// while it runs. The lock records the holder's pid, command line and start time. A second run that would write
// the same output stops at once with an error naming the lock and its holder (it does not wait). A lock whose
// pid is no longer alive (the holder was killed) is taken over. The lock is removed when the process exits,
// whatever the reason (signal handlers end the process through process.exit, see src/util/atomic.ts).
import { linkSync, openSync, readFileSync, renameSync, rmSync, writeSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface LockRecord {
  pid: number;
  command: string;
  startedAt: string;
}

export function lockPathFor(output: string): string {
  return join(dirname(output), `.${basename(output)}.lock`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockRecord | null {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as LockRecord;
    return typeof r.pid === 'number' ? r : null;
  } catch {
    return null;
  }
}

const held = new Set<string>();
let exitHookInstalled = false;

function releaseAll(): void {
  for (const path of held) {
    if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
  }
  held.clear();
}

/**
 * Creates the lock file complete or not at all (written under a private name, then hard-linked into place, which
 * fails if it exists): false when it exists already. Other errors are thrown.
 */
function tryCreate(path: string, record: LockRecord): boolean {
  const tmp = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = openSync(tmp, 'wx');
    try {
      const text = Buffer.from(JSON.stringify(record) + '\n');
      // A short write (a file-size limit) would leave a lock nobody can read: no lock rather than a broken one.
      if (writeSync(fd, text) !== text.length) throw Object.assign(new Error('short write'), { code: 'EFBIG' });
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Takes the lock beside `output` for this process, or throws a one-line error naming the lock file and the pid
 * holding it. A lock the file system refuses to create (a missing or read-only folder) is skipped: the stage
 * itself then reports that folder with its own error.
 */
export function lockOutput(output: string, command = process.argv.slice(1).join(' ')): void {
  const path = lockPathFor(output);
  if (held.has(path)) return;
  const record: LockRecord = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let created: boolean;
    try {
      created = tryCreate(path, record);
    } catch {
      return;
    }
    if (created) {
      held.add(path);
      if (!exitHookInstalled) {
        process.on('exit', releaseAll);
        exitHookInstalled = true;
      }
      return;
    }
    const holder = readLock(path);
    if (holder && isAlive(holder.pid) && holder.pid !== process.pid) {
      throw new Error(
        `${output} is being written by another run: ${path} is held by pid ${holder.pid} (${holder.command}, since ${holder.startedAt}); wait for it to finish or choose another output`,
      );
    }
    // The holder is gone (or the lock is unreadable: a holder killed while writing it): move the stale lock aside
    // under a private name, atomically, so that of two runs taking it over only one removes it.
    const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(path, aside);
    } catch {
      continue; // another run moved it first; try again
    }
    const moved = readLock(aside);
    if (moved && holder && moved.pid !== holder.pid && isAlive(moved.pid)) {
      // What was moved is a live run's fresh lock, not the stale one: put it back (unless yet another run has one).
      try {
        linkSync(aside, path);
      } catch {
        /* a third run holds it now; the next attempt reports it */
      }
    }
    rmSync(aside, { force: true });
  }
  const holder = readLock(path);
  throw new Error(
    `${output} is being written by another run: ${path} is held by pid ${holder?.pid ?? 'unknown'}; wait for it to finish or choose another output`,
  );
}

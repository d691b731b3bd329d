// The pipeline's reliability on tiny settings, run once as a reference in a fresh folder (default paths, so every
// artifact lands where `make` puts it), then:
// - stop anywhere: each stage is stopped with SIGKILL at fixed stop points (FASHION_AE_PAUSE_AT, src/util/pause.ts:
//   no timing), rerun (training with --resume), and every file compared with the reference byte for byte;
//   in JSON and JSONL records the timing fields (seconds, images per second, dates, memory) are left out first,
//   the one thing two uninterrupted runs do not share either;
// - full disks: each writing CLI run under a 100-byte file-size limit (prlimit --fsize) fails with one line naming
//   the file and what to do, and leaves the folder exactly as it was;
// - one writer per output: of two trainings on one folder, the second stops with a named refusal; a lock left by
//   a killed run is taken over.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sha256 } from '../src/util/hash.js';

const REPO = process.cwd();

interface Stage {
  name: string;
  cli: string;
  args: string[];
  /** Stop points to SIGKILL the stage at, in order. */
  points: string[];
}

/** Bytes: smaller than every artifact's first write (an .npy header is 128 bytes). */
const FILE_SIZE_LIMIT = 100;
const TRAIN_ARGS = ['--limit', '600', '--epochs', '2', '--size', 'tiny', '--objective', 'ae', '--threads', '1'];
// The stages that read the whole test and training sets, the slowest here (their stop points not yet seen
// to pass here): STOP_ANYWHERE_ALL=1 adds them. STOP_ANYWHERE_ONLY=fetch,train runs only the stages named.
const SLOW_STAGES = ['validate', 'report', 'demo'];
const STAGES: Stage[] = [
  {
    name: 'fetch',
    cli: 'fetch',
    args: ['--offline'],
    points: ['write:train-images-idx3-ubyte', 'done:t10k-labels-idx1-ubyte', 'write:manifest.json'],
  },
  {
    name: 'train',
    cli: 'train',
    args: TRAIN_ARGS,
    points: ['write:checkpoint#1', 'done:checkpoint#1', 'write:encoder', 'write:manifest.json'],
  },
  { name: 'export', cli: 'export', args: [], points: ['write:manifest.json', 'done:manifest.json'] },
  // validate, report and demo take the longest (the whole test and training sets): one stop point each.
  { name: 'validate', cli: 'validate', args: [], points: ['write:parity.md'] },
  {
    name: 'encode',
    cli: 'encode',
    args: ['--onnx', 'models/encoder.onnx', '--output', 'reports/test-codes.npy'],
    points: ['write:test-codes.npy', 'done:test-codes.npy'],
  },
  {
    name: 'encode-train',
    cli: 'encode',
    args: [
      '--onnx',
      'models/encoder.onnx',
      '--input',
      'data/fashion-mnist/train-images-idx3-ubyte',
      '--output',
      'reports/train-codes.npy',
    ],
    points: ['write:train-codes.npy'],
  },
  {
    name: 'shard-0',
    cli: 'encode',
    args: ['--onnx', 'models/encoder.onnx', '--shard', '0/2', '--output', 'reports/part-0.npy'],
    points: ['write:part-0.npy.shard.json'],
  },
  {
    name: 'shard-1',
    cli: 'encode',
    args: ['--onnx', 'models/encoder.onnx', '--shard', '1/2', '--output', 'reports/part-1.npy'],
    points: [],
  },
  {
    name: 'merge',
    cli: 'merge',
    args: ['--force', '--output', 'reports/merged.npy', 'reports/part-0.npy', 'reports/part-1.npy'],
    points: ['write:merged.npy'],
  },
  {
    name: 'decode',
    cli: 'decode',
    args: ['--onnx', 'models/decoder.onnx', '--walk', '--steps', '6', '--output', 'reports/walk.png'],
    points: ['write:walk.png'],
  },
  { name: 'report', cli: 'report', args: [], points: ['write:metrics.md'] },
  { name: 'demo', cli: 'demo', args: ['--src', join(REPO, 'web-demo')], points: ['write:dist'] },
].filter((s) =>
  process.env.STOP_ANYWHERE_ONLY
    ? process.env.STOP_ANYWHERE_ONLY.split(',').includes(s.name)
    : process.env.STOP_ANYWHERE_ALL === '1' || !SLOW_STAGES.includes(s.name),
);

interface Run {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/** Runs a CLI in `cwd`; with `pause`, SIGKILLs it once it announces the stop point (and fails if it never does). */
function runStage(cwd: string, cli: string, args: string[], o: { pause?: string; prefix?: string[] } = {}) {
  const argv = [...(o.prefix ?? []), process.execPath, join(REPO, 'pipeline', `${cli}.js`), ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd,
    env: { ...process.env, DEBUG: '', ...(o.pause ? { FASHION_AE_PAUSE_AT: o.pause } : {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let paused = false;
  child.stderr.on('data', (d) => {
    stderr += d;
    if (o.pause && !paused && stderr.includes(`pause: ${o.pause} pid ${child.pid}`)) {
      paused = true;
      child.kill('SIGKILL');
    }
  });
  return new Promise<Run & { paused: boolean }>((done) =>
    child.on('close', (code, signal) => done({ code, signal, stderr, paused })),
  );
}

const TIMING_KEY = /seconds|persec|createdat|startedat|rss|elapsed|^ms$|ms$/i;
function withoutTimings(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutTimings);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !TIMING_KEY.test(k))
        .map(([k, x]) => [k, withoutTimings(x)]),
    );
  return v;
}

/** Every file under `dir` (a symlinked folder is not followed) with its hash; JSON records without timing fields. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isSymbolicLink()) continue;
      if (e.isDirectory()) {
        out.set(`${rel}/`, '');
        await walk(p);
        continue;
      }
      const bytes = await readFile(p);
      let key = sha256(bytes);
      if (/\.json$/.test(e.name)) key = sha256(JSON.stringify(withoutTimings(JSON.parse(bytes.toString()))));
      else if (/\.jsonl$/.test(e.name))
        key = sha256(
          bytes
            .toString()
            .trim()
            .split('\n')
            .map((l) => JSON.stringify(withoutTimings(JSON.parse(l))))
            .join('\n'),
        );
      out.set(rel, key);
    }
  };
  await walk(dir);
  return out;
}

function diff(want: Map<string, string>, got: Map<string, string>): string[] {
  const d: string[] = [];
  for (const [k, v] of got)
    if (!want.has(k)) d.push(`new ${k}`);
    else if (want.get(k) !== v) d.push(`differs ${k}`);
  for (const k of want.keys()) if (!got.has(k)) d.push(`missing ${k}`);
  return d;
}

let root = '';
/** A finished pipeline: where the full-disk runs start from (and the lock test takes its data). */
let ref = '';

before(
  async () => {
    root = await mkdtemp(join(tmpdir(), 'stop-anywhere-'));
    ref = join(root, 'ref');
    // reports/ as validate leaves it (STOP_ANYWHERE_ONLY=... may leave validate out).
    await mkdir(join(ref, 'reports'), { recursive: true });
    for (const s of STAGES) {
      const r = await runStage(ref, s.cli, s.args);
      assert.equal(r.code, 0, `reference ${s.name}: ${r.stderr}`);
    }
  },
  { timeout: 600_000 },
);

after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test(
  'stop anywhere: every stage killed at its stop points and rerun ends with the bytes of an uninterrupted run',
  { timeout: 900_000 },
  async () => {
    const work = join(root, 'work');
    await mkdir(join(work, 'reports'), { recursive: true });
    const problems: string[] = [];
    for (const s of STAGES) {
      // The expected bytes: an uninterrupted run on the same inputs (a record holds its inputs' hashes, and the
      // training record's hash differs between any two trainings by its timings).
      const clean = await runStage(work, s.cli, s.args);
      assert.equal(clean.code, 0, `${s.name}: ${clean.stderr}`);
      const expected = await snapshot(work);
      for (const point of s.points) {
        // fetch skips a folder it finds verified: without its record it fetches again, over the files still there.
        if (s.cli === 'fetch') await rm(join(work, 'data/fashion-mnist/manifest.json'), { force: true });
        const killed = await runStage(work, s.cli, s.args, { pause: point });
        if (!killed.paused) {
          problems.push(
            `${s.name}: never reached ${point} (exit ${killed.code}): ${killed.stderr.trim().split('\n').pop()}`,
          );
          continue;
        }
        // Training resumes from its checkpoint; killed after its last epoch (nothing left to resume, which --resume
        // refuses), it runs again from the start.
        const resume =
          s.cli === 'train' && (await stat(join(work, 'models/tfjs/checkpoint')).catch(() => null)) !== null;
        let rerun = await runStage(work, s.cli, resume ? [...s.args, '--resume'] : s.args);
        if (resume && rerun.code === 1 && /--resume: the checkpoint .* already holds/.test(rerun.stderr))
          rerun = await runStage(work, s.cli, s.args);
        if (rerun.code !== 0) {
          problems.push(
            `${s.name} rerun after SIGKILL at ${point}: exit ${rerun.code}: ${rerun.stderr.trim().split('\n').pop()}`,
          );
          continue;
        }
        for (const d of diff(expected, await snapshot(work))) problems.push(`${s.name} killed at ${point}: ${d}`);
      }
    }
    assert.deepEqual(problems, []);
  },
);

test(
  'full disk: every writing CLI under a file-size limit names the file and what to do, and leaves the folder as it was',
  { timeout: 600_000 },
  async (t) => {
    if (spawnSync('prlimit', [`--fsize=${FILE_SIZE_LIMIT}`, 'true']).status !== 0) return t.skip('no prlimit here');
    const before = await snapshot(ref);
    const problems: string[] = [];
    const runs = [
      // fetch finds its output verified and writes nothing: it fills a new folder (removed again when it fails).
      ...STAGES.map((x) => (x.cli === 'fetch' ? { ...x, args: [...x.args, '--out', 'fetch-full'] } : x)),
      {
        name: 'train-resume',
        cli: 'train',
        args: [...TRAIN_ARGS.slice(0, 2), '--epochs', '3', ...TRAIN_ARGS.slice(4), '--resume'],
      },
    ].filter((x) => !x.name.startsWith('shard-'));
    for (const s of runs) {
      const r = await runStage(ref, s.cli, s.args, { prefix: ['prlimit', `--fsize=${FILE_SIZE_LIMIT}`] });
      const lines = r.stderr.trimEnd().split('\n');
      const last = lines[lines.length - 1] ?? '';
      if (r.code !== 1) problems.push(`${s.name}: exit ${r.code ?? r.signal}`);
      if (!/^error: cannot write \S.* \(EFBIG\); free space on the device .*choose another output$/.test(last))
        problems.push(`${s.name}: "${last}"`);
      if (lines.filter((l) => l.startsWith('error:')).length !== 1) problems.push(`${s.name}: not one error line`);
      for (const d of diff(before, await snapshot(ref))) problems.push(`${s.name}: ${d}`);
    }
    assert.deepEqual(problems, []);
  },
);

test('full disk on a tiny tmpfs: encode names ENOSPC and leaves nothing behind', { timeout: 120_000 }, async (t) => {
  const mnt = join(root, 'tmpfs');
  await mkdir(mnt);
  // A 16 KiB tmpfs (the codes take 80 KB) needs root or a user namespace with a mount namespace; skipped where neither works.
  const script = `mount -t tmpfs -o size=16k tmpfs "$1" && cd "$2" && "$3" "$4" --onnx models/encoder.onnx --output "$1/codes.npy"; echo "exit $?"; ls -A "$1"`;
  const r = spawnSync(
    'unshare',
    ['-rm', 'sh', '-c', script, 'sh', mnt, ref, process.execPath, join(REPO, 'pipeline', 'encode.js')],
    { encoding: 'utf8' },
  );
  if (/mount: .*(permission|not permitted|denied)/i.test(r.stderr) || r.status === null || !r.stdout.includes('exit'))
    return t.skip(`cannot mount a tmpfs here: ${r.stderr.trim().split('\n').pop()}`);
  assert.match(r.stdout, /^exit 1$/m, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`^error: cannot write ${mnt}/codes.npy: no space left on device \\(ENOSPC\\); free space`, 'm'),
  );
  assert.equal(r.stdout.trim().split('\n').slice(1).join(','), '', 'files left on the tmpfs');
});

test(
  "one writer per output: a second training on the same folder is refused by name; a dead holder's lock is taken over",
  { timeout: 300_000 },
  async () => {
    const dir = join(root, 'locks');
    await mkdir(dir);
    await symlink(join(ref, 'data'), join(dir, 'data'));
    const args = [...TRAIN_ARGS, '--epochs', '1', '--out', 'out'];
    // The first run holds its lock while paused with its checkpoint written; the second starts then, deterministically.
    const first = spawn(process.execPath, [join(REPO, 'pipeline', 'train.js'), ...args], {
      cwd: dir,
      env: { ...process.env, FASHION_AE_PAUSE_AT: 'write:checkpoint' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let firstErr = '';
    const firstExit = new Promise<number | null>((done) => first.on('close', (c) => done(c)));
    await new Promise<void>((done, fail) => {
      first.stderr.on('data', (d) => {
        firstErr += d;
        if (firstErr.includes('pause: write:checkpoint')) done();
      });
      void firstExit.then((c) => fail(new Error(`first training ended (${c}) before pausing: ${firstErr}`)));
    });
    const second = await runStage(dir, 'train', args);
    assert.equal(second.code, 1);
    assert.match(
      second.stderr.trim(),
      new RegExp(
        `^error: out is being written by another run: \\.out\\.lock is held by pid ${first.pid} \\(.*train\\.js.*\\)`,
      ),
    );
    assert.doesNotMatch(second.stderr, /epoch \d/, 'the second run started training');
    // SIGTERM ends the first with 143 and removes its lock and temporaries.
    first.kill('SIGTERM');
    assert.equal(await firstExit, 143);
    assert.deepEqual((await readdir(dir)).sort(), ['data', 'out'], 'the lock was left behind');
    assert.deepEqual(await readdir(join(dir, 'out')), [], 'temporaries were left behind');
    // A lock left by a process that is gone (SIGKILL leaves it) is taken over; the run then writes one model.
    const killed = await runStage(dir, 'train', args, { pause: 'write:checkpoint' });
    assert.ok(killed.paused);
    assert.ok((await lstat(join(dir, '.out.lock'))).isFile(), 'SIGKILL left no lock to take over');
    const third = await runStage(dir, 'train', args);
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual((await readdir(dir)).sort(), ['data', 'out']);
    assert.ok((await stat(join(dir, 'out', 'encoder', 'model.json'))).isFile());
  },
);

// bench-train: training throughput per engine, model and worker threads, side by side in one run, with
// the share of the machine's MatMul ceiling (logic in src/bench/training.ts).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { cliArgs, runCli } from '../src/util/cli.js';
import { DEFAULT_DATA_DIR, PIXELS } from '../src/data/fashion-mnist.js';
import { loadDataset } from '../src/data/dataset.js';
import { ensureWritableDir, writeFileAtomic, writeJsonAtomic } from '../src/util/atomic.js';
import { benchTraining, trainBenchProgress, trainBenchTable } from '../src/bench/training.js';
import { ProgressRenderer } from './progress.js';
import { findTorchPeer } from '../src/bench/peer.js';
import { phaseTable, timePhases, type PhaseRow } from '../src/bench/train-phases.js';
import { SIZE_PRESETS, type SizePreset } from '../src/train/model.js';
import { ENGINE_CHOICES, type EngineName } from '../src/train/engine.js';

runCli(async () => {
  const argv = await cliArgs('bench-train')
    .usage(
      '$0 [options]\n\nTimes training steps per engine, model and thread count; writes reports/bench-train.{json,md}.',
    )
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR })
    .option('out', { type: 'string', default: 'reports' })
    .option('sizes', {
      type: 'string',
      default: 'compact,seed',
      describe: `presets, from ${Object.keys(SIZE_PRESETS).join(', ')}`,
    })
    .option('engines', { type: 'string', default: 'tfjs,ort' })
    .option('batch-size', { type: 'number', default: 64 })
    .option('seconds', { type: 'number', default: 6, describe: 'about how long each timed run lasts' })
    .option('peer', { type: 'boolean', default: true, describe: 'time the PyTorch peer too (when torch imports)' })
    .option('phase-steps', {
      type: 'number',
      default: 60,
      describe: 'steps of the per-phase timing of the ort engine, 1 and 2 workers (0 skips it)',
    })
    .check((a) => {
      for (const s of a.sizes.split(','))
        if (!Object.hasOwn(SIZE_PRESETS, s))
          throw new Error(`--sizes: unknown preset "${s}"; use ${Object.keys(SIZE_PRESETS).join(', ')}`);
      for (const e of a.engines.split(','))
        if (e === 'auto' || !(ENGINE_CHOICES as readonly string[]).includes(e))
          throw new Error(`--engines: unknown engine "${e}" (tfjs, ort)`);
      if (!Number.isInteger(a['batch-size']) || a['batch-size'] < 2)
        throw new Error(`--batch-size must be an integer >= 2, got ${a['batch-size']}`);
      if (!(a.seconds > 0 && a.seconds <= 120)) throw new Error(`--seconds must be in (0, 120], got ${a.seconds}`);
      if (!Number.isInteger(a['phase-steps']) || a['phase-steps'] < 0 || a['phase-steps'] > 10000)
        throw new Error(`--phase-steps must be an integer in 0..10000, got ${a['phase-steps']}`);
      return true;
    })
    .strict()
    .parse();
  await ensureWritableDir(argv.out);
  const data = await loadDataset(argv.data);
  const count = Math.min(20000, data.train.images.count);
  const images = new SharedArrayBuffer(count * PIXELS);
  new Uint8Array(images).set(data.train.images.pixels.subarray(0, count * PIXELS));
  const cores = availableParallelism();
  const peer = argv.peer ? await findTorchPeer() : { missing: '--no-peer' };
  const progress = new ProgressRenderer();
  if ('missing' in peer)
    progress.handle({ type: 'note', stage: 'bench-train', message: `PyTorch peer skipped: ${peer.missing}` });
  const threads = [...new Set([1, Math.min(2, cores)])];
  const result = await benchTraining(
    images,
    count,
    {
      sizes: argv.sizes.split(',') as SizePreset[],
      engines: argv.engines.split(',') as EngineName[],
      threads,
      batch: argv['batch-size'],
      seconds: argv.seconds,
      peer,
      dataDir: argv.data,
    },
    trainBenchProgress(progress.handle),
  );
  const phases: PhaseRow[] = [];
  if (argv['phase-steps'] > 0 && argv.engines.split(',').includes('ort'))
    for (const size of argv.sizes.split(',') as SizePreset[])
      for (const workers of threads)
        for (const update of workers > 1 ? (['slice', 'all'] as const) : (['slice'] as const)) {
          const row = await timePhases(images, count, {
            size,
            workers,
            update,
            batch: argv['batch-size'],
            steps: argv['phase-steps'],
          });
          phases.push(row);
          progress.handle({
            type: 'note',
            stage: 'bench-train',
            message: `phases, ${size} ort ${workers} worker(s)${workers > 1 ? `, update ${update}` : ''}: ${row.msPerStep.total.toFixed(2)} ms per step, session.run ${row.msPerStep.run.toFixed(2)} ms`,
          });
        }
  const md = trainBenchTable(result) + (phases.length ? `\n${phaseTable(phases)}` : '');
  await writeJsonAtomic(join(argv.out, 'bench-train.json'), {
    cores,
    ...result,
    phases,
    createdAt: new Date().toISOString(),
  });
  await writeFileAtomic(join(argv.out, 'bench-train.md'), md);
  process.stdout.write(md);
  process.exit(0);
});

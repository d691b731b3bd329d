// bench-train: training throughput (forward, backward, optimizer update on real images) per backend
// and thread count, side by side in one run. Writes reports/bench-train.{json,md}.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { checkIntegerFlag, cliArgs, runCli } from '../src/util/cli.js';
import { loadDataset } from '../src/data/dataset.js';
import { DEFAULT_DATA_DIR, PIXELS } from '../src/data/fashion-mnist.js';
import { ReplicaPool } from '../src/train/data-parallel.js';
import { SIZE_PRESETS, describePreset, type SizePreset } from '../src/train/model.js';
import { initBackend, type BackendName } from '../src/train/backend.js';
import { ensureWritableDir, writeFileAtomic, writeJsonAtomic } from '../src/util/atomic.js';

runCli(async () => {
  const argv = await cliArgs('bench-train')
    .usage('$0 [options]\n\nTimes training steps per backend and thread count; writes reports/bench-train.{json,md}.')
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR })
    .option('out', { type: 'string', default: 'reports' })
    .option('batch-size', { type: 'number', default: 128 })
    .option('steps', { type: 'number', default: 20, describe: 'timed steps per wasm/tensorflow run (cpu runs 1)' })
    .option('sizes', { type: 'string', default: 'compact,seed', describe: `presets, comma-separated (${Object.keys(SIZE_PRESETS).join(', ')})` })
    .check((a) => {
      checkIntegerFlag('batch-size', a['batch-size'], 1, 4096);
      checkIntegerFlag('steps', a.steps, 1, 100_000);
      for (const s of a.sizes.split(',')) if (!Object.hasOwn(SIZE_PRESETS, s)) throw new Error(`--sizes: unknown preset "${s}"; use ${Object.keys(SIZE_PRESETS).join(', ')}`);
      return true;
    })
    .strict().help().parse();
  await ensureWritableDir(argv.out);
  const data = await loadDataset(argv.data);
  const images = new SharedArrayBuffer(20000 * PIXELS);
  new Uint8Array(images).set(data.train.images.pixels.subarray(0, 20000 * PIXELS));
  const cores = availableParallelism();
  const available: BackendName[] = [];
  for (const b of ['tensorflow', 'wasm', 'cpu'] as BackendName[]) { try { await initBackend(b); available.push(b); } catch { /* not installed here */ } }

  const rows: { size: string; backend: BackendName; threads: number; batch: number; steps: number; imagesPerSec: number }[] = [];
  for (const size of argv.sizes.split(',') as SizePreset[]) {
    const p = SIZE_PRESETS[size];
    if (!p) throw new Error(`--sizes: unknown preset "${size}"`);
    for (const backend of available) {
      for (const threads of backend === 'wasm' ? [...new Set([1, cores])] : [1]) {
        // The pure-JS backend takes seconds per image: one small step is enough to see it.
        const batch = backend === 'cpu' ? 16 : argv['batch-size'];
        const steps = backend === 'cpu' ? 1 : argv.steps;
        const pool = await ReplicaPool.start(threads, { config: { latent: 2, filters: [...p.filters], decoderFilters: [...p.decoderFilters], hidden: [...p.hidden], seed: 1 }, optimizer: 'rmsprop', optimizerOptions: {}, backend, images, maxShard: batch });
        const order = Int32Array.from({ length: (steps + 1) * batch }, (_, i) => i % 20000);
        await pool.step(order.subarray(0, batch), 1e-3); // warm-up
        const t = performance.now();
        await pool.train(order.subarray(batch), batch, new Float64Array(steps).fill(1e-3));
        const r = (steps * batch) / ((performance.now() - t) / 1000);
        await pool.close();
        rows.push({ size, backend, threads, batch, steps, imagesPerSec: r });
        process.stderr.write(`bench-train: ${size} ${backend} ${threads} thread(s) batch ${batch}: ${r.toFixed(1)} images/s\n`);
      }
    }
  }
  const get = (size: string, backend: string, threads: number) => rows.find((r) => r.size === size && r.backend === backend && r.threads === threads)?.imagesPerSec;
  const md = ['| model | backend | threads | batch | images/s | s per 55k-image epoch | vs cpu | vs 1 thread |', '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const cpu = get(r.size, 'cpu', 1), one = get(r.size, r.backend, 1);
      return `| ${describePreset(r.size as SizePreset)} | ${r.backend} | ${r.threads} | ${r.batch} | ${r.imagesPerSec.toFixed(1)} | ${Math.round(55000 / r.imagesPerSec)} | ${cpu ? `${(r.imagesPerSec / cpu).toFixed(0)}x` : ''} | ${one && r.threads > 1 ? `${(r.imagesPerSec / one).toFixed(2)}x` : ''} |`;
    }), ''].join('\n');
  await writeJsonAtomic(join(argv.out, 'bench-train.json'), { cores, rows, createdAt: new Date().toISOString() });
  await writeFileAtomic(join(argv.out, 'bench-train.md'), md);
  process.stdout.write(md);
  process.exit(0);
});

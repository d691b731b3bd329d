// bench: serving speed side by side in one run, on the same weights and the same 10,000 test images:
// onnxruntime-node by batch size and threads, the tfjs backends here, the machine's MatMul ceiling,
// and the encode CLI end to end on a 1,000,000-image input. Writes reports/bench.{json,md}.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkIntegerFlag, cliArgs, runCli } from '../src/util/cli.js';
import { loadDataset } from '../src/data/dataset.js';
import { DEFAULT_DATA_DIR, IMAGE_SIZE, PIXELS } from '../src/data/fashion-mnist.js';
import { ort, openModel, runBatch } from '../src/lib/ort-session.js';
import { loadLayersModel } from '../src/util/tfjs-io.js';
import { initBackend, type BackendName } from '../src/lib/tfjs-backend.js';
import { flopsPerItem } from '../src/bench/flops.js';
import { matmulModel } from '../src/bench/matmul-model.js';
import { encodeIdx } from '../src/data/idx.js';
import { writeFileAtomic, writeJsonAtomic, ensureWritableDir } from '../src/util/atomic.js';
import { scalePixels } from '../src/data/pixels.js';

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

runCli(async () => {
  const argv = await cliArgs('bench')
    .usage('$0 [options]\n\nMeasures serving speed; prints a table and writes reports/bench.json and reports/bench.md.')
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR })
    .option('models', { type: 'string', default: 'models' })
    .option('tfjs', { type: 'string', default: 'models/tfjs' })
    .option('out', { type: 'string', default: 'reports' })
    .option('big', { type: 'number', default: 1_000_000, describe: 'images in the end-to-end input (0 skips it)' })
    .check((a) => { checkIntegerFlag('big', a.big, 0, 100_000_000); return true; })
    .strict().help().parse();
  await ensureWritableDir(argv.out);
  const cores = availableParallelism();
  const data = await loadDataset(argv.data, { which: 'test' });
  const n = data.test.images.count;
  const x = scalePixels(data.test.images.pixels);
  const encPath = join(argv.models, 'encoder.onnx');

  const timeOrt = async (threads: number, batch: number, images: number) => {
    const m = await openModel(encPath, { threads });
    await runBatch(m, x.subarray(0, batch * PIXELS), [batch, IMAGE_SIZE, IMAGE_SIZE, 1]); // warm-up
    let best = 0;
    for (let rep = 0; rep < 3; rep++) {
      const t = performance.now();
      for (let s = 0; s + batch <= images; s += batch) await runBatch(m, x.subarray(s * PIXELS, (s + batch) * PIXELS), [batch, IMAGE_SIZE, IMAGE_SIZE, 1]);
      best = Math.max(best, (Math.floor(images / batch) * batch) / ((performance.now() - t) / 1000));
    }
    await m.session.release();
    return best;
  };
  const ortRows: { threads: number; batch: number; imagesPerSec: number }[] = [];
  for (const threads of [...new Set([1, cores])]) {
    for (const batch of [1, 32, 256, 1024]) {
      const r = await timeOrt(threads, batch, batch === 1 ? 2000 : n);
      ortRows.push({ threads, batch, imagesPerSec: r });
      log(`onnxruntime-node ${threads} thread(s), batch ${batch}: ${Math.round(r)} images/s`);
    }
  }

  // The same weights in tfjs, on every backend that loads here.
  const tfEncoder = await loadLayersModel(join(argv.tfjs, 'encoder', 'model.json'));
  const flops = flopsPerItem(tfEncoder);
  const tfRows: { backend: BackendName; imagesPerSec: number; images: number }[] = [];
  for (const backend of ['tensorflow', 'wasm', 'cpu'] as BackendName[]) {
    try { await initBackend(backend); } catch { log(`tfjs ${backend}: not available here`); continue; }
    const images = backend === 'cpu' ? 1000 : n, batch = 256;
    const run = () => { for (let s = 0; s < images; s += batch) { const b = Math.min(batch, images - s); tf.tidy(() => (tfEncoder.predict(tf.tensor4d(x.subarray(s * PIXELS, (s + b) * PIXELS), [b, 28, 28, 1])) as tf.Tensor).dataSync()); } };
    tf.tidy(() => (tfEncoder.predict(tf.zeros([batch, 28, 28, 1])) as tf.Tensor).dataSync());
    const t = performance.now(); run();
    const r = images / ((performance.now() - t) / 1000);
    tfRows.push({ backend, imagesPerSec: r, images });
    log(`tfjs ${backend} (${tf.getBackend()}), batch ${batch}: ${Math.round(r)} images/s`);
  }

  // The ceiling: onnxruntime on a large MatMul with all threads.
  const size = 2048;
  const mm = await ort.InferenceSession.create(matmulModel(size), { intraOpNumThreads: cores, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const a = new ort.Tensor('float32', new Float32Array(size * size).fill(0.5), [size, size]);
  await mm.run({ A: a });
  let mmBest = 0;
  for (let rep = 0; rep < 5; rep++) { const t = performance.now(); await mm.run({ A: a }); mmBest = Math.max(mmBest, (2 * size ** 3) / ((performance.now() - t) / 1000)); }
  log(`MatMul ${size}^3 with ${cores} threads: ${(mmBest / 1e9).toFixed(1)} GFLOP/s`);

  // The encode CLI end to end on a large input (the test set repeated), idx and .npy.
  let e2e: { images: number; seconds: number; imagesPerSec: number; peakRssMiB: number | null } | null = null;
  if (argv.big > 0) {
    const dir = await mkdtemp(join(tmpdir(), 'bench-'));
    try {
      const big = join(dir, 'big-images-idx3-ubyte');
      const fh = await open(big, 'w');
      await fh.write(encodeIdx([argv.big, 28, 28], new Uint8Array(0)));
      for (let s = 0; s < argv.big; s += n) await fh.write(data.test.images.pixels.subarray(0, Math.min(n, argv.big - s) * PIXELS));
      await fh.close();
      const t = performance.now();
      const r = spawnSync(process.execPath, ['pipeline/encode.js', '--onnx', encPath, '--input', big, '--output', join(dir, 'codes.npy'), '--batch-size', '1024'], { encoding: 'utf8' });
      const seconds = (performance.now() - t) / 1000;
      if (r.status !== 0) throw new Error(`encode failed: ${r.stderr}`);
      // encode reports its own peak resident memory, sampled after every chunk.
      const rss = /peak RSS (\d+) MiB/.exec(r.stderr);
      e2e = { images: argv.big, seconds, imagesPerSec: argv.big / seconds, peakRssMiB: rss ? Number(rss[1]) : null };
      log(`encode CLI end to end, ${argv.big} images: ${seconds.toFixed(2)} s, ${Math.round(e2e.imagesPerSec)} images/s, peak RSS ${e2e.peakRssMiB?.toFixed(0)} MiB`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  const bestOrt = Math.max(...ortRows.map((r) => r.imagesPerSec));
  const bestTf = Math.max(...tfRows.map((r) => r.imagesPerSec));
  const result = {
    machine: { cores, node: process.version, onnxruntime: ort.env.versions.node ?? '', tfjs: tf.version.tfjs },
    encoder: { flopsPerImage: flops },
    onnxruntime: ortRows.map((r) => ({ ...r, gflops: (r.imagesPerSec * flops) / 1e9 })),
    tfjs: tfRows,
    matmulCeiling: { size, gflops: mmBest / 1e9 },
    endToEnd: e2e,
    summary: {
      bestOrtImagesPerSec: bestOrt, bestTfjsImagesPerSec: bestTf, ortOverTfjs: bestOrt / bestTf,
      ortShareOfCeiling: (bestOrt * flops) / mmBest,
    },
    createdAt: new Date().toISOString(),
  };
  const md = [
    `Encoder: ${(flops / 1e6).toFixed(2)} MFLOP per image. Machine: ${cores} cores. MatMul ${size}³ ceiling: ${result.matmulCeiling.gflops.toFixed(1)} GFLOP/s.`,
    '',
    '| runtime | threads | batch | images/s | GFLOP/s | share of MatMul ceiling |',
    '|---|---|---|---|---|---|',
    ...result.onnxruntime.map((r) => `| onnxruntime-node | ${r.threads} | ${r.batch} | ${Math.round(r.imagesPerSec).toLocaleString('en')} | ${r.gflops.toFixed(1)} | ${(100 * r.gflops / result.matmulCeiling.gflops).toFixed(0)}% |`),
    ...tfRows.map((r) => `| tfjs ${r.backend} | ${r.backend === 'tensorflow' ? 'all' : 1} | 256 | ${Math.round(r.imagesPerSec).toLocaleString('en')} | ${((r.imagesPerSec * flops) / 1e9).toFixed(1)} | |`),
    '',
    `onnxruntime-node's best is ${result.summary.ortOverTfjs.toFixed(1)}x the fastest tfjs backend here, and ${(100 * result.summary.ortShareOfCeiling).toFixed(0)}% of the MatMul ceiling.`,
    e2e ? `The encode CLI end to end (process start, model load, reading a ${e2e.images.toLocaleString('en')}-image idx file, writing codes.npy): ${e2e.seconds.toFixed(2)} s, ${Math.round(e2e.imagesPerSec).toLocaleString('en')} images/s, peak RSS ${e2e.peakRssMiB?.toFixed(0)} MiB.` : '',
    '',
  ].join('\n');
  await writeJsonAtomic(join(argv.out, 'bench.json'), result);
  await writeFileAtomic(join(argv.out, 'bench.md'), md);
  process.stdout.write(md);
  process.exit(0);
});

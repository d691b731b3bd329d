// bench: serving speed side by side in one run (src/bench/serving.ts): onnxruntime-node by batch size and
// threads, the tfjs backends, the MatMul ceiling, and the encode CLI end to end on a 1,000,000-image idx file
// and uint8 .npy. Prints a table and writes reports/bench.{json,md}.
import * as tf from '@tensorflow/tfjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkIntegerFlag, cliArgs, runCli } from '../src/util/cli.js';
import { loadDataset } from '../src/data/dataset.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { scalePixels } from '../src/data/pixels.js';
import { ort } from '../src/lib/ort-session.js';
import { loadLayersModel } from '../src/util/tfjs-io.js';
import { flopsPerItem } from '../src/bench/flops.js';
import { benchMarkdown, benchServing, bestCeiling, servingProgress } from '../src/bench/serving.js';
import { ProgressRenderer } from './progress.js';
import { encoderShape, findTorchPeer } from '../src/bench/peer.js';
import { writeFileAtomic, writeJsonAtomic, ensureWritableDir } from '../src/util/atomic.js';

runCli(async () => {
  const argv = await cliArgs('bench')
    .usage('$0 [options]\n\nMeasures serving speed; prints a table and writes reports/bench.json and reports/bench.md.')
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR })
    .option('models', { type: 'string', default: 'models' })
    .option('tfjs', { type: 'string', default: 'models/tfjs' })
    .option('out', { type: 'string', default: 'reports' })
    .option('peer', { type: 'boolean', default: true, describe: 'time the PyTorch peer too (when torch imports)' })
    .option('big', { type: 'number', default: 1_000_000, describe: 'images in the end-to-end inputs (0 skips them)' })
    .option('tmp', {
      type: 'string',
      default: tmpdir(),
      describe: 'where the end-to-end inputs are written (about 0.8 GB each, deleted after)',
    })
    .check((a) => {
      checkIntegerFlag('big', a.big, 0, 100_000_000);
      return true;
    })
    .strict()
    .help()
    .parse();
  await ensureWritableDir(argv.out);
  const data = await loadDataset(argv.data, { which: 'test' });
  const tfEncoder = await loadLayersModel(join(argv.tfjs, 'encoder', 'model.json'));
  const flops = flopsPerItem(tfEncoder);
  const progress = new ProgressRenderer();
  const found = argv.peer ? await findTorchPeer() : { missing: '--no-peer' };
  if ('missing' in found)
    progress.handle({ type: 'note', stage: 'bench', message: `PyTorch peer skipped: ${found.missing}` });
  const r = await benchServing({
    encoderPath: join(argv.models, 'encoder.onnx'),
    tfEncoder,
    testPixels: data.test.images.pixels,
    x: scalePixels(data.test.images.pixels),
    bigImages: argv.big,
    tmpDir: argv.tmp,
    encodeScript: 'pipeline/encode.js',
    peer: 'missing' in found ? found : { peer: found, shape: encoderShape(tfEncoder), dataDir: argv.data },
    onEvent: servingProgress(progress.handle),
  });
  const ceiling = bestCeiling(r).flops;
  const result = {
    machine: { cores: r.cores, node: process.version, onnxruntime: ort.env.versions.node ?? '', tfjs: tf.version.tfjs },
    encoder: { flopsPerImage: flops },
    onnxruntime: r.ort.map((o) => ({
      ...o,
      gflops: (o.imagesPerSec * flops) / 1e9,
      shareOfCeiling: (o.imagesPerSec * flops) / ceiling,
    })),
    tfjs: r.tfjs,
    peer: r.peer,
    torch: r.torch.map((t) => ({ ...t, gflops: (t.imagesPerSec * flops) / 1e9 })),
    matmulCeiling: {
      size: r.ceilingSize,
      gflops: ceiling / 1e9,
      threads: bestCeiling(r).threads,
      runs: r.ceilingRuns.map((c) => ({ threads: c.threads, gflops: c.flops / 1e9 })),
    },
    endToEnd: r.endToEnd.map((e) => ({ ...e, shareOfOrtBest: e.imagesPerSec / r.bestOrt.imagesPerSec })),
    summary: {
      bestOrt: r.bestOrt,
      bestTfjsImagesPerSec: Math.max(...r.tfjs.map((t) => t.imagesPerSec)),
      ortShareOfCeiling: (r.bestOrt.imagesPerSec * flops) / ceiling,
    },
    createdAt: new Date().toISOString(),
  };
  const md = benchMarkdown(r, flops);
  await writeJsonAtomic(join(argv.out, 'bench.json'), result);
  await writeFileAtomic(join(argv.out, 'bench.md'), md);
  process.stdout.write(md);
  process.exit(0);
});

// knn-graph: builds (or verifies) the cached exact kNN graph of the training images (src/umap/knn-cache.ts).
import { availableParallelism } from 'node:os';
import { capThreads, cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { ProgressRenderer } from './progress.js';
import { loadDataset } from '../src/data/dataset.js';
import { DEFAULT_DATA_DIR, PIXELS } from '../src/data/fashion-mnist.js';
import { DEFAULT_KNN_COUNT, DEFAULT_KNN_DIR, knnCacheProgress, loadOrBuildKnnGraph } from '../src/umap/knn-cache.js';
import { checkK } from '../src/umap/options.js';

runCli(async () => {
  const argv = await cliArgs('knn-graph')
    .usage(
      [
        '$0 [--k 15] [--out DIR] [--count N] [--verify]',
        '',
        'The exact k-nearest-neighbour graph (Euclidean, pixels / 255) of the first',
        'N training images, cached in DIR as knn-graph.bin + knn-graph.json, keyed',
        "by the pixels' SHA-256, k and N. See docs/umap.md.",
      ].join('\n'),
    )
    .option('k', { type: 'number', default: 15, describe: 'neighbours per image, excluding the image itself (2..100)' })
    .option('out', { type: 'string', default: DEFAULT_KNN_DIR, describe: 'cache folder' })
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR, describe: 'the verified dataset folder (make data)' })
    .option('count', { type: 'number', default: DEFAULT_KNN_COUNT, describe: 'use the first N training images' })
    .option('verify', {
      type: 'boolean',
      default: false,
      describe: 'only check the cache: exit 1 if it is missing, mismatched or corrupt',
    })
    .option('block-rows', { type: 'number', default: 256, describe: 'images per onnxruntime block' })
    .option('threads', { type: 'number', default: availableParallelism(), describe: 'onnxruntime intra-op threads' })
    .example('$0', 'build data/knn-graph/ for the 55,000 training images, or reuse it when it verifies')
    .example('$0 --verify', 'exit 1 unless the cache matches the data')
    .check((a) => {
      checkK(a.k, undefined, '--k');
      if (!Number.isInteger(a.count) || a.count < 2 || a.count > 60_000)
        throw new Error(`--count must be an integer in 2..60000, got ${a.count}`);
      checkK(a.k, a.count, '--k');
      if (!Number.isInteger(a['block-rows']) || a['block-rows'] < 1 || a['block-rows'] > 4096)
        throw new Error(`--block-rows must be an integer in 1..4096, got ${a['block-rows']}`);
      if (!Number.isInteger(a.threads) || a.threads < 1)
        throw new Error(`--threads must be a positive integer, got ${a.threads}`);
      return true;
    })
    .strict()
    .help()
    .parse();
  lockOutput(argv.out); // one writer per output (src/util/lock.ts)

  const data = await loadDataset(argv.data);
  if (data.train.images.count < argv.count)
    throw new Error(`--count ${argv.count}: ${argv.data} has only ${data.train.images.count} training images`);
  const progress = new ProgressRenderer();
  await loadOrBuildKnnGraph({
    dir: argv.out,
    pixels: data.train.images.pixels,
    n: argv.count,
    dim: PIXELS,
    k: argv.k,
    mode: argv.verify ? 'verify' : 'auto',
    blockRows: argv['block-rows'],
    threads: capThreads(argv.threads, (line) => progress.note('knn-graph', line)),
    onEvent: knnCacheProgress('knn-graph', progress.handle),
  });
});

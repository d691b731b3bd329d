// layout: the training images' UMAP layout (src/umap/layout.ts) as a picture and a number: reports/layout.png
import { join } from 'node:path';
// and reports/layout.json (see src/report/layout.ts). Reuses the layout the layout objective cached.
import { cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { ProgressRenderer } from './progress.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { DEFAULT_KNN_DIR } from '../src/umap/knn-cache.js';
import { LAYOUT_DEFAULTS } from '../src/umap/layout.js';
import { layoutSettingsOf } from '../src/umap/layout-cache.js';
import { checkK, checkMinDist, checkNegativeRate, checkSpread } from '../src/umap/options.js';
import { UMAP_DEFAULTS } from '../src/train/objective.js';
import { runLayoutReport } from '../src/report/layout.js';

runCli(async () => {
  const argv = await cliArgs('layout')
    .usage(
      '$0 [options]\n\nThe UMAP layout of the 55,000 training-split images (cached beside the kNN graph), drawn to\nreports/layout.png, its settings, time and kNN accuracy in reports/layout.json.',
    )
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR, describe: 'verified dataset folder (make data)' })
    .option('knn-cache', {
      type: 'string',
      default: DEFAULT_KNN_DIR,
      describe: 'folder of the kNN graph and the layout',
    })
    .option('out', { type: 'string', default: 'reports', describe: 'output folder' })
    .option('k', { type: 'number', default: UMAP_DEFAULTS.k, describe: 'neighbours per image in the kNN graph' })
    .option('epochs', {
      type: 'number',
      default: LAYOUT_DEFAULTS.nEpochs,
      describe: 'epochs of the layout optimisation',
    })
    .option('min-dist', { type: 'number', default: UMAP_DEFAULTS.minDist })
    .option('spread', { type: 'number', default: UMAP_DEFAULTS.spread })
    .option('negative-rate', { type: 'number', default: UMAP_DEFAULTS.negativeRate })
    .option('seed', { type: 'number', default: 1 })
    .example('$0', 'reports/layout.png and layout.json from the cached layout (optimised first if missing)')
    .check((a) => {
      checkK(a.k, undefined, '--k');
      checkSpread(a.spread);
      checkMinDist(a['min-dist'], a.spread);
      checkNegativeRate(a['negative-rate']);
      if (!Number.isInteger(a.epochs) || a.epochs < 1 || a.epochs > 5000)
        throw new Error(`--epochs must be an integer in 1..5000, got ${a.epochs}`);
      return true;
    })
    .strict()
    .help()
    .parse();
  lockOutput(join(argv.out, 'layout.json')); // one writer per output (src/util/lock.ts)

  await runLayoutReport({
    dataDir: argv.data,
    knnCacheDir: argv['knn-cache'],
    outDir: argv.out,
    k: argv.k,
    settings: layoutSettingsOf({
      nEpochs: argv.epochs,
      minDist: argv['min-dist'],
      spread: argv.spread,
      negativeRate: argv['negative-rate'],
      seed: argv.seed,
    }),
    onProgress: new ProgressRenderer().handle,
  });
});

// train: the convolutional autoencoder on Fashion-MNIST, on the onnxruntime or the tfjs engine (see src/train/stage.ts).
import { capThreads, cliArgs, hideBin, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { ProgressRenderer } from './progress.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { BACKEND_CHOICES } from '../src/runtime/tfjs-backend.js';
import { ENGINE_CHOICES } from '../src/train/engine.js';
import {
  LAYOUT_OBJECTIVE_DEFAULTS,
  LAYOUT_SCHEDULES,
  OBJECTIVES,
  UMAP_DEFAULTS,
  UMAP_SAMPLINGS,
} from '../src/train/objective.js';
import { DEFAULT_KNN_DIR } from '../src/umap/knn-cache.js';
import { LATENT_RANGE, SIZE_PRESETS, type SizePreset } from '../src/train/model.js';
import { MOMENTUM_RANGE, OPTIMIZERS } from '../src/train/optimizer.js';
import { defaultThreads, runTrainStage, trainProgress } from '../src/train/stage.js';
import { presetOf, TRAIN_PRESET_NAMES, TRAIN_PRESETS } from '../src/train/defaults.js';
import { BATCH_RANGE, LR_SCHEDULES } from '../src/train/trainer.js';
import { checkTrainArgs } from '../src/train/cli-checks.js';

runCli(async () => {
  // A preset changes the defaults below (and what --help shows); flags given explicitly still win.
  const defaults = TRAIN_PRESETS[presetOf(hideBin(process.argv))];
  const argv = await cliArgs('train')
    .usage(
      '$0 [options]\n\nTrains the encoder and decoder; writes tfjs models, history.jsonl, manifest.json and a checkpoint to --out.',
    )
    .option('preset', {
      choices: TRAIN_PRESET_NAMES,
      default: 'default',
      describe:
        'default: fits make all in about 10 minutes on 2 cores; study: the wide network for 80 epochs (about 40 minutes)',
    })
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR, describe: 'verified dataset folder (make data)' })
    .option('out', { type: 'string', default: 'models/tfjs', describe: 'output folder' })
    .option('latent', { type: 'number', default: 2, describe: `code size (${LATENT_RANGE[0]}..${LATENT_RANGE[1]})` })
    .option('size', {
      choices: Object.keys(SIZE_PRESETS),
      default: defaults.size,
      describe: 'named filter preset',
    })
    .option('filters', {
      type: 'string',
      describe: 'encoder conv filters as "F1,F2" (overrides --size; also the decoder\'s unless --decoder-filters)',
    })
    .option('decoder-filters', {
      type: 'string',
      describe: 'decoder transposed-conv filters as "F1,F2", listed like --filters',
    })
    .option('hidden', {
      type: 'string',
      describe: 'dense layer units before the code, as "128,64" (default: from --size)',
    })
    .option('epochs', { type: 'number', default: defaults.epochs })
    .option('batch-size', {
      type: 'number',
      default: defaults.batchSize,
      describe: `${BATCH_RANGE[0]}..${BATCH_RANGE[1]}`,
    })
    .option('lr', { type: 'number', default: defaults.lr, describe: 'learning rate' })
    .option('lr-schedule', {
      choices: LR_SCHEDULES,
      default: 'cosine' as const,
      describe: 'learning rate over the run',
    })
    .option('optimizer', { choices: OPTIMIZERS, default: 'rmsprop' as const })
    .option('momentum', {
      type: 'number',
      describe: `RMSprop momentum, ${MOMENTUM_RANGE[0]}..${MOMENTUM_RANGE[1]} (default ${defaults.momentum}; 0: plain RMSprop)`,
    })
    .option('seed', { type: 'number', default: 1 })
    .option('limit', { type: 'number', describe: 'train on the first N training images' })
    .option('objective', {
      choices: OBJECTIVES,
      default: defaults.objective,
      describe:
        "ae: reconstruction alone; umap-ae: plus parametric UMAP's loss on the codes; layout: plus each code's squared distance to its image's place in the training images' UMAP layout (both: ort engine)",
    })
    .option('layout-weight', {
      type: 'number',
      default: defaults.layoutWeight,
      describe: 'layout: weight of the squared distance to the (standardised) layout against the reconstruction loss',
    })
    .option('layout-epochs', {
      type: 'number',
      default: LAYOUT_OBJECTIVE_DEFAULTS.epochs,
      describe: "layout: epochs of the layout's own UMAP optimisation (cached beside the kNN graph)",
    })
    .option('layout-schedule', {
      choices: LAYOUT_SCHEDULES,
      default: defaults.layoutSchedule,
      describe: 'layout: the weight over the epochs after the warm-up, constant or fading along a half cosine',
    })
    .option('layout-warmup', {
      type: 'number',
      default: LAYOUT_OBJECTIVE_DEFAULTS.warmup,
      describe: 'layout: epochs of reconstruction alone before the layout term starts',
    })
    .option('umap-weight', {
      type: 'number',
      default: UMAP_DEFAULTS.weight,
      describe: 'umap-ae: weight of the UMAP term against the reconstruction loss',
    })
    .option('k', {
      type: 'number',
      default: UMAP_DEFAULTS.k,
      describe: 'umap-ae: neighbours per image in the pixel-space kNN graph',
    })
    .option('min-dist', { type: 'number', default: UMAP_DEFAULTS.minDist, describe: 'umap-ae: UMAP min_dist' })
    .option('spread', { type: 'number', default: UMAP_DEFAULTS.spread, describe: 'umap-ae: UMAP spread' })
    .option('negative-rate', {
      type: 'number',
      default: UMAP_DEFAULTS.negativeRate,
      describe: 'umap-ae: negative pairs per edge',
    })
    .option('umap-sampling', {
      choices: UMAP_SAMPLINGS,
      default: UMAP_DEFAULTS.sampling,
      describe:
        "umap-ae: neighbours: each batch image against all its graph edges (tails' codes from a table of the latest codes); edges: tfumap's sampled edges, both ends encoded",
    })
    .option('umap-warmup', {
      type: 'number',
      describe:
        'umap-ae (neighbour sampling): epochs of reconstruction alone before the UMAP term starts (default: half of --epochs)',
    })
    .option('knn-cache', {
      type: 'string',
      default: DEFAULT_KNN_DIR,
      describe: 'umap-ae: folder of the cached neighbour graph',
    })
    .option('engine', {
      choices: ENGINE_CHOICES,
      default: 'auto' as const,
      describe:
        'ort: each step one ONNX graph in onnxruntime; tfjs: the tfjs backend; auto: ort when it can differentiate the model',
    })
    .option('backend', {
      choices: BACKEND_CHOICES,
      default: 'auto' as const,
      describe: 'tfjs backend (tfjs engine, and the final evaluation): auto is tfjs-node if installed, else wasm',
    })
    .option('threads', { type: 'number', default: defaultThreads(), describe: 'data-parallel worker threads' })
    .option('resume', { type: 'boolean', default: false, describe: 'continue from --out/checkpoint' })
    .example('$0', 'full run with the defaults')
    .example('$0 --preset study', "the wide network for 80 epochs: the reference study's quality, about 40 minutes")
    .example('$0 --limit 3000 --epochs 1', 'a quick smoke run')
    .example('$0 --epochs 20 --resume', 'continue an earlier run to 20 epochs')
    .check(checkTrainArgs)
    .strict()
    .help()
    .parse();
  lockOutput(argv.out); // one writer per output (src/util/lock.ts)

  const preset = SIZE_PRESETS[argv.size as SizePreset];
  const numbers = (v: string) => v.split(',').map(Number);
  const pair = (v: string) => numbers(v) as [number, number];
  const filters = argv.filters ? pair(argv.filters) : ([...preset.filters] as [number, number]);
  const decoderFilters = argv['decoder-filters']
    ? pair(argv['decoder-filters'])
    : argv.filters
      ? filters
      : ([...preset.decoderFilters] as [number, number]);
  const progress = new ProgressRenderer();
  await runTrainStage(
    {
      dataDir: argv.data,
      outDir: argv.out,
      limit: argv.limit,
      resume: argv.resume,
      knnCacheDir: argv['knn-cache'],
      settings: {
        model: {
          latent: argv.latent,
          filters,
          decoderFilters,
          hidden: argv.hidden ? numbers(argv.hidden) : [...preset.hidden],
          seed: argv.seed,
        },
        optimizer: argv.optimizer,
        momentum: argv.momentum,
        lr: argv.lr,
        schedule: argv['lr-schedule'],
        epochs: argv.epochs,
        batchSize: argv['batch-size'],
        threads:
          argv.backend === 'tensorflow' && argv.engine === 'tfjs'
            ? 1
            : capThreads(argv.threads, (line) => progress.note('train', line)),
        engine: argv.engine,
        backend: argv.backend,
        objective: argv.objective,
        umap: {
          k: argv.k,
          weight: argv['umap-weight'],
          minDist: argv['min-dist'],
          spread: argv.spread,
          negativeRate: argv['negative-rate'],
          sampling: argv['umap-sampling'],
          warmup: argv['umap-warmup'],
        },
        layout: {
          weight: argv['layout-weight'],
          epochs: argv['layout-epochs'],
          warmup: argv['layout-warmup'],
          schedule: argv['layout-schedule'],
        },
      },
    },
    trainProgress({ epochs: argv.epochs, batchSize: argv['batch-size'] }, progress.handle),
  );
  process.exit(0);
});

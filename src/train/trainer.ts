// The training loop: epochs of shuffled mini-batches over a ReplicaPool, a held-out validation split,
// per-epoch history, and a checkpoint callback. Emits events; never prints.
import { ReplicaPool } from './data-parallel.js';
import type { ModelConfig } from './model.js';
import { checkOptimizerOptions, type OptimizerName } from './optimizer.js';
import type { BackendChoice } from '../lib/tfjs-backend.js';
import { TRAIN_DEFAULTS } from './defaults.js';
import { resolveEngine, type EngineChoice, type EngineName } from './engine.js';
import type { RuntimeName } from './protocol.js';
import { checkUmapSettings, umapSamplingOf, umapWarmupOf, type Objective, type UmapSettings } from './objective.js';
import { EdgeSampler } from '../umap/edge-sampler.js';
import type { FuzzyGraph } from '../umap/fuzzy-set.js';
import { neighbourRows } from '../umap/neighbour-loss.js';
import type { SharedNeighbourTable } from './protocol.js';
import { findAbParams } from '../umap/ab-params.js';
import type { FlatState } from './replica.js';
import { permutation, seededRandom } from '../util/random.js';
import { PIXELS } from '../data/fashion-mnist.js';

export interface TrainSettings {
  model: ModelConfig;
  optimizer: OptimizerName;
  /** RMSprop's momentum (default: TRAIN_DEFAULTS.momentum with rmsprop, 0 with adam; 0 is plain RMSprop). */
  momentum?: number;
  lr: number;
  /** constant: lr throughout; cosine: lr decays along a half cosine to 0 over all steps. */
  schedule: LrSchedule;
  epochs: number;
  batchSize: number;
  threads: number;
  /** ort (onnxruntime), tfjs, or auto (ort when it can differentiate the model; the default). */
  engine?: EngineChoice;
  /** The tfjs backend, for the tfjs engine. */
  backend: BackendChoice;
  /** ae (reconstruction alone; what an absent objective means here) or umap-ae (the CLI default: needs the ort engine and a neighbour graph). */
  objective?: Objective;
  umap?: UmapSettings;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valMse: number;
  imagesPerSec: number;
  seconds: number;
  /** The engine that trained this epoch. */
  engine?: EngineName;
  /** The number of epochs the learning-rate schedule spanned (more than the first run's after a resumed extension). */
  scheduleEpochs?: number;
}

export type TrainEvent =
  | {
      type: 'start';
      engine: EngineName;
      runtime: RuntimeName;
      note?: string;
      threads: number;
      parameters: number;
      trainCount: number;
      valCount: number;
      stepsPerEpoch: number;
      firstEpoch: number;
    }
  | { type: 'step'; epoch: number; step: number; steps: number; loss: number; imagesPerSec: number }
  | { type: 'epoch'; record: EpochRecord };

export interface TrainResult {
  state: FlatState;
  history: EpochRecord[];
  engine: EngineName;
  runtime: RuntimeName;
  threads: number;
  parameters: number;
}

export const LR_SCHEDULES = ['cosine', 'constant'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** Learning rate at `progress` in [0, 1) of the whole run. */
export function learningRate(base: number, schedule: LrSchedule, progress: number): number {
  return schedule === 'constant' ? base : base * 0.5 * (1 + Math.cos(Math.PI * progress));
}

export const BATCH_RANGE = [1, 4096] as const;

/** Held-out validation: the last 10% of the images (at most 5,000), never shuffled into training. */
export function splitCounts(count: number): { train: number; val: number } {
  const val = Math.min(5000, Math.max(1, Math.floor(count * 0.1)));
  return { train: count - val, val };
}

/** The momentum a run uses: the library default applies when none is given, so code trains what `make train` trains. */
export function momentumOf(s: Pick<TrainSettings, 'optimizer' | 'momentum'>): number {
  return s.momentum ?? (s.optimizer === 'rmsprop' ? TRAIN_DEFAULTS.momentum : 0);
}

export function checkSettings(s: TrainSettings, trainCount: number): void {
  if (!Number.isInteger(s.batchSize) || s.batchSize < BATCH_RANGE[0] || s.batchSize > BATCH_RANGE[1]) {
    throw new RangeError(`--batch-size must be an integer in ${BATCH_RANGE[0]}..${BATCH_RANGE[1]}, got ${s.batchSize}`);
  }
  if (s.batchSize > trainCount)
    throw new RangeError(`--batch-size ${s.batchSize} is larger than the ${trainCount} training images`);
  if (!Number.isInteger(s.epochs) || s.epochs < 1)
    throw new RangeError(`--epochs must be a positive integer, got ${s.epochs}`);
  if (!(s.lr > 0 && s.lr < 1)) throw new RangeError(`--lr must be in (0, 1), got ${s.lr}`);
  checkOptimizerOptions(s.optimizer, { momentum: momentumOf(s) });
  if (s.objective !== undefined && !(['ae', 'umap-ae'] as const).includes(s.objective))
    throw new RangeError(`unknown objective "${String(s.objective)}": use ae or umap-ae`);
  if (s.objective === 'umap-ae') {
    if (!s.umap) throw new RangeError('--objective umap-ae needs its UMAP settings');
    checkUmapSettings(s.umap);
    if (s.batchSize % 2 !== 0)
      throw new RangeError(
        `--batch-size must be even with --objective umap-ae (each step draws batch / 2 edges), got ${s.batchSize}`,
      );
    if (s.engine === 'tfjs')
      throw new RangeError('--objective umap-ae trains on the ort engine only: use --engine ort or auto');
    if (s.umap.warmup !== undefined && s.umap.warmup >= s.epochs)
      throw new RangeError(
        `--umap-warmup ${s.umap.warmup} leaves no UMAP epoch in --epochs ${s.epochs}: give fewer warm-up epochs`,
      );
  }
}

export async function trainAutoencoder(
  pixels: Uint8Array,
  settings: TrainSettings,
  opts: {
    resume?: { state: FlatState; history: EpochRecord[] };
    /** The training split's fuzzy neighbour graph (indices into `pixels`), for the umap-ae objective. */
    umapGraph?: FuzzyGraph;
    onEvent?: (e: TrainEvent) => void;
    onEpochEnd?: (state: FlatState, history: EpochRecord[]) => Promise<void>;
  } = {},
): Promise<TrainResult> {
  const count = pixels.length / PIXELS;
  const split = splitCounts(count);
  checkSettings(settings, split.train);
  const emit = opts.onEvent ?? (() => undefined);

  const shared = new SharedArrayBuffer(pixels.length);
  new Uint8Array(shared).set(pixels);
  const threads = Math.min(settings.threads, settings.batchSize);
  const umapRun = settings.objective === 'umap-ae';
  if (umapRun && !opts.umapGraph)
    throw new Error('the umap-ae objective needs the neighbour graph of the training images');
  const { engine, note } = resolveEngine(umapRun ? 'ort' : (settings.engine ?? 'auto'), settings.model);
  const ab = umapRun ? findAbParams(settings.umap!.spread, settings.umap!.minDist) : undefined;
  const neighbours =
    umapRun && umapSamplingOf(settings.umap!) === 'neighbours'
      ? sharedNeighbourTable(opts.umapGraph!, settings.model.latent)
      : undefined;
  const pool = await ReplicaPool.start(threads, {
    engine,
    config: settings.model,
    optimizer: settings.optimizer,
    optimizerOptions: { momentum: momentumOf(settings) },
    backend: settings.backend,
    images: shared,
    maxShard: Math.max(Math.ceil(settings.batchSize / threads), 500),
    umap:
      ab && settings.umap
        ? { ...ab, weight: settings.umap.weight, negativeRate: settings.umap.negativeRate, seed: settings.model.seed }
        : undefined,
    neighbours,
  });
  try {
    const history = opts.resume ? [...opts.resume.history] : [];
    if (opts.resume) await pool.setState(opts.resume.state);
    const steps = Math.floor(split.train / settings.batchSize);
    const valIndices = Int32Array.from({ length: split.val }, (_, i) => split.train + i);
    emit({
      type: 'start',
      engine,
      runtime: pool.runtime,
      note,
      threads,
      parameters: pool.parameters,
      trainCount: split.train,
      valCount: split.val,
      stepsPerEpoch: steps,
      firstEpoch: history.length + 1,
    });

    for (let epoch = history.length + 1; epoch <= settings.epochs; epoch++) {
      const lrs = Float64Array.from({ length: steps }, (_, s) =>
        learningRate(settings.lr, settings.schedule, ((epoch - 1) * steps + s) / (settings.epochs * steps)),
      );
      const t0 = performance.now();
      let lossSum = 0;
      const onStep = (s: number, loss: number) => {
        lossSum += loss;
        const secs = (performance.now() - t0) / 1000;
        emit({
          type: 'step',
          epoch,
          step: s + 1,
          steps,
          loss: lossSum / (s + 1),
          imagesPerSec: ((s + 1) * settings.batchSize) / secs,
        });
      };
      if (umapRun && !neighbours) {
        // Edge sampling: batchSize / 2 edges per step, drawn by weight; their heads and tails are the step's images.
        const edgesPerStep = settings.batchSize / 2;
        const edges = new EdgeSampler(opts.umapGraph!, { seed: settings.model.seed * 100_003 + epoch }).sample(
          steps * edgesPerStep,
        );
        await pool.train(edges.head, edgesPerStep, lrs, onStep, { tails: edges.tail, epoch });
      } else {
        // ae, and neighbour sampling: ordinary batches, each image against its whole neighbourhood, whose codes
        // are encoded afresh first (reconstruction alone during the warm-up epochs). The order depends only on
        // seed and epoch, so a resumed run sees the same batches.
        const warm = neighbours !== undefined && epoch <= umapWarmupOf(settings.umap!, settings.epochs);
        if (neighbours && !warm) await pool.encodeTable(split.train);
        const order = permutation(split.train, seededRandom(settings.model.seed * 100_003 + epoch));
        await pool.train(order.subarray(0, steps * settings.batchSize), settings.batchSize, lrs, onStep, {
          epoch,
          reconstructionOnly: warm,
        });
      }
      const seconds = (performance.now() - t0) / 1000;
      const val = await pool.evaluate(valIndices);
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / steps,
        valLoss: val.bce / val.pixels,
        valMse: val.squaredError / val.pixels,
        imagesPerSec: (steps * settings.batchSize) / seconds,
        seconds,
        engine,
        scheduleEpochs: settings.epochs,
      };
      history.push(record);
      emit({ type: 'epoch', record });
      if (opts.onEpochEnd) await opts.onEpochEnd(await pool.getState(), history);
    }
    return {
      state: await pool.getState(),
      history,
      engine,
      runtime: pool.runtime,
      threads,
      parameters: pool.parameters,
    };
  } finally {
    await pool.close();
  }
}

/** The graph's rows in shared memory, and a code table for its n images, for the replicas to share. */
function sharedNeighbourTable(graph: FuzzyGraph, latent: number): SharedNeighbourTable {
  const buffers: SharedArrayBuffer[] = [];
  const rows = neighbourRows(graph, {
    alloc: (bytes) => {
      const b = new SharedArrayBuffer(bytes);
      buffers.push(b);
      return b;
    },
  });
  const [offsets, tails, weights] = buffers as [SharedArrayBuffer, SharedArrayBuffer, SharedArrayBuffer];
  return {
    n: rows.n,
    meanWeight: rows.meanWeight,
    offsets,
    tails,
    weights,
    codes: new SharedArrayBuffer(rows.n * latent * Float32Array.BYTES_PER_ELEMENT),
  };
}

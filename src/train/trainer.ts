// The training loop: epochs of shuffled mini-batches over a ReplicaPool, a held-out validation split,
// per-epoch history, and a checkpoint callback. Emits events; never prints.
import { ReplicaPool } from './data-parallel.js';
import type { ModelConfig } from './model.js';
import { checkOptimizerOptions, type OptimizerName } from './optimizer.js';
import type { BackendChoice } from '../runtime/tfjs-backend.js';
import { TRAIN_DEFAULTS } from './defaults.js';
import { resolveEngine, type EngineChoice, type EngineName } from './engine.js';
import type { RuntimeName } from './protocol.js';
import { OBJECTIVES, type LayoutObjectiveSettings, type Objective, type UmapSettings } from './objective.js';
import { objectiveOf, type ObjectiveInputs } from './objectives/index.js';
import type { FlatState } from './replica.js';
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
  /**
   * ae (reconstruction alone; what an absent objective means here), umap-ae or layout (both need the ort engine
   * and what the objective prepares: src/train/objectives/).
   */
  objective?: Objective;
  /** umap-ae's settings, and the graph and curve of the layout objective's layout. */
  umap?: UmapSettings;
  layout?: LayoutObjectiveSettings;
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
  if (s.objective !== undefined && !OBJECTIVES.includes(s.objective))
    throw new RangeError(`unknown objective "${String(s.objective)}": use ${OBJECTIVES.join(', ')}`);
  objectiveOf(s).check(s);
}

export async function trainAutoencoder(
  pixels: Uint8Array,
  settings: TrainSettings,
  opts: {
    resume?: { state: FlatState; history: EpochRecord[] };
    /** What the objective prepared (src/train/objectives/: a neighbour graph, a layout), over the training split. */
    inputs?: ObjectiveInputs;
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
  const definition = objectiveOf(settings);
  const run = definition.start({
    settings,
    inputs: opts.inputs ?? {},
    trainCount: split.train,
    batchSize: settings.batchSize,
  });
  const needsCodes = run.codeInputs.codeGrad || run.codeInputs.codeTarget;
  const { engine, note } = resolveEngine(needsCodes ? 'ort' : (settings.engine ?? 'auto'), settings.model);
  const pool = await ReplicaPool.start(threads, {
    engine,
    config: settings.model,
    optimizer: settings.optimizer,
    optimizerOptions: { momentum: momentumOf(settings) },
    backend: settings.backend,
    images: shared,
    maxShard: Math.max(Math.ceil(settings.batchSize / threads), 500),
    objective: run.workerData,
    codeInputs: run.codeInputs,
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
      const plan = run.plan(epoch, steps);
      if (plan.prepare) await pool.prepareEpoch(plan.prepare.count);
      await pool.train(plan.order, plan.perStep ?? settings.batchSize, lrs, onStep, {
        epoch,
        tails: plan.tails,
        reconstructionOnly: plan.reconstructionOnly,
        termScale: plan.termScale,
      });
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

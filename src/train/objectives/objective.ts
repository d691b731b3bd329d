// The objective interface: what training minimises, as one file per objective (./ae.ts, ./umap-edges.ts,
// ./umap-neighbours.ts, ./layout.ts) behind one shape, so the trainer, the workers and the replica never
// name an objective. An objective has three sides:
//   prepare   (train stage, main thread): builds or loads what it needs from the training images
//             (a neighbour graph, a layout), with progress events;
//   start     (trainer, main thread): shared memory for the workers, and each epoch's plan (the order of
//             images or edges, and whether the epoch trains reconstruction alone);
//   replica   (each worker): one shard's gradient per step, from the replica's encode and step primitives.
import type { FuzzyGraph } from '../../umap/fuzzy-set.js';
import type { KnnCacheEvent } from '../../umap/knn-cache.js';
import type { LayoutCacheEvent } from '../../umap/layout-cache.js';
import type { TrainSettings } from '../trainer.js';

/** What a replica's training graph takes at the code layer (src/train-graph/step-graph.ts). */
export interface CodeInputs {
  /** `code_grad`: an extra gradient at the code layer, computed by the objective from the codes. */
  codeGrad: boolean;
  /** `code_target` and `code_target_weight`: a pull of each code towards a target, inside the graph. */
  codeTarget: boolean;
}

/** Training images as a replica holds them for encode and step (valid until its next `batch` call). */
export interface ImageBatch {
  readonly indices: ArrayLike<number>;
}

/** The replica primitives an objective builds its step from (OrtReplica; the tfjs Replica has step alone). */
export interface StepReplica {
  readonly latent: number;
  /** Training images `indices`, scaled, as one batch. */
  batch(indices: ArrayLike<number>): ImageBatch;
  /** The batch's codes [n, latent], a copy. */
  encode(batch: ImageBatch): Promise<Float32Array>;
  /**
   * One training-graph run: the reconstruction loss's gradient (plus the code inputs' terms) into `flat`.
   * Returns the mean reconstruction loss and the batch's codes [n, latent].
   */
  step(
    batch: ImageBatch,
    flat: Float32Array,
    feeds?: { codeGrad?: Float32Array; codeTarget?: Float32Array; codeTargetWeight?: number },
  ): Promise<{ reconstruction: number; codes: Float32Array | null }>;
}

/** One worker's share of one step. */
export interface ShardStep {
  /** The shard's images (or edge heads). */
  heads: Int32Array;
  /** Edge tails, for objectives whose plan has them. */
  tails?: Int32Array;
  /** The gradient goes here. */
  flat: Float32Array;
  /** Seeds the step's random draws: the same on every run, whatever the threads' timing. */
  seed: number;
  /** This epoch trains reconstruction alone (a warm-up). */
  reconstructionOnly: boolean;
  /** This epoch's weight of the objective's own term, relative to its setting (1: as set; a schedule's value). */
  termScale: number;
}

/** The worker side: one shard's gradient per step. */
export interface ReplicaObjective {
  /** The shard's gradient into step.flat; returns the loss the objective minimises (the shard's mean). */
  step(replica: StepReplica, step: ShardStep): Promise<number>;
  /** Between the step's two barriers, when no rank reads the objective's shared state. */
  betweenBarriers?(): void;
  /** Before an epoch whose plan asks for it: this rank's share [start, end) of the objective's preparation. */
  prepareEpoch?(replica: StepReplica, start: number, end: number): Promise<void>;
}

/** One epoch as the coordinator plans it. */
export interface EpochPlan {
  /** Steps x perStep indices (images, or edge heads). */
  order: Int32Array;
  /** Indices per step (default: the batch size; umap-ae's edge sampling takes batchSize / 2 edges). */
  perStep?: number;
  /** Edge tails beside `order`. */
  tails?: Int32Array;
  reconstructionOnly: boolean;
  /** The weight of the objective's own term this epoch, relative to its setting (default 1). */
  termScale?: number;
  /** Run every rank's prepareEpoch over 0..count-1 first (shared among the ranks). */
  prepare?: { count: number };
}

/** The coordinator side of one run. */
export interface ObjectiveRun {
  codeInputs: CodeInputs;
  /** Structured-cloneable data (shared memory included) from which every worker builds its ReplicaObjective. */
  workerData: ObjectiveWorkerData;
  plan(epoch: number, steps: number): EpochPlan;
}

/** What a run needs besides the images, as the train stage prepares it. */
export interface ObjectiveInputs {
  /** The training split's fuzzy neighbour graph. */
  graph?: FuzzyGraph;
  /** The training split's UMAP layout [n, latent]. */
  layout?: Float32Array;
}

export type PrepareEvent = { type: 'knn'; event: KnnCacheEvent } | { type: 'layout'; event: LayoutCacheEvent };

export interface PrepareContext {
  /** The training split's images, uint8 [trainCount, 784]. */
  pixels: Uint8Array;
  trainCount: number;
  knnCacheDir: string;
  layoutCacheDir: string;
  onEvent: (e: PrepareEvent) => void;
}

export interface StartContext {
  settings: TrainSettings;
  inputs: ObjectiveInputs;
  trainCount: number;
  batchSize: number;
}

/** The data every worker receives: the objective's key and its own payload. */
export interface ObjectiveWorkerData {
  key: ObjectiveKey;
  payload: unknown;
}

/** The registry's key: an objective, or an objective with a variant (umap-ae's two samplings). */
export type ObjectiveKey = 'ae' | 'umap-edges' | 'umap-neighbours' | 'layout';

export interface ObjectiveDefinition {
  key: ObjectiveKey;
  /** Named errors for settings this objective cannot train with. */
  check(settings: TrainSettings): void;
  /** Builds or loads what the run needs (nothing, for ae). */
  prepare(settings: TrainSettings, ctx: PrepareContext): Promise<ObjectiveInputs>;
  start(ctx: StartContext): ObjectiveRun;
  replica(payload: unknown, latent: number): ReplicaObjective;
}

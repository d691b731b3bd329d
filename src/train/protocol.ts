// Messages between the training coordinator (main thread) and its replica workers.
import type { ModelConfig } from './model.js';
import type { OptimizerName, OptimizerOptions } from './optimizer.js';
import type { BackendChoice } from '../lib/tfjs-backend.js';
import type { EngineName } from './engine.js';
import type { UmapStepParams } from './objective.js';
import type { EvalSums, FlatState } from './replica.js';

export interface WorkerInit {
  rank: number;
  config: ModelConfig;
  optimizer: OptimizerName;
  optimizerOptions: OptimizerOptions;
  engine: EngineName;
  /** The tfjs backend (tfjs engine only). */
  backend: BackendChoice;
  /** Training images as uint8, shared by every worker without copying. */
  images: SharedArrayBuffer;
  maxShard: number;
  /** The umap-ae objective's constants (ort engine only); absent: reconstruction alone. */
  umap?: UmapStepParams;
  /** umap-ae with neighbour sampling: the graph's rows and the table of every training image's latest code. */
  neighbours?: SharedNeighbourTable;
}

/** A NeighbourRows (src/umap/neighbour-loss.ts) in shared memory, with the code table [n, latent] beside it. */
export interface SharedNeighbourTable {
  n: number;
  meanWeight: number;
  offsets: SharedArrayBuffer;
  tails: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  codes: SharedArrayBuffer;
}

export type ToWorker =
  | { type: 'set-state'; state: FlatState }
  /**
   * Shared memory for training: every rank's gradient slot (rank r writes grads[r]), the averaged gradient
   * (each rank averages its own slice of the parameters), each rank's weighted loss, and the barrier.
   */
  | {
      type: 'buffers';
      grads: SharedArrayBuffer[];
      average: SharedArrayBuffer;
      losses: SharedArrayBuffer;
      barrier: SharedArrayBuffer;
    }
  /**
   * Steps s = 0.. over `order`: batch s is order[s·batchSize, (s+1)·batchSize), at learning rate lrs[s].
   * With `tails` (umap-ae), order and tails hold the heads and tails of batchSize edges per step, and
   * `epoch` seeds the negative sampling (with neighbour sampling too, where order is an image permutation).
   */
  | {
      type: 'train';
      order: Int32Array;
      batchSize: number;
      lrs: Float64Array;
      tails?: Int32Array;
      epoch?: number;
      /** umap-ae warm-up: reconstruction alone this run. */
      reconstructionOnly?: boolean;
    }
  /** Encode training images start..end-1 into the shared code table (neighbour sampling). */
  | { type: 'encode-table'; start: number; end: number }
  | { type: 'eval'; indices: Int32Array }
  | { type: 'get-state' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; runtime: RuntimeName; parameters: number }
  /** From rank 0 after each step: the batch's mean loss. */
  | { type: 'progress'; step: number; loss: number }
  | { type: 'trained' }
  | { type: 'table-encoded' }
  | { type: 'state-set' }
  | { type: 'eval'; sums: EvalSums }
  | { type: 'state'; state: FlatState }
  | { type: 'error'; message: string };

/** What runs the steps: a tfjs backend, or onnxruntime (the ort engine). */
export type RuntimeName = import('../lib/tfjs-backend.js').BackendName | 'onnxruntime';

// Messages between the training coordinator (main thread) and its replica workers.
import type { ModelConfig } from './model.js';
import type { OptimizerName, OptimizerOptions } from './optimizer.js';
import type { BackendChoice } from '../lib/tfjs-backend.js';
import type { EngineName } from './engine.js';
import type { CodeInputs, ObjectiveWorkerData } from './objectives/objective.js';
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
  /** What the objective's replica side is built from (./objectives/). */
  objective: ObjectiveWorkerData;
  /** What the training graph takes at the code layer. */
  codeInputs: CodeInputs;
}

export type ToWorker =
  | { type: 'set-state'; state: FlatState }
  /**
   * Shared memory for training: every rank's gradient slot (rank r writes grads[r]), the averaged gradient
   * (each rank averages its own slice of the parameters), each rank's weighted loss, and the barrier. With
   * more than one ort rank, `weights` and `optimizer` too: each rank updates only its slice of the weights and
   * of the optimizer's state (shared by all), writes that slice to `weights`, and takes the others' from it.
   */
  | {
      type: 'buffers';
      grads: SharedArrayBuffer[];
      average: SharedArrayBuffer;
      losses: SharedArrayBuffer;
      barrier: SharedArrayBuffer;
      weights: SharedArrayBuffer;
      optimizer: SharedArrayBuffer;
    }
  /**
   * Steps s = 0.. over `order`: step s trains on order[s·perStep, (s+1)·perStep) (with `tails`, the edges
   * of that range) at learning rate lrs[s]; `epoch` seeds the objective's random draws.
   */
  | {
      type: 'train';
      order: Int32Array;
      perStep: number;
      lrs: Float64Array;
      tails?: Int32Array;
      epoch: number;
      /** A warm-up epoch: reconstruction alone. */
      reconstructionOnly: boolean;
      /** The objective's term weight this epoch, relative to its setting. */
      termScale: number;
    }
  /** The objective's preparation of an epoch, this rank's share [start, end). */
  | { type: 'prepare-epoch'; start: number; end: number }
  | { type: 'eval'; indices: Int32Array }
  | { type: 'get-state' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; runtime: RuntimeName; parameters: number }
  /** From rank 0 after each step: the batch's mean loss. */
  | { type: 'progress'; step: number; loss: number }
  | { type: 'trained' }
  | { type: 'epoch-prepared' }
  | { type: 'state-set' }
  | { type: 'eval'; sums: EvalSums }
  | { type: 'state'; state: FlatState }
  | { type: 'error'; message: string };

/** What runs the steps: a tfjs backend, or onnxruntime (the ort engine). */
export type RuntimeName = import('../lib/tfjs-backend.js').BackendName | 'onnxruntime';

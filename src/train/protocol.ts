// Messages between the training coordinator (main thread) and its replica workers.
import type { ModelConfig } from './model.js';
import type { OptimizerName } from './optimizer.js';
import type { BackendChoice, BackendName } from './backend.js';
import type { EvalSums, FlatState } from './replica.js';

export interface WorkerInit {
  rank: number;
  config: ModelConfig;
  optimizer: OptimizerName;
  backend: BackendChoice;
  /** Training images as uint8, shared by every worker without copying. */
  images: SharedArrayBuffer;
  maxShard: number;
}

export type ToWorker =
  | { type: 'set-state'; state: FlatState }
  /** Shared gradient slots: this worker writes `grads`, the coordinator writes the average into `average`. */
  | { type: 'buffers'; grads: SharedArrayBuffer; average: SharedArrayBuffer }
  | { type: 'grads'; indices: Int32Array }
  | { type: 'apply'; lr: number }
  | { type: 'eval'; indices: Int32Array }
  | { type: 'get-state' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; backend: BackendName; parameters: number }
  | { type: 'grads'; loss: number; count: number }
  | { type: 'state-set' }
  | { type: 'eval'; sums: EvalSums }
  | { type: 'state'; state: FlatState }
  | { type: 'error'; message: string };

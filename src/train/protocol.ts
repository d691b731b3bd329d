// Messages between the training coordinator (main thread) and its replica workers.
import type { ModelConfig } from './model.js';
import type { OptimizerName } from './optimizer.js';
import type { BackendChoice, BackendName } from './backend.js';
import type { EvalSums, FlatState } from './replica.js';

export interface WorkerInit {
  rank: number;
  config: ModelConfig;
  optimizer: OptimizerName;
  lr: number;
  backend: BackendChoice;
  /** Training images as uint8, shared by every worker without copying. */
  images: SharedArrayBuffer;
  maxShard: number;
}

export type ToWorker =
  | { type: 'set-state'; state: FlatState }
  | { type: 'grads'; indices: Int32Array }
  | { type: 'apply'; grads: Float32Array; lr: number }
  | { type: 'eval'; indices: Int32Array }
  | { type: 'get-state' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; backend: BackendName; parameters: number }
  | { type: 'grads'; loss: number; count: number; grads: Float32Array }
  | { type: 'state-set' }
  | { type: 'eval'; sums: EvalSums }
  | { type: 'state'; state: FlatState }
  | { type: 'error'; message: string };

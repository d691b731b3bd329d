import type { TrainSettings } from './trainer.js';
import type { CheckpointIdentity } from './checkpoint.js';

export interface TrainStageOptions {
  dataDir: string;
  outDir: string;
  settings: TrainSettings;
  /** Train on the first N training images (validation is carved from them). */
  limit?: number;
  resume?: boolean;
}

/** What must match for --resume to continue a checkpoint (epochs, threads and backend may change). */
export function checkpointIdentityOf(o: TrainStageOptions, limit: number): CheckpointIdentity {
  const s = o.settings;
  return { model: s.model, optimizer: s.optimizer, momentum: s.momentum ?? 0, lr: s.lr, schedule: s.schedule, epochs: s.schedule === 'cosine' ? s.epochs : null, batchSize: s.batchSize, limit };
}

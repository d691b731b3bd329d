import { momentumOf, type TrainSettings } from './trainer.js';
import type { CheckpointIdentity } from './checkpoint.js';

export interface TrainStageOptions {
  dataDir: string;
  outDir: string;
  settings: TrainSettings;
  /** Train on the first N training images (validation is carved from them). */
  limit?: number;
  resume?: boolean;
  /** Where the umap-ae and layout objectives keep the training images' neighbour graph (default data/knn-cache). */
  knnCacheDir?: string;
  /** Where the layout objective keeps the training images' UMAP layout (default: the kNN cache folder). */
  layoutCacheDir?: string;
}

/**
 * What must match for --resume to continue a checkpoint. Epochs, threads, engine and backend may change: a
 * longer run continues the cosine schedule over the new total from where it stands (each epoch's record
 * says which total its schedule spanned); both engines share the flat weight and optimizer layout.
 */
export function checkpointIdentityOf(o: TrainStageOptions, limit: number): CheckpointIdentity {
  const s = o.settings;
  return {
    model: s.model,
    optimizer: s.optimizer,
    momentum: momentumOf(s),
    lr: s.lr,
    schedule: s.schedule,
    objective: s.objective ?? 'ae',
    umap: s.objective === 'umap-ae' || s.objective === 'layout' ? (s.umap ?? null) : null,
    ...(s.objective === 'layout' ? { layout: s.layout ?? null } : {}),
    batchSize: s.batchSize,
    limit,
  };
}

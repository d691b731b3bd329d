// The training defaults, in one place: the train CLI shows them, and runTrainStage, the benchmarks and
// tests use the same ones, so a run from code trains what `make train` trains.
import type { SizePreset } from './model.js';

export const TRAIN_DEFAULTS = {
  size: 'compact' as SizePreset,
  epochs: 32,
  batchSize: 64,
  lr: 8e-4,
  /** RMSprop momentum (tfjs's rule). */
  momentum: 0.9,
  /** umap-ae won on the validation split (README, Training); `--objective ae` is the original experiment. */
  objective: 'umap-ae' as 'ae' | 'umap-ae',
} as const;

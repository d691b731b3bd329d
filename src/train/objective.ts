// What training minimises, and its settings. `ae`: the reconstruction loss alone (the original experiment).
// `umap-ae`: reconstruction plus `weight` x parametric UMAP's cross-entropy between the training images'
// fuzzy neighbour graph and the codes (src/umap/, docs/umap.md). `layout`: reconstruction plus the squared
// distance of each code to its image's place in the training images' UMAP layout. Each objective's step is
// one file in ./objectives/.
import { checkK, checkMinDist, checkNegativeRate, checkSpread, checkUmapWeight } from '../umap/options.js';

export const OBJECTIVES = ['ae', 'umap-ae', 'layout'] as const;

/**
 * How a umap-ae step meets the graph. `neighbours`: each image of an ordinary batch against all of its
 * edges, the tails' codes from a table of every training image's latest code (src/umap/neighbour-loss.ts;
 * about 14 weighted edges per encoded image). `edges`: tfumap's batches of sampled edges, both ends encoded
 * (half an edge per encoded image).
 */
export const UMAP_SAMPLINGS = ['neighbours', 'edges'] as const;
export type UmapSampling = (typeof UMAP_SAMPLINGS)[number];
export type Objective = (typeof OBJECTIVES)[number];

export interface UmapSettings {
  /** Neighbours per training image in the pixel-space kNN graph. */
  k: number;
  /** Weight of the UMAP term against the reconstruction loss. */
  weight: number;
  minDist: number;
  spread: number;
  /** Negative pairs per edge: within the replica's share of the batch (edges), or from the code table (neighbours). */
  negativeRate: number;
  /** Default neighbours; absent in runs recorded before it existed, which sampled edges. */
  sampling?: UmapSampling;
  /**
   * Epochs of reconstruction alone before the UMAP term starts (neighbour sampling). Default: half the run's
   * epochs, which won on the validation split (the autoencoder's layout is UMAP's starting point).
   */
  warmup?: number;
}

export const UMAP_DEFAULTS: Required<Omit<UmapSettings, 'warmup'>> = {
  k: 15,
  weight: 1,
  minDist: 0.1,
  spread: 1,
  negativeRate: 5,
  sampling: 'neighbours',
};

/** The sampling a run uses: as given, else edges (what runs recorded before the setting existed did). */
export function umapSamplingOf(u: UmapSettings): UmapSampling {
  return u.sampling ?? 'edges';
}

/** The warm-up epochs of a run of `epochs` epochs: as given, else half the run (none with edge sampling). */
export function umapWarmupOf(u: UmapSettings, epochs: number): number {
  if (u.warmup !== undefined) return u.warmup;
  return umapSamplingOf(u) === 'neighbours' ? Math.floor(epochs / 2) : 0;
}

/** Named errors for out-of-range UMAP settings. */
export function checkUmapSettings(u: UmapSettings): void {
  checkK(u.k);
  checkUmapWeight(u.weight);
  checkSpread(u.spread);
  checkMinDist(u.minDist, u.spread);
  checkNegativeRate(u.negativeRate);
  if (u.sampling !== undefined && !UMAP_SAMPLINGS.includes(u.sampling))
    throw new RangeError(`--umap-sampling must be one of ${UMAP_SAMPLINGS.join(', ')}, got ${String(u.sampling)}`);
  if (u.warmup !== undefined && !(Number.isInteger(u.warmup) && u.warmup >= 0 && u.warmup <= 1000))
    throw new RangeError(`--umap-warmup must be an integer in 0..1000 (epochs), got ${u.warmup}`);
  if ((u.warmup ?? 0) > 0 && umapSamplingOf(u) === 'edges')
    throw new RangeError('--umap-warmup needs --umap-sampling neighbours');
}

/** The loss constants and the weight a replica needs for the UMAP term. */
export interface UmapStepParams {
  a: number;
  b: number;
  weight: number;
  negativeRate: number;
  seed: number;
}

/** The layout objective's own settings (its layout's graph and curve come from UmapSettings). */
export interface LayoutObjectiveSettings {
  /** Weight of the mean squared distance to the standardised layout against the reconstruction loss. */
  weight: number;
  /** Epochs of the layout's own optimisation (umap-learn's n_epochs). */
  epochs: number;
  /** Epochs of reconstruction alone before the layout term starts. */
  warmup: number;
  /** The weight over the epochs after the warm-up: constant, or fading along a half cosine (absent: constant). */
  schedule?: LayoutSchedule;
}

export const LAYOUT_SCHEDULES = ['constant', 'cosine'] as const;
export type LayoutSchedule = (typeof LAYOUT_SCHEDULES)[number];

export const LAYOUT_OBJECTIVE_DEFAULTS: Required<LayoutObjectiveSettings> = {
  weight: 1,
  epochs: 200,
  warmup: 0,
  schedule: 'constant',
};

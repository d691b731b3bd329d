// Every numeric tolerance the tests use, in one place, and the one comparison that reports a failure well.
import assert from 'node:assert/strict';
import { PARITY_ATOL } from '../src/validate/tolerance.js';

export const TOL = {
  /** wasm gradient kernels vs the cpu backend's reference gradients (relative to the largest magnitude). */
  kernelRelative: 1e-4,
  /** Whole-model gradients, wasm vs cpu. */
  modelGradRelative: 1e-4,
  /** One converted layer: onnxruntime vs tfjs on random input. */
  layerAbs: 1e-5,
  /** Weights after a few steps of the flat optimizers vs tfjs's own (float64 vs float32 arithmetic). */
  optimizerAbs: 1e-6,
  /** Weights after the same training run on 1 vs N threads. */
  dataParallelAbs: 1e-4,
  /**
   * Optimizer slots after the same run on 1 vs N threads, relative to the slot's largest value (a slice
   * left stale by a rank that did not update it would differ by about 1).
   */
  dataParallelSlotRelative: 1e-2,
  /** The full models: onnxruntime vs tfjs, other runtimes vs onnxruntime (the validate stage's own bar). */
  modelAbs: PARITY_ATOL,
  /** A value written as decimal text (CSV, JSON) and read back: float32's shortest round trip is exact. */
  textRoundTripAbs: 1e-7,
  /** Codes of an image that went through 8-bit PNG grey conversion (rounding of one level at most). */
  pngCodeAbs: 1e-3,
  /** Codes of an image saved as a quality-100 JPEG (lossy: a few grey levels off; measured 0.0126 on the test model). */
  jpegCodeAbs: 2e-2,
  /** Closed-form results of small metric cases computed in float64. */
  exactFloat64: 1e-12,
  /** PCA on float32 input vs the closed form. */
  pcaAbs: 1e-5,
  /** Reconstruction metrics of one model computed twice (float32 sums in different order). */
  metricRelative: 1e-4,
  /**
   * A umap-ae step's whole gradient, ort vs tfjs autodiff: the UMAP term is float64 in JS but float32 pow/log in
   * tfjs (measured 1.2e-4 at worst on single tensors).
   */
  umapStepRelative: 5e-4,
  /** UMAP loss gradient vs central finite differences in float64 (the analytic gradient is returned as float32). */
  umapGradRelative: 1e-5,
  /** UMAP loss vs the naive reference (both float64; only summation order differs). */
  umapLossRelative: 1e-12,
  /** Fuzzy-set weights vs the dense umap-learn-style reference (weights are stored as float32). */
  fuzzyWeightAbs: 1e-6,
  /** umap-learn's a, b for min_dist 0.1, spread 1 (1.577, 0.895 as published to three decimals). */
  abParamsAbs: 1e-3,
  /** A fuzzy-set row's memberships vs log2(k): umap-learn's binary search for sigma stops within 1e-5 of it. */
  fuzzyRowSumAbs: 1e-4,
  /** Float64 sums of the same terms in another order (a mean weight over rows, losses of split batches). */
  float64SumAbs: 1e-9,
  /** Gradients of a batch split in two and summed vs the whole batch (float32 gradient arrays). */
  splitGradRelative: 1e-6,
  /** A Monte-Carlo mean (400 seeded draws of negatives) vs its expectation, relative. */
  monteCarloRelative: 0.01,
  /**
   * Two squared distances closer than this (relative) may order either way in float32 vs float64: a query
   * whose k-th and (k+1)-th neighbours are that close may get another kNN answer.
   */
  knnAmbiguousRelative: 1e-5,
  /**
   * Trustworthiness (k = 5, 2,000 points) computed in float32 vs float64: one rank swap between near-equal
   * distances moves it by 2 / (n k (2n - 3k - 1)) = 5e-8; this allows about 200 such swaps.
   */
  trustworthinessAbs: 1e-5,
  /** Sampled frequencies vs their probabilities, in binomial standard deviations (seeded: about 1 in 1.7 million by chance). */
  samplingSds: 5,
  /**
   * The project's UMAP layout vs umap-learn's on the same 3,000 images: how far its leave-one-out 5-NN accuracy
   * may fall below the reference's. Both are seeded (deterministic). Measured: 0.740-0.748 over three seeds vs
   * umap-learn's 0.755 (0.747 when umap-learn starts from the project's initial layout: the optimisers agree; the
   * rest is umap-learn's exact spectral start and the seed's noise, about 0.008 at 3,000 points).
   */
  layoutKnnBelowReference: 0.02,
  /** A layout-objective step's whole gradient, ort (float32, in-graph pull) vs tfjs autodiff. */
  layoutStepRelative: 1e-4,
} as const;

/** Max |a-b| over max(|b|, 1e-3): a relative error that does not blow up near zero. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0,
    scale = 1e-3;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; index: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0,
    index = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) {
      max = d;
      index = i;
    } // NaN counts as the worst
  }
  return { max, index };
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| element-wise (numpy's isclose rule). On failure
 * the message names what was compared, the worst element's index, both values, and the bound it broke.
 */
export function assertClose(
  actual: number | ArrayLike<number>,
  expected: number | ArrayLike<number>,
  tol: { atol?: number; rtol?: number },
  what: string,
): void {
  const a = typeof actual === 'number' ? [actual] : actual,
    e = typeof expected === 'number' ? [expected] : expected;
  assert.equal(a.length, e.length, `${what}: ${a.length} values, expected ${e.length}`);
  const atol = tol.atol ?? 0,
    rtol = tol.rtol ?? 0;
  let worst = -1,
    worstExcess = 0,
    failures = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - e[i]!),
      bound = atol + rtol * Math.abs(e[i]!);
    if (diff <= bound) continue; // NaN fails here too
    failures++;
    const excess = Number.isNaN(diff) ? Infinity : diff - bound;
    if (worst < 0 || excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const av = a[worst]!,
      ev = e[worst]!;
    assert.fail(
      `${what}: ${failures} of ${a.length} values outside atol ${atol} + rtol ${rtol}; worst at index ${worst}: ` +
        `actual ${av}, expected ${ev} (|diff| ${Math.abs(av - ev)}, allowed ${atol + rtol * Math.abs(ev)})`,
    );
  }
}

// Every numeric tolerance the tests use, in one place.
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
  /** The full models: onnxruntime vs tfjs, other runtimes vs onnxruntime. */
  modelAbs: 1e-4,
  /** UMAP loss gradient vs central finite differences in float64 (the analytic gradient is returned as float32). */
  umapGradRelative: 1e-5,
  /** UMAP loss vs the naive reference (both float64; only summation order differs). */
  umapLossRelative: 1e-12,
  /** Fuzzy-set weights vs the dense umap-learn-style reference (weights are stored as float32). */
  fuzzyWeightAbs: 1e-6,
  /** umap-learn's a, b for min_dist 0.1, spread 1 (1.577, 0.895 as published to three decimals). */
  abParamsAbs: 1e-3,
} as const;

/** Max |a-b| over max(|b|, 1e-3): a relative error that does not blow up near zero. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0, scale = 1e-3;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; index: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0, index = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) { max = d; index = i; } // NaN counts as the worst
  }
  return { max, index };
}

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
  /** Codes of the encoder's uint8 variant (1/255 folded into the first Conv's weights) vs the float model. */
  uint8VariantAbs: 1e-5,
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

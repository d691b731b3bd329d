// Quantiles of a sample: the code range and the evaluation summaries use this one definition.
/** The q-quantile of values (linear interpolation). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  const pos = (s.length - 1) * q,
    lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}

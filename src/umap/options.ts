// Range checks for the UMAP settings, shared by every CLI that takes them. Each throws a RangeError that
// names the flag, the allowed range and what it got; `flag` lets a caller use its own flag name.

export const UMAP_LIMITS = {
  k: { min: 2, max: 100 },
  /** Weight of the UMAP term relative to the reconstruction loss (0 = reconstruction alone). */
  weight: { min: 0, max: 100 },
  negativeRate: { min: 1, max: 50 },
  spread: { min: 0, max: 10 },
} as const;

const show = (x: unknown): string => (typeof x === 'number' ? String(x) : JSON.stringify(x));

/** Neighbours per image in the kNN graph: an integer in 2..100, and below the number of images when known. */
export function checkK(k: unknown, n?: number, flag = '--k'): number {
  const { min, max } = UMAP_LIMITS.k;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < min || k > max)
    throw new RangeError(`${flag} must be an integer in ${min}..${max}, got ${show(k)}`);
  if (n !== undefined && k >= n) throw new RangeError(`${flag} ${k} needs more than ${k} images, got ${n}`);
  return k;
}

export function checkUmapWeight(w: unknown, flag = '--umap-weight'): number {
  const { min, max } = UMAP_LIMITS.weight;
  if (typeof w !== 'number' || !Number.isFinite(w) || w < min || w > max)
    throw new RangeError(`${flag} must be a number in ${min}..${max}, got ${show(w)}`);
  return w;
}

export function checkSpread(spread: unknown, flag = '--spread'): number {
  const { min, max } = UMAP_LIMITS.spread;
  if (typeof spread !== 'number' || !Number.isFinite(spread) || spread <= min || spread > max)
    throw new RangeError(`${flag} must be a number in (${min}, ${max}], got ${show(spread)}`);
  return spread;
}

/** min_dist in (0, spread], as umap-learn requires. */
export function checkMinDist(minDist: unknown, spread = 1, flag = '--min-dist'): number {
  if (typeof minDist !== 'number' || !Number.isFinite(minDist) || minDist <= 0 || minDist > spread)
    throw new RangeError(`${flag} must be a number in (0, ${spread}] (the spread), got ${show(minDist)}`);
  return minDist;
}

export function checkNegativeRate(rate: unknown, flag = '--negative-rate'): number {
  const { min, max } = UMAP_LIMITS.negativeRate;
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < min || rate > max)
    throw new RangeError(`${flag} must be an integer in ${min}..${max}, got ${show(rate)}`);
  return rate;
}

// The parametric-UMAP loss on a batch of codes (tfumap's umap_loss) and its analytic gradient.
//
// Reads: zHead, zTail [B, dim] (row-major): the codes of the two ends of B positive edges.
// Negatives pair heads with tails of the same batch: tfumap repeats every tail `negativeRate` times and
// shuffles the B * negativeRate copies, so negative slot s = i * rate + r joins head i with tail
// floor(perm[s] / rate) (`negativePairs`). For a pair (i, j): d = |z_i - z_j|, q = 1 / (1 + a d^(2b)),
//   positive: -log(clip(q, EPS, 1)),  negative: -repulsion * log(clip(1 - q, EPS, 1)),
// with EPS = 1e-4 (tfumap's clip: it keeps log finite and, as in tf.clip_by_value, gives zero gradient
// where the clip is active). The loss is the mean over all B + B * rate pairs (or over `normalizer` pairs,
// so shards of one batch on several replicas add up to the whole batch's value).
// Gradient, with s = d^2 and v = z_i - z_j (dL/dz_j = -dL/dz_i):
//   positive: dL/dv = 2 v a b s^(b-1) / (1 + a s^b)    (0 at s = 0, the limit for b > 1/2)
//   negative: dL/dv = -2 v repulsion b / (s (1 + a s^b))
// Arithmetic in float64; gradients returned as float32 [B, dim], divided by the normalizer like the loss.

export const UMAP_EPS = 1e-4;

export type Codes = Float32Array | Float64Array;

export interface UmapPairOptions {
  a: number;
  b: number;
  /** Weight of the negative (repulsive) term; tfumap's default 1. */
  repulsion?: number;
  /** Number of pairs the mean divides by; default this call's positives + negatives. */
  normalizer?: number;
  /** With explicit negatives: only positive edges start..end-1 count here (a replica's shard); default all B. */
  positives?: { start: number; end: number };
}

export interface UmapLossOptions extends UmapPairOptions {
  /** Negatives per positive edge (tfumap's negative_sample_rate); default 5. */
  negativeRate?: number;
  /** A seeded uniform [0, 1) stream (src/util/random.ts) for the negative permutation. */
  rng: () => number;
  /** Never pair a head with its own positive tail as a negative (see negativePairs). */
  excludeOwnTail?: boolean;
}

export interface UmapLossResult {
  loss: number;
  gradHead: Float32Array;
  gradTail: Float32Array;
}

/**
 * tfumap's negative pairing for a batch of B edges: head and tail indices into the batch, [B * rate] each.
 * With `excludeOwnTail`, a negative that drew its head's own positive tail (probability 1/B: 6 % of the
 * negatives when a replica holds 16 edges) is moved to another tail of the batch, so a true neighbour is
 * never pushed away by its own edge.
 */
export function negativePairs(
  batch: number,
  negativeRate: number,
  rng: () => number,
  excludeOwnTail = false,
): { head: Int32Array; tail: Int32Array } {
  const total = batch * negativeRate;
  const perm = new Int32Array(total);
  for (let s = 0; s < total; s++) perm[s] = s;
  for (let s = total - 1; s > 0; s--) {
    const t = Math.floor(rng() * (s + 1));
    const x = perm[s]!;
    perm[s] = perm[t]!;
    perm[t] = x;
  }
  const head = new Int32Array(total),
    tail = new Int32Array(total);
  for (let s = 0; s < total; s++) {
    head[s] = Math.floor(s / negativeRate);
    tail[s] = Math.floor(perm[s]! / negativeRate);
    if (excludeOwnTail && batch > 1 && tail[s] === head[s])
      tail[s] = (head[s]! + 1 + Math.floor(rng() * (batch - 1))) % batch;
  }
  return { head, tail };
}

function checkCodes(zHead: Codes, zTail: Codes, dim: number): number {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`UMAP loss: dim must be a positive integer, got ${dim}`);
  if (zHead.length !== zTail.length || zHead.length % dim !== 0)
    throw new RangeError(`UMAP loss: zHead (${zHead.length}) and zTail (${zTail.length}) must both be [B, ${dim}]`);
  return zHead.length / dim;
}

/**
 * One pair's loss from its squared distance s, and coef = d loss / d s: -log clip(q) for a positive pair,
 * -rep log clip(1 - q) for a negative, q = 1 / (1 + a s^b); coef is 0 where the clip is active.
 */
export function pairLoss(s: number, positive: boolean, a: number, b: number, rep = 1): { loss: number; coef: number } {
  const sb = s > 0 ? s ** b : 0;
  const den = 1 + a * sb;
  if (positive) {
    if (1 / den >= UMAP_EPS) return { loss: Math.log(den), coef: s > 0 ? (a * b * sb) / (s * den) : 0 };
    return { loss: -Math.log(UMAP_EPS), coef: 0 };
  }
  const oneMinusQ = (a * sb) / den;
  if (oneMinusQ >= UMAP_EPS) return { loss: -rep * Math.log(oneMinusQ), coef: (-rep * b) / (s * den) };
  return { loss: -rep * Math.log(UMAP_EPS), coef: 0 };
}

/** One pair's loss, adding its gradient (times `scale`) into gH at row i and gT at row j. */
function pair(
  zHead: Codes,
  zTail: Codes,
  i: number,
  j: number,
  dim: number,
  positive: boolean,
  a: number,
  b: number,
  rep: number,
  scale: number,
  gH: Float64Array,
  gT: Float64Array,
): number {
  const hi = i * dim,
    tj = j * dim;
  let s = 0;
  for (let c = 0; c < dim; c++) {
    const v = zHead[hi + c]! - zTail[tj + c]!;
    s += v * v;
  }
  const { loss, coef } = pairLoss(s, positive, a, b, rep);
  if (coef !== 0) {
    const g = 2 * coef * scale;
    for (let c = 0; c < dim; c++) {
      const gv = g * (zHead[hi + c]! - zTail[tj + c]!);
      gH[hi + c]! += gv;
      gT[tj + c]! -= gv;
    }
  }
  return loss;
}

/**
 * The loss and gradient with explicit negatives: negative t joins head negHead[t] with tail negTail[t]
 * (indices into this batch). Data-parallel replicas can each take a shard of the positives (`positives`)
 * and of the negatives, pass the whole batch's pair count as `normalizer`, and sum their losses and
 * gradients: the sum equals the whole batch's result (up to float32 rounding of each part).
 */
export function umapLossAndGradPairs(
  zHead: Codes,
  zTail: Codes,
  dim: number,
  negHead: Int32Array,
  negTail: Int32Array,
  opts: UmapPairOptions,
): UmapLossResult {
  const B = checkCodes(zHead, zTail, dim);
  const { a, b } = opts;
  const rep = opts.repulsion ?? 1;
  if (!(a > 0) || !(b > 0)) throw new RangeError(`UMAP loss: a and b must be positive, got a = ${a}, b = ${b}`);
  if (negHead.length !== negTail.length)
    throw new RangeError(`UMAP loss: ${negHead.length} negative heads but ${negTail.length} tails`);
  const p0 = opts.positives?.start ?? 0,
    p1 = opts.positives?.end ?? B;
  if (!(Number.isInteger(p0) && Number.isInteger(p1) && 0 <= p0 && p0 <= p1 && p1 <= B))
    throw new RangeError(`UMAP loss: positives ${p0}..${p1} are outside 0..${B}`);
  const norm = opts.normalizer ?? p1 - p0 + negHead.length;
  if (!(norm > 0)) throw new RangeError(`UMAP loss: normalizer must be positive, got ${norm}`);
  const gH = new Float64Array(B * dim),
    gT = new Float64Array(B * dim);
  const scale = 1 / norm;
  let total = 0;
  for (let i = p0; i < p1; i++) total += pair(zHead, zTail, i, i, dim, true, a, b, rep, scale, gH, gT);
  for (let t = 0; t < negHead.length; t++) {
    const i = negHead[t]!,
      j = negTail[t]!;
    if (!(i >= 0 && i < B && j >= 0 && j < B))
      throw new RangeError(`UMAP loss: negative ${t} pairs ${i} with ${j}, outside 0..${B - 1}`);
    total += pair(zHead, zTail, i, j, dim, false, a, b, rep, scale, gH, gT);
  }
  return { loss: total * scale, gradHead: Float32Array.from(gH), gradTail: Float32Array.from(gT) };
}

/** The loss and gradient with tfumap's in-batch negatives (`negativeRate` per edge, drawn from `rng`). */
export function umapLossAndGrad(zHead: Codes, zTail: Codes, dim: number, opts: UmapLossOptions): UmapLossResult {
  const B = checkCodes(zHead, zTail, dim);
  const rate = opts.negativeRate ?? 5;
  if (!Number.isInteger(rate) || rate < 0)
    throw new RangeError(`UMAP loss: negativeRate must be a non-negative integer, got ${rate}`);
  const neg = negativePairs(B, rate, opts.rng, opts.excludeOwnTail);
  return umapLossAndGradPairs(zHead, zTail, dim, neg.head, neg.tail, opts);
}

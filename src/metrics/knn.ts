// k-nearest-neighbour classification of codes (Euclidean), brute force over typed arrays.
// Used to score how well the code space separates classes: fit on training codes, score on test codes.

/** Indices of the k nearest reference points of each query, nearest first ([nQueries, k]); ties go to the lower index. */
export function nearestNeighbours(reference: Float32Array, queries: Float32Array, dim: number, k: number): Int32Array {
  const nRef = reference.length / dim,
    nQ = queries.length / dim;
  if (!Number.isInteger(nRef) || !Number.isInteger(nQ)) throw new Error(`code arrays are not multiples of dim ${dim}`);
  if (k < 1 || k > nRef) throw new RangeError(`k must be in 1..${nRef}, got ${k}`);
  const bestD = new Float64Array(k);
  const out = new Int32Array(nQ * k);
  for (let q = 0; q < nQ; q++) {
    bestD.fill(Infinity);
    const bestI = out.subarray(q * k, (q + 1) * k);
    const qo = q * dim;
    for (let r = 0; r < nRef; r++) {
      const ro = r * dim;
      let d = 0;
      for (let j = 0; j < dim; j++) {
        const t = queries[qo + j]! - reference[ro + j]!;
        d += t * t;
      }
      if (d < bestD[k - 1]!) {
        let i = k - 1;
        while (i > 0 && bestD[i - 1]! > d) {
          bestD[i] = bestD[i - 1]!;
          bestI[i] = bestI[i - 1]!;
          i--;
        }
        bestD[i] = d;
        bestI[i] = r;
      }
    }
  }
  return out;
}

/** Majority label among the first `use` of each query's `k` neighbours; ties go to the class of the nearer point. */
export function voteLabels(
  neighbours: Int32Array,
  k: number,
  use: number,
  referenceLabels: ArrayLike<number>,
  numClasses = 10,
): Uint8Array {
  const nQ = neighbours.length / k;
  const votes = new Float64Array(numClasses);
  const out = new Uint8Array(nQ);
  for (let q = 0; q < nQ; q++) {
    votes.fill(0);
    // Each vote gets a tiny bonus that decreases with rank, so ties go to the nearer class.
    for (let i = 0; i < use; i++) votes[referenceLabels[neighbours[q * k + i]!]!]! += 1 + (use - i) * 1e-6;
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (votes[c]! > votes[best]!) best = c;
    out[q] = best;
  }
  return out;
}

export function knnPredict(
  reference: Float32Array,
  referenceLabels: ArrayLike<number>,
  queries: Float32Array,
  dim: number,
  k: number,
  numClasses = 10,
): Uint8Array {
  return voteLabels(nearestNeighbours(reference, queries, dim, k), k, k, referenceLabels, numClasses);
}

export function accuracy(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
  let hit = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === truth[i]) hit++;
  return hit / predicted.length;
}

export function knnAccuracy(
  reference: Float32Array,
  referenceLabels: ArrayLike<number>,
  queries: Float32Array,
  queryLabels: ArrayLike<number>,
  dim: number,
  k: number,
): number {
  return accuracy(knnPredict(reference, referenceLabels, queries, dim, k), queryLabels);
}

/** Accuracy for each k in `ks`, from one neighbour search with the largest k. */
export function knnAccuracies(
  reference: Float32Array,
  referenceLabels: ArrayLike<number>,
  queries: Float32Array,
  queryLabels: ArrayLike<number>,
  dim: number,
  ks: number[],
): number[] {
  const kMax = Math.max(...ks);
  const nn = nearestNeighbours(reference, queries, dim, kMax);
  return ks.map((k) => accuracy(voteLabels(nn, kMax, k, referenceLabels), queryLabels));
}

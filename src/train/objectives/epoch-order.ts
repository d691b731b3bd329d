// The order of the training images in an epoch: a permutation that depends only on the seed and the epoch,
// so a resumed run sees the same batches.
import { permutation, seededRandom } from '../../util/random.js';

/** The first `take` indices of epoch `epoch`'s seeded permutation of 0..count-1. */
export function epochPermutation(count: number, seed: number, epoch: number, take: number): Int32Array {
  return permutation(count, seededRandom(seed * 100_003 + epoch)).subarray(0, take);
}

// Reconstruction error of an autoencoder, per pixel: mean squared error and binary cross-entropy, with
// the one clipping constant the training loss uses too (Keras': predictions kept inside [eps, 1 - eps]).
// Sums are float64 over float32 images [n, pixels] in [0, 1], fed in batches; per-class MSE when labels come.

import { BCE_EPSILON } from '../train-graph/loss.js';

export interface ReconstructionMetrics {
  images: number;
  mse: number;
  bce: number;
  /** Mean per-pixel MSE of each class's images (NaN for a class with none); empty without labels. */
  perClassMse: number[];
}

export class ReconstructionSums {
  private sq = 0;
  private bce = 0;
  private n = 0;
  private readonly classSq: Float64Array;
  private readonly classN: Float64Array;

  constructor(
    private readonly pixels: number,
    numClasses = 10,
  ) {
    this.classSq = new Float64Array(numClasses);
    this.classN = new Float64Array(numClasses);
  }

  /** Adds a batch: `x` the images, `y` their reconstructions, both [count, pixels]; labels [count] if known. */
  add(x: ArrayLike<number>, y: ArrayLike<number>, labels?: ArrayLike<number>): void {
    if (x.length !== y.length || x.length % this.pixels !== 0) {
      throw new RangeError(
        `reconstruction: ${x.length} image values vs ${y.length} reconstructed, in images of ${this.pixels}`,
      );
    }
    const count = x.length / this.pixels;
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let p = i * this.pixels; p < (i + 1) * this.pixels; p++) {
        const t = x[p]!,
          r = y[p]!,
          c = Math.min(Math.max(r, BCE_EPSILON), 1 - BCE_EPSILON);
        s += (t - r) ** 2;
        this.bce -= t * Math.log(c) + (1 - t) * Math.log(1 - c);
      }
      this.sq += s;
      if (labels) {
        this.classSq[labels[i]!]! += s / this.pixels;
        this.classN[labels[i]!]!++;
      }
    }
    this.n += count;
  }

  result(): ReconstructionMetrics {
    const values = this.n * this.pixels;
    return {
      images: this.n,
      mse: this.sq / values,
      bce: this.bce / values,
      perClassMse: this.classN.some((c) => c > 0) ? Array.from(this.classSq, (s, c) => s / this.classN[c]!) : [],
    };
  }
}

/** Reconstruction metrics of whole arrays at once. */
export function reconstructionMetrics(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  pixels: number,
  labels?: ArrayLike<number>,
): ReconstructionMetrics {
  const sums = new ReconstructionSums(pixels);
  sums.add(x, y, labels);
  return sums.result();
}

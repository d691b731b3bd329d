// The starting layout for the UMAP optimisation: an approximate spectral layout of the fuzzy graph, reached
// from the images' principal components, scaled as umap-learn scales its initialisations (each axis to
// [0, 10], plus noise of 1e-4 so no two points coincide).
//
// Reads: pixels uint8 [n, pixelDim] and the FuzzyGraph over them. Writes: Float32Array [n, dim].
// 1. PCA: the components are fitted on an evenly spaced sample of at most FIT_SAMPLE images by subspace
//    iteration on the centred sample (dim + OVERSAMPLE vectors, PCA_ROUNDS rounds), then every image is projected.
// 2. Spectral smoothing: from those coordinates, SPECTRAL_ROUNDS rounds of subspace iteration with the lazy
//    normalised adjacency (I + D^-1/2 W D^-1/2) / 2, orthogonal to its top (trivial) eigenvector D^1/2 1.
//    umap-learn's spectral initialisation is the converged form (the Laplacian's smallest non-trivial
//    eigenvectors); a few hundred rounds from PCA give most of its benefit at a fraction of an eigensolver's
//    cost (on the 55,000 training images, layout 5-NN 0.752 from PCA, 0.764 from 300 rounds: docs/umap.md).
// Deterministic: a seeded start and a fixed order of sums.
import type { FuzzyGraph } from './fuzzy-set.js';
import { seededRandom } from '../util/random.js';

const FIT_SAMPLE = 10_000;
const OVERSAMPLE = 4;
const PCA_ROUNDS = 12;
export const SPECTRAL_ROUNDS = 300;
export const INIT_SCALE = 10;
const INIT_NOISE = 1e-4;

function orthonormalise(v: Float64Array[]): void {
  for (let i = 0; i < v.length; i++) {
    const vi = v[i]!;
    for (let j = 0; j < i; j++) {
      const vj = v[j]!;
      let dot = 0;
      for (let t = 0; t < vi.length; t++) dot += vi[t]! * vj[t]!;
      for (let t = 0; t < vi.length; t++) vi[t]! -= dot * vj[t]!;
    }
    let norm = 0;
    for (let t = 0; t < vi.length; t++) norm += vi[t]! * vi[t]!;
    norm = Math.sqrt(norm) || 1;
    for (let t = 0; t < vi.length; t++) vi[t]! /= norm;
  }
}

/** The top `dim` principal directions (unit vectors, largest variance first) and the mean of the pixels / 255. */
export function principalComponents(
  pixels: Uint8Array,
  n: number,
  pixelDim: number,
  dim: number,
  seed: number,
): { mean: Float64Array; components: Float64Array[] } {
  const step = Math.max(1, Math.floor(n / FIT_SAMPLE));
  const rows: number[] = [];
  for (let i = 0; i < n; i += step) rows.push(i);
  const m = rows.length;
  const x = new Float64Array(m * pixelDim);
  const mean = new Float64Array(pixelDim);
  rows.forEach((r, i) => {
    for (let t = 0; t < pixelDim; t++) {
      const v = pixels[r * pixelDim + t]! / 255;
      x[i * pixelDim + t] = v;
      mean[t]! += v / m;
    }
  });
  for (let i = 0; i < m; i++) for (let t = 0; t < pixelDim; t++) x[i * pixelDim + t]! -= mean[t]!;

  const random = seededRandom(seed);
  const count = dim + OVERSAMPLE;
  let v = Array.from({ length: count }, () => Float64Array.from({ length: pixelDim }, () => random() - 0.5));
  orthonormalise(v);
  const y = new Float64Array(m);
  for (let it = 0; it < PCA_ROUNDS; it++) {
    // v <- X^T X v, one vector at a time.
    v = v.map((vec) => {
      for (let i = 0; i < m; i++) {
        let s = 0;
        const o = i * pixelDim;
        for (let t = 0; t < pixelDim; t++) s += x[o + t]! * vec[t]!;
        y[i] = s;
      }
      const out = new Float64Array(pixelDim);
      for (let i = 0; i < m; i++) {
        const yi = y[i]!,
          o = i * pixelDim;
        for (let t = 0; t < pixelDim; t++) out[t]! += x[o + t]! * yi;
      }
      return out;
    });
    orthonormalise(v);
  }
  // Rayleigh–Ritz on the subspace would order them exactly; the iteration already leaves the largest first.
  return { mean, components: v.slice(0, dim) };
}

/** umap-learn's scaling of a starting layout: each axis to [0, INIT_SCALE], then seeded noise of 1e-4. */
export function scaleLayout(layout: Float32Array, n: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed ^ 0x5bd1e995);
  for (let c = 0; c < dim; c++) {
    let lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = layout[i * dim + c]!;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const scale = hi > lo ? INIT_SCALE / (hi - lo) : 1;
    for (let i = 0; i < n; i++)
      layout[i * dim + c] = (layout[i * dim + c]! - lo) * scale + (random() - 0.5) * 2 * INIT_NOISE;
  }
  return layout;
}

/** The images' top `dim` principal components [n, dim], scaled to [0, 10] per axis. */
export function pcaLayout(pixels: Uint8Array, n: number, pixelDim: number, dim: number, seed: number): Float32Array {
  const { mean, components } = principalComponents(pixels, n, pixelDim, dim, seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const o = i * pixelDim;
    components.forEach((comp, c) => {
      let s = 0;
      for (let t = 0; t < pixelDim; t++) s += (pixels[o + t]! / 255 - mean[t]!) * comp[t]!;
      out[i * dim + c] = s;
    });
  }
  return scaleLayout(out, n, dim, seed);
}

/**
 * Smooths `start` [n, dim] towards the graph's spectral layout: `rounds` rounds of subspace iteration with the
 * lazy normalised adjacency, orthogonal to its trivial eigenvector. Returns the new coordinates [n, dim].
 */
export function spectralSmoothing(graph: FuzzyGraph, start: Float32Array, dim: number, rounds: number): Float32Array {
  const { n, head, tail, weight } = graph;
  const degree = new Float64Array(n);
  for (let e = 0; e < weight.length; e++) degree[head[e]!]! += weight[e]!;
  const root = degree.map((d) => Math.sqrt(d));
  const trivial = Float64Array.from(root);
  const normalised = new Float64Array(weight.length);
  for (let e = 0; e < weight.length; e++) {
    const scale = root[head[e]!]! * root[tail[e]!]!;
    normalised[e] = scale > 0 ? weight[e]! / scale : 0;
  }
  let columns = Array.from({ length: dim }, (_, c) => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = start[i * dim + c]! * root[i]!;
    return v;
  });
  orthonormalise([trivial, ...columns]);
  for (let r = 0; r < rounds; r++) {
    columns = columns.map((v) => {
      const out = new Float64Array(n);
      for (let e = 0; e < normalised.length; e++) out[head[e]!]! += normalised[e]! * v[tail[e]!]!;
      for (let i = 0; i < n; i++) out[i] = 0.5 * (out[i]! + v[i]!);
      return out;
    });
    orthonormalise([trivial, ...columns]);
  }
  const out = new Float32Array(n * dim);
  columns.forEach((v, c) => {
    for (let i = 0; i < n; i++) out[i * dim + c] = v[i]!;
  });
  return out;
}

/** The starting layout of the module header: PCA, smoothed towards the spectral layout, scaled to [0, 10]. */
export function initialLayout(
  pixels: Uint8Array,
  graph: FuzzyGraph,
  pixelDim: number,
  dim: number,
  seed: number,
  rounds = SPECTRAL_ROUNDS,
): Float32Array {
  const pca = pcaLayout(pixels, graph.n, pixelDim, dim, seed);
  if (rounds === 0) return pca;
  // PCA's scaled coordinates are centred again by the orthogonalisation against the trivial vector.
  return scaleLayout(spectralSmoothing(graph, pca, dim, rounds), graph.n, dim, seed);
}

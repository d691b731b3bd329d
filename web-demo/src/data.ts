// What the page downloads from the built site (see src/demo/build.ts): meta.json, plane.f32 and labels.u8
// first (the scatter), then codes.f32, and images/<k>.u8 chunks only when a point's image is needed.
import { nearestNeighbours } from '../../src/metrics/knn.js';
import type { CodePlane } from '../../src/metrics/code-range.js';
import { PIXELS } from './dom.js';

export interface Meta {
  latent: number;
  count: number;
  classNames: string[];
  colors: string[];
  /** Test images per images/<k>.u8 file. */
  imageChunk: number;
  /** For latent > 2: the plane is the top-2 principal components of the test codes. */
  projection: CodePlane['projection'];
  /** The plane's extent: [[x0, x1], [y0, y1]]. */
  range: [[number, number], [number, number]];
  facts: Record<string, string>;
  /** Uncompressed byte sizes of the larger files, for progress bars (the transfer may be compressed). */
  sizes: Record<string, number>;
}

/** Downloads a file, reporting the bytes received so far (decompressed, as the browser hands them over). */
export async function fetchBytes(name: string, onBytes?: (n: number) => void): Promise<Uint8Array> {
  const res = await fetch(name);
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status} (404 means the file is missing from the served folder)`);
  if (!onBytes || !res.body) return new Uint8Array(await res.arrayBuffer());
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.length;
    onBytes(total);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The test images, fetched a chunk at a time on first use. */
export class Images {
  private readonly chunks = new Map<number, Promise<Uint8Array>>();
  private readonly ready = new Map<number, Uint8Array>();
  constructor(private readonly meta: Meta) {}

  private chunk(k: number): Promise<Uint8Array> {
    let p = this.chunks.get(k);
    if (!p) {
      p = fetchBytes(`images/${k}.u8`).then((b) => {
        this.ready.set(k, b);
        return b;
      });
      p.catch(() => this.chunks.delete(k));
      this.chunks.set(k, p);
    }
    return p;
  }

  async get(i: number): Promise<Uint8Array> {
    const k = Math.floor(i / this.meta.imageChunk),
      at = (i - k * this.meta.imageChunk) * PIXELS;
    return (await this.chunk(k)).subarray(at, at + PIXELS);
  }

  /** The image when its chunk is already here, else null (and the chunk is requested). */
  peek(i: number): Uint8Array | null {
    const k = Math.floor(i / this.meta.imageChunk),
      c = this.ready.get(k);
    if (!c) {
      void this.chunk(k).catch(() => undefined);
      return null;
    }
    const at = (i - k * this.meta.imageChunk) * PIXELS;
    return c.subarray(at, at + PIXELS);
  }

  /** Resolves once the chunk holding image i has arrived. */
  async load(i: number): Promise<void> {
    await this.chunk(Math.floor(i / this.meta.imageChunk));
  }
}

/** The k nearest test codes to `code` by Euclidean distance in the full code space (the project's kNN search). */
export function nearest(
  codes: Float32Array,
  latent: number,
  code: ArrayLike<number>,
  k: number,
  skip = -1,
): { index: number; distance: number }[] {
  const query = Float32Array.from({ length: latent }, (_, t) => code[t]!);
  const n = codes.length / latent;
  const found = nearestNeighbours(codes, query, latent, Math.min(n, skip >= 0 ? k + 1 : k));
  return Array.from(found)
    .filter((i) => i !== skip)
    .slice(0, k)
    .map((index) => {
      let d = 0;
      for (let t = 0; t < latent; t++) d += (codes[index * latent + t]! - query[t]!) ** 2;
      return { index, distance: Math.sqrt(d) };
    });
}

// Decodes the weight shards of a tfjs model into named float32 arrays.
import type { Weight } from './layer-context.js';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

export function decodeWeights(specs: WeightSpec[], bytes: Uint8Array, where: string): Map<string, Weight> {
  const out = new Map<string, Weight>();
  let offset = 0;
  for (const s of specs) {
    if (s.quantization) throw new Error(`${where}: weight ${s.name} is quantized; convert an unquantized model`);
    if (s.dtype !== 'float32')
      throw new Error(`${where}: weight ${s.name} has dtype ${s.dtype}; only float32 weights are supported`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * n > bytes.length)
      throw new Error(
        `${where}: weight data ends at byte ${bytes.length}, but ${s.name} needs bytes ${offset}..${offset + 4 * n}`,
      );
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + 4 * n));
    out.set(s.name, { shape: s.shape, data });
    offset += 4 * n;
  }
  if (offset !== bytes.length)
    throw new Error(`${where}: ${bytes.length} bytes of weight data, the manifest describes ${offset}`);
  return out;
}

/** Finds `<layer>/<suffix>`, also under a model-name prefix (`model/<layer>/<suffix>`). */
export function weightLookup(weights: Map<string, Weight>) {
  return (layer: string, suffix: string): Weight | undefined => {
    const exact = weights.get(`${layer}/${suffix}`);
    if (exact) return exact;
    const tail = `/${layer}/${suffix}`;
    const matches = [...weights.keys()].filter((k) => k.endsWith(tail));
    return matches.length === 1 ? weights.get(matches[0]!) : undefined;
  };
}

// The code plane: where the test set's codes lie, computed once (by the train stage's evaluation), stored in
// the ONNX metadata by export, and read by report, demo and decode. For a 2-D code the plane is (z0, z1);
// for a longer code it is the top two principal components of the test codes. The range on each plane
// axis runs from the 1st to the 99th percentile: wide enough for the bulk of the codes, blind to outliers.
import { pca2 } from './embedding-metrics.js';
import { quantile } from './quantile.js';

export const CODE_RANGE_QUANTILES = [0.01, 0.99] as const;

export interface CodePlane {
  /** [[lo, hi] on plane axis 1, [lo, hi] on plane axis 2]. */
  range: [[number, number], [number, number]];
  /** null: the plane is (z0, z1); else point = components . (code - mean). */
  projection: { mean: number[]; components: [number[], number[]] } | null;
}

/** The plane and range of codes [n, latent]. */
export function codePlane(codes: Float32Array, latent: number): CodePlane {
  const pca = latent > 2 ? pca2(codes, latent) : null;
  const plane = pca ? pca.projected : planeOf(codes, latent, null);
  const axis = (d: number): [number, number] => {
    const col = plane.filter((_, i) => i % 2 === d);
    return [quantile(col, CODE_RANGE_QUANTILES[0]), quantile(col, CODE_RANGE_QUANTILES[1])];
  };
  return {
    range: [axis(0), axis(1)],
    projection: pca
      ? { mean: Array.from(pca.mean), components: [Array.from(pca.components[0]!), Array.from(pca.components[1]!)] }
      : null,
  };
}

/** Codes [n, latent] to plane points [n, 2]. */
export function planeOf(codes: Float32Array, latent: number, projection: CodePlane['projection']): Float32Array {
  const n = codes.length / latent,
    out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < 2; a++) {
      if (!projection) {
        out[i * 2 + a] = codes[i * latent + a]!;
        continue;
      }
      let s = 0;
      for (let d = 0; d < latent; d++)
        s += (codes[i * latent + d]! - projection.mean[d]!) * projection.components[a]![d]!;
      out[i * 2 + a] = s;
    }
  return out;
}

/** Plane points [n, 2] back to codes [n, latent] (on the plane through the mean). */
export function codesOf(points: Float32Array, latent: number, projection: CodePlane['projection']): Float32Array {
  if (!projection) return points;
  const n = points.length / 2,
    out = new Float32Array(n * latent);
  for (let k = 0; k < n; k++) {
    const a = points[2 * k]!,
      b = points[2 * k + 1]!;
    for (let d = 0; d < latent; d++)
      out[k * latent + d] = projection.mean[d]! + a * projection.components[0][d]! + b * projection.components[1][d]!;
  }
  return out;
}

/** The metadata_props that carry a plane: code_range always, code_projection for codes longer than 2. */
export function codePlaneMetadata(plane: CodePlane): Record<string, string> {
  return {
    code_range: JSON.stringify(plane.range),
    ...(plane.projection ? { code_projection: JSON.stringify(plane.projection) } : {}),
  };
}

/** Reads the plane back from a model's metadata_props; `file` names the model in errors. */
export function codePlaneFromMetadata(md: Record<string, string>, latent: number, file: string): CodePlane {
  const bad = (what: string) => new Error(`${file}: metadata ${what}; run \`make export\` again`);
  if (!md.code_range) throw bad('has no code_range');
  const range = parseJson(md.code_range, () => bad('code_range is not JSON'));
  const pair = (v: unknown) =>
    Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!Array.isArray(range) || range.length < 2 || !pair(range[0]) || !pair(range[1]))
    throw bad('code_range is not [[lo, hi], [lo, hi]]');
  let projection: CodePlane['projection'] = null;
  if (latent > 2) {
    if (!md.code_projection) throw bad(`has no code_projection for its ${latent}-D code`);
    const p = parseJson(md.code_projection, () => bad('code_projection is not JSON')) as {
      mean?: unknown;
      components?: unknown;
    };
    const vec = (v: unknown) => Array.isArray(v) && v.length === latent && v.every((x) => typeof x === 'number');
    if (!vec(p.mean) || !Array.isArray(p.components) || p.components.length !== 2 || !p.components.every(vec)) {
      throw bad(`code_projection is not { mean, components } of length ${latent}`);
    }
    projection = p as NonNullable<CodePlane['projection']>;
  }
  return { range: [range[0] as [number, number], range[1] as [number, number]], projection };
}

function parseJson(text: string, error: () => Error): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw error();
  }
}

/** Codes on a steps x steps grid over [x0, x1] x [y0, y1], rows from top (y1) to bottom (y0). */
export function walkGrid(range: [number, number, number, number], steps: number): Float32Array {
  const [x0, x1, y0, y1] = range;
  const out = new Float32Array(steps * steps * 2);
  for (let r = 0; r < steps; r++)
    for (let c = 0; c < steps; c++) {
      out[(r * steps + c) * 2] = x0 + ((x1 - x0) * c) / Math.max(1, steps - 1);
      out[(r * steps + c) * 2 + 1] = y1 - ((y1 - y0) * r) / Math.max(1, steps - 1);
    }
  return out;
}

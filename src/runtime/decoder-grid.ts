// The decoder over a rectangle of the code plane: one function for the report's manifold.png and `decode --walk`.
// Reads an opened decoder; returns steps x steps images [steps * steps, 28, 28, 1] in row-major order, rows from
// the top (y1) of the rectangle to the bottom (y0).
import { codesOf, walkGrid, type CodePlane } from '../metrics/code-range.js';
import { runBatched, type OpenedModel } from './ort-session.js';

/** `range` is [x0, x1, y0, y1] on the plane; `projection` maps plane points back to codes (null: the codes are 2-D). */
export async function decodePlaneGrid(
  decoder: OpenedModel,
  latent: number,
  range: [number, number, number, number],
  steps: number,
  projection: CodePlane['projection'],
): Promise<Float32Array> {
  return runBatched(decoder, codesOf(walkGrid(range, steps), latent, projection), [latent], 1024);
}

/** A plane's stored range as decodePlaneGrid's [x0, x1, y0, y1]. */
export function planeRect(plane: CodePlane): [number, number, number, number] {
  const [[x0, x1], [y0, y1]] = plane.range;
  return [x0, x1, y0, y1];
}

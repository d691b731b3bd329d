// The code plane: a grid of codes over a 2-D range of the code space (the decoder's manifold picture).
/** Codes on a steps x steps grid over [x0, x1] x [y0, y1], rows from top (y1) to bottom (y0). */
export function walkGrid(range: [number, number, number, number], steps: number): Float32Array {
  const [x0, x1, y0, y1] = range;
  const out = new Float32Array(steps * steps * 2);
  for (let r = 0; r < steps; r++) for (let c = 0; c < steps; c++) {
    out[(r * steps + c) * 2] = x0 + ((x1 - x0) * c) / Math.max(1, steps - 1);
    out[(r * steps + c) * 2 + 1] = y1 - ((y1 - y0) * r) / Math.max(1, steps - 1);
  }
  return out;
}

// umap-learn's find_ab_params: the a, b of the low-dimensional similarity q(d) = 1 / (1 + a d^(2b)).
//
// The target curve on x = linspace(0, 3 spread, 300) is 1 for x < min_dist and exp(-(x - min_dist) / spread)
// beyond; a, b are its least-squares fit, found as scipy's curve_fit does (Levenberg-Marquardt from
// a = b = 1), here with the analytic Jacobian in float64. min_dist 0.1, spread 1 give a = 1.577, b = 0.895.

export interface AbParams {
  a: number;
  b: number;
}

export const AB_POINTS = 300;

/** The curve the fit follows: x and y, 300 points each. */
export function abTargetCurve(spread: number, minDist: number): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(AB_POINTS),
    y = new Float64Array(AB_POINTS);
  for (let t = 0; t < AB_POINTS; t++) {
    x[t] = (3 * spread * t) / (AB_POINTS - 1);
    y[t] = x[t]! < minDist ? 1 : Math.exp(-(x[t]! - minDist) / spread);
  }
  return { x, y };
}

/** Sum of squared residuals of 1 / (1 + a x^(2b)) against y. */
export function abResidual(a: number, b: number, x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let t = 0; t < x.length; t++) {
    const r = 1 / (1 + a * x[t]! ** (2 * b)) - y[t]!;
    s += r * r;
  }
  return s;
}

export function findAbParams(spread: number, minDist: number): AbParams {
  if (!(spread > 0 && Number.isFinite(spread))) throw new RangeError(`spread must be a positive number, got ${spread}`);
  if (!(minDist > 0 && minDist <= spread))
    throw new RangeError(`min_dist must be in (0, spread = ${spread}], got ${minDist}`);
  const { x, y } = abTargetCurve(spread, minDist);
  let a = 1,
    b = 1,
    lambda = 1e-3;
  let sse = abResidual(a, b, x, y);
  for (let it = 0; it < 500; it++) {
    // Normal equations of the linearised problem: (J^T J + lambda diag(J^T J)) delta = -J^T r.
    let jaa = 0,
      jab = 0,
      jbb = 0,
      ga = 0,
      gb = 0;
    for (let t = 0; t < x.length; t++) {
      const xt = x[t]!;
      const p = xt > 0 ? xt ** (2 * b) : 0;
      const den = 1 + a * p;
      const r = 1 / den - y[t]!;
      const da = -p / (den * den);
      const db = xt > 0 ? (-a * p * 2 * Math.log(xt)) / (den * den) : 0;
      jaa += da * da;
      jab += da * db;
      jbb += db * db;
      ga += da * r;
      gb += db * r;
    }
    let accepted = false;
    for (let tries = 0; tries < 40 && !accepted; tries++) {
      const m11 = jaa * (1 + lambda),
        m22 = jbb * (1 + lambda),
        det = m11 * m22 - jab * jab;
      const dA = (-ga * m22 + gb * jab) / det,
        dB = (-gb * m11 + ga * jab) / det;
      const na = a + dA,
        nb = b + dB;
      const nsse = nb > 0 ? abResidual(na, nb, x, y) : Infinity;
      if (nsse <= sse) {
        const small = Math.abs(dA) <= 1e-12 * (1 + Math.abs(a)) && Math.abs(dB) <= 1e-12 * (1 + Math.abs(b));
        a = na;
        b = nb;
        sse = nsse;
        lambda = Math.max(lambda / 10, 1e-12);
        accepted = true;
        if (small) return { a, b };
      } else {
        lambda *= 10;
      }
    }
    if (!accepted) break; // no step lowers the residual: at the minimum to float64 precision
  }
  return { a, b };
}

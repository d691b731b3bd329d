// Dense: Gemm on [batch, features] inputs; MatMul + Add along the last axis for higher ranks.
// Gemm takes its weight as [units, features] with transB = 1, the form every importer reads
// (OpenCV 4.6 mis-sizes a Gemm with transB = 0 and a bias).
import { applyActivation } from '../activations.js';
import { permute, type LayerConverter } from '../layer-context.js';

export const dense: LayerConverter = (ctx) => {
  const c = ctx.config;
  const shape = ctx.input.shape;
  const units = c.units as number;
  const inFeatures = shape[shape.length - 1];
  if (typeof inFeatures !== 'number') return ctx.fail('needs a known last dimension');
  const g = ctx.g;
  const w = ctx.weight('kernel', [inFeatures, units]);
  const bias =
    c.use_bias !== false ? g.floatTensor(ctx.name('bias'), [units], ctx.weight('bias', [units]).data) : undefined;
  let y: string;
  if (shape.length === 2) {
    // Input features from a Flatten of NCHW data are in channel-major order: the kernel's rows (h, w, c)
    // are reordered to (c, h, w) to match, instead of transposing the data back to channels-last.
    const chw = ctx.input.forms.nhwc ? undefined : ctx.input.chwFlat;
    const x = chw ? chw.name : g.as(ctx.input, 'nhwc');
    const wt = chw ? permute(w.data, [...chw.hwc, units], [3, 2, 0, 1]) : permute(w.data, w.shape, [1, 0]);
    const kernel = g.floatTensor(ctx.name('kernel'), [units, inFeatures], wt.data);
    y = g.node('Gemm', bias ? [x, kernel, bias] : [x, kernel], ctx.name('gemm'), { transB: 1 });
  } else {
    // The features axis is the tfjs last axis, so a rank-4 input is taken in its channels-last form.
    const x = g.as(ctx.input, 'nhwc');
    y = g.node('MatMul', [x, g.floatTensor(ctx.name('kernel'), w.shape, w.data)], ctx.name('matmul'));
    if (bias) y = g.node('Add', [y, bias], ctx.name('bias_add'));
  }
  return applyActivation(
    g,
    y,
    'nhwc',
    [...shape.slice(0, -1), units],
    c.activation,
    ctx.layer.name,
    `layer "${ctx.layer.name}" (Dense)`,
  );
};

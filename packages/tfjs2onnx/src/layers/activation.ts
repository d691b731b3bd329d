// Activation layers: Activation (any supported name), ReLU (optionally capped), LeakyReLU, ELU, Softmax.
import { applyActivation } from '../activations.js';
import { permute, type LayerContext, type LayerConverter } from '../layer-context.js';

const where = (ctx: LayerContext) => `layer "${ctx.layer.name}" (${ctx.layer.className})`;

export const activation: LayerConverter = (ctx) => {
  const { name, layout } = ctx.g.anyForm(ctx.input);
  return applyActivation(ctx.g, name, layout, ctx.input.shape, ctx.config.activation, ctx.layer.name, where(ctx));
};

export const relu: LayerConverter = (ctx) => {
  const c = ctx.config;
  if (c.negative_slope !== undefined && c.negative_slope !== 0)
    return ctx.unsupported('negative_slope', c.negative_slope);
  if (c.threshold !== undefined && c.threshold !== 0) return ctx.unsupported('threshold', c.threshold);
  const { name, layout } = ctx.g.anyForm(ctx.input);
  const g = ctx.g;
  const y =
    c.max_value === null || c.max_value === undefined
      ? g.node('Relu', [name], ctx.name('relu'))
      : g.node(
          'Clip',
          [
            name,
            g.floatTensor(ctx.name('min'), [], Float32Array.of(0)),
            g.floatTensor(ctx.name('max'), [], Float32Array.of(c.max_value as number)),
          ],
          ctx.name('relu'),
        );
  return { shape: ctx.input.shape, forms: { [layout]: y } };
};

export const leakyRelu: LayerConverter = (ctx) => {
  const { name, layout } = ctx.g.anyForm(ctx.input);
  const alpha = typeof ctx.config.alpha === 'number' ? ctx.config.alpha : 0.3;
  return {
    shape: ctx.input.shape,
    forms: { [layout]: ctx.g.node('LeakyRelu', [name], ctx.name('leaky_relu'), { alpha: { float: alpha } }) },
  };
};

export const elu: LayerConverter = (ctx) => {
  const { name, layout } = ctx.g.anyForm(ctx.input);
  const alpha = typeof ctx.config.alpha === 'number' ? ctx.config.alpha : 1;
  return {
    shape: ctx.input.shape,
    forms: { [layout]: ctx.g.node('Elu', [name], ctx.name('elu'), { alpha: { float: alpha } }) },
  };
};

export const softmax: LayerConverter = (ctx) => {
  // tfjs itself computes softmax only over the last axis (its default axis value 1 means that for rank 2).
  const rank = ctx.input.shape.length;
  const raw =
    Array.isArray(ctx.config.axis) && ctx.config.axis.length === 1 ? ctx.config.axis[0] : (ctx.config.axis ?? -1);
  if (raw !== -1 && raw !== rank - 1) return ctx.unsupported('axis', ctx.config.axis);
  const { name, layout } = ctx.g.anyForm(ctx.input);
  return applyActivation(ctx.g, name, layout, ctx.input.shape, 'softmax', ctx.layer.name, where(ctx));
};

export const thresholdedRelu: LayerConverter = (ctx) => {
  const { name, layout } = ctx.g.anyForm(ctx.input);
  const theta = typeof ctx.config.theta === 'number' ? ctx.config.theta : 1;
  return {
    shape: ctx.input.shape,
    forms: {
      [layout]: ctx.g.node('ThresholdedRelu', [name], ctx.name('thresholded_relu'), { alpha: { float: theta } }),
    },
  };
};

/** PReLU: ONNX PRelu, its slope (tfjs's alpha, shaped like the input without the batch) in the value's layout. */
export const prelu: LayerConverter = (ctx) => {
  const rest = ctx.input.shape.slice(1);
  if (rest.some((d) => d === null))
    return ctx.fail(`needs known non-batch dimensions, got [${ctx.input.shape.join(', ')}]`);
  const shared = ctx.config.shared_axes;
  const sharedAxes =
    shared === null || shared === undefined ? [] : Array.isArray(shared) ? (shared as number[]) : [shared as number];
  const alphaShape = (rest as number[]).map((d, i) => (sharedAxes.includes(i + 1) ? 1 : d));
  const alpha = ctx.weight('alpha', alphaShape);
  const g = ctx.g;
  const { name, layout } = g.anyForm(ctx.input);
  const r = alphaShape.length;
  const slope =
    layout === 'nchw' && r >= 2 && r <= 4
      ? permute(alpha.data, alphaShape, [r - 1, ...Array.from({ length: r - 1 }, (_, i) => i)])
      : { data: alpha.data, shape: alphaShape };
  return {
    shape: ctx.input.shape,
    forms: {
      [layout]: g.node('PRelu', [name, g.floatTensor(ctx.name('alpha'), slope.shape, slope.data)], ctx.name('prelu')),
    },
  };
};

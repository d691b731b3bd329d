// LayerNormalization (over the last axis) and Rescaling.
// LayerNormalization is the ONNX operator from opset 17; below, the same computation in elementary ops:
// d = x - mean(x), y = d / sqrt(mean(d^2) + eps) * gamma + beta (tfjs's variance is the biased one).
import { reduce } from '../reduce.js';
import type { LayerConverter } from '../layer-context.js';

export const layerNormalization: LayerConverter = (ctx) => {
  const c = ctx.config;
  const shape = ctx.input.shape;
  const rank = shape.length;
  const raw = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : (c.axis ?? -1);
  if (raw !== -1 && raw !== rank - 1) return ctx.unsupported('axis', c.axis);
  const channels = shape[rank - 1];
  if (typeof channels !== 'number') return ctx.fail('needs a known last dimension');
  const eps = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
  const g = ctx.g;
  const x = g.as(ctx.input, 'nhwc');
  const gamma = g.floatTensor(
    ctx.name('gamma'),
    [channels],
    c.scale !== false ? ctx.weight('gamma', [channels]).data : new Float32Array(channels).fill(1),
  );
  const beta = g.floatTensor(
    ctx.name('beta'),
    [channels],
    c.center !== false ? ctx.weight('beta', [channels]).data : new Float32Array(channels),
  );
  if (ctx.opset >= 17) {
    return {
      shape,
      forms: {
        nhwc: g.node('LayerNormalization', [x, gamma, beta], ctx.name('layer_norm'), {
          axis: -1,
          epsilon: { float: eps },
        }),
      },
    };
  }
  const d = g.node(
    'Sub',
    [x, reduce(g, 'ReduceMean', x, [-1], true, ctx.opset, ctx.name('mean'))],
    ctx.name('centered'),
  );
  const variance = reduce(
    g,
    'ReduceMean',
    g.node('Mul', [d, d], ctx.name('sq')),
    [-1],
    true,
    ctx.opset,
    ctx.name('variance'),
  );
  const std = g.node(
    'Sqrt',
    [g.node('Add', [variance, g.floatTensor(ctx.name('eps'), [], Float32Array.of(eps))], ctx.name('var_eps'))],
    ctx.name('std'),
  );
  const y = g.node(
    'Add',
    [g.node('Mul', [g.node('Div', [d, std], ctx.name('normed')), gamma], ctx.name('scaled')), beta],
    ctx.name('layer_norm'),
  );
  return { shape, forms: { nhwc: y } };
};

export const rescaling: LayerConverter = (ctx) => {
  const scale = ctx.config.scale,
    offset = ctx.config.offset ?? 0;
  if (typeof scale !== 'number') return ctx.unsupported('scale', scale);
  if (typeof offset !== 'number') return ctx.unsupported('offset', offset);
  const g = ctx.g;
  const { name, layout } = g.anyForm(ctx.input);
  let y = g.node('Mul', [name, g.floatTensor(ctx.name('scale'), [], Float32Array.of(scale))], ctx.name('scale'));
  if (offset !== 0)
    y = g.node('Add', [y, g.floatTensor(ctx.name('offset'), [], Float32Array.of(offset))], ctx.name('offset'));
  return { shape: ctx.input.shape, forms: { [layout]: y } };
};

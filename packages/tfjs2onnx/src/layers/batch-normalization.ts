// BatchNormalization in its inference form, folded to one scale and one shift per channel:
// y = x * gamma / sqrt(var + eps) + (beta - mean * gamma / sqrt(var + eps)).
import type { LayerConverter } from '../layer-context.js';

export const batchNormalization: LayerConverter = (ctx) => {
  const c = ctx.config;
  const shape = ctx.input.shape;
  const rank = shape.length;
  const axis =
    typeof c.axis === 'number'
      ? c.axis
      : Array.isArray(c.axis) && c.axis.length === 1
        ? (c.axis[0] as number)
        : ctx.unsupported('axis', c.axis);
  if (axis !== -1 && axis !== rank - 1) return ctx.unsupported('axis', c.axis);
  const channels = shape[rank - 1];
  if (typeof channels !== 'number') return ctx.fail('needs a known channel count');
  const eps = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
  const mean = ctx.weight('moving_mean', [channels]).data;
  const variance = ctx.weight('moving_variance', [channels]).data;
  const gamma = c.scale !== false ? ctx.weight('gamma', [channels]).data : undefined;
  const beta = c.center !== false ? ctx.weight('beta', [channels]).data : undefined;
  const scale = new Float32Array(channels),
    shift = new Float32Array(channels);
  for (let i = 0; i < channels; i++) {
    const s = (gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + eps);
    scale[i] = s;
    shift[i] = (beta ? beta[i]! : 0) - mean[i]! * s;
  }
  const g = ctx.g;
  const { name: x, layout } = g.anyForm(ctx.input);
  const dims = rank >= 3 && layout === 'nchw' ? [channels, ...new Array<number>(rank - 2).fill(1)] : [channels];
  const y = g.node(
    'Add',
    [
      g.node('Mul', [x, g.floatTensor(ctx.name('scale'), dims, scale)], ctx.name('scale')),
      g.floatTensor(ctx.name('shift'), dims, shift),
    ],
    ctx.name('shift'),
  );
  return { shape, forms: { [layout]: y } };
};

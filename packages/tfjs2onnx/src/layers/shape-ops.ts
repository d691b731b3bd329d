// Layers that move data without arithmetic: Permute (Transpose), RepeatVector (Reshape + Tile).
import type { LayerConverter } from '../layer-context.js';

export const permuteLayer: LayerConverter = (ctx) => {
  const dims = ctx.config.dims;
  const rank = ctx.input.shape.length;
  if (!Array.isArray(dims) || dims.length !== rank - 1 || [...dims].sort().some((d, i) => d !== i + 1))
    return ctx.unsupported('dims', dims);
  const perm = [0, ...(dims as number[])];
  const y = ctx.g.node('Transpose', [ctx.g.as(ctx.input, 'nhwc')], ctx.name('permute'), { perm });
  return { shape: perm.map((p) => ctx.input.shape[p]!), forms: { nhwc: y } };
};

export const repeatVector: LayerConverter = (ctx) => {
  const n = ctx.config.n;
  const [, f] = ctx.input.shape;
  if (ctx.input.shape.length !== 2 || typeof f !== 'number')
    return ctx.fail(`needs a [batch, features] input, got [${ctx.input.shape.join(', ')}]`);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return ctx.unsupported('n', n);
  const g = ctx.g;
  const r = g.node(
    'Reshape',
    [g.as(ctx.input, 'nhwc'), g.int64Tensor(ctx.name('shape'), [-1, 1, f])],
    ctx.name('expand'),
  );
  return {
    shape: [null, n, f],
    forms: { nhwc: g.node('Tile', [r, g.int64Tensor(ctx.name('repeats'), [1, n, 1])], ctx.name('tile')) },
  };
};

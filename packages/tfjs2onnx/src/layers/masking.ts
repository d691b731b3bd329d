// Masking: zeroes the time steps whose features all equal mask_value (x * any(x != mask_value, last axis)).
// The mask itself is not passed on; a later RNN that would honour it refuses the value instead.
import { onnx } from '../onnx/proto.js';
import { reduce } from '../reduce.js';
import type { LayerConverter } from '../layer-context.js';

export const masking: LayerConverter = (ctx) => {
  const mv = typeof ctx.config.mask_value === 'number' ? ctx.config.mask_value : 0;
  const g = ctx.g;
  const x = g.as(ctx.input, 'nhwc');
  const differs = g.node(
    'Cast',
    [
      g.node(
        'Not',
        [g.node('Equal', [x, g.floatTensor(ctx.name('mask_value'), [], Float32Array.of(mv))], ctx.name('equal'))],
        ctx.name('differs'),
      ),
    ],
    ctx.name('differs_f'),
    { to: onnx.TensorProto.DataType.FLOAT },
  );
  const keep = reduce(g, 'ReduceMax', differs, [-1], true, ctx.opset, ctx.name('keep'));
  return { shape: ctx.input.shape, forms: { nhwc: g.node('Mul', [x, keep], ctx.name('masked')) }, masked: true };
};

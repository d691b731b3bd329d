// Embedding: Gather of the table's rows. tfjs casts the indices to int32 (a float index is truncated,
// as ONNX Cast truncates); an int32 graph input is read as it is.
import { onnx } from '../onnx/proto.js';
import type { LayerConverter } from '../layer-context.js';

export const embedding: LayerConverter = (ctx) => {
  const c = ctx.config;
  const inputDim = c.input_dim as number,
    outputDim = c.output_dim as number;
  const table = ctx.weight('embeddings', [inputDim, outputDim]);
  const g = ctx.g;
  const x = g.as(ctx.input, 'nhwc');
  const indices =
    ctx.input.dtype === 'int32' ? x : g.node('Cast', [x], ctx.name('indices'), { to: onnx.TensorProto.DataType.INT32 });
  const y = g.node(
    'Gather',
    [g.floatTensor(ctx.name('embeddings'), table.shape, table.data), indices],
    ctx.name('gather'),
    { axis: 0 },
  );
  return {
    shape: [...ctx.input.shape, outputDim],
    forms: { nhwc: y },
    ...(c.mask_zero === true ? { masked: true } : {}),
  };
};

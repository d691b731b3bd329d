// CategoryEncoding: per-sample token counts over [batch, k] integer inputs: OneHot of every token, summed
// over the k tokens (count), or capped at 1 (multiHot, oneHot). tfjs casts the input to int32 first.
import { onnx } from '../onnx/proto.js';
import { reduce } from '../reduce.js';
import type { LayerConverter } from '../layer-context.js';

export const categoryEncoding: LayerConverter = (ctx) => {
  const depth = ctx.config.num_tokens;
  // model.json spells the modes the Keras way (multi_hot, one_hot).
  const raw = ctx.config.output_mode ?? 'multiHot';
  const mode = raw === 'multi_hot' ? 'multiHot' : raw === 'one_hot' ? 'oneHot' : raw;
  if (typeof depth !== 'number') return ctx.unsupported('num_tokens', depth);
  if (mode !== 'multiHot' && mode !== 'oneHot' && mode !== 'count') return ctx.unsupported('output_mode', mode);
  if (ctx.input.shape.length !== 2)
    return ctx.fail(`needs a [batch, tokens] input, got [${ctx.input.shape.join(', ')}]`);
  const g = ctx.g;
  const x = g.as(ctx.input, 'nhwc');
  // int64 indices with an int64 depth: the OneHot type combination onnxruntime implements.
  const asInt =
    ctx.input.dtype === 'int32'
      ? x
      : g.node('Cast', [x], ctx.name('truncated'), { to: onnx.TensorProto.DataType.INT32 });
  const indices = g.node('Cast', [asInt], ctx.name('indices'), { to: onnx.TensorProto.DataType.INT64 });
  const hot = g.node(
    'OneHot',
    [indices, g.int64Tensor(ctx.name('depth'), [depth]), g.floatTensor(ctx.name('values'), [2], Float32Array.of(0, 1))],
    ctx.name('one_hot'),
    { axis: -1 },
  );
  let y = reduce(g, 'ReduceSum', hot, [1], false, ctx.opset, ctx.name('count'));
  if (mode !== 'count')
    y = g.node('Min', [y, g.floatTensor(ctx.name('one'), [], Float32Array.of(1))], ctx.name('binary'));
  return { shape: [null, depth], forms: { nhwc: y } };
};

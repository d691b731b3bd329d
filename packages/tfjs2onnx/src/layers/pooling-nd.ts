// 1-D and 3-D pooling: MaxPooling1D/3D, AveragePooling1D/3D (ONNX MaxPool / AveragePool on the
// channels-first form, count_include_pad = 0 as tfjs averages only real values) and
// GlobalAveragePooling1D / GlobalMaxPooling1D (the global ONNX pool, then Flatten to [batch, channels]).
import { convAxis, knownDims, tuple, type LayerContext, type LayerConverter } from '../layer-context.js';

function pooling(op: 'MaxPool' | 'AveragePool', n: 1 | 3): LayerConverter {
  return (ctx: LayerContext) => {
    ctx.requireChannelsLast();
    const dims = knownDims(ctx);
    if (dims.length !== n + 1) return ctx.fail(`needs a rank-${n + 2} input, got [${ctx.input.shape.join(', ')}]`);
    const k = tuple(ctx, 'pool_size', n, 2);
    const s = ctx.config.strides === null || ctx.config.strides === undefined ? k : tuple(ctx, 'strides', n);
    const padding = String(ctx.config.padding ?? 'valid');
    if (padding !== 'same' && padding !== 'valid') return ctx.unsupported('padding', padding);
    const axes = dims.slice(0, n).map((size, i) => convAxis(size, k[i]!, s[i]!, 1, padding));
    const attrs: Record<string, number | number[]> = {
      kernel_shape: k,
      strides: s,
      pads: [...axes.map((a) => a.pads[0]), ...axes.map((a) => a.pads[1])],
    };
    if (op === 'AveragePool') attrs.count_include_pad = 0;
    const y = ctx.g.node(op, [ctx.g.as(ctx.input, 'nchw')], ctx.name(op === 'MaxPool' ? 'maxpool' : 'avgpool'), attrs);
    return { shape: [null, ...axes.map((a) => a.out), dims[n]!], forms: { nchw: y } };
  };
}

function globalPooling(op: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerConverter {
  return (ctx: LayerContext) => {
    ctx.requireChannelsLast();
    if (ctx.config.keepdims === true) return ctx.unsupported('keepdims', true);
    const dims = knownDims(ctx);
    if (dims.length < 2) return ctx.fail(`needs a [batch, ..., channels] input, got [${ctx.input.shape.join(', ')}]`);
    const pooled = ctx.g.node(op, [ctx.g.as(ctx.input, 'nchw')], ctx.name('pool'));
    return {
      shape: [null, dims[dims.length - 1]!],
      forms: { nhwc: ctx.g.node('Flatten', [pooled], ctx.name('flatten'), { axis: 1 }) },
    };
  };
}

export const maxPooling1d = pooling('MaxPool', 1);
export const averagePooling1d = pooling('AveragePool', 1);
export const maxPooling3d = pooling('MaxPool', 3);
export const averagePooling3d = pooling('AveragePool', 3);
export const globalAveragePooling1d = globalPooling('GlobalAveragePool');
export const globalMaxPooling1d = globalPooling('GlobalMaxPool');
export const globalAveragePooling3d = globalPooling('GlobalAveragePool');
export const globalMaxPooling3d = globalPooling('GlobalMaxPool');

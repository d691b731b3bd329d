// GlobalAveragePooling2D / GlobalMaxPooling2D: the global ONNX pool on NCHW, then Flatten to [batch, channels].
import { spatialDims, type LayerContext, type LayerConverter } from '../layer-context.js';

function globalPooling(op: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerConverter {
  return (ctx: LayerContext) => {
    ctx.requireChannelsLast();
    if (ctx.config.keepdims === true) return ctx.unsupported('keepdims', true);
    const [, , ch] = spatialDims(ctx);
    const pooled = ctx.g.node(op, [ctx.g.as(ctx.input, 'nchw')], ctx.name('pool'));
    const y = ctx.g.node('Flatten', [pooled], ctx.name('flatten'), { axis: 1 });
    return { shape: [null, ch], forms: { nhwc: y } };
  };
}

export const globalAveragePooling2d = globalPooling('GlobalAveragePool');
export const globalMaxPooling2d = globalPooling('GlobalMaxPool');

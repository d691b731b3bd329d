// MaxPooling2D and AveragePooling2D. tfjs's average over a `same`-padded window counts only real
// pixels, which is ONNX AveragePool's count_include_pad = 0.
import { convAxis, spatialDims, type LayerContext, type LayerConverter } from '../layer-context.js';

function pooling(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (ctx: LayerContext) => {
    ctx.requireChannelsLast();
    const [h, w, ch] = spatialDims(ctx);
    const [ph, pw] = ctx.pair('pool_size', [2, 2]);
    const [sh, sw] = ctx.config.strides === null || ctx.config.strides === undefined ? [ph, pw] : ctx.pair('strides');
    const padding = String(ctx.config.padding ?? 'valid');
    if (padding !== 'same' && padding !== 'valid') return ctx.unsupported('padding', padding);
    const ah = convAxis(h, ph, sh, 1, padding),
      aw = convAxis(w, pw, sw, 1, padding);
    const attrs: Record<string, number | number[]> = {
      kernel_shape: [ph, pw],
      strides: [sh, sw],
      pads: [ah.pads[0], aw.pads[0], ah.pads[1], aw.pads[1]],
    };
    if (op === 'AveragePool') attrs.count_include_pad = 0;
    const y = ctx.g.node(op, [ctx.g.as(ctx.input, 'nchw')], ctx.name(op === 'MaxPool' ? 'maxpool' : 'avgpool'), attrs);
    return { shape: [null, ah.out, aw.out, ch], forms: { nchw: y } };
  };
}

export const maxPooling2d = pooling('MaxPool');
export const averagePooling2d = pooling('AveragePool');

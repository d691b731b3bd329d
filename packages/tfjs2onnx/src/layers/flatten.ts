// Flatten: in tfjs's channels-last order (the order a following Dense was trained on). NCHW input is
// flattened channel-major instead and left for a Dense to absorb (see `chwFlat` in the graph builder).
// With data_format channels_first tfjs first moves axis 1 to the end; the graph does the same Transpose.
import type { LayerConverter } from '../layer-context.js';

export const flatten: LayerConverter = (ctx) => {
  const shape = ctx.input.shape;
  const rest = shape.slice(1);
  if (rest.some((d) => d === null)) return ctx.fail(`needs known non-batch dimensions, got [${shape.join(', ')}]`);
  const features = (rest as number[]).reduce((a, b) => a * b, 1);
  const format = ctx.config.data_format ?? 'channels_last';
  if (format !== 'channels_last' && format !== 'channels_first') return ctx.unsupported('data_format', format);
  if (format === 'channels_first' && shape.length > 2) {
    const perm = [0, ...Array.from({ length: shape.length - 2 }, (_, i) => i + 2), 1];
    const t = ctx.g.node('Transpose', [ctx.g.as(ctx.input, 'nhwc')], ctx.name('channels_first'), { perm });
    return { shape: [null, features], forms: { nhwc: ctx.g.node('Flatten', [t], ctx.name('flatten'), { axis: 1 }) } };
  }
  const nchw = ctx.input.forms.nchw;
  if (shape.length === 4 && nchw && !ctx.input.forms.nhwc) {
    const y = ctx.g.node('Flatten', [nchw], ctx.name('flatten_chw'), { axis: 1 });
    return {
      shape: [null, features],
      forms: {},
      chwFlat: { name: y, source: nchw, hwc: rest as [number, number, number] },
    };
  }
  const y = ctx.g.node('Flatten', [ctx.g.as(ctx.input, 'nhwc')], ctx.name('flatten'), { axis: 1 });
  return { shape: [null, features], forms: { nhwc: y } };
};

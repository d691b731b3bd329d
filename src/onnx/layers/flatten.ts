// Flatten: in tfjs's channels-last order (the order a following Dense was trained on). NCHW input is
// flattened channel-major instead and left for a Dense to absorb (see `chwFlat` in the graph builder).
import type { LayerConverter } from '../layer-context.js';

export const flatten: LayerConverter = (ctx) => {
  const shape = ctx.input.shape;
  const rest = shape.slice(1);
  if (rest.some((d) => d === null)) return ctx.fail(`needs known non-batch dimensions, got [${shape.join(', ')}]`);
  const features = (rest as number[]).reduce((a, b) => a * b, 1);
  const nchw = ctx.input.forms.nchw;
  if (shape.length === 4 && nchw && !ctx.input.forms.nhwc) {
    const y = ctx.g.node('Flatten', [nchw], ctx.name('flatten_chw'), { axis: 1 });
    return { shape: [null, features], forms: {}, chwFlat: { name: y, source: nchw, hwc: rest as [number, number, number] } };
  }
  const y = ctx.g.node('Flatten', [ctx.g.as(ctx.input, 'nhwc')], ctx.name('flatten'), { axis: 1 });
  return { shape: [null, features], forms: { nhwc: y } };
};

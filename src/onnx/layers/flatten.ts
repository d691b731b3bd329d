// Flatten: in tfjs's channels-last order (the order a following Dense was trained on).
import type { LayerConverter } from '../layer-context.js';

export const flatten: LayerConverter = (ctx) => {
  const shape = ctx.input.shape;
  const rest = shape.slice(1);
  if (rest.some((d) => d === null)) return ctx.fail(`needs known non-batch dimensions, got [${shape.join(', ')}]`);
  const y = ctx.g.node('Flatten', [ctx.g.as(ctx.input, 'nhwc')], ctx.name('flatten'), { axis: 1 });
  return { shape: [null, (rest as number[]).reduce((a, b) => a * b, 1)], forms: { nhwc: y } };
};

// Reshape: tfjs target shapes are channels-last and exclude the batch, which stays dynamic (-1).
import type { LayerConverter } from '../layer-context.js';

export const reshape: LayerConverter = (ctx) => {
  const raw = ctx.config.target_shape;
  // An unknown dimension is saved as null (tfjs) or -1 (Keras).
  const target = Array.isArray(raw) ? raw.map((d) => (d === null ? -1 : d)) : raw;
  if (
    !Array.isArray(target) ||
    !target.every((d) => typeof d === 'number') ||
    target.filter((d) => d === -1).length > 1
  )
    return ctx.unsupported('target_shape', raw);
  const inRest = ctx.input.shape.slice(1);
  if (inRest.some((d) => d === null)) return ctx.fail('needs known non-batch input dimensions');
  const total = (inRest as number[]).reduce((a, b) => a * b, 1);
  const known = (target as number[]).filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const resolved = (target as number[]).map((d) => (d === -1 ? total / known : d));
  if (resolved.reduce((a, b) => a * b, 1) !== total || resolved.some((d) => !Number.isInteger(d))) {
    ctx.fail(`cannot reshape [${inRest.join(', ')}] to [${target.join(', ')}]`);
  }
  const y = ctx.g.node(
    'Reshape',
    [ctx.g.as(ctx.input, 'nhwc'), ctx.g.int64Tensor(ctx.name('shape'), [-1, ...resolved])],
    ctx.name('reshape'),
  );
  return { shape: [null, ...resolved], forms: { nhwc: y } };
};

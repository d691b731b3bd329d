// UpSampling2D: ONNX Resize on NCHW with integer scales. tfjs's nearest and bilinear both sample at
// `out / scale` with no half-pixel offset: coordinate_transformation_mode = asymmetric.
import { spatialDims, type LayerConverter } from '../layer-context.js';

export const upSampling2d: LayerConverter = (ctx) => {
  ctx.requireChannelsLast();
  if (ctx.opset < 11) return ctx.fail(`needs opset 11 or later for Resize (asked for ${ctx.opset})`);
  const [h, w, ch] = spatialDims(ctx);
  const [sh, sw] = ctx.pair('size', [2, 2]);
  const interpolation = ctx.config.interpolation ?? 'nearest';
  if (interpolation !== 'nearest' && interpolation !== 'bilinear')
    return ctx.unsupported('interpolation', interpolation);
  const g = ctx.g;
  const attrs: Record<string, string> =
    interpolation === 'nearest'
      ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
      : { mode: 'linear', coordinate_transformation_mode: 'asymmetric' };
  const y = g.node(
    'Resize',
    [
      g.as(ctx.input, 'nchw'),
      g.floatTensor(ctx.name('roi'), [0], new Float32Array(0)),
      g.floatTensor(ctx.name('scales'), [4], Float32Array.of(1, 1, sh, sw)),
    ],
    ctx.name('resize'),
    attrs,
  );
  return { shape: [null, h * sh, w * sw, ch], forms: { nchw: y } };
};

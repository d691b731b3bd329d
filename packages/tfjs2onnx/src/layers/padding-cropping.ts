// ZeroPadding2D (ONNX Pad) and Cropping2D (Slice) on the NCHW form, so conv chains stay channels-first.
import { spatialDims, type LayerContext, type LayerConverter } from '../layer-context.js';

/** tfjs's [[top, bottom], [left, right]] from an int, a pair or the nested form. */
function amounts(ctx: LayerContext, key: string): [[number, number], [number, number]] {
  const v = ctx.config[key];
  if (typeof v === 'number')
    return [
      [v, v],
      [v, v],
    ];
  if (Array.isArray(v) && v.length === 2) {
    if (v.every((x) => typeof x === 'number'))
      return [
        [v[0], v[0]],
        [v[1], v[1]],
      ] as [[number, number], [number, number]];
    if (v.every((x) => Array.isArray(x) && x.length === 2 && x.every((y) => typeof y === 'number')))
      return v as [[number, number], [number, number]];
  }
  return ctx.unsupported(key, v);
}

export const zeroPadding2d: LayerConverter = (ctx) => {
  ctx.requireChannelsLast();
  const [h, w, ch] = spatialDims(ctx);
  const [[t, b], [l, r]] = amounts(ctx, 'padding');
  const g = ctx.g;
  const y = g.node(
    'Pad',
    [g.as(ctx.input, 'nchw'), g.int64Tensor(ctx.name('pads'), [0, 0, t, l, 0, 0, b, r])],
    ctx.name('pad'),
    { mode: 'constant' },
  );
  return { shape: [null, h + t + b, w + l + r, ch], forms: { nchw: y } };
};

export const cropping2d: LayerConverter = (ctx) => {
  ctx.requireChannelsLast();
  const [h, w, ch] = spatialDims(ctx);
  const [[t, b], [l, r]] = amounts(ctx, 'cropping');
  if (t + b >= h || l + r >= w)
    return ctx.fail(`crops [[${t}, ${b}], [${l}, ${r}]] leave nothing of a ${h}x${w} input`);
  const g = ctx.g;
  const y = g.node(
    'Slice',
    [
      g.as(ctx.input, 'nchw'),
      g.int64Tensor(ctx.name('begin'), [t, l]),
      g.int64Tensor(ctx.name('end'), [h - b, w - r]),
      g.int64Tensor(ctx.name('axes'), [2, 3]),
    ],
    ctx.name('crop'),
  );
  return { shape: [null, h - t - b, w - l - r, ch], forms: { nchw: y } };
};

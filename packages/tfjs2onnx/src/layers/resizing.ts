// Resizing and CenterCrop (tfjs image preprocessing layers).
// Nearest-neighbour sampling is done as tfjs does it: the source row and column of every output pixel are
// computed here, exactly as tfjs's kernels compute them, and the graph Gathers them. Bilinear Resizing is
// ONNX Resize (align_corners, as tfjs calls resizeBilinear with alignCorners = !crop_to_aspect_ratio).
import { spatialDims, type LayerContext, type LayerConverter } from '../layer-context.js';
import type { Value } from '../onnx/graph-builder.js';

/** Gathers rows `rows` and columns `cols` of an NHWC value (on its NCHW form: axes 2 and 3). */
function gatherPixels(ctx: LayerContext, rows: number[], cols: number[], channels: number): Value {
  const g = ctx.g;
  const x = g.as(ctx.input, 'nchw');
  const r = g.node('Gather', [x, g.int64Tensor(ctx.name('rows'), rows)], ctx.name('gather_rows'), { axis: 2 });
  const y = g.node('Gather', [r, g.int64Tensor(ctx.name('cols'), cols)], ctx.name('gather_cols'), { axis: 3 });
  return { shape: [null, rows.length, cols.length, channels], forms: { nchw: y } };
}

/** tfjs resizeNearestNeighbor's source index for each output index (halfPixelCenters = false). */
function nearestIndices(inSize: number, outSize: number, alignCorners: boolean): number[] {
  const ratio =
    (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
  return Array.from({ length: outSize }, (_, i) =>
    Math.min(inSize - 1, alignCorners ? Math.round(ratio * i) : Math.floor(ratio * i)),
  );
}

/** ONNX Resize to `height` x `width`; its `sizes` input takes the batch and channels from the input's Shape. */
function resizeBilinear(
  ctx: LayerContext,
  height: number,
  width: number,
  channels: number,
  alignCorners: boolean,
): Value {
  const g = ctx.g;
  const x = g.as(ctx.input, 'nchw');
  const nc = g.node(
    'Slice',
    [
      g.node('Shape', [x], ctx.name('shape')),
      g.int64Tensor(ctx.name('nc_begin'), [0]),
      g.int64Tensor(ctx.name('nc_end'), [2]),
    ],
    ctx.name('nc'),
  );
  const sizes = g.node('Concat', [nc, g.int64Tensor(ctx.name('hw'), [height, width])], ctx.name('sizes'), { axis: 0 });
  const y = g.node(
    'Resize',
    [
      x,
      g.floatTensor(ctx.name('roi'), [0], new Float32Array(0)),
      g.floatTensor(ctx.name('scales'), [0], new Float32Array(0)),
      sizes,
    ],
    ctx.name('resize'),
    { mode: 'linear', coordinate_transformation_mode: alignCorners ? 'align_corners' : 'asymmetric' },
  );
  return { shape: [null, height, width, channels], forms: { nchw: y } };
}

export const resizing: LayerConverter = (ctx) => {
  const [h, w, ch] = spatialDims(ctx);
  const { height, width } = ctx.config;
  if (typeof height !== 'number' || typeof width !== 'number') return ctx.fail('needs numeric height and width');
  const alignCorners = ctx.config.crop_to_aspect_ratio !== true;
  const interpolation = ctx.config.interpolation ?? 'bilinear';
  if (interpolation === 'nearest')
    return gatherPixels(ctx, nearestIndices(h, height, alignCorners), nearestIndices(w, width, alignCorners), ch);
  if (interpolation !== 'bilinear') return ctx.unsupported('interpolation', interpolation);
  return resizeBilinear(ctx, height, width, ch, alignCorners);
};

/** tfjs cropAndResize's nearest source index along one axis for a box [lo, hi] (float32 box coordinates). */
function cropIndices(inSize: number, outSize: number, lo: number, hi: number): number[] {
  const y1 = Math.fround(lo),
    y2 = Math.fround(hi);
  const scale = outSize > 1 ? ((y2 - y1) * (inSize - 1)) / (outSize - 1) : 0;
  return Array.from({ length: outSize }, (_, i) =>
    Math.round(outSize > 1 ? y1 * (inSize - 1) + i * scale : 0.5 * (y1 + y2) * (inSize - 1)),
  );
}

export const centerCrop: LayerConverter = (ctx) => {
  const [h, w, ch] = spatialDims(ctx);
  const { height, width } = ctx.config;
  if (typeof height !== 'number' || typeof width !== 'number') return ctx.fail('needs numeric height and width');
  // tfjs's own offsets, including its width offset of 1 where the widths differ by one.
  const hb = h !== height ? Math.floor((h - height) / 2) : 0;
  let wb = w !== width ? Math.floor((w - width) / 2) : 0;
  if (w !== width && wb === 0) wb = 1;
  if (hb < 0 || wb < 0) return resizeBilinear(ctx, height, width, ch, false);
  const rows = cropIndices(h, height, hb / h, (height + hb) / h);
  const cols = cropIndices(w, width, wb / w, (width + wb) / w);
  if ([...rows.map((r) => r > h - 1), ...cols.map((c) => c > w - 1)].some(Boolean))
    return ctx.fail(`crops outside the ${h}x${w} input (tfjs fills those pixels with zeros), which is not supported`);
  return gatherPixels(ctx, rows, cols, ch);
};

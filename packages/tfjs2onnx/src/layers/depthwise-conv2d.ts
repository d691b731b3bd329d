// DepthwiseConv2D and SeparableConv2D: ONNX Conv with group = input channels. The tfjs depthwise kernel
// [kh, kw, in, multiplier] becomes [in * multiplier, 1, kh, kw] (output channel c * multiplier + m, as tfjs
// orders them); SeparableConv2D adds the 1x1 pointwise Conv with the bias.
import { applyActivation } from '../activations.js';
import { convAxis, permute, spatialDims, type LayerContext, type LayerConverter } from '../layer-context.js';

function depthwise(ctx: LayerContext, withBias: boolean): { y: string; h: number; w: number; channels: number } {
  const c = ctx.config;
  ctx.requireChannelsLast();
  const [h, w, cin] = spatialDims(ctx);
  const [kh, kw] = ctx.pair('kernel_size');
  const [sh, sw] = ctx.pair('strides', [1, 1]);
  const [dh, dw] = ctx.pair('dilation_rate', [1, 1]);
  // tfjs 4.22's DepthwiseConv2D layer drops its dilation_rate (it calls the op with none): refuse, not guess.
  if (ctx.layer.className === 'DepthwiseConv2D' && (dh !== 1 || dw !== 1))
    return ctx.unsupported('dilation_rate', c.dilation_rate);
  const padding = String(c.padding ?? 'valid');
  if (padding !== 'same' && padding !== 'valid') return ctx.unsupported('padding', padding);
  // The multiplier is read from the kernel: tfjs's SeparableConv2D does not save depth_multiplier.
  const mult = ctx.weight('depthwise_kernel').shape[3] ?? 1;
  const kernel = ctx.weight('depthwise_kernel', [kh, kw, cin, mult]);
  const ah = convAxis(h, kh, sh, dh, padding),
    aw = convAxis(w, kw, sw, dw, padding);
  const g = ctx.g;
  const wt = permute(kernel.data, kernel.shape, [2, 3, 0, 1]);
  const inputs = [
    g.as(ctx.input, 'nchw'),
    g.floatTensor(ctx.name('depthwise_kernel'), [cin * mult, 1, kh, kw], wt.data),
  ];
  if (withBias && c.use_bias !== false)
    inputs.push(g.floatTensor(ctx.name('bias'), [cin * mult], ctx.weight('bias', [cin * mult]).data));
  const y = g.node('Conv', inputs, ctx.name('depthwise'), {
    kernel_shape: [kh, kw],
    strides: [sh, sw],
    dilations: [dh, dw],
    group: cin,
    pads: [ah.pads[0], aw.pads[0], ah.pads[1], aw.pads[1]],
  });
  return { y, h: ah.out, w: aw.out, channels: cin * mult };
}

export const depthwiseConv2d: LayerConverter = (ctx) => {
  const { y, h, w, channels } = depthwise(ctx, true);
  return applyActivation(
    ctx.g,
    y,
    'nchw',
    [null, h, w, channels],
    ctx.config.activation,
    ctx.layer.name,
    `layer "${ctx.layer.name}" (DepthwiseConv2D)`,
  );
};

export const separableConv2d: LayerConverter = (ctx) => {
  const c = ctx.config;
  const filters = c.filters as number;
  const { y: dw, h, w, channels } = depthwise(ctx, false);
  const g = ctx.g;
  const pw = ctx.weight('pointwise_kernel', [1, 1, channels, filters]);
  const inputs = [
    dw,
    g.floatTensor(
      ctx.name('pointwise_kernel'),
      [filters, channels, 1, 1],
      permute(pw.data, pw.shape, [3, 2, 0, 1]).data,
    ),
  ];
  if (c.use_bias !== false) inputs.push(g.floatTensor(ctx.name('bias'), [filters], ctx.weight('bias', [filters]).data));
  const y = g.node('Conv', inputs, ctx.name('pointwise'), { kernel_shape: [1, 1] });
  return applyActivation(
    g,
    y,
    'nchw',
    [null, h, w, filters],
    c.activation,
    ctx.layer.name,
    `layer "${ctx.layer.name}" (SeparableConv2D)`,
  );
};

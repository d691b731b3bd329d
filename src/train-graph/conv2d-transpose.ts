// Conv2DTranspose (NCHW inside the graph): y = ConvTranspose(x, W) + b with W the tfjs kernel
// [kh, kw, filters, cin] transposed to ONNX's [cin, filters, kh, kw], padded as the forward conv it is the
// transpose of (the converter's deconvAxis), with output_padding where the kernel is narrower than the stride.
// Backward (T = batch <-> channel swap):
//   dx = Conv(dy, W, strides, pads)  (a ConvTranspose's adjoint is the conv it transposes);
//   dW = Conv(T dy, T x, dilations = strides, pads) -> [filters, cin, kh, kw], cropped to the kernel.
import { convConfig } from 'tfjs2onnx/onnx';
import { deconvAxis } from 'tfjs2onnx/onnx';
import { activate } from './activations.js';
import { cropKernel, swapBatchChannels } from './conv2d.js';
import type { TrainRule } from './context.js';

export const conv2dTranspose: TrainRule = (ctx) => {
  const c = ctx.config;
  const { h, w, cin, kh, kw, sh, sw, dh, dw, padding, filters } = convConfig(ctx.converterContext());
  if (dh !== 1 || dw !== 1) ctx.unsupported('dilation_rate', c.dilation_rate);
  const ah = deconvAxis(h, kh, sh, padding),
    aw = deconvAxis(w, kw, sw, padding);
  const pads = [ah.begin, aw.begin, ah.full + ah.extra - ah.begin - ah.out, aw.full + aw.extra - aw.begin - aw.out];
  const kernel = ctx.weight('kernel', [kh, kw, filters, cin]);
  const useBias = c.use_bias !== false;
  const W = ctx.node('Transpose', [kernel], { perm: [3, 2, 0, 1] });
  const attrs: Record<string, number[]> = { kernel_shape: [kh, kw], strides: [sh, sw], pads };
  if (ah.extra || aw.extra) attrs.output_padding = [ah.extra, aw.extra];
  const x = ctx.input.name;
  const z = ctx.node('ConvTranspose', useBias ? [x, W, ctx.weight('bias', [filters])] : [x, W], attrs);
  const act = activate(ctx, z, c.activation);
  return {
    output: { name: act.y, shape: [ah.out, aw.out, filters] },
    backward: (dy, needInput) => {
      const dz = act.backward(dy);
      if (useBias) ctx.gradient('bias', ctx.node('ReduceSum', [dz, ctx.ints([0, 2, 3])], { keepdims: 0 }));
      const full = ctx.node(
        'Conv',
        [swapBatchChannels(ctx, dz, filters, ah.out, aw.out), swapBatchChannels(ctx, x, cin, h, w)],
        { dilations: [sh, sw], pads },
      );
      const got: [number, number] = [kh + ah.extra, kw + aw.extra];
      ctx.gradient('kernel', ctx.node('Transpose', [cropKernel(ctx, full, got, [kh, kw])], { perm: [2, 3, 0, 1] }));
      return needInput ? ctx.node('Conv', [dz, W], { kernel_shape: [kh, kw], strides: [sh, sw], pads }) : undefined;
    },
  };
};

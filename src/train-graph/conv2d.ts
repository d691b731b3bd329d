// Conv2D (NCHW inside the graph): y = Conv(x, W) + b with W the tfjs kernel [kh, kw, cin, cout] transposed
// to ONNX's [cout, cin, kh, kw] in the graph.
// Backward, with T = swap of batch and channel axes:
//   dW = Conv(T x, T dy, dilations = strides, pads) -> [cin, cout, kh, kw] (a correlation of the input with
//        the output gradient), cropped to the kernel where the last stride does not fill the window;
//   dx = ConvTranspose(dy, W, strides, pads) with output_padding for the rows the forward conv skipped.
// Stride 1 with fewer output than input channels (the decoder's 1-channel output conv) swaps the roles:
// dy becomes the images and x the filter, one im2col per output channel instead of one per input channel;
// the result is the kernel flipped, undone by a reversing Slice. Its dx is a Conv with the flipped kernel.
import { convAxis, convConfig } from 'tfjs2onnx/onnx';
import { activate } from './activations.js';
import type { TrainContext, TrainRule } from './context.js';

const BATCH_CHANNEL_SWAP = [1, 0, 2, 3];
const TFJS_TO_ONNX_KERNEL = [3, 2, 0, 1];
const ONNX_TO_TFJS_KERNEL = [2, 3, 1, 0];
const WGRAD_TO_TFJS_KERNEL = [2, 3, 0, 1];

/** Batch <-> channel swap; a Reshape when one of them is 1 (the same memory order). */
export function swapBatchChannels(ctx: TrainContext, v: string, channels: number, h: number, w: number): string {
  return channels === 1
    ? ctx.node('Reshape', [v, ctx.ints([1, -1, h, w])])
    : ctx.node('Transpose', [v], { perm: BATCH_CHANNEL_SWAP });
}

/** Crops the last two axes of `v` to [kh, kw] when they came out larger. */
export function cropKernel(ctx: TrainContext, v: string, got: [number, number], want: [number, number]): string {
  if (got[0] === want[0] && got[1] === want[1]) return v;
  return ctx.node('Slice', [v, ctx.ints([0, 0]), ctx.ints(want), ctx.ints([2, 3])]);
}

export function reverseSpatial(ctx: TrainContext, v: string): string {
  return ctx.node('Slice', [
    v,
    ctx.ints([-1, -1]),
    ctx.ints([-(2 ** 31), -(2 ** 31)]),
    ctx.ints([2, 3]),
    ctx.ints([-1, -1]),
  ]);
}

export const conv2d: TrainRule = (ctx) => {
  const c = ctx.config;
  const { h, w, cin, kh, kw, sh, sw, dh, dw, padding, filters } = convConfig(ctx.converterContext());
  if (c.groups !== undefined && c.groups !== 1) ctx.unsupported('groups', c.groups);
  if (dh !== 1 || dw !== 1) ctx.unsupported('dilation_rate', c.dilation_rate);
  const ah = convAxis(h, kh, sh, 1, padding),
    aw = convAxis(w, kw, sw, 1, padding);
  const oh = ah.out,
    ow = aw.out;
  const kernel = ctx.weight('kernel', [kh, kw, cin, filters]);
  const useBias = c.use_bias !== false;
  const W = ctx.node('Transpose', [kernel], { perm: TFJS_TO_ONNX_KERNEL });
  const pads = [ah.pads[0], aw.pads[0], ah.pads[1], aw.pads[1]];
  const x = ctx.input.name;
  const z = ctx.node('Conv', useBias ? [x, W, ctx.weight('bias', [filters])] : [x, W], {
    kernel_shape: [kh, kw],
    strides: [sh, sw],
    pads,
  });
  const act = activate(ctx, z, c.activation);
  return {
    output: { name: act.y, shape: [oh, ow, filters] },
    backward: (dy, needInput) => {
      const dz = act.backward(dy);
      if (useBias) ctx.gradient('bias', ctx.node('ReduceSum', [dz, ctx.ints([0, 2, 3])], { keepdims: 0 }));
      const unitStride = sh === 1 && sw === 1;
      if (unitStride && filters < cin) {
        // Swapped roles: out[co, ci, u, v] = Σ dy[n, co, u + i - P] x[n, ci, i] is the kernel flipped.
        const begin = [kh - 1 - ah.pads[0], kw - 1 - aw.pads[0]];
        const end = [kh - 1 + h - oh - begin[0]!, kw - 1 + w - ow - begin[1]!];
        const flipped = ctx.node(
          'Conv',
          [swapBatchChannels(ctx, dz, filters, oh, ow), swapBatchChannels(ctx, x, cin, h, w)],
          { pads: [begin[0]!, begin[1]!, end[0]!, end[1]!] },
        );
        ctx.gradient('kernel', ctx.node('Transpose', [reverseSpatial(ctx, flipped)], { perm: ONNX_TO_TFJS_KERNEL }));
      } else {
        const full = ctx.node(
          'Conv',
          [swapBatchChannels(ctx, x, cin, h, w), swapBatchChannels(ctx, dz, filters, oh, ow)],
          { dilations: [sh, sw], pads },
        );
        const got: [number, number] = [
          h + pads[0]! + pads[2]! - (oh - 1) * sh,
          w + pads[1]! + pads[3]! - (ow - 1) * sw,
        ];
        ctx.gradient(
          'kernel',
          ctx.node('Transpose', [cropKernel(ctx, full, got, [kh, kw])], { perm: WGRAD_TO_TFJS_KERNEL }),
        );
      }
      if (!needInput) return undefined;
      if (unitStride) {
        // dx = dz correlated with the flipped kernel ([cin, cout, kh, kw]) under the adjoint pads.
        const flippedKernel = reverseSpatial(ctx, ctx.node('Transpose', [kernel], { perm: [2, 3, 0, 1] }));
        return ctx.node('Conv', [dz, flippedKernel], {
          kernel_shape: [kh, kw],
          pads: [kh - 1 - ah.pads[0], kw - 1 - aw.pads[0], kh - 1 - ah.pads[1], kw - 1 - aw.pads[1]],
        });
      }
      const attrs: Record<string, number[]> = { kernel_shape: [kh, kw], strides: [sh, sw], pads };
      const extra = [h - ((oh - 1) * sh + kh - pads[0]! - pads[2]!), w - ((ow - 1) * sw + kw - pads[1]! - pads[3]!)];
      if (extra[0] || extra[1]) attrs.output_padding = extra;
      return ctx.node('ConvTranspose', [dz, W], attrs);
    },
  };
};

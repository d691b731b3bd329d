// Conv2DTranspose: ONNX ConvTranspose with no pads, then a Slice that crops to tfjs's output window.
// tfjs `same` with stride 2 needs asymmetric pads, which some importers (OpenCV 4.6) reject; the
// unpadded ConvTranspose + Slice form loads everywhere and computes the same values.
import { applyActivation } from '../activations.js';
import { convConfig, permute, type LayerConverter } from '../layer-context.js';

/** tfjs's output size and crop offset for one axis; `extra` zeros-plus-bias rows when the kernel is narrower than the stride. */
export function deconvAxis(
  size: number,
  kernel: number,
  stride: number,
  padding: string,
): { out: number; begin: number; full: number; extra: number } {
  const out = padding === 'same' ? size * stride : size * stride + Math.max(kernel - stride, 0);
  // tfjs computes the transpose as the gradient of a forward conv over `out` positions with this padding.
  const begin = padding === 'same' ? Math.floor(Math.max(0, kernel - stride) / 2) : 0;
  const full = (size - 1) * stride + kernel;
  return { out, begin, full, extra: Math.max(0, begin + out - full) };
}

export const conv2dTranspose: LayerConverter = (ctx) => {
  const c = ctx.config;
  const { h, w, cin, kh, kw, sh, sw, dh, dw, padding, filters } = convConfig(ctx);
  if (dh !== 1 || dw !== 1) return ctx.unsupported('dilation_rate', c.dilation_rate);
  const kernel = ctx.weight('kernel', [kh, kw, filters, cin]);
  const ah = deconvAxis(h, kh, sh, padding),
    aw = deconvAxis(w, kw, sw, padding);
  const g = ctx.g;
  const wOnnx = permute(kernel.data, kernel.shape, [3, 2, 0, 1]); // [in, out, kh, kw]
  const inputs = [g.as(ctx.input, 'nchw'), g.floatTensor(ctx.name('kernel'), wOnnx.shape, wOnnx.data)];
  if (c.use_bias !== false) inputs.push(g.floatTensor(ctx.name('bias'), [filters], ctx.weight('bias', [filters]).data));
  const attrs: Record<string, number[]> = { kernel_shape: [kh, kw], strides: [sh, sw], pads: [0, 0, 0, 0] };
  if (ah.extra || aw.extra) attrs.output_padding = [ah.extra, aw.extra];
  let y = g.node('ConvTranspose', inputs, ctx.name('deconv'), attrs);
  if (ah.begin || aw.begin || ah.out !== ah.full + ah.extra || aw.out !== aw.full + aw.extra) {
    y = g.node(
      'Slice',
      [
        y,
        g.int64Tensor(ctx.name('crop_begin'), [ah.begin, aw.begin]),
        g.int64Tensor(ctx.name('crop_end'), [ah.begin + ah.out, aw.begin + aw.out]),
        g.int64Tensor(ctx.name('crop_axes'), [2, 3]),
      ],
      ctx.name('crop'),
    );
  }
  return applyActivation(
    g,
    y,
    'nchw',
    [null, ah.out, aw.out, filters],
    c.activation,
    ctx.layer.name,
    `layer "${ctx.layer.name}" (Conv2DTranspose)`,
  );
};

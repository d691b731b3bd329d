// Conv1D and Conv3D (ONNX Conv on the channels-first form), Conv3DTranspose (ConvTranspose + a crop, as
// Conv2DTranspose). tfjs kernels are [...spatial, in, out]; ONNX wants [out, in, ...spatial].
// Conv1D's `causal` padding is a left pad of (kernel - 1) * dilation.
import { applyActivation } from '../activations.js';
import { convAxis, knownDims, permute, tuple, type LayerContext, type LayerConverter } from '../layer-context.js';
import { deconvAxis } from './conv2d-transpose.js';

function convNd(n: 1 | 3): LayerConverter {
  return (ctx: LayerContext) => {
    const c = ctx.config;
    ctx.requireChannelsLast();
    const dims = knownDims(ctx);
    if (dims.length !== n + 1) return ctx.fail(`needs a rank-${n + 2} input, got [${ctx.input.shape.join(', ')}]`);
    const cin = dims[n]!,
      filters = c.filters as number;
    const k = tuple(ctx, 'kernel_size', n),
      s = tuple(ctx, 'strides', n, 1),
      d = tuple(ctx, 'dilation_rate', n, 1);
    if (c.groups !== undefined && c.groups !== 1) return ctx.unsupported('groups', c.groups);
    const padding = String(c.padding ?? 'valid');
    if (padding !== 'same' && padding !== 'valid' && !(padding === 'causal' && n === 1))
      return ctx.unsupported('padding', padding);
    const axes = dims
      .slice(0, n)
      .map((size, i) =>
        padding === 'causal'
          ? { out: Math.ceil(size / s[i]!), pads: [(k[i]! - 1) * d[i]!, 0] as [number, number] }
          : convAxis(size, k[i]!, s[i]!, d[i]!, padding),
      );
    const kernel = ctx.weight('kernel', [...k, cin, filters]);
    const g = ctx.g;
    const w = permute(kernel.data, kernel.shape, [n + 1, n, ...Array.from({ length: n }, (_, i) => i)]);
    const inputs = [g.as(ctx.input, 'nchw'), g.floatTensor(ctx.name('kernel'), w.shape, w.data)];
    if (c.use_bias !== false)
      inputs.push(g.floatTensor(ctx.name('bias'), [filters], ctx.weight('bias', [filters]).data));
    const y = g.node('Conv', inputs, ctx.name('conv'), {
      kernel_shape: k,
      strides: s,
      dilations: d,
      group: 1,
      pads: [...axes.map((a) => a.pads[0]), ...axes.map((a) => a.pads[1])],
    });
    return applyActivation(
      g,
      y,
      'nchw',
      [null, ...axes.map((a) => a.out), filters],
      c.activation,
      ctx.layer.name,
      `layer "${ctx.layer.name}" (${ctx.layer.className})`,
    );
  };
}

export const conv1d = convNd(1);
export const conv3d = convNd(3);

export const conv3dTranspose: LayerConverter = (ctx) => {
  const c = ctx.config;
  ctx.requireChannelsLast();
  const dims = knownDims(ctx);
  if (dims.length !== 4) return ctx.fail(`needs a rank-5 input, got [${ctx.input.shape.join(', ')}]`);
  const cin = dims[3]!,
    filters = c.filters as number;
  const k = tuple(ctx, 'kernel_size', 3),
    s = tuple(ctx, 'strides', 3, 1),
    d = tuple(ctx, 'dilation_rate', 3, 1);
  if (d.some((x) => x !== 1)) return ctx.unsupported('dilation_rate', c.dilation_rate);
  const padding = String(c.padding ?? 'valid');
  if (padding !== 'same' && padding !== 'valid') return ctx.unsupported('padding', padding);
  const axes = dims.slice(0, 3).map((size, i) => deconvAxis(size, k[i]!, s[i]!, padding));
  const kernel = ctx.weight('kernel', [...k, filters, cin]);
  const g = ctx.g;
  const w = permute(kernel.data, kernel.shape, [4, 3, 0, 1, 2]);
  const inputs = [g.as(ctx.input, 'nchw'), g.floatTensor(ctx.name('kernel'), w.shape, w.data)];
  if (c.use_bias !== false) inputs.push(g.floatTensor(ctx.name('bias'), [filters], ctx.weight('bias', [filters]).data));
  const attrs: Record<string, number[]> = { kernel_shape: k, strides: s, pads: [0, 0, 0, 0, 0, 0] };
  if (axes.some((a) => a.extra)) attrs.output_padding = axes.map((a) => a.extra);
  let y = g.node('ConvTranspose', inputs, ctx.name('deconv'), attrs);
  if (axes.some((a) => a.begin || a.out !== a.full + a.extra)) {
    y = g.node(
      'Slice',
      [
        y,
        g.int64Tensor(
          ctx.name('crop_begin'),
          axes.map((a) => a.begin),
        ),
        g.int64Tensor(
          ctx.name('crop_end'),
          axes.map((a) => a.begin + a.out),
        ),
        g.int64Tensor(ctx.name('crop_axes'), [2, 3, 4]),
      ],
      ctx.name('crop'),
    );
  }
  return applyActivation(
    g,
    y,
    'nchw',
    [null, ...axes.map((a) => a.out), filters],
    c.activation,
    ctx.layer.name,
    `layer "${ctx.layer.name}" (Conv3DTranspose)`,
  );
};

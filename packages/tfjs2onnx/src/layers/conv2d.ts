// Conv2D: tfjs kernel [kh, kw, in, out] -> ONNX Conv weight [out, in, kh, kw], explicit pads for `same`.
import { applyActivation } from '../activations.js';
import { convAxis, convConfig, permute, type LayerConverter } from '../layer-context.js';

export const conv2d: LayerConverter = (ctx) => {
  const c = ctx.config;
  const { h, w, cin, kh, kw, sh, sw, dh, dw, padding, filters } = convConfig(ctx);
  if (c.groups !== undefined && c.groups !== 1) return ctx.unsupported('groups', c.groups);
  const kernel = ctx.weight('kernel', [kh, kw, cin, filters]);
  const ax = convAxis(h, kh, sh, dh, padding),
    aw = convAxis(w, kw, sw, dw, padding);
  const g = ctx.g;
  const wOnnx = permute(kernel.data, kernel.shape, [3, 2, 0, 1]);
  const inputs = [g.as(ctx.input, 'nchw'), g.floatTensor(ctx.name('kernel'), wOnnx.shape, wOnnx.data)];
  if (c.use_bias !== false) inputs.push(g.floatTensor(ctx.name('bias'), [filters], ctx.weight('bias', [filters]).data));
  const y = g.node('Conv', inputs, ctx.name('conv'), {
    kernel_shape: [kh, kw],
    strides: [sh, sw],
    dilations: [dh, dw],
    group: 1,
    pads: [ax.pads[0], aw.pads[0], ax.pads[1], aw.pads[1]],
  });
  return applyActivation(
    g,
    y,
    'nchw',
    [null, ax.out, aw.out, filters],
    c.activation,
    ctx.layer.name,
    `layer "${ctx.layer.name}" (Conv2D)`,
  );
};

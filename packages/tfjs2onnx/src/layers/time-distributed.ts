// TimeDistributed: the wrapped layer on [batch * time, ...] (a Reshape folds time into the batch), then
// the time axis back. The wrapped layer's weights are saved under the wrapper's name.
import { LayerContext, knownDims, type LayerConverter } from '../layer-context.js';

/** The wrapper over the converter table it looks the wrapped layer up in (passed in: the table lists this wrapper). */
export const timeDistributedOver =
  (converters: () => Readonly<Record<string, LayerConverter>>): LayerConverter =>
  (ctx) => {
    const inner = ctx.config.layer as { class_name?: string; config?: Record<string, unknown> } | undefined;
    const convert = inner?.class_name ? converters()[inner.class_name] : undefined;
    if (!inner?.class_name || !inner.config || !convert) return ctx.unsupported('layer', inner?.class_name ?? inner);
    const dims = knownDims(ctx);
    if (dims.length < 2) return ctx.fail(`needs a [batch, time, ...] input, got [${ctx.input.shape.join(', ')}]`);
    const [time, ...rest] = dims as [number, ...number[]];
    const g = ctx.g;
    const folded = g.node(
      'Reshape',
      [g.as(ctx.input, 'nhwc'), g.int64Tensor(ctx.name('fold_shape'), [-1, ...rest])],
      ctx.name('fold'),
    );
    const innerCtx = new LayerContext(
      { name: ctx.layer.name, className: inner.class_name, config: inner.config },
      [{ shape: [null, ...rest], forms: { nhwc: folded } }],
      g,
      ctx.opset,
      (_layer, suffix) => (ctx.hasWeight(suffix) ? ctx.weight(suffix) : undefined),
    );
    const y = convert(innerCtx);
    const outRest = y.shape.slice(1);
    if (outRest.some((d) => d === null)) return ctx.fail('wraps a layer whose output size is unknown');
    const out = g.node(
      'Reshape',
      [g.as(y, 'nhwc'), g.int64Tensor(ctx.name('unfold_shape'), [-1, time, ...(outRest as number[])])],
      ctx.name('unfold'),
    );
    return { shape: [null, time, ...outRest], forms: { nhwc: out } };
  };

// Dot: tfjs's batch dot of two rank-2 or two rank-3 inputs as a batched MatMul, with the optional L2
// normalisation along the dot axes (x / sqrt(max(sum(x^2), 1e-7)), tfjs's epsilon).
import { reduce } from '../reduce.js';
import type { Value } from '../onnx/graph-builder.js';
import type { LayerContext, LayerConverter } from '../layer-context.js';

function normalized(ctx: LayerContext, x: string, axis: number, i: number): string {
  const g = ctx.g;
  const sq = reduce(g, 'ReduceSumSquare', x, [axis], true, ctx.opset, ctx.name(`sumsq${i}`));
  const norm = g.node(
    'Sqrt',
    [g.node('Max', [sq, g.floatTensor(ctx.name(`eps${i}`), [], Float32Array.of(1e-7))], ctx.name(`clamped${i}`))],
    ctx.name(`norm${i}`),
  );
  return g.node('Div', [x, norm], ctx.name(`normalized${i}`));
}

export const dot: LayerConverter = (ctx) => {
  if (ctx.inputs.length !== 2) return ctx.fail(`needs two inputs, got ${ctx.inputs.length}`);
  const [a, b] = ctx.inputs as [Value, Value];
  const rank = a.shape.length;
  if (b.shape.length !== rank || (rank !== 2 && rank !== 3))
    return ctx.fail(`needs two rank-2 or two rank-3 inputs, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  const raw = ctx.config.axes;
  const pair =
    typeof raw === 'number'
      ? [raw, raw]
      : Array.isArray(raw) && raw.length === 2
        ? (raw as number[])
        : ctx.unsupported('axes', raw);
  const [ax, bx] = pair.map((p) => (p < 0 ? p + rank : p)) as [number, number];
  if (ax < 1 || bx < 1 || a.shape[ax] !== b.shape[bx]) return ctx.unsupported('axes', raw);
  const g = ctx.g;
  let x = g.as(a, 'nhwc'),
    y = g.as(b, 'nhwc');
  if (ctx.config.normalize === true) {
    x = normalized(ctx, x, ax, 0);
    y = normalized(ctx, y, bx, 1);
  }
  if (rank === 2) {
    const f = a.shape[1] as number;
    const xr = g.node('Reshape', [x, g.int64Tensor(ctx.name('row_shape'), [-1, 1, f])], ctx.name('row'));
    const yr = g.node('Reshape', [y, g.int64Tensor(ctx.name('col_shape'), [-1, f, 1])], ctx.name('col'));
    const m = g.node('MatMul', [xr, yr], ctx.name('matmul'));
    return {
      shape: [null, 1],
      forms: { nhwc: g.node('Reshape', [m, g.int64Tensor(ctx.name('out_shape'), [-1, 1])], ctx.name('dot')) },
    };
  }
  // [N, P, K] x [N, K, Q]: the contracted axis last in the first operand and first in the second.
  const xl = ax === 2 ? x : g.node('Transpose', [x], ctx.name('a_t'), { perm: [0, 2, 1] });
  const yf = bx === 1 ? y : g.node('Transpose', [y], ctx.name('b_t'), { perm: [0, 2, 1] });
  return {
    shape: [null, a.shape[3 - ax]!, b.shape[3 - bx]!],
    forms: { nhwc: g.node('MatMul', [xl, yf], ctx.name('dot')) },
  };
};

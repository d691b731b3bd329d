// Merge layers of functional graphs: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
// Inputs are combined in a layout they all have (channels-first when every input has it, else channels-last).
// The batch dimension never takes part in shape checks: the graph's batch is set once, for the whole graph.
import { nchwAxis, type Layout, type Value } from '../onnx/graph-builder.js';
import type { LayerContext, LayerConverter } from '../layer-context.js';

function commonLayout(values: Value[]): Layout {
  const rank = values[0]!.shape.length;
  return rank >= 3 && rank <= 5 && values.every((v) => v.forms.nchw !== undefined && v.shape.length === rank)
    ? 'nchw'
    : 'nhwc';
}

const shapeText = (vs: Value[]) => vs.map((v) => `[${v.shape.slice(1).join(', ')}]`).join(' and ');

/**
 * tfjs's merge broadcasting: a lower-rank input gets size-1 axes inserted after the batch, then each
 * non-batch axis is either equal or 1 in all but one input. Returns the output shape, or undefined.
 */
export function broadcastShape(shapes: (number | null)[][]): (number | null)[] | undefined {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: (number | null)[] = [null];
  for (let a = 1; a < rank; a++) {
    let d: number | null = 1;
    for (const s of shapes) {
      const x = a - (rank - s.length) >= 1 ? s[a - (rank - s.length)]! : 1;
      if (x === 1) continue;
      if (d === 1) d = x;
      else if (x !== d) return undefined;
    }
    out.push(d);
  }
  return out;
}

/** Inputs of a broadcasting merge, each with the rank of the output (size-1 axes inserted after the batch). */
function alignedInputs(ctx: LayerContext, rank: number): Value[] {
  return ctx.inputs.map((v, i) => {
    if (v.shape.length === rank) return v;
    const rest = v.shape.slice(1) as number[];
    const shape = [...new Array<number>(rank - v.shape.length).fill(1), ...rest];
    const y = ctx.g.node(
      'Reshape',
      [ctx.g.as(v, 'nhwc'), ctx.g.int64Tensor(ctx.name(`expand${i}`), [-1, ...shape])],
      ctx.name(`expand${i}`),
    );
    return { shape: [null, ...shape], forms: { nhwc: y } };
  });
}

function elementwise(op: 'Add' | 'Sub' | 'Mul' | 'Max' | 'Min' | 'Mean'): LayerConverter {
  return (ctx) => {
    if (ctx.inputs.length < 2) return ctx.fail(`needs at least two inputs, got ${ctx.inputs.length}`);
    if (op === 'Sub' && ctx.inputs.length !== 2) return ctx.fail(`needs exactly two inputs, got ${ctx.inputs.length}`);
    const shape = broadcastShape(ctx.inputs.map((v) => v.shape));
    if (!shape) return ctx.fail(`needs inputs of one shape or shapes that broadcast, got ${shapeText(ctx.inputs)}`);
    if (
      ctx.inputs.some((v) => v.shape.slice(1).some((d) => d === null)) &&
      ctx.inputs.some((v) => v.shape.length !== shape.length)
    ) {
      return ctx.fail(`needs known dimensions to broadcast inputs of different ranks, got ${shapeText(ctx.inputs)}`);
    }
    const inputs = alignedInputs(ctx, shape.length);
    const layout = commonLayout(inputs);
    const names = inputs.map((v) => ctx.g.as(v, layout));
    let y: string;
    if (op === 'Mean' && ctx.inputs.some((v) => v.shape.some((d, i) => i > 0 && d !== shape[i]))) {
      // ONNX Mean broadcasts too, but narrow importers reject it; a sum times 1/n is the same average.
      let sum = names[0]!;
      for (let i = 1; i < names.length; i++) sum = ctx.g.node('Add', [sum, names[i]!], ctx.name('sum'));
      y = ctx.g.node(
        'Mul',
        [sum, ctx.g.floatTensor(ctx.name('inv_n'), [], Float32Array.of(1 / names.length))],
        ctx.name('mean'),
      );
    } else if (op === 'Add' || op === 'Mul' || op === 'Sub') {
      // A chain of pairs works in every opset and every importer.
      y = names[0]!;
      for (let i = 1; i < names.length; i++) y = ctx.g.node(op, [y, names[i]!], ctx.name(op.toLowerCase()));
    } else {
      y = ctx.g.node(op, names, ctx.name(op.toLowerCase()));
    }
    return { shape, forms: { [layout]: y } };
  };
}

export const add = elementwise('Add');
export const subtract = elementwise('Sub');
export const multiply = elementwise('Mul');
export const maximum = elementwise('Max');
export const minimum = elementwise('Min');
export const average = elementwise('Mean');

export const concatenate: LayerConverter = (ctx) => {
  if (ctx.inputs.length < 2) return ctx.fail(`needs at least two inputs, got ${ctx.inputs.length}`);
  const rank = ctx.inputs[0]!.shape.length;
  const rawAxis = typeof ctx.config.axis === 'number' ? ctx.config.axis : -1;
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  if (axis <= 0 || axis >= rank) return ctx.unsupported('axis', ctx.config.axis);
  if (
    ctx.inputs.some(
      (v) => v.shape.length !== rank || v.shape.some((d, i) => i > 0 && i !== axis && d !== ctx.inputs[0]!.shape[i]),
    )
  ) {
    return ctx.fail(`needs inputs that differ only along axis ${axis}, got ${shapeText(ctx.inputs)}`);
  }
  const layout = commonLayout(ctx.inputs);
  const shape = [...ctx.inputs[0]!.shape];
  shape[0] = null;
  shape[axis] = ctx.inputs.reduce<number | null>(
    (a, v) => (a === null || v.shape[axis] === null ? null : a + (v.shape[axis] as number)),
    0,
  );
  const onnxAxis = layout === 'nchw' ? nchwAxis(axis, rank) : axis;
  const y = ctx.g.node(
    'Concat',
    ctx.inputs.map((v) => ctx.g.as(v, layout)),
    ctx.name('concat'),
    { axis: onnxAxis },
  );
  return { shape, forms: { [layout]: y } };
};

// Merge layers of functional graphs: Add, Multiply, Average, Maximum, Minimum, Concatenate.
// Inputs are combined in a layout they all have (NCHW when every input has it, else channels-last).
import { nchwAxis, type Layout } from '../graph-builder.js';
import type { LayerContext, LayerConverter } from '../layer-context.js';

function commonLayout(ctx: LayerContext): Layout {
  return ctx.inputs.every((v) => v.forms.nchw !== undefined) && ctx.inputs[0]!.shape.length === 4 ? 'nchw' : 'nhwc';
}

function elementwise(op: 'Add' | 'Mul' | 'Max' | 'Min' | 'Mean'): LayerConverter {
  return (ctx) => {
    if (ctx.inputs.length < 2) return ctx.fail(`needs at least two inputs, got ${ctx.inputs.length}`);
    const shape = ctx.inputs[0]!.shape;
    if (ctx.inputs.some((v) => v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i]))) {
      ctx.fail(`needs inputs of one shape, got ${ctx.inputs.map((v) => `[${v.shape.join(', ')}]`).join(' and ')}`);
    }
    const layout = commonLayout(ctx);
    const names = ctx.inputs.map((v) => ctx.g.as(v, layout));
    // Add and Mul are binary before opset 8 and variadic after; a chain of pairs works everywhere.
    let y: string;
    if (op === 'Add' || op === 'Mul') {
      y = names[0]!;
      for (let i = 1; i < names.length; i++) y = ctx.g.node(op, [y, names[i]!], ctx.name(op.toLowerCase()));
    } else {
      y = ctx.g.node(op, names, ctx.name(op.toLowerCase()));
    }
    return { shape, forms: { [layout]: y } };
  };
}

export const add = elementwise('Add');
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
  const layout = commonLayout(ctx);
  const shape = [...ctx.inputs[0]!.shape];
  shape[axis] = ctx.inputs.reduce<number | null>((a, v) => (a === null || v.shape[axis] === null ? null : a + (v.shape[axis] as number)), 0);
  const onnxAxis = layout === 'nchw' ? nchwAxis(axis, rank) : axis;
  const y = ctx.g.node('Concat', ctx.inputs.map((v) => ctx.g.as(v, layout)), ctx.name('concat'), { axis: onnxAxis });
  return { shape, forms: { [layout]: y } };
};

// Flatten and Reshape move between the graph's NCHW and tfjs's channels-last order, so the flattened
// features keep tfjs's order (the Dense weights that read them are tfjs's). Backward runs the same
// moves in reverse on the gradient.
import { graphOrder, tfjsOrder, type TrainContext, type TrainRule, type TrainValue } from './context.js';

function reshapeTo(ctx: TrainContext, target: number[]): ReturnType<TrainRule> {
  const input = ctx.input;
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  if (size(target) !== size(input.shape))
    ctx.fail(`cannot reshape [${input.shape.join(', ')}] to [${target.join(', ')}]`);
  const flat = ctx.node('Reshape', [tfjsOrder(ctx, input), ctx.ints([-1, ...target])]);
  const output: TrainValue = { name: graphOrder(ctx, flat, target), shape: target };
  return {
    output,
    backward: (dy, needInput) => {
      if (!needInput) return undefined;
      const back = ctx.node('Reshape', [tfjsOrder(ctx, { name: dy, shape: target }), ctx.ints([-1, ...input.shape])]);
      return graphOrder(ctx, back, input.shape);
    },
  };
}

export const flatten: TrainRule = (ctx) => {
  const f = ctx.config.data_format;
  if (f !== undefined && f !== null && f !== 'channels_last') ctx.unsupported('data_format', f);
  return reshapeTo(ctx, [ctx.input.shape.reduce((a, b) => a * b, 1)]);
};

export const reshape: TrainRule = (ctx) => {
  const target = ctx.config.target_shape as number[];
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = ctx.input.shape.reduce((a, b) => a * b, 1);
  return reshapeTo(
    ctx,
    target.map((d) => (d === -1 ? total / known : d)),
  );
};

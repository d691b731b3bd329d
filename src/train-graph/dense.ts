// Dense on [batch, features]: y = x·K + b as Gemm.
// Backward: dK = xᵀ·dy, db = Σ_batch dy, dx = dy·Kᵀ (Gemm's transpose flags, no Transpose nodes).
import { activate } from './activations.js';
import type { TrainRule } from './context.js';

export const dense: TrainRule = (ctx) => {
  const c = ctx.config;
  if (ctx.input.shape.length !== 1)
    ctx.fail(`needs a [batch, features] input for ort training, got [batch, ${ctx.input.shape.join(', ')}]`);
  const inFeatures = ctx.input.shape[0]!;
  const units = c.units as number;
  const kernel = ctx.weight('kernel', [inFeatures, units]);
  const useBias = c.use_bias !== false;
  const x = ctx.input.name;
  const z = ctx.node('Gemm', useBias ? [x, kernel, ctx.weight('bias', [units])] : [x, kernel]);
  const act = activate(ctx, z, c.activation);
  return {
    output: { name: act.y, shape: [units] },
    backward: (dy, needInput) => {
      const dz = act.backward(dy);
      ctx.gradient('kernel', ctx.node('Gemm', [x, dz], { transA: 1 }));
      if (useBias) ctx.gradient('bias', ctx.node('ReduceSum', [dz, ctx.ints([0])], { keepdims: 0 }));
      return needInput ? ctx.node('Gemm', [dz, kernel], { transB: 1 }) : undefined;
    },
  };
};

// Activations with their gradients, each a few elementwise ONNX operators. The gradient is written in
// terms of the activation's output y where that is exact (relu, sigmoid, tanh, elu), so no pre-activation
// value has to be kept.
import type { TrainContext } from './context.js';

export const TRAINABLE_ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'softplus', 'swish'] as const;

export interface Activated {
  y: string;
  /** dL/dz from dL/dy. */
  backward(dy: string): string;
}

export function activate(ctx: TrainContext, z: string, activation: unknown): Activated {
  const a = activation ?? 'linear';
  const one = () => ctx.scalar(1);
  switch (a) {
    case 'linear':
      return { y: z, backward: (dy) => dy };
    case 'relu': {
      const y = ctx.node('Relu', [z]);
      // Mul by a 0/1 mask: onnxruntime runs Where several times slower on these shapes.
      return {
        y,
        backward: (dy) => ctx.node('Mul', [dy, ctx.node('Cast', [ctx.node('Greater', [y, ctx.scalar(0)])], { to: 1 })]),
      };
    }
    case 'sigmoid': {
      const y = ctx.node('Sigmoid', [z]);
      // At the model's output the BCE loss takes the sigmoid's gradient with it: (p - t) / n, numerically exact.
      if (ctx.fuseSigmoidWithLoss) return { y, backward: (dy) => dy };
      return { y, backward: (dy) => ctx.node('Mul', [dy, ctx.node('Mul', [y, ctx.node('Sub', [one(), y])])]) };
    }
    case 'tanh': {
      const y = ctx.node('Tanh', [z]);
      return { y, backward: (dy) => ctx.node('Mul', [dy, ctx.node('Sub', [one(), ctx.node('Mul', [y, y])])]) };
    }
    case 'elu': {
      // y = z (z > 0), e^z - 1 otherwise; dy/dz = 1 or y + 1.
      const y = ctx.node('Elu', [z], { alpha: { float: 1 } });
      return {
        y,
        backward: (dy) => {
          const positive = ctx.node('Cast', [ctx.node('Greater', [y, ctx.scalar(0)])], { to: 1 });
          const slope = ctx.node('Add', [
            ctx.node('Mul', [ctx.node('Sub', [one(), positive]), ctx.node('Add', [y, one()])]),
            positive,
          ]);
          return ctx.node('Mul', [dy, slope]);
        },
      };
    }
    case 'softplus': {
      const y = ctx.node('Softplus', [z]);
      return { y, backward: (dy) => ctx.node('Mul', [dy, ctx.node('Sigmoid', [z])]) };
    }
    case 'swish': {
      // y = z·s(z); dy/dz = s + z·s·(1 - s).
      const s = ctx.node('Sigmoid', [z]);
      const y = ctx.node('Mul', [z, s]);
      return {
        y,
        backward: (dy) => {
          const zs = ctx.node('Mul', [z, s]);
          return ctx.node('Mul', [dy, ctx.node('Add', [s, ctx.node('Mul', [zs, ctx.node('Sub', [one(), s])])])]);
        },
      };
    }
    default:
      return ctx.unsupported('activation', a);
  }
}

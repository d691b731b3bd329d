// Optimizer choice: RMSprop (the reference's), Adam available. Keras defaults for rho and epsilon.
import * as tf from '@tensorflow/tfjs';

export const OPTIMIZERS = ['rmsprop', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export function makeOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  if (name === 'rmsprop') return tf.train.rmsprop(lr, 0.9, 0, 1e-7);
  if (name === 'adam') return tf.train.adam(lr, 0.9, 0.999, 1e-7);
  throw new Error(`unknown optimizer "${String(name)}": use ${OPTIMIZERS.join(' or ')}`);
}

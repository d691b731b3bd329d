// The training rules, by tfjs class name: each a layer's forward pass with weights as graph values plus
// its backward pass (one file per rule, beside the converter's forward-only mappings in ../layers/).
import type { TrainRule } from './context.js';
import { conv2d } from './conv2d.js';
import { conv2dTranspose } from './conv2d-transpose.js';
import { dense } from './dense.js';
import { flatten, reshape } from './flatten.js';

export const TRAIN_RULES: Readonly<Record<string, TrainRule>> = {
  Dense: dense,
  Conv2D: conv2d,
  Conv2DTranspose: conv2dTranspose,
  Flatten: flatten,
  Reshape: reshape,
};

export { TRAINABLE_ACTIVATIONS } from './activations.js';
export type { ParameterSlot, TrainRule } from './context.js';

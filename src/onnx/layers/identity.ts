// Layers that only act during training (dropout, noise, regularisers) are the identity at inference.
import type { LayerConverter } from '../layer-context.js';

export const TRAINING_ONLY_LAYERS = ['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization',
  // Random augmentation that tfjs applies only while training.
  'RandomWidth', 'RandomHeight'];

export const identity: LayerConverter = (ctx) => ({ ...ctx.input, forms: { ...ctx.input.forms } });

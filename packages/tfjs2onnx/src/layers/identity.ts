// Layers that only act during training (dropout, noise, regularisers) are the identity at inference.
import type { LayerConverter } from '../layer-context.js';

export const TRAINING_ONLY_LAYERS = [
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'ActivityRegularization',
];

export const identity: LayerConverter = (ctx) => ({ ...ctx.input, forms: { ...ctx.input.forms } });

/** tfjs 4.22's RandomWidth resizes by a random factor on every call, at inference too: no fixed graph matches it. */
export const randomWidth: LayerConverter = (ctx) =>
  ctx.fail(
    'resizes by a new random factor on every call (in tfjs also at inference); remove it from the model before converting',
  );

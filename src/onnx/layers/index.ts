// The layer mappings, by tfjs class name. One file per mapping.
import type { LayerConverter } from '../layer-context.js';
import { activation, elu, leakyRelu, relu, softmax } from './activation.js';
import { batchNormalization } from './batch-normalization.js';
import { conv2d } from './conv2d.js';
import { conv2dTranspose } from './conv2d-transpose.js';
import { dense } from './dense.js';
import { flatten } from './flatten.js';
import { globalAveragePooling2d, globalMaxPooling2d } from './global-pooling2d.js';
import { identity, TRAINING_ONLY_LAYERS } from './identity.js';
import { add, average, concatenate, maximum, minimum, multiply } from './merge.js';
import { averagePooling2d, maxPooling2d } from './pooling2d.js';
import { reshape } from './reshape.js';
import { upSampling2d } from './upsampling2d.js';

export const LAYER_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Dense: dense,
  Conv2D: conv2d,
  Conv2DTranspose: conv2dTranspose,
  Flatten: flatten,
  Reshape: reshape,
  MaxPooling2D: maxPooling2d,
  AveragePooling2D: averagePooling2d,
  GlobalAveragePooling2D: globalAveragePooling2d,
  GlobalMaxPooling2D: globalMaxPooling2d,
  UpSampling2D: upSampling2d,
  BatchNormalization: batchNormalization,
  Activation: activation,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  ELU: elu,
  Softmax: softmax,
  Add: add,
  Multiply: multiply,
  Average: average,
  Maximum: maximum,
  Minimum: minimum,
  Concatenate: concatenate,
  ...Object.fromEntries(TRAINING_ONLY_LAYERS.map((n) => [n, identity])),
};

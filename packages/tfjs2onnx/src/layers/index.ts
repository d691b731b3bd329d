// The layer mappings, by tfjs class name. One file per mapping (or per family of mappings).
import type { LayerConverter } from '../layer-context.js';
import { activation, elu, leakyRelu, prelu, relu, softmax, thresholdedRelu } from './activation.js';
import { batchNormalization } from './batch-normalization.js';
import { categoryEncoding } from './category-encoding.js';
import { conv1d, conv3d, conv3dTranspose } from './conv-nd.js';
import { conv2d } from './conv2d.js';
import { conv2dTranspose } from './conv2d-transpose.js';
import { dense } from './dense.js';
import { depthwiseConv2d, separableConv2d } from './depthwise-conv2d.js';
import { dot } from './dot.js';
import { embedding } from './embedding.js';
import { flatten } from './flatten.js';
import { globalAveragePooling2d, globalMaxPooling2d } from './global-pooling2d.js';
import { identity, randomWidth, TRAINING_ONLY_LAYERS } from './identity.js';
import { masking } from './masking.js';
import { add, average, concatenate, maximum, minimum, multiply, subtract } from './merge.js';
import { layerNormalization, rescaling } from './normalization.js';
import { cropping2d, zeroPadding2d } from './padding-cropping.js';
import { averagePooling2d, maxPooling2d } from './pooling2d.js';
import {
  averagePooling1d,
  averagePooling3d,
  globalAveragePooling1d,
  globalAveragePooling3d,
  globalMaxPooling1d,
  globalMaxPooling3d,
  maxPooling1d,
  maxPooling3d,
} from './pooling-nd.js';
import { bidirectional, gru, lstm, rnn, simpleRnn } from './recurrent.js';
import { reshape } from './reshape.js';
import { centerCrop, resizing } from './resizing.js';
import { permuteLayer, repeatVector } from './shape-ops.js';
import { timeDistributedOver } from './time-distributed.js';
import { upSampling2d } from './upsampling2d.js';

export const LAYER_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Dense: dense,
  Conv1D: conv1d,
  Conv2D: conv2d,
  Conv3D: conv3d,
  Conv2DTranspose: conv2dTranspose,
  Conv3DTranspose: conv3dTranspose,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  Flatten: flatten,
  Reshape: reshape,
  Permute: permuteLayer,
  RepeatVector: repeatVector,
  MaxPooling1D: maxPooling1d,
  AveragePooling1D: averagePooling1d,
  MaxPooling2D: maxPooling2d,
  AveragePooling2D: averagePooling2d,
  MaxPooling3D: maxPooling3d,
  AveragePooling3D: averagePooling3d,
  GlobalAveragePooling1D: globalAveragePooling1d,
  GlobalMaxPooling1D: globalMaxPooling1d,
  GlobalAveragePooling2D: globalAveragePooling2d,
  GlobalMaxPooling2D: globalMaxPooling2d,
  GlobalAveragePooling3D: globalAveragePooling3d,
  GlobalMaxPooling3D: globalMaxPooling3d,
  UpSampling2D: upSampling2d,
  ZeroPadding2D: zeroPadding2d,
  Cropping2D: cropping2d,
  Resizing: resizing,
  CenterCrop: centerCrop,
  Rescaling: rescaling,
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Embedding: embedding,
  CategoryEncoding: categoryEncoding,
  Masking: masking,
  LSTM: lstm,
  GRU: gru,
  SimpleRNN: simpleRnn,
  RNN: rnn,
  Bidirectional: bidirectional,
  TimeDistributed: timeDistributedOver(() => LAYER_CONVERTERS),
  Activation: activation,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  PReLU: prelu,
  ELU: elu,
  ThresholdedReLU: thresholdedRelu,
  Softmax: softmax,
  Add: add,
  Subtract: subtract,
  Multiply: multiply,
  Average: average,
  Maximum: maximum,
  Minimum: minimum,
  Concatenate: concatenate,
  Dot: dot,
  RandomWidth: randomWidth,
  ...Object.fromEntries(TRAINING_ONLY_LAYERS.map((n) => [n, identity])),
};

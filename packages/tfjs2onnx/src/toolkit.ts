// The ONNX toolkit the converter is built on (`import { GraphBuilder } from 'tfjs2onnx/onnx'`): the ONNX
// protobuf schema with encode/decode, a graph builder that tracks shapes and layouts, an .onnx reader of
// interface and metadata, and the per-layer building blocks (a layer's context, its conv configuration)
// for programs that build their own graphs from tfjs layers.
export { onnx, encodeModel, decodeModel, type OnnxTypes } from './onnx/proto.js';
export {
  GraphBuilder,
  TO_NCHW,
  TO_NHWC,
  nchwAxis,
  toChannelsFirst,
  toChannelsLast,
  type AttrValue,
  type Layout,
  type Value,
} from './onnx/graph-builder.js';
export { inspectOnnx, type OnnxInfo, type OnnxTensorInfo } from './onnx/inspect.js';
export { LayerContext, convAxis, convConfig, type ConvConfig, type LayerSpec, type Weight } from './layer-context.js';
export { deconvAxis } from './layers/conv2d-transpose.js';

// The ONNX protobuf schema, from the maintained `onnx-proto` package (protobufjs-generated).
import { createRequire } from 'node:module';
import type onnxProtoType from 'onnx-proto';

// Loaded through require: an ESM import of this 330 KB CommonJS file first runs Node's export lexer over it
// (about 40 ms of the encode CLI's start here).
const onnxProto = createRequire(import.meta.url)('onnx-proto') as typeof onnxProtoType;

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** Serialises a ModelProto to the bytes of a `.onnx` file. */
export function encodeModel(model: onnxProtoType.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function decodeModel(bytes: Uint8Array): onnxProtoType.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

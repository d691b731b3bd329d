// The converter's public entry: only what is exported here is meant for other programs
// (`import { tfjsToOnnx } from 'tfjs2onnx'`). The ONNX toolkit it is built on is `tfjs2onnx/onnx`.
//
//   const { onnx, summary } = tfjsToOnnx(modelJson, weightBytes, { opset: 17 });
//
// `modelJson` is the parsed model.json of a tfjs LayersModel; `weights` its weight shards' bytes (one
// buffer, or the shards in the manifest's order). Nothing is read from or written to disk;
// `convertFile` does the same from a model.json path to an .onnx path.
import {
  convertLayersModel,
  formatSummary,
  type ConvertOptions,
  type ConvertResult,
  type TfjsModelJson,
} from './convert.js';

export {
  DEFAULT_OPSET,
  OPSET_RANGE,
  PRODUCER,
  PRODUCER_VERSION,
  convertLayersModel,
  formatSummary,
  type ConvertOptions,
  type ConvertResult,
  type TensorSummary,
  type TfjsModelJson,
} from './convert.js';
export { convertFile, readModelFiles } from './convert-file.js';
export { LAYER_CONVERTERS } from './layers/index.js';
export { SUPPORTED_ACTIVATIONS } from './activations.js';
export interface TfjsToOnnxResult {
  /** The .onnx file's bytes. */
  onnx: Uint8Array;
  /** Interface, opset, node count and operators of the graph; `summary.text` is one line for a log. */
  summary: Omit<ConvertResult, 'bytes'> & { text: string };
}

type Bytes = Uint8Array | ArrayBuffer;

function joinShards(weights: Bytes | Bytes[]): Uint8Array {
  if (!Array.isArray(weights)) return weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  const parts = weights.map((w) => (w instanceof Uint8Array ? w : new Uint8Array(w)));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Converts a tfjs LayersModel (model.json object or its text, plus weight bytes) into ONNX bytes and a summary. */
export function tfjsToOnnx(
  modelJson: TfjsModelJson | string,
  weights: Bytes | Bytes[],
  options: Partial<ConvertOptions> = {},
): TfjsToOnnxResult {
  let json: TfjsModelJson;
  if (typeof modelJson === 'string') {
    try {
      json = JSON.parse(modelJson) as TfjsModelJson;
    } catch (err) {
      throw new TypeError(`modelJson: not valid JSON (${(err as Error).message})`);
    }
  } else {
    json = modelJson;
  }
  if (!json || typeof json !== 'object' || !('modelTopology' in json))
    throw new TypeError('modelJson: expected a tfjs model.json object with modelTopology and weightsManifest');
  const { bytes, ...rest } = convertLayersModel(json, joinShards(weights), { source: 'model.json', ...options });
  return { onnx: bytes, summary: { ...rest, text: formatSummary({ bytes, ...rest }) } };
}

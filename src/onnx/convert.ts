// tfjs LayersModel (model.json + weights) -> ONNX ModelProto. The public entry of the converter.
// The graph keeps tfjs's interface: channels-last input and output, float32, a dynamic batch by default.
import { GraphBuilder, type Value } from './graph-builder.js';
import { LayerContext } from './layer-context.js';
import { LAYER_CONVERTERS } from './layers/index.js';
import { encodeModel, onnx, type OnnxTypes } from './proto.js';
import { parseTopology } from './topology.js';
import { decodeWeights, weightLookup, type WeightSpec } from './weights.js';

export const DEFAULT_OPSET = 13;
export const OPSET_RANGE = [11, 21] as const;
export const PRODUCER = 'fashion-ae-onnx tfjs2onnx';
export const PRODUCER_VERSION = '0.1.0';

export interface ConvertOptions {
  /** Where the model came from, for error messages and metadata. */
  source: string;
  opset?: number;
  /** 'dynamic' (default) or a fixed batch size. */
  batch?: 'dynamic' | number;
  inputName?: string;
  outputName?: string;
  graphName?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

export interface TfjsModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/** The IR version each opset was released with (onnx/docs/Versioning.md). */
export function irVersionFor(opset: number): number {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function valueInfo(name: string, shape: (number | null)[], batch: 'dynamic' | number): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d, i) =>
      i === 0 ? (batch === 'dynamic' ? { dimParam: 'batch' } : { dimValue: batch }) : { dimValue: d ?? 0 }) } } },
  };
}

export interface ConvertResult {
  bytes: Uint8Array;
  inputName: string;
  outputName: string;
  inputShape: (number | null)[];
  outputShape: (number | null)[];
  nodeCount: number;
  opTypes: Record<string, number>;
}

export function convertLayersModel(json: TfjsModelJson, weightBytes: Uint8Array, options: ConvertOptions): ConvertResult {
  const where = options.source;
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < OPSET_RANGE[0] || opset > OPSET_RANGE[1]) {
    throw new RangeError(`--opset must be an integer in ${OPSET_RANGE[0]}..${OPSET_RANGE[1]}, got ${opset}`);
  }
  const batch = options.batch ?? 'dynamic';
  if (batch !== 'dynamic' && (!Number.isInteger(batch) || batch < 1)) throw new RangeError(`--batch must be "dynamic" or a positive integer, got ${batch}`);

  const topology = parseTopology(json.modelTopology, where);
  if (topology.input.dtype !== 'float32') throw new Error(`${where}: input "${topology.input.name}" has dtype ${topology.input.dtype}; only float32 is supported`);
  if (topology.input.shape.slice(1).some((d) => d === null)) {
    throw new Error(`${where}: input "${topology.input.name}" has unknown dimensions [${topology.input.shape.join(', ')}]; only the batch may be dynamic`);
  }
  const weights = decodeWeights(json.weightsManifest.flatMap((g) => g.weights), weightBytes, where);
  const lookup = weightLookup(weights);

  const g = new GraphBuilder();
  const inputName = options.inputName ?? topology.input.name;
  g.reserve(inputName);
  const values = new Map<string, Value>([[topology.input.name, { shape: topology.input.shape, forms: { nhwc: inputName } }]]);

  for (const layer of topology.layers) {
    const convert = LAYER_CONVERTERS[layer.className];
    if (!convert) {
      throw new Error(`${where}: layer "${layer.name}" (${layer.className}) is not supported; supported layers: ${Object.keys(LAYER_CONVERTERS).sort().join(', ')}`);
    }
    const inputs = layer.inbound.map((n) => {
      const v = values.get(n);
      if (!v) throw new Error(`${where}: layer "${layer.name}" reads "${n}", which is not defined before it`);
      return v;
    });
    values.set(layer.name, convert(new LayerContext(layer, inputs, g, opset, lookup)));
  }

  const result = values.get(topology.output);
  if (!result) throw new Error(`${where}: output layer "${topology.output}" was not converted`);
  const outputName = options.outputName ?? topology.output;
  const finalName = g.as(result, 'nhwc');
  if (finalName === inputName) throw new Error(`${where}: the model is the identity; nothing to convert`);
  // Give the last computed value the output's name (no extra Identity node).
  g.reserve(outputName);
  for (const n of g.nodes) {
    n.output = (n.output ?? []).map((o) => (o === finalName ? outputName : o));
    n.input = (n.input ?? []).map((i) => (i === finalName ? outputName : i));
  }

  const graph: OnnxTypes.IGraphProto = {
    name: options.graphName ?? topology.modelName,
    docString: options.docString ?? `Converted from ${where} by ${PRODUCER}.`,
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo(inputName, topology.input.shape, batch)],
    output: [valueInfo(outputName, result.shape, batch)],
  };
  const model: OnnxTypes.IModelProto = {
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: PRODUCER,
    producerVersion: PRODUCER_VERSION,
    graph,
    metadataProps: Object.entries({ source_model: where, ...options.metadata }).map(([key, value]) => ({ key, value })),
  };
  const opTypes: Record<string, number> = {};
  for (const n of g.nodes) opTypes[n.opType!] = (opTypes[n.opType!] ?? 0) + 1;
  return {
    bytes: encodeModel(model), inputName, outputName,
    inputShape: topology.input.shape, outputShape: result.shape, nodeCount: g.nodes.length, opTypes,
  };
}

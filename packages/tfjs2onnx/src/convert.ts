// tfjs LayersModel (model.json + weights) -> ONNX ModelProto.
// The graph keeps tfjs's interface: channels-last inputs and outputs named after the model's input and
// output layers, float32 (int32 where the model declares an int32 input), a dynamic batch by default.
import { GraphBuilder, type Value } from './onnx/graph-builder.js';
import { LayerContext } from './layer-context.js';
import { LAYER_CONVERTERS } from './layers/index.js';
import { encodeModel, onnx, type OnnxTypes } from './onnx/proto.js';
import { parseTopology } from './topology.js';
import { decodeWeights, weightLookup, type WeightSpec } from './weights.js';

export const DEFAULT_OPSET = 13;
export const OPSET_RANGE = [11, 21] as const;
export const PRODUCER = 'tfjs2onnx';
export const PRODUCER_VERSION = '0.2.0';

/** Layers that read integer inputs as they are; every other layer gets an int32 input cast to float32. */
const INTEGER_READERS = new Set(['Embedding', 'CategoryEncoding']);

export interface ConvertOptions {
  /** Where the model came from, for error messages and metadata. */
  source: string;
  opset?: number;
  /** 'dynamic' (default) or a fixed batch size. */
  batch?: 'dynamic' | number;
  /** Name of the graph input (one-input models; default: the input layer's name). */
  inputName?: string;
  /** Name of the graph output (one-output models; default: the output layer's name). */
  outputName?: string;
  /** Names of all graph inputs / outputs, in the model's order (override inputName / outputName). */
  inputNames?: string[];
  outputNames?: string[];
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

function valueInfo(
  name: string,
  shape: (number | null)[],
  batch: 'dynamic' | number,
  dtype: 'float32' | 'int32' = 'float32',
): OnnxTypes.IValueInfoProto {
  const T = onnx.TensorProto.DataType;
  return {
    name,
    type: {
      tensorType: {
        elemType: dtype === 'int32' ? T.INT32 : T.FLOAT,
        shape: {
          dim: shape.map((d, i) =>
            i === 0 ? (batch === 'dynamic' ? { dimParam: 'batch' } : { dimValue: batch }) : { dimValue: d ?? 0 },
          ),
        },
      },
    },
  };
}

export interface TensorSummary {
  name: string;
  /** The shape with the batch first: null when dynamic, else the fixed batch. */
  shape: (number | null)[];
  dtype: 'float32' | 'int32';
}

export interface ConvertResult {
  bytes: Uint8Array;
  /** The first input and output (the whole interface of a one-input, one-output model). */
  inputName: string;
  outputName: string;
  inputShape: (number | null)[];
  outputShape: (number | null)[];
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  opset: number;
  batch: 'dynamic' | number;
  nodeCount: number;
  opTypes: Record<string, number>;
}

export function convertLayersModel(
  json: TfjsModelJson,
  weightBytes: Uint8Array,
  options: ConvertOptions,
): ConvertResult {
  const where = options.source;
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < OPSET_RANGE[0] || opset > OPSET_RANGE[1]) {
    throw new RangeError(`--opset must be an integer in ${OPSET_RANGE[0]}..${OPSET_RANGE[1]}, got ${opset}`);
  }
  const batch = options.batch ?? 'dynamic';
  if (batch !== 'dynamic' && (!Number.isInteger(batch) || batch < 1))
    throw new RangeError(`--batch must be "dynamic" or a positive integer, got ${batch}`);
  if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest))
    throw new Error(`${where}: not a tfjs model.json (no weightsManifest)`);

  const topology = parseTopology(json.modelTopology, where);
  const inputNames =
    options.inputNames ?? (options.inputName !== undefined ? [options.inputName] : topology.inputs.map((i) => i.name));
  const outputNames =
    options.outputNames ??
    (options.outputName !== undefined ? [options.outputName] : uniqueOutputNames(topology.outputs.map((o) => o.name)));
  if (inputNames.length !== topology.inputs.length)
    throw new Error(`${where}: the model has ${topology.inputs.length} inputs, ${inputNames.length} input names given`);
  if (outputNames.length !== topology.outputs.length)
    throw new Error(
      `${where}: the model has ${topology.outputs.length} outputs, ${outputNames.length} output names given`,
    );
  for (const input of topology.inputs) {
    if (input.dtype !== 'float32' && input.dtype !== 'int32')
      throw new Error(`${where}: input "${input.name}" has dtype ${input.dtype}; only float32 and int32 are supported`);
    if (input.shape.slice(1).some((d) => d === null)) {
      throw new Error(
        `${where}: input "${input.name}" has unknown dimensions [${input.shape.join(', ')}]; only the batch may be dynamic`,
      );
    }
  }
  const weights = decodeWeights(
    json.weightsManifest.flatMap((g) => g.weights),
    weightBytes,
    where,
  );
  const lookup = weightLookup(weights);

  const g = new GraphBuilder();
  const values = new Map<string, Value>();
  topology.inputs.forEach((input, i) => {
    g.reserve(inputNames[i]!);
    // The batch is the graph's (options.batch), never the tfjs model's, so every value has it unknown.
    const v: Value = { shape: [null, ...input.shape.slice(1)], forms: { nhwc: inputNames[i]! } };
    if (input.dtype === 'int32') v.dtype = 'int32';
    values.set(input.key, v);
  });

  for (const layer of topology.layers) {
    const convert = LAYER_CONVERTERS[layer.className];
    if (!convert) {
      throw new Error(
        `${where}: layer "${layer.name}" (${layer.className}) is not supported; supported layers: ${Object.keys(LAYER_CONVERTERS).sort().join(', ')}`,
      );
    }
    const inputs = layer.inbound.map((n) => {
      const v = values.get(n);
      if (!v)
        throw new Error(
          `${where}: layer "${layer.name}" reads "${n.replace(/@\d+:\d+$/, '')}", which is not defined before it`,
        );
      if (v.dtype === 'int32' && !INTEGER_READERS.has(layer.className)) {
        return {
          shape: v.shape,
          forms: {
            nhwc: g.node('Cast', [g.as(v, 'nhwc')], `${layer.name}/to_float`, { to: onnx.TensorProto.DataType.FLOAT }),
          },
        };
      }
      return v;
    });
    const ctx = new LayerContext(layer, inputs, g, opset, (_layer, suffix) => lookup(layer.weightName, suffix));
    let out: Value;
    try {
      out = convert(ctx);
    } catch (err) {
      const msg = (err as Error).message;
      throw new Error(msg.startsWith(`${where}:`) ? msg : `${where}: ${msg}`);
    }
    values.set(`${layer.key}:0`, { ...out, shape: [null, ...out.shape.slice(1)] });
    ctx.extraOutputs.forEach((v, i) => values.set(`${layer.key}:${i + 1}`, v));
  }

  const graphInputs = new Set(inputNames);
  const outputValues = topology.outputs.map((o) => {
    const value = values.get(o.key);
    if (!value) throw new Error(`${where}: output layer "${o.name}" was not converted`);
    return value;
  });
  // Every channels-last form first, so that no node added later reads a name renamed below.
  const finals = outputValues.map((v) => g.as(v, 'nhwc'));
  const renamed = new Map<string, string>();
  const outputs = outputValues.map((value, i) => {
    const name = outputNames[i]!,
      finalName = finals[i]!;
    g.reserve(name);
    if (graphInputs.has(finalName) || renamed.has(finalName) || g.initializers.some((t) => t.name === finalName)) {
      // An output that is an input or another output gets its own name through an Identity.
      g.nodes.push(
        onnx.NodeProto.create({
          opType: 'Identity',
          input: [renamed.get(finalName) ?? finalName],
          output: [name],
          name: g.name(`${name}/Identity`),
        }),
      );
    } else {
      // Give the computed value the output's name (no extra Identity node).
      for (const n of g.nodes) {
        n.output = (n.output ?? []).map((x) => (x === finalName ? name : x));
        n.input = (n.input ?? []).map((x) => (x === finalName ? name : x));
      }
      renamed.set(finalName, name);
    }
    return { name, value };
  });
  if (g.nodes.length === 0) throw new Error(`${where}: the model is the identity; nothing to convert`);

  const withBatch = (shape: (number | null)[]) => [batch === 'dynamic' ? null : batch, ...shape.slice(1)];
  const inputSummaries: TensorSummary[] = topology.inputs.map((input, i) => ({
    name: inputNames[i]!,
    shape: withBatch(input.shape),
    dtype: input.dtype === 'int32' ? 'int32' : 'float32',
  }));
  const outputSummaries: TensorSummary[] = outputs.map((o) => ({
    name: o.name,
    shape: withBatch(o.value.shape),
    dtype: 'float32',
  }));
  const graph: OnnxTypes.IGraphProto = {
    name: options.graphName ?? topology.modelName,
    docString: options.docString ?? `Converted from ${where} by ${PRODUCER}.`,
    node: g.nodes,
    initializer: g.initializers,
    input: inputSummaries.map((s) => valueInfo(s.name, s.shape, batch, s.dtype)),
    output: outputSummaries.map((s) => valueInfo(s.name, s.shape, batch)),
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
    bytes: encodeModel(model),
    inputName: inputSummaries[0]!.name,
    outputName: outputSummaries[0]!.name,
    inputShape: inputSummaries[0]!.shape,
    outputShape: outputSummaries[0]!.shape,
    inputs: inputSummaries,
    outputs: outputSummaries,
    opset,
    batch,
    nodeCount: g.nodes.length,
    opTypes,
  };
}

/** Output layer names, made unique where one layer gives several outputs (`name`, `name_1`, ...). */
function uniqueOutputNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return k === 0 ? n : `${n}_${k}`;
  });
}

/** One line describing a conversion: inputs and outputs with shapes (N for a dynamic batch), node count, ops. */
export function formatSummary(r: ConvertResult): string {
  const t = (s: TensorSummary) =>
    `${s.name} [${s.shape.map((d) => d ?? 'N').join(',')}]${s.dtype === 'int32' ? ' int32' : ''}`;
  const ops = Object.entries(r.opTypes)
    .map(([k, v]) => `${k}x${v}`)
    .join(' ');
  return `${r.inputs.map(t).join(', ')} -> ${r.outputs.map(t).join(', ')}, opset ${r.opset}, ${r.nodeCount} nodes (${ops})`;
}

// Reads the Keras-style topology inside a tfjs model.json: Sequential or functional, one call per layer.
import type { LayerSpec } from './layer-context.js';

export interface GraphLayer extends LayerSpec {
  /** Names of the layers whose outputs feed this one, in order. */
  inbound: string[];
}

export interface ParsedTopology {
  modelName: string;
  /** The input layer's name and its shape with the batch first (null). */
  input: { name: string; shape: (number | null)[]; dtype: string };
  layers: GraphLayer[];
  output: string;
}

type Json = Record<string, unknown>;

function layerSpec(raw: Json, where: string): LayerSpec {
  const className = raw.class_name;
  const config = raw.config as Json | undefined;
  if (typeof className !== 'string' || !config) throw new Error(`${where}: a layer without class_name/config`);
  const name = (config.name as string | undefined) ?? (raw.name as string | undefined);
  if (typeof name !== 'string') throw new Error(`${where}: a ${className} layer without a name`);
  if (className === 'Sequential' || className === 'Model' || className === 'Functional') {
    throw new Error(`${where}: layer "${name}" is a nested model (${className}); convert the inner model on its own`);
  }
  return { name, className, config };
}

function inputShape(config: Json): (number | null)[] | undefined {
  const s = (config.batch_input_shape ?? config.batchInputShape ?? config.batch_shape) as (number | null)[] | undefined;
  if (s) return s;
  const i = (config.input_shape ?? config.inputShape) as number[] | undefined;
  return i ? [null, ...i] : undefined;
}

export function parseTopology(modelTopology: unknown, where: string): ParsedTopology {
  let top = modelTopology as Json;
  if (top && typeof top === 'object' && 'model_config' in top) top = top.model_config as Json;
  const className = top?.class_name;
  const config = top?.config as Json | Json[] | undefined;
  if (!config) throw new Error(`${where}: modelTopology has no config`);

  if (className === 'Sequential') {
    const layersRaw = (Array.isArray(config) ? config : (config.layers as Json[] | undefined)) ?? [];
    const modelName = Array.isArray(config) ? 'sequential' : String(config.name ?? 'sequential');
    const specs = layersRaw.map((l) => layerSpec(l, where));
    if (specs.length === 0) throw new Error(`${where}: the Sequential model has no layers`);
    let input: ParsedTopology['input'];
    const first = specs[0]!;
    if (first.className === 'InputLayer') {
      specs.shift();
      input = { name: first.name, shape: inputShape(first.config) ?? [], dtype: String(first.config.dtype ?? 'float32') };
    } else {
      const shape = inputShape(first.config);
      if (!shape) throw new Error(`${where}: the first layer "${first.name}" declares no input shape`);
      input = { name: `${first.name}_input`, shape, dtype: String(first.config.dtype ?? 'float32') };
    }
    const layers: GraphLayer[] = [];
    let prev = input.name;
    for (const s of specs) { layers.push({ ...s, inbound: [prev] }); prev = s.name; }
    return { modelName, input, layers, output: prev };
  }

  if (className === 'Model' || className === 'Functional') {
    const c = config as Json;
    const modelName = String(c.name ?? 'model');
    const inputs = c.input_layers as [string, number, number][];
    const outputs = c.output_layers as [string, number, number][];
    if (!Array.isArray(inputs) || inputs.length !== 1) throw new Error(`${where}: only models with one input are supported, found ${inputs?.length ?? 0}`);
    if (!Array.isArray(outputs) || outputs.length !== 1) throw new Error(`${where}: only models with one output are supported, found ${outputs?.length ?? 0}`);
    let input: ParsedTopology['input'] | undefined;
    const layers: GraphLayer[] = [];
    for (const raw of (c.layers as Json[]) ?? []) {
      const spec = layerSpec(raw, where);
      const nodes = raw.inbound_nodes as unknown[][] | undefined;
      if (spec.className === 'InputLayer') {
        if (spec.name !== inputs[0]![0]) continue;
        input = { name: spec.name, shape: inputShape(spec.config) ?? [], dtype: String(spec.config.dtype ?? 'float32') };
        continue;
      }
      if (!Array.isArray(nodes) || nodes.length !== 1) {
        throw new Error(`${where}: layer "${spec.name}" is called ${nodes?.length ?? 0} times; shared layers are not supported`);
      }
      const inbound = (nodes[0] as unknown[]).map((n) => {
        if (!Array.isArray(n) || typeof n[0] !== 'string') throw new Error(`${where}: layer "${spec.name}" has an inbound node format this converter does not read`);
        if (n[2] !== 0 && n[2] !== undefined) throw new Error(`${where}: layer "${spec.name}" reads output ${String(n[2])} of "${n[0]}"; only single-output layers are supported`);
        return n[0];
      });
      layers.push({ ...spec, inbound });
    }
    if (!input) throw new Error(`${where}: input layer "${inputs[0]![0]}" not found`);
    return { modelName, input, layers, output: outputs[0]![0] };
  }

  throw new Error(`${where}: unsupported model class ${JSON.stringify(className)} (expected Sequential or a functional Model)`);
}

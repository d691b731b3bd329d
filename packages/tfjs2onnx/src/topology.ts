// Reads the Keras-style topology inside a tfjs model.json: Sequential or functional, with several inputs and
// outputs, shared layers (one entry per call) and nested models (inlined, their layers keep their weights).
//
// Every tensor is named by a key `<call>:<index>`: `<call>` is a layer's name plus `@<node index>` (one per
// call of a shared layer), prefixed with the nested model's call when inlined. Nested models' inputs and
// outputs are aliases of the keys they stand for.
import type { LayerSpec } from './layer-context.js';

export interface GraphLayer extends LayerSpec {
  /** Keys of the tensors this call reads, in order. */
  inbound: string[];
  /** This call's key prefix: its output i is `${key}:${i}`. */
  key: string;
  /** The layer name its weights are saved under. */
  weightName: string;
}

export interface GraphInput {
  name: string;
  shape: (number | null)[];
  dtype: string;
  key: string;
}

export interface ParsedTopology {
  modelName: string;
  inputs: GraphInput[];
  /** Calls in an order where every call's inputs come before it. */
  layers: GraphLayer[];
  /** The model's outputs: the output layer's name and the key of its tensor. */
  outputs: { name: string; key: string }[];
  /** The first input and output (the single-input, single-output view). */
  input: GraphInput;
  output: string;
}

type Json = Record<string, unknown>;

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

function layerSpec(raw: Json, where: string): LayerSpec {
  const className = raw.class_name;
  const config = raw.config as Json | undefined;
  if (typeof className !== 'string' || !config) throw new Error(`${where}: a layer without class_name/config`);
  const name = (config.name as string | undefined) ?? (raw.name as string | undefined);
  if (typeof name !== 'string') throw new Error(`${where}: a ${className} layer without a name`);
  return { name, className, config };
}

function inputShape(config: Json): (number | null)[] | undefined {
  const s = (config.batch_input_shape ?? config.batchInputShape ?? config.batch_shape) as (number | null)[] | undefined;
  if (s) return s;
  const i = (config.input_shape ?? config.inputShape) as number[] | undefined;
  return i ? [null, ...i] : undefined;
}

/** The input shape a nested Sequential model declares on its first layer (a model used as a first layer). */
function nestedInputShape(raw: Json): (number | null)[] | undefined {
  if (raw.class_name !== 'Sequential') return undefined;
  const config = raw.config as Json | Json[];
  const first = (Array.isArray(config) ? config : (config.layers as Json[] | undefined))?.[0];
  return first ? (inputShape((first.config as Json | undefined) ?? {}) ?? nestedInputShape(first)) : undefined;
}

interface Expansion {
  calls: GraphLayer[];
  aliases: Map<string, string>;
  inputs: GraphInput[];
  outputs: { name: string; key: string }[];
}

/**
 * Expands one model config. `feeds` are the keys its inputs read when it is nested; at the top level
 * (no feeds) its inputs become graph inputs.
 */
function expand(
  className: unknown,
  configRaw: unknown,
  prefix: string,
  feeds: string[] | undefined,
  where: string,
  out: Expansion,
): string[] {
  if (className === 'Sequential') {
    const config = configRaw as Json | Json[];
    const specs = ((Array.isArray(config) ? config : (config.layers as Json[] | undefined)) ?? []).map((l) => ({
      raw: l,
      spec: layerSpec(l, where),
    }));
    if (specs.length === 0) throw new Error(`${where}: the Sequential model has no layers`);
    let prev: string;
    const first = specs[0]!.spec;
    if (first.className === 'InputLayer') specs.shift();
    if (feeds) {
      if (feeds.length !== 1)
        throw new Error(`${where}: nested Sequential model "${prefix}" called on ${feeds.length} inputs`);
      prev = feeds[0]!;
    } else {
      const shape = inputShape(first.config) ?? nestedInputShape(specs[0]!.raw);
      if (!shape) throw new Error(`${where}: the first layer "${first.name}" declares no input shape`);
      const name = first.className === 'InputLayer' ? first.name : `${first.name}_input`;
      prev = `${name}@0:0`;
      out.inputs.push({ name, shape, dtype: String(first.config.dtype ?? 'float32'), key: prev });
    }
    for (const { raw, spec } of specs) {
      const key = `${prefix}${spec.name}@0`;
      if (MODEL_CLASSES.has(spec.className)) {
        const inner = expand(spec.className, raw.config, `${key}/`, [prev], where, out);
        if (inner.length !== 1)
          throw new Error(
            `${where}: nested model "${spec.name}" has ${inner.length} outputs inside a Sequential model`,
          );
        out.aliases.set(`${key}:0`, inner[0]!);
      } else {
        out.calls.push({ ...spec, inbound: [prev], key, weightName: spec.name });
      }
      prev = `${key}:0`;
    }
    if (!feeds) out.outputs.push({ name: specs[specs.length - 1]?.spec.name ?? prev, key: prev });
    return [prev];
  }

  if (className === 'Model' || className === 'Functional') {
    const c = configRaw as Json;
    const inputs = c.input_layers as [string, number, number][];
    const outputs = c.output_layers as [string, number, number][];
    if (!Array.isArray(inputs) || inputs.length === 0)
      throw new Error(`${where}: model "${String(c.name)}" lists no input_layers`);
    if (!Array.isArray(outputs) || outputs.length === 0)
      throw new Error(`${where}: model "${String(c.name)}" lists no output_layers`);
    if (feeds && feeds.length !== inputs.length)
      throw new Error(
        `${where}: nested model "${String(c.name)}" has ${inputs.length} inputs, called on ${feeds.length}`,
      );
    const ref = (n: unknown[], ctxName: string): string => {
      if (!Array.isArray(n) || typeof n[0] !== 'string')
        throw new Error(`${where}: layer "${ctxName}" has an inbound node format this converter does not read`);
      return `${prefix}${n[0]}@${Number(n[1] ?? 0)}:${Number(n[2] ?? 0)}`;
    };
    // tfjs numbers a nested model's calls from 1 when the model already had a node of its own (its
    // construction): the highest node index the config refers to tells which numbering it uses.
    const maxRef = new Map<string, number>();
    const note = (n: unknown) => {
      if (Array.isArray(n) && typeof n[0] === 'string')
        maxRef.set(n[0], Math.max(maxRef.get(n[0]) ?? -1, Number(n[1] ?? 0)));
    };
    for (const raw of (c.layers as Json[]) ?? [])
      for (const node of (raw.inbound_nodes as unknown[][] | undefined) ?? [])
        if (Array.isArray(node)) node.forEach(note);
    outputs.forEach(note);
    for (const raw of (c.layers as Json[]) ?? []) {
      const spec = layerSpec(raw, where);
      const nodes = (raw.inbound_nodes as unknown[][] | undefined) ?? [];
      if (spec.className === 'InputLayer') {
        const index = inputs.findIndex((i) => i[0] === spec.name);
        const key = `${prefix}${spec.name}@0:0`;
        if (index < 0) continue;
        if (feeds) out.aliases.set(key, feeds[index]!);
        else
          out.inputs[index] = {
            name: spec.name,
            shape: inputShape(spec.config) ?? [],
            dtype: String(spec.config.dtype ?? 'float32'),
            key,
          };
        continue;
      }
      const offset = MODEL_CLASSES.has(spec.className) && (maxRef.get(spec.name) ?? -1) >= nodes.length ? 1 : 0;
      nodes.forEach((node, i) => {
        const k = i + offset;
        if (!Array.isArray(node))
          throw new Error(`${where}: layer "${spec.name}" has an inbound node format this converter does not read`);
        const inbound = node.map((n) => ref(n as unknown[], spec.name));
        const key = `${prefix}${spec.name}@${k}`;
        if (MODEL_CLASSES.has(spec.className)) {
          expand(spec.className, raw.config, `${key}/`, inbound, where, out).forEach((o, i) =>
            out.aliases.set(`${key}:${i}`, o),
          );
        } else {
          out.calls.push({ ...spec, inbound, key, weightName: spec.name });
        }
      });
    }
    const outKeys = outputs.map((o) => ref(o, String(c.name)));
    if (!feeds) {
      for (let i = 0; i < inputs.length; i++)
        if (!out.inputs[i]) throw new Error(`${where}: input layer "${inputs[i]![0]}" not found`);
      outputs.forEach((o, i) => out.outputs.push({ name: o[0], key: outKeys[i]! }));
    }
    return outKeys;
  }

  throw new Error(
    `${where}: unsupported model class ${JSON.stringify(className)} (expected Sequential or a functional Model)`,
  );
}

export function parseTopology(modelTopology: unknown, where: string): ParsedTopology {
  let top = modelTopology as Json;
  if (top && typeof top === 'object' && 'model_config' in top) top = top.model_config as Json;
  if (!top?.config) throw new Error(`${where}: modelTopology has no config`);
  const modelName = Array.isArray(top.config)
    ? 'sequential'
    : String((top.config as Json).name ?? (top.class_name === 'Sequential' ? 'sequential' : 'model'));
  const ex: Expansion = { calls: [], aliases: new Map(), inputs: [], outputs: [] };
  expand(top.class_name, top.config, '', undefined, where, ex);

  const resolve = (key: string): string => {
    let k = key;
    for (let i = 0; ex.aliases.has(k) && i < 1000; i++) k = ex.aliases.get(k)!;
    return k;
  };
  // Order the calls so that every call comes after the calls it reads (shared layers may be listed before
  // the layers that feed their later calls).
  const producer = new Map(ex.calls.map((c) => [c.key, c]));
  const done = new Set<string>(),
    active = new Set<string>();
  const layers: GraphLayer[] = [];
  const visit = (c: GraphLayer): void => {
    if (done.has(c.key)) return;
    if (active.has(c.key)) throw new Error(`${where}: layer "${c.name}" is part of a cycle`);
    active.add(c.key);
    for (const k of c.inbound) {
      const p = producer.get(resolve(k).replace(/:\d+$/, ''));
      if (p) visit(p);
    }
    active.delete(c.key);
    done.add(c.key);
    layers.push({ ...c, inbound: c.inbound.map(resolve) });
  };
  const outputs = ex.outputs.map((o) => ({ name: o.name, key: resolve(o.key) }));
  // Only what the outputs need: an unused branch is not converted.
  for (const o of outputs) {
    const p = producer.get(o.key.replace(/:\d+$/, ''));
    if (p) visit(p);
  }
  return { modelName, inputs: ex.inputs, layers, outputs, input: ex.inputs[0]!, output: outputs[0]!.name };
}

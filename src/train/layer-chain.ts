// A tfjs model as the ort training engine sees it: its leaf layers in order (nested Sequential and
// functional models flattened, each a chain), with their serialised (Keras-style) configs, and its
// trainable weights as slots of one flat vector in the model's own trainableWeights order, so the flat
// vector is the same one the tfjs engine, the optimizers and checkpoints use.
import type * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from 'tfjs2onnx/onnx';
import type { ParameterSlot } from '../train-graph/index.js';

type Json = Record<string, unknown>;
const NESTED = new Set(['Sequential', 'Model', 'Functional']);

export interface LayerChain {
  layers: LayerSpec[];
  /** The tfjs input shape without the batch. */
  inputShape: number[];
  parameters: ParameterSlot[];
}

function inbound(raw: Json): string[] {
  const nodes = (raw.inbound_nodes ?? []) as unknown[][];
  return nodes.flatMap((n) =>
    (Array.isArray(n) ? n : []).map((e) => (Array.isArray(e) ? String(e[0]) : String((e as Json).name ?? e))),
  );
}

function flatten(model: Json, where: string, out: LayerSpec[]): void {
  const config = model.config as Json | Json[];
  const list = (Array.isArray(config) ? config : (config.layers as Json[])) ?? [];
  let previous: string | undefined;
  for (const raw of list) {
    const className = String(raw.class_name);
    const c = raw.config as Json;
    const name = String(c.name ?? raw.name);
    const from = inbound(raw);
    if (from.length > 1 || (from.length === 1 && previous !== undefined && from[0] !== previous)) {
      throw new Error(
        `${where}: layer "${name}" does not read the layer before it; the ort training engine trains chains of layers only`,
      );
    }
    previous = name;
    if (className === 'InputLayer') continue;
    if (NESTED.has(className)) flatten(raw, where, out);
    else out.push({ name, className, config: c });
  }
}

export function layerChain(model: tf.LayersModel): LayerChain {
  const json = model.toJSON(undefined, false) as unknown as Json;
  const layers: LayerSpec[] = [];
  flatten(json, `model "${model.name}"`, layers);
  const shape = model.inputs[0]!.shape;
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new Error(`model "${model.name}": the ort training engine needs one input and one output`);
  let offset = 0;
  const parameters = model.trainableWeights.map((w) => {
    const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    const slot = { name: w.originalName, shape: w.shape as number[], offset, size };
    offset += size;
    return slot;
  });
  return { layers, inputShape: shape.slice(1) as number[], parameters };
}

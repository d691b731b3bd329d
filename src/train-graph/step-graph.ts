// One ONNX graph for a whole training step of a chain of tfjs layers: the forward pass, the loss, and the
// backward pass, built from the per-layer training rules (./index.ts). onnxruntime runs it in one
// session.run, so a step costs one call instead of hundreds of kernel dispatches.
//
// Inputs:  image   float32 [batch, h, w, c]  the batch (tfjs layout), also the reconstruction target
//          weights float32 [P]               every trainable weight, flattened in the model's order
//          code_grad float32 [batch, k]      (optional) an extra gradient added at the code layer's output
//          code_target float32 [batch, k], code_target_weight float32 []
//                                            (optional) a pull of each code towards its target: the gradient
//                                            weight x (code - target) added at the code layer's output
// Outputs: loss    float32 []                mean loss over the batch's pixels
//          grads   float32 [P]               d loss / d weights, same order as `weights` (training graph)
//          code    float32 [batch, k]        (optional) the code layer's output
//          bce, mse float32 []               (evaluation graph) mean BCE and mean squared error per pixel
// The 'encode' graph stops at the code layer: inputs image and weights, output code.
import { GraphBuilder, encodeModel, onnx, type LayerSpec, type OnnxTypes } from 'tfjs2onnx/onnx';
import { BCE_EPSILON } from './loss.js';
import { TrainContext, graphOrder, toNhwc, type Forward, type ParameterSlot, type TrainValue } from './context.js';
import { TRAIN_RULES } from './index.js';

export const TRAIN_LOSSES = ['bce', 'mse'] as const;
export type TrainLoss = (typeof TRAIN_LOSSES)[number];

const OPSET = 17;

export interface StepGraphOptions {
  /** 'train': loss + gradients; 'eval': forward only, with bce and mse outputs; 'encode': forward to the code layer only. */
  mode: 'train' | 'eval' | 'encode';
  loss: TrainLoss;
  /** A layer whose output is exposed as `code` and receives `code_grad` (train mode). */
  codeLayer?: string;
  /** Train mode, with a code layer: take `code_grad` (default true). */
  codeGrad?: boolean;
  /** Train mode, with a code layer: take `code_target` and `code_target_weight` (default false). */
  codeTarget?: boolean;
  /** 'image' (an autoencoder: the input is the target) or 'separate': a `target` input of the output's shape. */
  target?: 'image' | 'separate';
  /** Also output `image_grad`, d loss / d image (for gradient checks). */
  inputGradient?: boolean;
}

export interface StepGraph {
  bytes: Uint8Array;
  parameters: ParameterSlot[];
  parameterCount: number;
  nodeCount: number;
  opTypes: Record<string, number>;
  codeSize?: number;
}

/**
 * Builds the graph for `layers` (a chain: each reads the previous), with `inputShape` the tfjs shape of the
 * image without the batch and `parameters` the trainable weights in flat-vector order. Throws an error
 * naming the layer for anything without a training rule.
 */
export function buildStepGraph(
  layers: LayerSpec[],
  inputShape: number[],
  parameters: ParameterSlot[],
  options: StepGraphOptions,
): StepGraph {
  const g = new GraphBuilder();
  const F = onnx.TensorProto.DataType.FLOAT;
  const P = parameters.reduce((a, p) => a + p.size, 0);
  const inputs: OnnxTypes.IValueInfoProto[] = [],
    outputs: OnnxTypes.IValueInfoProto[] = [];
  // Inputs reserve their names here; outputs are reserved by the node that writes them.
  const io = (list: OnnxTypes.IValueInfoProto[], name: string, dims: (number | string)[]) => {
    if (list === inputs) g.reserve(name);
    list.push({
      name,
      type: {
        tensorType: {
          elemType: F,
          shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
        },
      },
    });
    return name;
  };
  const image = io(inputs, 'image', ['batch', ...inputShape]);
  const flatWeights = io(inputs, 'weights', [P]);

  const byName = new Map(parameters.map((p) => [p.name, p]));
  const used = new Set<string>();
  const weightValue = (name: string, shape: number[]): string => {
    const p = byName.get(name);
    if (!p) throw new Error(`weight "${name}" is not among the model's trainable weights`);
    if (p.shape.join() !== shape.join())
      throw new Error(`weight "${name}" has shape [${p.shape.join(', ')}], expected [${shape.join(', ')}]`);
    if (used.has(name))
      throw new Error(`weight "${name}" is read twice (shared layers are not supported by the ort training engine)`);
    used.add(name);
    const slice = g.node(
      'Slice',
      [flatWeights, g.int64Tensor(`${name}/begin`, [p.offset]), g.int64Tensor(`${name}/end`, [p.offset + p.size])],
      `${name}/flat`,
    );
    return g.node('Reshape', [slice, g.int64Tensor(`${name}/shape`, p.shape)], name);
  };
  const grads = new Map<string, string>();
  const setGradient = (name: string, value: string) => grads.set(name, value);

  // ---- forward
  const first: LayerSpec = { name: 'image', className: 'Input', config: {} };
  let value: TrainValue = {
    name: graphOrder(
      new TrainContext(first, { name: image, shape: inputShape }, g, weightValue, setGradient),
      image,
      inputShape,
    ),
    shape: inputShape,
  };
  const tape: Forward[] = [];
  let codeIndex = -1;
  const encodeOnly = options.mode === 'encode';
  if (encodeOnly && options.codeLayer === undefined) throw new Error('an encode graph needs a code layer');
  for (const [i, layer] of layers.entries()) {
    const rule = TRAIN_RULES[layer.className];
    if (!rule) {
      throw new Error(
        `layer "${layer.name}" (${layer.className}) has no backward rule in the ort training engine; ` +
          `layers it can train: ${Object.keys(TRAIN_RULES).join(', ')} (train this model with --engine tfjs)`,
      );
    }
    const ctx = new TrainContext(layer, value, g, weightValue, setGradient);
    ctx.fuseSigmoidWithLoss =
      i === layers.length - 1 &&
      options.loss === 'bce' &&
      layer.config.activation === 'sigmoid' &&
      options.mode === 'train';
    const f = rule(ctx);
    tape.push(f);
    value = f.output;
    if (layer.name === options.codeLayer) {
      codeIndex = i;
      if (encodeOnly) break;
    }
  }
  if (options.codeLayer !== undefined && codeIndex < 0)
    throw new Error(`code layer "${options.codeLayer}" is not in the model`);
  if (encodeOnly) {
    const code = tape[codeIndex]!.output;
    g.node('Identity', [code.name], 'code', {}, io(outputs, 'code', ['batch', ...code.shape]));
    return finish(
      g,
      inputs,
      outputs,
      options.mode,
      parameters,
      P,
      code.shape.reduce((a, b) => a * b, 1),
    );
  }
  const separateTarget = options.target === 'separate';
  if (!separateTarget && value.shape.join() !== inputShape.join()) {
    throw new Error(
      `the model's output [${value.shape.join(', ')}] is not the shape of its input [${inputShape.join(', ')}]: not an autoencoder`,
    );
  }
  const unusedWeights = parameters.filter((p) => !used.has(p.name));
  if (unusedWeights.length)
    throw new Error(`trainable weights not used by any training rule: ${unusedWeights.map((p) => p.name).join(', ')}`);

  // ---- loss, against the image in the graph's layout
  const lossCtx = new TrainContext({ name: 'loss', className: 'Loss', config: {} }, value, g, weightValue, setGradient);
  const target = separateTarget
    ? graphOrder(lossCtx, io(inputs, 'target', ['batch', ...value.shape]), value.shape)
    : graphOrder(lossCtx, image, inputShape);
  const p = value.name;
  const count = lossCtx.node('Cast', [lossCtx.node('Size', [p])], { to: F });
  const lo = lossCtx.scalar(BCE_EPSILON),
    hi = lossCtx.scalar(1 - BCE_EPSILON),
    one = lossCtx.scalar(1);
  const clipped = lossCtx.node('Clip', [p, lo, hi]);
  const bceTerms = () =>
    lossCtx.node('Add', [
      lossCtx.node('Mul', [target, lossCtx.node('Log', [clipped])]),
      lossCtx.node('Mul', [
        lossCtx.node('Sub', [one, target]),
        lossCtx.node('Log', [lossCtx.node('Sub', [one, clipped])]),
      ]),
    ]);
  const diff = lossCtx.node('Sub', [p, target]);
  if (options.mode === 'eval') {
    g.node('Neg', [lossCtx.node('ReduceMean', [bceTerms()], { keepdims: 0 })], 'bce', {}, io(outputs, 'bce', []));
    g.node('ReduceMean', [lossCtx.node('Mul', [diff, diff])], 'mse', { keepdims: 0 }, io(outputs, 'mse', []));
  } else {
    const loss =
      options.loss === 'bce'
        ? lossCtx.node('Neg', [lossCtx.node('ReduceMean', [bceTerms()], { keepdims: 0 })])
        : lossCtx.node('ReduceMean', [lossCtx.node('Mul', [diff, diff])], { keepdims: 0 });
    g.node('Identity', [loss], 'loss', {}, io(outputs, 'loss', []));
  }

  if (options.mode === 'train') {
    // ---- dL/d(output): BCE with the sigmoid fused gives (p - t)/n, zeroed where the clip held p constant.
    let dy: string;
    const inverseCount = lossCtx.node('Div', [one, count]);
    if (options.loss === 'bce') {
      const inRange = lossCtx.node('And', [
        lossCtx.node('GreaterOrEqual', [p, lo]),
        lossCtx.node('LessOrEqual', [p, hi]),
      ]);
      const mask = lossCtx.node('Cast', [inRange], { to: F });
      if (tape.length && layers.at(-1)!.config.activation === 'sigmoid') {
        dy = lossCtx.node('Mul', [lossCtx.node('Mul', [diff, inverseCount]), mask]);
      } else {
        // d/dp of -(t log p + (1-t) log(1-p)) = (p - t) / (p (1 - p)), within the clip.
        const denom = lossCtx.node('Mul', [clipped, lossCtx.node('Sub', [one, clipped])]);
        dy = lossCtx.node('Mul', [lossCtx.node('Div', [lossCtx.node('Mul', [diff, inverseCount]), denom]), mask]);
      }
    } else {
      dy = lossCtx.node('Mul', [diff, lossCtx.node('Mul', [lossCtx.scalar(2), inverseCount])]);
    }
    // ---- backward through the tape
    for (let i = tape.length - 1; i >= 0; i--) {
      if (i === codeIndex) {
        const shape = ['batch', ...tape[i]!.output.shape];
        if (options.codeGrad !== false) dy = g.node('Add', [dy, io(inputs, 'code_grad', shape)], 'code_grad_add');
        if (options.codeTarget) {
          const offset = g.node('Sub', [tape[i]!.output.name, io(inputs, 'code_target', shape)], 'code_target_offset');
          const pull = g.node('Mul', [offset, io(inputs, 'code_target_weight', [])], 'code_target_pull');
          dy = g.node('Add', [dy, pull], 'code_target_add');
        }
      }
      const needInput = i > 0 || options.inputGradient === true;
      const dx = tape[i]!.backward(dy, needInput);
      if (needInput) dy = dx!;
    }
    if (options.inputGradient) {
      const c = new TrainContext(first, { name: dy, shape: inputShape }, g, weightValue, setGradient);
      g.node(
        'Identity',
        [inputShape.length === 3 ? toNhwc(c, dy, inputShape) : dy],
        'image_grad',
        {},
        io(outputs, 'image_grad', ['batch', ...inputShape]),
      );
    }
    const flat = parameters.map((q) => {
      const v = grads.get(q.name);
      if (!v) throw new Error(`no gradient was computed for weight "${q.name}"`);
      return g.node('Reshape', [v, g.int64Tensor(`${q.name}/flat_shape`, [q.size])], `${q.name}/grad_flat`);
    });
    g.node('Concat', flat, 'grads', { axis: 0 }, io(outputs, 'grads', [P]));
  }
  let codeSize: number | undefined;
  if (codeIndex >= 0) {
    const code = tape[codeIndex]!.output;
    codeSize = code.shape.reduce((a, b) => a * b, 1);
    g.node('Identity', [code.name], 'code', {}, io(outputs, 'code', ['batch', ...code.shape]));
  }

  return finish(g, inputs, outputs, options.mode, parameters, P, codeSize);
}

function finish(
  g: GraphBuilder,
  inputs: OnnxTypes.IValueInfoProto[],
  outputs: OnnxTypes.IValueInfoProto[],
  mode: string,
  parameters: ParameterSlot[],
  parameterCount: number,
  codeSize: number | undefined,
): StepGraph {
  const graph: OnnxTypes.IGraphProto = {
    name: `autoencoder_${mode}`,
    node: g.nodes,
    initializer: g.initializers,
    input: inputs,
    output: outputs,
  };
  const model: OnnxTypes.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'fashion-ae-onnx ort training engine',
    graph,
  };
  const opTypes: Record<string, number> = {};
  for (const n of g.nodes) opTypes[n.opType!] = (opTypes[n.opType!] ?? 0) + 1;
  return { bytes: encodeModel(model), parameters, parameterCount, nodeCount: g.nodes.length, opTypes, codeSize };
}

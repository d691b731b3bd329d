// What a training rule receives and returns. A training rule is a layer's forward pass with its weights as
// graph values (not constants) plus the backward pass that turns the output gradient into the input
// gradient and the weight gradients, all as standard ONNX operators.
//
// Layouts inside a training graph: a 4-D value is held NCHW (the form ONNX convolutions take), everything
// else as tfjs holds it. `TrainValue.shape` is always the tfjs shape without the batch, so a value of tfjs
// shape [h, w, c] is the ONNX tensor [N, c, h, w]. Weights enter and gradients leave in tfjs's layouts.
import type { GraphBuilder } from 'tfjs2onnx/onnx';
import { LayerContext, type LayerSpec } from 'tfjs2onnx/onnx';

export interface TrainValue {
  name: string;
  /** The tfjs shape without the batch dimension. */
  shape: number[];
}

/** A layer's forward output and the closure that runs its backward pass. */
export interface Forward {
  output: TrainValue;
  /**
   * Emits the backward pass for the gradient `dy` of the output (same layout as the output) and returns
   * the input's gradient, or undefined when `needInput` is false (the first layer: nothing reads it).
   */
  backward(dy: string, needInput: boolean): string | undefined;
}

export type TrainRule = (ctx: TrainContext) => Forward;

/** Where a weight lives in the flat parameter vector. */
export interface ParameterSlot {
  /** The tfjs name, "layer/suffix". */
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export class TrainContext {
  /** Set by the graph builder on the model's last layer when its sigmoid is fused into the BCE loss. */
  fuseSigmoidWithLoss = false;

  constructor(
    readonly layer: LayerSpec,
    readonly input: TrainValue,
    readonly g: GraphBuilder,
    private readonly weightValue: (name: string, shape: number[]) => string,
    private readonly setGradient: (name: string, value: string) => void,
  ) {}

  get config(): Record<string, unknown> {
    return this.layer.config;
  }

  /** The weight `suffix` of this layer as a graph value in tfjs layout; named error when its shape differs. */
  weight(suffix: string, shape: number[]): string {
    return this.weightValue(`${this.layer.name}/${suffix}`, shape);
  }

  /** Records the gradient of weight `suffix` (a graph value in the weight's tfjs layout). */
  gradient(suffix: string, value: string): void {
    this.setGradient(`${this.layer.name}/${suffix}`, value);
  }

  /** The converter's view of this layer, for its shared option parsing (kernel sizes, strides, padding). */
  converterContext(): LayerContext {
    const shape = [null, ...this.input.shape];
    return new LayerContext(this.layer, [{ shape, forms: {} }], this.g, 17, () => undefined);
  }

  node(op: string, inputs: string[], attrs: Parameters<GraphBuilder['node']>[3] = {}): string {
    return this.g.node(op, inputs, `${this.layer.name}/${op.toLowerCase()}`, attrs);
  }

  ints(values: number[]): string {
    return this.g.int64Tensor(`${this.layer.name}/const`, values);
  }

  scalar(value: number): string {
    return this.g.floatTensor(`${this.layer.name}/const`, [], Float32Array.of(value));
  }

  unsupported(option: string, value: unknown): never {
    throw new Error(
      `layer "${this.layer.name}" (${this.layer.className}): the ort training engine does not support ${option} ${JSON.stringify(value)}`,
    );
  }

  fail(message: string): never {
    throw new Error(`layer "${this.layer.name}" (${this.layer.className}) ${message}`);
  }
}

/** Rank-4 values: between NHWC (tfjs order) and NCHW (the graph's), a Reshape when they share memory order. */
export function toNchw(ctx: TrainContext, x: string, hwc: number[]): string {
  const [h, w, c] = hwc as [number, number, number];
  return c === 1 || (h === 1 && w === 1)
    ? ctx.node('Reshape', [x, ctx.ints([-1, c, h, w])])
    : ctx.node('Transpose', [x], { perm: [0, 3, 1, 2] });
}

export function toNhwc(ctx: TrainContext, x: string, hwc: number[]): string {
  const [h, w, c] = hwc as [number, number, number];
  return c === 1 || (h === 1 && w === 1)
    ? ctx.node('Reshape', [x, ctx.ints([-1, h, w, c])])
    : ctx.node('Transpose', [x], { perm: [0, 2, 3, 1] });
}

/** The value in tfjs's own memory order (NHWC for rank 4). */
export function tfjsOrder(ctx: TrainContext, v: TrainValue): string {
  return v.shape.length === 3 ? toNhwc(ctx, v.name, v.shape) : v.name;
}

/** From tfjs's memory order to the graph's (NCHW for rank 4). */
export function graphOrder(ctx: TrainContext, name: string, shape: number[]): string {
  return shape.length === 3 ? toNchw(ctx, name, shape) : name;
}

// What a layer mapping receives: the tfjs layer's config, its input values, its weights, the builder.
import type { GraphBuilder, Value } from './onnx/graph-builder.js';

export interface Weight {
  shape: number[];
  data: Float32Array;
}

export interface LayerSpec {
  name: string;
  className: string;
  config: Record<string, unknown>;
}

export class LayerContext {
  /** Outputs after the first (an RNN's states with return_state), set by the mapping. */
  extraOutputs: Value[] = [];

  constructor(
    readonly layer: LayerSpec,
    readonly inputs: Value[],
    readonly g: GraphBuilder,
    readonly opset: number,
    private readonly weights: (layer: string, suffix: string) => Weight | undefined,
  ) {}

  get config(): Record<string, unknown> {
    return this.layer.config;
  }

  /** The single input of a one-input layer. */
  get input(): Value {
    if (this.inputs.length !== 1) this.fail(`expects one input, got ${this.inputs.length}`);
    return this.inputs[0]!;
  }

  weight(suffix: string, shape?: number[]): Weight {
    const w = this.weights(this.layer.name, suffix);
    if (!w) this.fail(`has no weight "${this.layer.name}/${suffix}" in the weights manifest`);
    if (shape && (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]))) {
      this.fail(`weight ${suffix} has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    return w;
  }

  hasWeight(suffix: string): boolean {
    return this.weights(this.layer.name, suffix) !== undefined;
  }

  /** A config value that must be a number (or a pair); named error otherwise. */
  pair(key: string, fallback?: [number, number]): [number, number] {
    const v = this.config[key] ?? fallback;
    if (typeof v === 'number') return [v, v];
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'))
      return [v[0] as number, v[1] as number];
    return this.unsupported(key, v);
  }

  /** Fails unless the layer works on channels-last data (the only layout tfjs layers produce by default). */
  requireChannelsLast(): void {
    const f = this.config.data_format;
    if (f !== undefined && f !== null && f !== 'channels_last') this.unsupported('data_format', f);
  }

  unsupported(option: string, value: unknown): never {
    throw new Error(
      `layer "${this.layer.name}" (${this.layer.className}): unsupported ${option} ${JSON.stringify(value)}`,
    );
  }

  fail(message: string): never {
    throw new Error(`layer "${this.layer.name}" (${this.layer.className}) ${message}`);
  }

  /** A fresh value name prefixed with the layer's name. */
  name(suffix: string): string {
    return `${this.layer.name}/${suffix}`;
  }
}

export type LayerConverter = (ctx: LayerContext) => Value;

/** Permutes the axes of a dense row-major array. */
export function permute(data: Float32Array, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * shape[i + 1]!;
  const strides = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d]! * strides[d]!;
    out[o] = data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** tfjs's spatial output size and ONNX's [begin, end] pads for one axis of a conv or pool. */
export function convAxis(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: string,
): { out: number; pads: [number, number] } {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.ceil((size - effective + 1) / stride), pads: [0, 0] };
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + effective - size);
  return { out, pads: [Math.floor(total / 2), total - Math.floor(total / 2)] };
}

export function spatialDims(ctx: LayerContext): [number, number, number] {
  const s = ctx.input.shape;
  if (s.length !== 4 || s.slice(1).some((d) => d === null))
    ctx.fail(`needs a [batch, height, width, channels] input with known sizes, got [${s.join(', ')}]`);
  return [s[1]!, s[2]!, s[3]!];
}

export interface ConvConfig {
  h: number;
  w: number;
  cin: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padding: 'same' | 'valid';
  filters: number;
}

/** The options Conv2D and Conv2DTranspose share, checked. */
export function convConfig(ctx: LayerContext): ConvConfig {
  ctx.requireChannelsLast();
  const [h, w, cin] = spatialDims(ctx);
  const [kh, kw] = ctx.pair('kernel_size');
  const [sh, sw] = ctx.pair('strides', [1, 1]);
  const [dh, dw] = ctx.pair('dilation_rate', [1, 1]);
  const padding = String(ctx.config.padding ?? 'valid');
  if (padding !== 'same' && padding !== 'valid') return ctx.unsupported('padding', padding);
  return { h, w, cin, kh, kw, sh, sw, dh, dw, padding, filters: ctx.config.filters as number };
}

/** A config value that must be a number or a list of `n` numbers (kernel sizes, strides of 1-D and 3-D layers). */
export function tuple(ctx: LayerContext, key: string, n: number, fallback?: number): number[] {
  const v = ctx.config[key] ?? fallback;
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number')) return v as number[];
  return ctx.unsupported(key, v);
}

/** The known non-batch dimensions of the single input; a named error when one is unknown. */
export function knownDims(ctx: LayerContext): number[] {
  const rest = ctx.input.shape.slice(1);
  if (rest.some((d) => d === null)) ctx.fail(`needs known non-batch dimensions, got [${ctx.input.shape.join(', ')}]`);
  return rest as number[];
}

// Builds an ONNX graph from tfjs layers while tracking each value's layout.
//
// tfjs tensors are NHWC; ONNX convolutions and pools are NCHW. A 4-D value may exist in either form or
// both: a layer asks for the form it needs and a Transpose is inserted (once) only when that form is
// missing. A chain of conv layers therefore stays NCHW with no transposes in between, and a value only
// goes back to NHWC where tfjs semantics need it (Reshape, the graph output). A Flatten of NCHW data stays
// channel-major (`chwFlat`) when a Dense reads it: the Dense permutes its weight rows instead, so the
// usual conv → Flatten → Dense encoder needs no Transpose at all. Where NHWC and NCHW share one memory
// order (one channel, or 1x1 spatial), a layout change is a free Reshape rather than a Transpose.
// Rank-3 and rank-5 values (1-D and 3-D convolutions) have the same two forms: `nchw` is channels-first.
import { onnx, type OnnxTypes } from './proto.js';

export type Layout = 'nhwc' | 'nchw';

/** A tfjs tensor during conversion: its tfjs (channels-last) shape, batch first as null, and its ONNX names. */
export interface Value {
  shape: (number | null)[];
  forms: Partial<Record<Layout, string>>;
  /**
   * A 2-D value flattened from NCHW data, its features in channel-major order: `name` holds it, `source`
   * is the NCHW value, `hwc` the tfjs dimensions. The channels-last form is made only if something asks.
   */
  chwFlat?: { name: string; source: string; hwc: [number, number, number] };
  /** Element type when not float32 (an integer graph input read by Embedding). */
  dtype?: 'float32' | 'int32';
  /** Set where tfjs would attach a mask (Masking, Embedding with mask_zero) that a later layer might honour. */
  masked?: boolean;
}

export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];

export type AttrValue = number | string | number[] | { floats: number[] } | { float: number } | { strings: string[] };

export class GraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** A fresh value name based on `base`. */
  name(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_');
    let n = clean,
      i = 1;
    while (this.used.has(n)) n = `${clean}_${i++}`;
    this.used.add(n);
    return n;
  }

  reserve(name: string): void {
    if (this.used.has(name)) throw new Error(`ONNX value name "${name}" is used twice`);
    this.used.add(name);
  }

  node(
    opType: string,
    inputs: string[],
    outputBase: string,
    attrs: Record<string, AttrValue> = {},
    outputName?: string,
  ): string {
    const out = outputName ?? this.name(outputBase);
    if (outputName) this.reserve(outputName);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [out],
        name: this.name(`${outputBase}/${opType}`),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return out;
  }

  /** A node with several outputs (an RNN's Y, Y_h, Y_c); returns their names. */
  nodeOutputs(
    opType: string,
    inputs: string[],
    outputBases: string[],
    attrs: Record<string, AttrValue> = {},
  ): string[] {
    const outs = outputBases.map((b) => this.name(b));
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: outs,
        name: this.name(`${outputBases[0]}/${opType}`),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs;
  }

  floatTensor(base: string, dims: number[], data: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected)
      throw new Error(`initializer ${base}: ${data.length} values for shape [${dims.join(', ')}]`);
    const name = this.name(base);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
      }),
    );
    return name;
  }

  int64Tensor(base: string, values: number[]): string {
    const name = this.name(base);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [values.length],
        dataType: onnx.TensorProto.DataType.INT64,
        rawData: new Uint8Array(data.buffer),
      }),
    );
    return name;
  }

  /** The value's name in `layout`, inserting one Transpose (or a Reshape) if only the other form exists. */
  as(v: Value, layout: Layout): string {
    const rank = v.shape.length;
    if (rank < 3 || rank > 5) return v.forms.nhwc ?? v.forms.nchw ?? this.channelsLastFlat(v);
    const have = v.forms[layout];
    if (have) return have;
    const other = layout === 'nchw' ? v.forms.nhwc : v.forms.nchw;
    if (!other) throw new Error('value has no ONNX form');
    const rest = v.shape.slice(1);
    const c = rest[rest.length - 1],
      spatial = rest.slice(0, -1);
    const known = rest.every((d) => typeof d === 'number');
    const t =
      known && (c === 1 || spatial.every((d) => d === 1))
        ? this.node(
            'Reshape',
            [
              other,
              this.int64Tensor(
                `${other}_${layout}_shape`,
                layout === 'nchw' ? [-1, c as number, ...(spatial as number[])] : [-1, ...(rest as number[])],
              ),
            ],
            `${other}_${layout}`,
          )
        : this.node('Transpose', [other], `${other}_${layout}`, {
            perm: layout === 'nchw' ? toChannelsFirst(rank) : toChannelsLast(rank),
          });
    v.forms[layout] = t;
    return t;
  }

  /** The channels-last flattening of a `chwFlat` value, made once. */
  private channelsLastFlat(v: Value): string {
    if (!v.chwFlat) throw new Error('value has no ONNX form');
    const t = this.node('Transpose', [v.chwFlat.source], `${v.chwFlat.source}_nhwc`, { perm: TO_NHWC });
    const y = this.node('Flatten', [t], `${v.chwFlat.name}_nhwc`, { axis: 1 });
    v.forms.nhwc = y;
    return y;
  }

  /** The form the value already has, preferring `preferred` (elementwise ops work in either). */
  anyForm(v: Value, preferred: Layout = 'nchw'): { name: string; layout: Layout } {
    const p = v.forms[preferred];
    if (p) return { name: p, layout: preferred };
    const other: Layout = preferred === 'nchw' ? 'nhwc' : 'nchw';
    const o = v.forms[other];
    if (o) return { name: o, layout: other };
    return { name: this.as(v, 'nhwc'), layout: 'nhwc' };
  }
}

function attribute(name: string, v: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  if ('strings' in v) return { name, type: T.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: T.FLOAT, f: v.float };
}

/** Maps a tfjs (channels-last) axis of a rank-3..5 tensor to its channels-first position. */
export function nchwAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (rank < 3 || rank > 5) return a;
  return a === 0 ? 0 : a === rank - 1 ? 1 : a + 1;
}

/** The Transpose perm from channels-last to channels-first for `rank` ([0, 3, 1, 2] for rank 4). */
export function toChannelsFirst(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** The Transpose perm from channels-first to channels-last for `rank` ([0, 2, 3, 1] for rank 4). */
export function toChannelsLast(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

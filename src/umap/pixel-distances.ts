// Exact squared Euclidean distances between uint8 images, in blocks of rows, with onnxruntime-node.
//
// Reads: `pixels`, n images of `dim` uint8 values back to back (row-major [n, dim], 0..255).
// Computes, for a block of rows q against all n images, D[q, j] = |x_q - x_j|^2 in integer pixel units
// (0..255 per pixel, so at most dim * 255^2 = 50,979,600 for 784 pixels: exact in int32). The Euclidean
// distance in the [0, 1] pixel scale the model sees is sqrt(D) / 255.
//
// The graph is built in code: MatMulInteger (uint8 x uint8 -> int32, exact) of the block against the
// transposed images, then |x_j|^2 - 2 q.x_j; the row's own |q|^2 is added in JS because it does not change
// the order within a row. The `candidates` form ends in TopK (smallest first; ONNX breaks ties by the lower
// index), so only [rows, K] values leave onnxruntime; the `rows` form returns the whole [rows, n] block.
import ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';
import { GraphBuilder } from 'tfjs2onnx/onnx';
import { encodeModel, onnx } from 'tfjs2onnx/onnx';

type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: Dim[]): { name: string; type: object } {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * The distance graph. Inputs: `block` uint8 [rows, dim], `imagesT` uint8 [dim, n], `norms` int32 [1, n]
 * (|x_j|^2); with `topK`, also `k` int64 [1]. Outputs: `partial` int32 [rows, n] = |x_j|^2 - 2 q.x_j, or
 * with `topK` `values` int32 [rows, k] and `indices` int64 [rows, k], smallest first.
 */
export function distanceModel(dim: number, topK: boolean): Uint8Array {
  const g = new GraphBuilder();
  for (const name of ['block', 'imagesT', 'norms', ...(topK ? ['k'] : [])]) g.reserve(name);
  const dot = g.node('MatMulInteger', ['block', 'imagesT'], 'dot');
  const two = g.name('two');
  g.initializers.push(
    onnx.TensorProto.create({ name: two, dims: [], dataType: onnx.TensorProto.DataType.INT32, int32Data: [2] }),
  );
  const twice = g.node('Mul', [dot, two], 'twice');
  const T = onnx.TensorProto.DataType;
  const inputs = [
    valueInfo('block', T.UINT8, ['rows', dim]),
    valueInfo('imagesT', T.UINT8, [dim, 'n']),
    valueInfo('norms', T.INT32, [1, 'n']),
  ];
  let outputs;
  if (topK) {
    const partial = g.node('Sub', ['norms', twice], 'partial');
    g.reserve('values');
    g.reserve('indices');
    g.nodes.push(
      onnx.NodeProto.create({
        opType: 'TopK',
        input: [partial, 'k'],
        output: ['values', 'indices'],
        name: 'topk',
        attribute: [
          { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
          { name: 'largest', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
          { name: 'sorted', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
        ],
      }),
    );
    inputs.push(valueInfo('k', T.INT64, [1]));
    outputs = [valueInfo('values', T.INT32, ['rows', 'k']), valueInfo('indices', T.INT64, ['rows', 'k'])];
  } else {
    g.node('Sub', ['norms', twice], 'partial', {}, 'partial');
    outputs = [valueInfo('partial', T.INT32, ['rows', 'n'])];
  }
  return encodeModel({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'fashion-ae-onnx/umap',
    graph: {
      name: topK ? 'pixel-knn' : 'pixel-distances',
      node: g.nodes,
      initializer: g.initializers,
      input: inputs,
      output: outputs,
    },
  });
}

/** |x_i|^2 of each image in integer pixel units. */
export function squaredNorms(pixels: Uint8Array, n: number, dim: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = i * dim, e = p + dim; p < e; p++) s += pixels[p]! * pixels[p]!;
    out[i] = s;
  }
  return out;
}

/** Runs the distance graphs over one set of images; `release()` frees the sessions. */
export class PixelDistances {
  private knnSession: ort.InferenceSession | null = null;
  private rowSession: ort.InferenceSession | null = null;
  private readonly imagesT: ort.Tensor;
  private readonly normsT: ort.Tensor;
  readonly norms: Int32Array;

  constructor(
    readonly pixels: Uint8Array,
    readonly n: number,
    readonly dim: number,
    private readonly threads = availableParallelism(),
  ) {
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(dim) || dim < 1)
      throw new RangeError(`pixel distances: need n >= 1 and dim >= 1, got ${n} and ${dim}`);
    if (pixels.length < n * dim)
      throw new RangeError(`pixel distances: ${pixels.length} pixels for ${n} images of ${dim}`);
    if (dim * 255 * 255 > 2 ** 31 - 1) throw new RangeError(`pixel distances: ${dim} pixels overflow int32 distances`);
    const t = new Uint8Array(dim * n);
    for (let i = 0; i < n; i++) for (let p = 0; p < dim; p++) t[p * n + i] = pixels[i * dim + p]!;
    this.imagesT = new ort.Tensor('uint8', t, [dim, n]);
    this.norms = squaredNorms(pixels, n, dim);
    this.normsT = new ort.Tensor('int32', this.norms, [1, n]);
  }

  private async session(topK: boolean): Promise<ort.InferenceSession> {
    const have = topK ? this.knnSession : this.rowSession;
    if (have) return have;
    const s = await ort.InferenceSession.create(distanceModel(this.dim, topK), {
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    if (topK) this.knnSession = s;
    else this.rowSession = s;
    return s;
  }

  private blockTensor(start: number, count: number): ort.Tensor {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 1 || start + count > this.n) {
      throw new RangeError(`pixel distances: rows ${start}..${start + count - 1} are outside 0..${this.n - 1}`);
    }
    return new ort.Tensor('uint8', this.pixels.subarray(start * this.dim, (start + count) * this.dim), [
      count,
      this.dim,
    ]);
  }

  /**
   * The K nearest images to each row start..start+count-1 (itself included), nearest first, ties by the
   * lower index: `indices` and exact squared distances `values`, both [count, K].
   */
  async candidates(start: number, count: number, K: number): Promise<{ indices: Int32Array; values: Int32Array }> {
    if (!Number.isInteger(K) || K < 1 || K > this.n)
      throw new RangeError(`pixel distances: K must be in 1..${this.n}, got ${K}`);
    const s = await this.session(true);
    const out = await s.run({
      block: this.blockTensor(start, count),
      imagesT: this.imagesT,
      norms: this.normsT,
      k: new ort.Tensor('int64', BigInt64Array.of(BigInt(K)), [1]),
    });
    const v = out.values!.data as Int32Array,
      ix = out.indices!.data as BigInt64Array;
    const values = new Int32Array(count * K),
      indices = new Int32Array(count * K);
    for (let r = 0; r < count; r++) {
      const qn = this.norms[start + r]!;
      for (let c = 0; c < K; c++) {
        values[r * K + c] = v[r * K + c]! + qn;
        indices[r * K + c] = Number(ix[r * K + c]!);
      }
    }
    return { indices, values };
  }

  /** Exact squared distances of rows start..start+count-1 to every image: [count, n]. */
  async rows(start: number, count: number): Promise<Int32Array> {
    const s = await this.session(false);
    const out = await s.run({ block: this.blockTensor(start, count), imagesT: this.imagesT, norms: this.normsT });
    const d = Int32Array.from(out.partial!.data as Int32Array);
    for (let r = 0; r < count; r++) {
      const qn = this.norms[start + r]!;
      for (let j = r * this.n, e = j + this.n; j < e; j++) d[j] = d[j]! + qn;
    }
    return d;
  }

  async release(): Promise<void> {
    await this.knnSession?.release();
    await this.rowSession?.release();
    this.knnSession = this.rowSession = null;
  }
}

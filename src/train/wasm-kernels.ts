// Convolution gradient kernels for tfjs's `wasm` backend, built only from its fast XNNPACK kernels.
//
// The wasm backend ships no Conv2DBackpropFilter (so conv layers cannot train there) and a slow
// Conv2DBackpropInput (which is also Conv2DTranspose's forward pass). Both gradients are convolutions
// themselves, so each is expressed as one stride-1 Conv2D on rearranged tensors:
//   dW[kh,kw,ci,co] = sum_{n,oh,ow} xpad[n, oh*s+kh, ow*s+kw, ci] * dy[n,oh,ow,co]
//     = Conv2D(x as [Cin,H,W,N], filter dy as [OH,OW,N,Cout], dilation s) -> [Cin,KH,KW,Cout], then transposed;
//   dx = Conv2D(dy with s-1 zeros inserted between rows/cols, W rotated 180deg with in/out swapped, stride 1).
// BatchMatMul with a transposed operand misses XNNPACK's fast path, so the transpose is materialised first.
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

type Kernel = (args: { inputs: Record<string, TensorInfo | TensorInfo[]>; backend: KernelBackend; attrs?: NamedAttrMap }) => TensorInfo;

const BACKEND = 'wasm';

function wasmKernel(name: string): Kernel {
  const config = tf.getKernel(name, BACKEND);
  if (!config) throw new Error(`the wasm backend has no ${name} kernel to build on`);
  return config.kernelFunc as unknown as Kernel;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(inShape: number[], filterShape: number[], attrs: ConvAttrs) {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`wasm conv gradient kernels support NHWC only, got ${attrs.dataFormat}`);
  }
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
}

/** Tracks intermediate tensors of one kernel call and frees them when it returns. */
class Scratch {
  private readonly held: TensorInfo[] = [];
  constructor(private readonly backend: KernelBackend) {}
  keep(t: TensorInfo): TensorInfo { this.held.push(t); return t; }
  free(): void { for (const t of this.held) this.backend.disposeData(t.dataId); }
}

export function makeKernels() {
  const conv2d = wasmKernel('Conv2D');
  const transpose = wasmKernel('Transpose');
  const reverse = wasmKernel('Reverse');
  const reshape = wasmKernel('Reshape');
  const pad = wasmKernel('PadV2');
  const slice = wasmKernel('Slice');
  const batchMatMulFast = wasmKernel('BatchMatMul');

  const conv2DBackpropFilter: Kernel = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
    const c = convInfo(x.shape, a.filterShape, a);
    const s = new Scratch(backend);
    try {
      const { top, left } = c.padInfo;
      // Rows/columns the forward conv never reached contribute nothing: crop them (negative pad).
      let bottom = c.filterHeight + (c.outHeight - 1) * c.strideHeight - c.inHeight - top;
      let right = c.filterWidth + (c.outWidth - 1) * c.strideWidth - c.inWidth - left;
      let xt = s.keep(transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } }));
      if (bottom < 0 || right < 0) {
        const [ci, h, w, n] = xt.shape as [number, number, number, number];
        xt = s.keep(slice({ inputs: { x: xt }, backend,
          attrs: { begin: [0, 0, 0, 0], size: [ci, h + Math.min(bottom, 0), w + Math.min(right, 0), n] } }));
        bottom = Math.max(bottom, 0);
        right = Math.max(right, 0);
      }
      const dyAsFilter = s.keep(transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }));
      const out = s.keep(conv2d({ inputs: { x: xt, filter: dyAsFilter }, backend, attrs: {
        strides: [1, 1], dilations: [c.strideHeight, c.strideWidth], dataFormat: 'NHWC',
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]] as unknown as number } }));
      return transpose({ inputs: { x: out }, backend, attrs: { perm: [1, 2, 0, 3] } });
    } finally {
      s.free();
    }
  };

  const conv2DBackpropInput: Kernel = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
    const c = convInfo(a.inputShape, filter.shape, a);
    const s = new Scratch(backend);
    try {
      const [n, oh, ow, co] = dy.shape as [number, number, number, number];
      const sh = c.strideHeight, sw = c.strideWidth;
      let d = dy;
      if (sh > 1 || sw > 1) {
        // Zero insertion as reshape + pad + reshape: [N,OH,1,OW,1,C] padded to [N,OH,sh,OW,sw,C].
        const r = s.keep(reshape({ inputs: { x: dy }, backend, attrs: { shape: [n, oh, 1, ow, 1, co] } }));
        const p = s.keep(pad({ inputs: { x: r }, backend, attrs: {
          paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 } as unknown as NamedAttrMap }));
        d = s.keep(reshape({ inputs: { x: p }, backend, attrs: { shape: [n, oh * sh, ow * sw, co] } }));
      }
      const { top, left } = c.padInfo;
      const padTop = c.filterHeight - 1 - top, padLeft = c.filterWidth - 1 - left;
      let padBottom = c.inHeight + top - oh * sh, padRight = c.inWidth + left - ow * sw;
      if (padTop < 0 || padLeft < 0) {
        throw new Error(`Conv2DBackpropInput: padding ${top}/${left} larger than the filter is not supported`);
      }
      if (padBottom < 0 || padRight < 0) {
        d = s.keep(slice({ inputs: { x: d }, backend, attrs: {
          begin: [0, 0, 0, 0], size: [n, d.shape[1]! + Math.min(padBottom, 0), d.shape[2]! + Math.min(padRight, 0), co] } }));
        padBottom = Math.max(padBottom, 0);
        padRight = Math.max(padRight, 0);
      }
      const rotated = s.keep(reverse({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } }));
      const swapped = s.keep(transpose({ inputs: { x: rotated }, backend, attrs: { perm: [0, 1, 3, 2] } }));
      return conv2d({ inputs: { x: d, filter: swapped }, backend, attrs: {
        strides: [1, 1], dilations: [1, 1], dataFormat: 'NHWC',
        pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]] as unknown as number } });
    } finally {
      s.free();
    }
  };

  const batchMatMul: Kernel = ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const batch = (t: TensorInfo) => t.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    if ((!transposeA && !transposeB) || batch(a) !== 1 || batch(b) !== 1) {
      return batchMatMulFast({ inputs, backend, attrs });
    }
    const s = new Scratch(backend);
    try {
      const swapLast = (t: TensorInfo) => {
        const perm = t.shape.map((_, i) => i);
        const r = perm.length;
        [perm[r - 1], perm[r - 2]] = [perm[r - 2]!, perm[r - 1]!];
        return s.keep(transpose({ inputs: { x: t }, backend, attrs: { perm } }));
      };
      return batchMatMulFast({ inputs: { a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(b) : b },
        backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      s.free();
    }
  };

  return { Conv2DBackpropFilter: conv2DBackpropFilter, Conv2DBackpropInput: conv2DBackpropInput, BatchMatMul: batchMatMul };
}

let registered = false;

/** Registers the kernels for the wasm backend (idempotent). Call after the wasm backend is ready. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const kernels = makeKernels();
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: kernelFunc as unknown as KernelFunc });
  }
  registered = true;
}

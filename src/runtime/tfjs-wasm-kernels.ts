// Convolution gradient kernels for tfjs's `wasm` backend, built only from its fast XNNPACK kernels.
//
// The wasm backend ships no Conv2DBackpropFilter (so conv layers cannot train there) and a slow
// Conv2DBackpropInput (which is also Conv2DTranspose's forward pass). Both gradients are convolutions
// themselves, so each is expressed as one stride-1 Conv2D on rearranged tensors:
//   dW[kh,kw,ci,co] = sum_{n,oh,ow} xpad[n, oh*s+kh, ow*s+kw, ci] * dy[n,oh,ow,co]
//     = Conv2D(x as [Cin,H,W,N], filter dy as [OH,OW,N,Cout], dilation s) -> [Cin,KH,KW,Cout], then transposed;
//   dx = Conv2D(dy with s-1 zeros inserted between rows/cols, W rotated 180deg with in/out swapped, stride 1).
// That is how stride 1 runs. For stride s > 1 most of the zero-inserted input is zeros, so dx is computed
// per output phase instead (sub-pixel form): output row o = s*q + a only meets the filter taps
// t = t0(a) + s*m, so all s*s phases are one stride-1 Conv2D over dy itself with a small combined filter
// (phases as output channels), then interleaved by reshape + transpose. For 3x3, stride 2 that is 16
// instead of 36 MACs per dy pixel, with the same sums (the skipped products were exact zeros).
// BatchMatMul picks the operand order that packs less (see batchMatMul below).
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

type Kernel = (args: {
  inputs: Record<string, TensorInfo | TensorInfo[]>;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}) => TensorInfo;

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
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** One axis of the sub-pixel form of a strided Conv2DBackpropInput (see the file comment). */
interface PhaseAxis {
  /** Per phase a: first rotated-filter tap t0, tap count, and the dy offset of its first tap. */
  phases: { t0: number; taps: number; offset: number }[];
  /** Smallest dy offset over all phases and the combined filter's size along this axis. */
  minOffset: number;
  size: number;
  /** Output positions per phase (ceil(inSize / stride)). */
  perPhase: number;
}

function phaseAxis(filterSize: number, stride: number, padBefore: number, inSize: number): PhaseAxis {
  // In the zero-inserted form dy[i] sits at position fullPad + s*i, and x[o] = sum_t z[o + t] * Wrot[t].
  const fullPad = filterSize - 1 - padBefore;
  const phases = Array.from({ length: stride }, (_, a) => {
    const t0 = (((fullPad - a) % stride) + stride) % stride;
    const taps = t0 < filterSize ? Math.ceil((filterSize - t0) / stride) : 0;
    return { t0, taps, offset: (a + t0 - fullPad) / stride };
  });
  const used = phases.filter((p) => p.taps > 0);
  const minOffset = Math.min(...used.map((p) => p.offset));
  const maxOffset = Math.max(...used.map((p) => p.offset + p.taps - 1));
  return { phases, minOffset, size: maxOffset - minOffset + 1, perPhase: Math.ceil(inSize / stride) };
}

/** Tracks intermediate tensors of one kernel call and frees them when it returns. */
class Scratch {
  private readonly held: TensorInfo[] = [];
  constructor(private readonly backend: KernelBackend) {}
  keep(t: TensorInfo): TensorInfo {
    this.held.push(t);
    return t;
  }
  free(): void {
    for (const t of this.held) this.backend.disposeData(t.dataId);
  }
}

export function makeKernels() {
  const conv2d = wasmKernel('Conv2D');
  const transpose = wasmKernel('Transpose');
  const reverse = wasmKernel('Reverse');
  const reshape = wasmKernel('Reshape');
  const slice = wasmKernel('Slice');
  const batchMatMulFast = wasmKernel('BatchMatMul');

  /** Strided Conv2DBackpropInput in sub-pixel form: one stride-1 conv over dy, phases as channels. */
  const stridedBackpropInput = (
    dy: TensorInfo,
    filter: TensorInfo,
    c: ReturnType<typeof convInfo>,
    backend: KernelBackend,
    s: Scratch,
  ): TensorInfo => {
    const [n, oh, ow, co] = dy.shape as [number, number, number, number];
    const [kh, kw, ci] = filter.shape as [number, number, number, number];
    const sh = c.strideHeight,
      sw = c.strideWidth;
    const rows = phaseAxis(kh, sh, c.padInfo.top, c.inHeight);
    const cols = phaseAxis(kw, sw, c.padInfo.left, c.inWidth);
    // Combined filter [rows.size, cols.size, co, sh*sw*ci]: tap (j, k) of phase (a, b) is rotated-filter
    // tap (t0 + s*m) where m = j + minOffset - offset(a), or zero where the phase has no such tap.
    const w = backend.readSync(filter.dataId) as Float32Array; // [kh, kw, ci, co]
    const outC = sh * sw * ci;
    const combined = new Float32Array(rows.size * cols.size * co * outC);
    rows.phases.forEach((pr, a) => {
      for (let mr = 0; mr < pr.taps; mr++) {
        const j = pr.offset + mr - rows.minOffset,
          fr = kh - 1 - (pr.t0 + sh * mr);
        cols.phases.forEach((pc, b) => {
          for (let mc = 0; mc < pc.taps; mc++) {
            const k = pc.offset + mc - cols.minOffset,
              fc = kw - 1 - (pc.t0 + sw * mc);
            for (let o = 0; o < co; o++) {
              const dst = ((j * cols.size + k) * co + o) * outC + (a * sw + b) * ci;
              for (let i = 0; i < ci; i++) combined[dst + i] = w[((fr * kw + fc) * ci + i) * co + o]!;
            }
          }
        });
      }
    });
    const wasm = backend as unknown as {
      makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): TensorInfo;
    };
    const f = s.keep(wasm.makeOutput([rows.size, cols.size, co, outC], 'float32', undefined, combined));
    // Pads so that output q reads dy[q + minOffset .. q + minOffset + size - 1]; negative pads crop dy.
    const padsOf = (ax: PhaseAxis, len: number) => {
      const before = -ax.minOffset,
        after = ax.perPhase - len - before + ax.size - 1;
      return {
        crop: Math.max(0, -before),
        keep: len - Math.max(0, -before) + Math.min(0, after),
        before: Math.max(0, before),
        after: Math.max(0, after),
      };
    };
    const pr = padsOf(rows, oh),
      pc = padsOf(cols, ow);
    let x = dy;
    if (pr.crop > 0 || pc.crop > 0 || pr.keep < oh || pc.keep < ow) {
      x = s.keep(
        slice({
          inputs: { x: dy },
          backend,
          attrs: { begin: [0, pr.crop, pc.crop, 0], size: [n, pr.keep, pc.keep, co] },
        }),
      );
    }
    const y = s.keep(
      conv2d({
        inputs: { x, filter: f },
        backend,
        attrs: {
          strides: [1, 1],
          dilations: [1, 1],
          dataFormat: 'NHWC',
          pad: [
            [0, 0],
            [pr.before, pr.after],
            [pc.before, pc.after],
            [0, 0],
          ] as unknown as number,
        },
      }),
    );
    // [N, Qh, Qw, sh, sw*ci] -> [N, Qh, sh, Qw, sw*ci] = [N, Qh*sh, Qw*sw, ci], then crop to the input size.
    const qh = rows.perPhase,
      qw = cols.perPhase;
    const r = s.keep(reshape({ inputs: { x: y }, backend, attrs: { shape: [n * qh, qw, sh, sw * ci] } }));
    const t = s.keep(transpose({ inputs: { x: r }, backend, attrs: { perm: [0, 2, 1, 3] } }));
    const full = reshape({ inputs: { x: t }, backend, attrs: { shape: [n, qh * sh, qw * sw, ci] } });
    if (qh * sh === c.inHeight && qw * sw === c.inWidth) return full;
    s.keep(full);
    return slice({
      inputs: { x: full },
      backend,
      attrs: { begin: [0, 0, 0, 0], size: [n, c.inHeight, c.inWidth, ci] },
    });
  };

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
        xt = s.keep(
          slice({
            inputs: { x: xt },
            backend,
            attrs: { begin: [0, 0, 0, 0], size: [ci, h + Math.min(bottom, 0), w + Math.min(right, 0), n] },
          }),
        );
        bottom = Math.max(bottom, 0);
        right = Math.max(right, 0);
      }
      const dyAsFilter = s.keep(transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }));
      const out = s.keep(
        conv2d({
          inputs: { x: xt, filter: dyAsFilter },
          backend,
          attrs: {
            strides: [1, 1],
            dilations: [c.strideHeight, c.strideWidth],
            dataFormat: 'NHWC',
            pad: [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ] as unknown as number,
          },
        }),
      );
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
      if (c.strideHeight > 1 || c.strideWidth > 1) return stridedBackpropInput(dy, filter, c, backend, s);
      // Stride 1: a full correlation of dy with the rotated filter.
      const [n, oh, ow, co] = dy.shape as [number, number, number, number];
      let d = dy;
      const { top, left } = c.padInfo;
      const padTop = c.filterHeight - 1 - top,
        padLeft = c.filterWidth - 1 - left;
      let padBottom = c.inHeight + top - oh,
        padRight = c.inWidth + left - ow;
      if (padTop < 0 || padLeft < 0) {
        throw new Error(`Conv2DBackpropInput: padding ${top}/${left} larger than the filter is not supported`);
      }
      if (padBottom < 0 || padRight < 0) {
        d = s.keep(
          slice({
            inputs: { x: d },
            backend,
            attrs: {
              begin: [0, 0, 0, 0],
              size: [n, d.shape[1]! + Math.min(padBottom, 0), d.shape[2]! + Math.min(padRight, 0), co],
            },
          }),
        );
        padBottom = Math.max(padBottom, 0);
        padRight = Math.max(padRight, 0);
      }
      const rotated = s.keep(reverse({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } }));
      const swapped = s.keep(transpose({ inputs: { x: rotated }, backend, attrs: { perm: [0, 1, 3, 2] } }));
      return conv2d({
        inputs: { x: d, filter: swapped },
        backend,
        attrs: {
          strides: [1, 1],
          dilations: [1, 1],
          dataFormat: 'NHWC',
          pad: [
            [0, 0],
            [padTop, padBottom],
            [padLeft, padRight],
            [0, 0],
          ] as unknown as number,
        },
      });
    } finally {
      s.free();
    }
  };

  /**
   * 2-D matMul. XNNPACK packs the right operand afresh whenever its tensor is new (every training step),
   * and packing costs several times a plain copy per element, while a transposed operand misses the fast
   * path and is materialised first. So out[M,N] = A[M,K] B[K,N] runs either as written or as
   * out^T = B^T A^T followed by a transpose of the (small) result, whichever moves fewer elements:
   * a dense layer's input gradient dy W^T then packs dy instead of the whole weight matrix.
   */
  const batchMatMul: Kernel = ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const batch = (t: TensorInfo) => t.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    if (batch(a) !== 1 || batch(b) !== 1) return batchMatMulFast({ inputs, backend, attrs });
    const rows = (t: TensorInfo) => t.shape[t.shape.length - 2]!,
      cols = (t: TensorInfo) => t.shape[t.shape.length - 1]!;
    const [m, k] = transposeA ? [cols(a), rows(a)] : [rows(a), cols(a)];
    const n = transposeB ? rows(b) : cols(b);
    const outRank = Math.max(a.shape.length, b.shape.length);
    const PACK = 5; // packing cost per element, in units of one transposed element (measured on XNNPACK)
    const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + PACK * k * n;
    const swapped = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + PACK * k * m + m * n;
    const s = new Scratch(backend);
    try {
      const as2d = (x: TensorInfo) =>
        x.shape.length === 2 ? x : s.keep(reshape({ inputs: { x }, backend, attrs: { shape: [rows(x), cols(x)] } }));
      const a2 = as2d(a),
        b2 = as2d(b);
      const t2 = (x: TensorInfo) => s.keep(transpose({ inputs: { x }, backend, attrs: { perm: [1, 0] } }));
      const plain = (x: TensorInfo, y: TensorInfo) =>
        batchMatMulFast({ inputs: { a: x, b: y }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
      let out: TensorInfo;
      if (direct <= swapped) {
        out = plain(transposeA ? t2(a2) : a2, transposeB ? t2(b2) : b2);
      } else {
        const outT = s.keep(plain(transposeB ? b2 : t2(b2), transposeA ? a2 : t2(a2)));
        out = transpose({ inputs: { x: outT }, backend, attrs: { perm: [1, 0] } });
      }
      if (outRank === 2) return out;
      s.keep(out);
      return reshape({ inputs: { x: out }, backend, attrs: { shape: [...Array<number>(outRank - 2).fill(1), m, n] } });
    } finally {
      s.free();
    }
  };

  return {
    Conv2DBackpropFilter: conv2DBackpropFilter,
    Conv2DBackpropInput: conv2DBackpropInput,
    BatchMatMul: batchMatMul,
  };
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

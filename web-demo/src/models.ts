// The two ONNX models in onnxruntime-web, loaded after the scatter is on screen: the runtime is imported
// on demand, and its 14 MB wasm is fetched here (with progress) and handed over as wasmBinary.
import type * as Ort from 'onnxruntime-web/wasm';
import { fetchBytes } from './data.js';
import { SIDE } from './dom.js';

export type LoadProgress = (what: string, fraction: number) => void;

export class Models {
  lastEncodeMs = 0;
  lastDecodeMs = 0;
  private constructor(
    private readonly ort: typeof Ort,
    private readonly encoder: Ort.InferenceSession,
    private readonly decoder: Ort.InferenceSession,
    readonly latent: number,
  ) {}

  get threads(): number {
    return this.ort.env.wasm.numThreads ?? 1;
  }
  get version(): string {
    return this.ort.env.versions?.web ?? '';
  }

  static async load(latent: number, sizes: Record<string, number>, progress: LoadProgress): Promise<Models> {
    const names = ['ort/ort-wasm-simd-threaded.wasm', 'encoder.onnx', 'decoder.onnx'];
    const total = names.reduce((s, n) => s + (sizes[n] ?? 1), 0);
    const got = new Map<string, number>();
    const tick = (n: string) => (b: number) => {
      got.set(n, b);
      progress('runtime and models', [...got.values()].reduce((s, v) => s + v, 0) / total);
    };
    const [ort, wasm, e, d] = await Promise.all([
      import('onnxruntime-web/wasm'),
      fetchBytes(names[0]!, tick(names[0]!)),
      fetchBytes(names[1]!, tick(names[1]!)),
      fetchBytes(names[2]!, tick(names[2]!)),
    ]);
    ort.env.wasm.wasmPaths = new URL('ort/', location.href).href;
    ort.env.wasm.wasmBinary = wasm;
    // Threads need a cross-origin-isolated page (COOP/COEP headers); without them, run on one.
    ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    const opts: Ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'] };
    const enc = await ort.InferenceSession.create(e, opts);
    const dec = await ort.InferenceSession.create(d, opts);
    return new Models(ort, enc, dec, latent);
  }

  async encode(images: Float32Array, n: number): Promise<Float32Array> {
    const t = performance.now();
    const out = await this.encoder.run({
      [this.encoder.inputNames[0]!]: new this.ort.Tensor('float32', images, [n, SIDE, SIDE, 1]),
    });
    this.lastEncodeMs = performance.now() - t;
    return out[this.encoder.outputNames[0]!]!.data as Float32Array;
  }

  async decode(codes: Float32Array, n: number): Promise<Float32Array> {
    const t = performance.now();
    const out = await this.decoder.run({
      [this.decoder.inputNames[0]!]: new this.ort.Tensor('float32', codes, [n, this.latent]),
    });
    this.lastDecodeMs = performance.now() - t;
    return out[this.decoder.outputNames[0]!]!.data as Float32Array;
  }
}

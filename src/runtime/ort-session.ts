// onnxruntime-node sessions set up for throughput, with errors that name the file.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { inspectOnnx, type OnnxInfo } from 'tfjs2onnx/onnx';
import { uint8InputVariant } from './uint8-input.js';

// Loaded through require: an ESM import of this CommonJS package first runs Node's export lexer over it, which
// cost the encode CLI's start about 40 ms of its 0.45 s here.
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort;

export { ort };

export interface OpenedModel {
  session: Ort.InferenceSession;
  info: OnnxInfo;
  /** What the session takes: the file's float32 input, or raw uint8 pixels through its uint8 variant. */
  inputType: 'float32' | 'uint8';
}

/** Opens a model file (or one already inspected); `inputType: 'uint8'` runs its uint8 variant (uint8-input.ts). */
export async function openModel(
  model: string | OnnxInfo,
  opts: { threads?: number; inputType?: 'float32' | 'uint8' } = {},
): Promise<OpenedModel> {
  const info = typeof model === 'string' ? await inspectOnnx(model) : model;
  const path = info.path,
    inputType = opts.inputType ?? 'float32';
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`--threads must be a positive integer, got ${threads}`);
  try {
    const bytes = inputType === 'uint8' ? uint8InputVariant(info.bytes, path) : info.bytes;
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      enableCpuMemArena: true,
    });
    return { session, info, inputType };
  } catch (err) {
    throw new Error(`${path}: onnxruntime cannot load this model (${(err as Error).message})`);
  }
}

/**
 * Runs a model over many items in batches: `input` holds items of `itemShape` back to back; the outputs
 * come back concatenated in the same order.
 */
export async function runBatched(
  m: OpenedModel,
  input: Float32Array,
  itemShape: number[],
  batch = 1000,
): Promise<Float32Array> {
  const itemSize = itemShape.reduce((a, b) => a * b, 1);
  const n = input.length / itemSize;
  const parts: Float32Array[] = [];
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s);
    parts.push(await runBatch(m, input.subarray(s * itemSize, (s + b) * itemSize), [b, ...itemShape]));
  }
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Runs a one-input, one-output model on a batch: float32, or raw pixels for a model opened with a uint8 input. */
export async function runBatch(m: OpenedModel, data: Float32Array | Uint8Array, dims: number[]): Promise<Float32Array> {
  const input = m.session.inputNames[0]!,
    output = m.session.outputNames[0]!;
  const tensor =
    data instanceof Uint8Array ? new ort.Tensor('uint8', data, dims) : new ort.Tensor('float32', data, dims);
  const result = await m.session.run({ [input]: tensor });
  return result[output]!.data as Float32Array;
}

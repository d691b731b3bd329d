// A Triton Inference Server model repository for the exported models. Reads models/{encoder,decoder}.onnx;
// writes models/triton/<role>/config.pbtxt and models/triton/<role>/1/model.onnx (the same bytes), the whole
// folder swapped in at once. Each config names the ONNX file's inputs and outputs with their types and their
// dims without the batch dimension, and asks for dynamic batching on CPU instances (docs: README, "Serving past
// one machine"). Triton batches a model only if every input and output has a variable first dimension: checked.
import { readFile, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeModel, onnx, type OnnxTypes } from 'tfjs2onnx/onnx';
import { writeDirAtomic } from '../util/atomic.js';
import { sha256 } from '../util/hash.js';

export type TritonDataType =
  'TYPE_FP32' | 'TYPE_FP16' | 'TYPE_FP64' | 'TYPE_UINT8' | 'TYPE_INT8' | 'TYPE_INT32' | 'TYPE_INT64' | 'TYPE_BOOL';

const ONNX_TO_TRITON: Partial<Record<number, TritonDataType>> = {
  [onnx.TensorProto.DataType.FLOAT]: 'TYPE_FP32',
  [onnx.TensorProto.DataType.FLOAT16]: 'TYPE_FP16',
  [onnx.TensorProto.DataType.DOUBLE]: 'TYPE_FP64',
  [onnx.TensorProto.DataType.UINT8]: 'TYPE_UINT8',
  [onnx.TensorProto.DataType.INT8]: 'TYPE_INT8',
  [onnx.TensorProto.DataType.INT32]: 'TYPE_INT32',
  [onnx.TensorProto.DataType.INT64]: 'TYPE_INT64',
  [onnx.TensorProto.DataType.BOOL]: 'TYPE_BOOL',
};

export interface TritonTensor {
  name: string;
  dataType: TritonDataType;
  dims: number[];
}

export interface TritonBatching {
  maxBatchSize: number;
  preferredBatchSizes: number[];
  maxQueueDelayMicroseconds: number;
}

/**
 * Used when no bench result is given. `make bench` on 2 cores: onnxruntime's best encoder batch was 1024
 * (273k images/s with 2 threads; 256 within 15 %), so a full preferred batch takes about 4 ms to run; waiting
 * up to half that for a batch to fill costs little latency.
 */
export const DEFAULT_TRITON_BATCHING: TritonBatching = {
  maxBatchSize: 4096,
  preferredBatchSizes: [256, 1024],
  maxQueueDelayMicroseconds: 2000,
};

/** Batching from a measured best batch: prefer it and a quarter of it, wait up to half its run time. */
export function batchingFromBench(bestBatch: number, imagesPerSec: number): TritonBatching {
  if (!(Number.isInteger(bestBatch) && bestBatch >= 1 && imagesPerSec > 0))
    throw new RangeError(`bench: best batch ${bestBatch} at ${imagesPerSec} images/s is not a measurement`);
  const preferred = [...new Set([Math.max(1, Math.floor(bestBatch / 4)), bestBatch])];
  const delay = Math.max(100, Math.min(100000, Math.round(((0.5 * bestBatch) / imagesPerSec) * 1e6)));
  return { maxBatchSize: Math.max(4 * bestBatch, 8), preferredBatchSizes: preferred, maxQueueDelayMicroseconds: delay };
}

/** The interface of an .onnx file as Triton sees it; throws if a tensor lacks a variable first dimension. */
export function tritonInterface(
  bytes: Uint8Array,
  source: string,
): { inputs: TritonTensor[]; outputs: TritonTensor[] } {
  const graph = decodeModel(bytes).graph;
  if (!graph) throw new Error(`${source}: not a valid ONNX model (no graph)`);
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const tensor = (v: OnnxTypes.IValueInfoProto, role: string): TritonTensor => {
    const tt = v.type?.tensorType;
    const dataType = ONNX_TO_TRITON[tt?.elemType ?? -1];
    if (!tt || !dataType)
      throw new Error(
        `${source}: ${role} "${v.name}" has ONNX element type ${tt?.elemType ?? 'none'}, which this writer does not map to Triton`,
      );
    const dims = (tt.shape?.dim ?? []).map((d) =>
      d.dimParam || d.dimValue === undefined || d.dimValue === null ? -1 : Number(d.dimValue),
    );
    if (dims.length === 0 || dims[0] !== -1) {
      throw new Error(
        `${source}: ${role} "${v.name}" has shape [${dims.join(', ')}]; Triton batches only models whose every input and output has a variable first dimension`,
      );
    }
    if (dims.slice(1).some((d) => d < 1))
      throw new Error(`${source}: ${role} "${v.name}" has a variable dimension after the first ([${dims.join(', ')}])`);
    return { name: v.name ?? '', dataType, dims: dims.slice(1) };
  };
  return {
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name)).map((i) => tensor(i, 'input')),
    outputs: (graph.output ?? []).map((o) => tensor(o, 'output')),
  };
}

export type TritonInstanceKind = 'KIND_CPU' | 'KIND_GPU';

/** config.pbtxt text (protobuf text format of inference.ModelConfig). */
export function tritonConfig(o: {
  name: string;
  sha256: string;
  inputs: TritonTensor[];
  outputs: TritonTensor[];
  batching: TritonBatching;
  kind?: TritonInstanceKind;
}): string {
  const tensors = (ts: TritonTensor[]) =>
    ts
      .map((t) => `  {\n    name: "${t.name}"\n    data_type: ${t.dataType}\n    dims: [ ${t.dims.join(', ')} ]\n  }`)
      .join(',\n');
  return [
    `# Triton model configuration for ${o.name}: model.onnx sha256 ${o.sha256}.`,
    '# Written by the export stage (src/export/triton.ts); the batch dimension is implicit in dims.',
    `name: "${o.name}"`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${o.batching.maxBatchSize}`,
    `input [\n${tensors(o.inputs)}\n]`,
    `output [\n${tensors(o.outputs)}\n]`,
    `dynamic_batching {\n  preferred_batch_size: [ ${o.batching.preferredBatchSizes.join(', ')} ]\n  max_queue_delay_microseconds: ${o.batching.maxQueueDelayMicroseconds}\n}`,
    `instance_group [\n  {\n    count: 1\n    kind: ${o.kind ?? 'KIND_CPU'}\n  }\n]`,
    '',
  ].join('\n');
}

export const TRITON_MODELS = ['encoder', 'decoder'] as const;

/** Writes `<modelsDir>/triton/` from `<modelsDir>/{encoder,decoder}.onnx`; returns the folder. */
export async function writeTritonRepository(
  modelsDir: string,
  o: { batching?: TritonBatching; kind?: TritonInstanceKind } = {},
): Promise<string> {
  const dir = join(modelsDir, 'triton');
  const models = await Promise.all(
    TRITON_MODELS.map(async (name) => {
      const file = join(modelsDir, `${name}.onnx`);
      const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
        throw new Error(`${file}: cannot read (${e.code ?? e.message}); run \`make export\` first`);
      });
      return { name, file, bytes, ...tritonInterface(bytes, file) };
    }),
  );
  await writeDirAtomic(dir, async (tmp) => {
    for (const m of models) {
      await mkdir(join(tmp, m.name, '1'), { recursive: true });
      await copyFile(m.file, join(tmp, m.name, '1', 'model.onnx'));
      const batching = o.batching ?? DEFAULT_TRITON_BATCHING;
      await writeFile(
        join(tmp, m.name, 'config.pbtxt'),
        tritonConfig({
          name: m.name,
          sha256: sha256(m.bytes),
          inputs: m.inputs,
          outputs: m.outputs,
          batching,
          kind: o.kind,
        }),
      );
    }
  });
  return dir;
}

// Checks a Triton config.pbtxt the way Triton reads it: parsed as protobuf text against Triton's own
// model_config.proto (vendor/triton, compiled by `buf build`, read with @bufbuild/protobuf's text-format
// reader), then cross-checked with the ONNX file it serves: names, element types and shapes.
import { spawnSync } from 'node:child_process';
import { fromBinary, toJson, type DescMessage } from '@bufbuild/protobuf';
import { createFileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { fromText } from '@bufbuild/protobuf/txtpb';
import { decodeModel } from 'tfjs2onnx/onnx';

export const MODEL_CONFIG_PROTO = 'vendor/triton/model_config.proto';

/** inference.ModelConfig from the vendored .proto. */
export function loadModelConfigSchema(): DescMessage {
  const r = spawnSync('node_modules/.bin/buf', ['build', MODEL_CONFIG_PROTO, '-o', '-'], { maxBuffer: 1 << 26 });
  if (r.status !== 0)
    throw new Error(`buf build ${MODEL_CONFIG_PROTO} failed: ${r.stderr?.toString() ?? r.error?.message}`);
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, new Uint8Array(r.stdout)));
  const schema = registry.getMessage('inference.ModelConfig');
  if (!schema) throw new Error(`${MODEL_CONFIG_PROTO}: no message inference.ModelConfig`);
  return schema;
}

interface TensorJson {
  name?: string;
  dataType?: string;
  dims?: string[];
}
export interface ModelConfigJson {
  name?: string;
  platform?: string;
  maxBatchSize?: number;
  input?: TensorJson[];
  output?: TensorJson[];
  dynamicBatching?: { preferredBatchSize?: number[]; maxQueueDelayMicroseconds?: string };
  instanceGroup?: { kind?: string; count?: number }[];
}

// The element types of the ONNX TensorProto.DataType enum that Triton names (model_config.proto, DataType).
const ONNX_TYPE_NAMES: Record<number, string> = {
  1: 'TYPE_FP32',
  2: 'TYPE_UINT8',
  3: 'TYPE_INT8',
  6: 'TYPE_INT32',
  7: 'TYPE_INT64',
  9: 'TYPE_BOOL',
  10: 'TYPE_FP16',
  11: 'TYPE_FP64',
};

/** Parses `text` and checks it against the ONNX model; throws a one-line error naming `source`. */
export function checkTritonConfig(
  schema: DescMessage,
  text: string,
  onnxBytes: Uint8Array,
  o: { source: string; folder: string },
): ModelConfigJson {
  let cfg: ModelConfigJson;
  try {
    cfg = toJson(schema, fromText(schema, text)) as ModelConfigJson;
  } catch (err) {
    throw new Error(`${o.source}: not a valid inference.ModelConfig (${(err as Error).message.split('\n')[0]})`);
  }
  const fail = (what: string) => {
    throw new Error(`${o.source}: ${what}`);
  };
  if (cfg.name !== o.folder) fail(`name "${cfg.name}" is not its folder's, "${o.folder}"`);
  if (cfg.platform !== 'onnxruntime_onnx') fail(`platform "${cfg.platform ?? ''}", expected "onnxruntime_onnx"`);
  const maxBatch = cfg.maxBatchSize ?? 0;
  if (maxBatch < 1) fail(`max_batch_size ${maxBatch}: the models batch, so it must be at least 1`);
  const preferred = cfg.dynamicBatching?.preferredBatchSize ?? [];
  if (!cfg.dynamicBatching || preferred.length === 0) fail('no dynamic_batching with preferred_batch_size');
  if (preferred.some((b) => b < 1 || b > maxBatch))
    fail(`preferred_batch_size [${preferred.join(', ')}] outside 1..max_batch_size ${maxBatch}`);
  if ((cfg.instanceGroup ?? []).length === 0) fail('no instance_group');

  const graph = decodeModel(onnxBytes).graph;
  if (!graph) return fail('model.onnx has no graph');
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const sides = [
    ['input', cfg.input ?? [], (graph.input ?? []).filter((i) => !initializers.has(i.name))],
    ['output', cfg.output ?? [], graph.output ?? []],
  ] as const;
  for (const [role, declared, actual] of sides) {
    const names = actual.map((v) => v.name ?? '');
    if (declared.length !== actual.length || declared.some((t) => !names.includes(t.name ?? ''))) {
      fail(`${role}s [${declared.map((t) => t.name).join(', ')}] but model.onnx has [${names.join(', ')}]`);
    }
    for (const t of declared) {
      const v = actual.find((a) => a.name === t.name)!;
      const elem = v.type?.tensorType?.elemType ?? 0;
      if (t.dataType !== ONNX_TYPE_NAMES[elem])
        fail(
          `${role} "${t.name}" is ${t.dataType} but model.onnx has ONNX element type ${elem} (${ONNX_TYPE_NAMES[elem] ?? 'unmapped'})`,
        );
      const dims = (v.type?.tensorType?.shape?.dim ?? []).map((d) =>
        d.dimParam ? d.dimParam : Number(d.dimValue ?? 0),
      );
      if (typeof dims[0] === 'number' && dims[0] > 0)
        fail(`${role} "${t.name}" of model.onnx has a fixed first dimension ${dims[0]}; Triton cannot batch it`);
      const want = dims.slice(1).join(', '),
        got = (t.dims ?? []).map(Number).join(', ');
      if (want !== got)
        fail(
          `${role} "${t.name}" has dims [${got}] but model.onnx has [${dims.join(', ')}] (dims leave out the batch dimension)`,
        );
    }
  }
  return cfg;
}

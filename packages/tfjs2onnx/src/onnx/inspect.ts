// Reads an .onnx file's interface and metadata (names, shapes, metadata_props) without running it.
import { readFile } from 'node:fs/promises';
import { decodeModel } from './proto.js';

export interface OnnxTensorInfo {
  name: string;
  /** Dimensions; a string for a named dynamic dimension. */
  shape: (number | string)[];
}

export interface OnnxInfo {
  path: string;
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  metadata: Record<string, string>;
  opset: number;
  producer: string;
  bytes: Uint8Array;
}

export async function inspectOnnx(path: string): Promise<OnnxInfo> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(
      `${path}: cannot read the ONNX model (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let model;
  try {
    model = decodeModel(bytes);
  } catch (err) {
    throw new Error(`${path}: not a valid ONNX model (${(err as Error).message})`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0)
    throw new Error(`${path}: not a valid ONNX model (no graph)`);
  const initializers = new Set((model.graph.initializer ?? []).map((t) => t.name));
  const info = (v: {
    name?: string | null;
    type?: {
      tensorType?: { shape?: { dim?: { dimValue?: unknown; dimParam?: string | null }[] | null } | null } | null;
    } | null;
  }): OnnxTensorInfo => ({
    name: v.name ?? '',
    shape: (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0))),
  });
  return {
    path,
    inputs: (model.graph.input ?? []).filter((i) => !initializers.has(i.name)).map(info),
    outputs: (model.graph.output ?? []).map(info),
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])),
    opset: Number(model.opsetImport.find((o) => !o.domain)?.version ?? 0),
    producer: model.producerName,
    bytes,
  };
}

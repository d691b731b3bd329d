// Saving and loading tfjs LayersModels as a folder (model.json + weights.bin), the same layout that
// tfjs-node's `file://` handler writes, without needing tfjs-node.
import * as tf from '@tensorflow/tfjs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readModelFiles } from 'tfjs2onnx';
import { writeDirAtomic } from './atomic.js';

export const WEIGHTS_FILE = 'weights.bin';

export interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const out = new Uint8Array(data.reduce((a, b) => a + b.byteLength, 0));
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out;
}

/** Saves `model` into `dir` atomically (the old folder is replaced only when the new one is complete). */
export async function saveLayersModel(
  model: tf.LayersModel,
  dir: string,
  metadata?: Record<string, unknown>,
): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const json: ModelJson = {
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
          ...(metadata ? { userDefinedMetadata: metadata } : {}),
        };
        await writeFile(join(tmp, WEIGHTS_FILE), joinBuffers(artifacts.weightData ?? new ArrayBuffer(0)));
        await writeFile(join(tmp, 'model.json'), JSON.stringify(json));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  });
}

/** Reads model.json and its weight shards (the converter's reader); `modelJsonPath` names the file in errors. */
export async function readModelArtifacts(modelJsonPath: string): Promise<{ json: ModelJson; weights: Uint8Array }> {
  const { json, weights } = await readModelFiles(modelJsonPath);
  return { json: json as ModelJson, weights };
}

export async function loadLayersModel(modelJsonPath: string): Promise<tf.LayersModel> {
  const { json, weights } = await readModelArtifacts(modelJsonPath);
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }),
  });
}

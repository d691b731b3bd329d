// File-level conversion: reads model.json + shards, writes the .onnx atomically.
import { readModelArtifacts } from '../util/tfjs-io.js';
import { writeFileAtomic } from '../util/atomic.js';
import { convertLayersModel, type ConvertOptions, type ConvertResult, type TfjsModelJson } from './convert.js';

export async function convertFile(
  modelJsonPath: string,
  outPath: string,
  options: Omit<ConvertOptions, 'source'> & { source?: string },
): Promise<ConvertResult> {
  const { json, weights } = await readModelArtifacts(modelJsonPath);
  const result = convertLayersModel(json as unknown as TfjsModelJson, weights, {
    ...options,
    source: options.source ?? modelJsonPath,
  });
  await writeFileAtomic(outPath, result.bytes);
  return result;
}

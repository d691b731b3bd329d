// File-level conversion: reads model.json and its weight shards, writes the .onnx atomically
// (a temporary file beside the target, then a rename: a failed run leaves no half-written model).
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { convertLayersModel, type ConvertOptions, type ConvertResult, type TfjsModelJson } from './convert.js';

/** Reads a tfjs model.json and its weight shards (joined in the manifest's order); errors name the file. */
export async function readModelFiles(modelJsonPath: string): Promise<{ json: TfjsModelJson; weights: Uint8Array }> {
  let json: TfjsModelJson;
  try {
    json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as TfjsModelJson;
  } catch (err) {
    throw new Error(`${modelJsonPath}: not a readable tfjs model.json (${(err as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    const found = json === null ? 'null' : Array.isArray(json) ? 'an array' : `a ${typeof json}`;
    throw new Error(`${modelJsonPath}: not a tfjs model.json (the file holds ${found}, not an object)`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${modelJsonPath}: not a tfjs LayersModel (no modelTopology or weightsManifest)`);
  }
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const path = join(dirname(modelJsonPath), p);
      try {
        shards.push(await readFile(path));
      } catch {
        throw new Error(`${modelJsonPath}: weight shard ${path} is missing`);
      }
    }
  }
  const weights = new Uint8Array(shards.reduce((a, s) => a + s.length, 0));
  let o = 0;
  for (const s of shards) {
    weights.set(s, o);
    o += s.length;
  }
  return { json, weights };
}

/** Converts `modelJsonPath` (model.json + shards) and writes the ONNX model to `outPath`. */
export async function convertFile(
  modelJsonPath: string,
  outPath: string,
  options: Omit<ConvertOptions, 'source'> & { source?: string } = {},
): Promise<ConvertResult> {
  const { json, weights } = await readModelFiles(modelJsonPath);
  const result = convertLayersModel(json, weights, { ...options, source: options.source ?? modelJsonPath });
  const tmp = `${outPath}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, result.bytes);
    await rename(tmp, outPath);
  } catch (err) {
    await rm(tmp, { force: true });
    // The cause's code (ENOSPC, EFBIG, EACCES, ...) stays on the error for callers that act on it.
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new Error(`cannot write ${outPath}: ${e.code ?? e.message}`, { cause: err }), {
      code: e.code,
      path: outPath,
    });
  }
  return result;
}

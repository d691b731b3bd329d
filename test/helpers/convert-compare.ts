// Converts an in-memory tfjs model to ONNX and compares onnxruntime-node with tfjs on random input.
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { convertLayersModel, type ConvertOptions, type TfjsModelJson } from '../../src/onnx/convert.js';
import { seededRandom } from '../../src/util/random.js';
import { maxAbsDiff } from '../tolerance.js';

export async function modelArtifacts(model: tf.LayersModel): Promise<{ json: TfjsModelJson; weights: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { captured = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const a = captured!;
  const data = a.weightData;
  const weights = data === undefined ? new Uint8Array(0) : Array.isArray(data)
    ? new Uint8Array(Buffer.concat(data.map((b) => Buffer.from(b))))
    : new Uint8Array(data);
  return { json: { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: (a.weightSpecs ?? []) as TfjsModelJson['weightsManifest'][0]['weights'] }] }, weights };
}

/** Replaces every weight with seeded random values (variances positive) so biases and BN statistics are exercised. */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const rand = seededRandom(seed);
  model.setWeights(model.weights.map((w) => {
    const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    const positive = /variance/.test(w.name);
    const data = Float32Array.from({ length: n }, () => (positive ? 0.5 + rand() : (rand() * 2 - 1) * 0.5));
    return tf.tensor(data, w.shape as number[]);
  }));
}

export interface CompareResult {
  maxAbs: number;
  opTypes: Record<string, number>;
  outputShape: number[];
}

export async function convertAndCompare(model: tf.LayersModel, opts: Partial<ConvertOptions> & { batch?: number; seed?: number } = {}): Promise<CompareResult> {
  const { json, weights } = await modelArtifacts(model);
  const { batch: n = 3, seed = 1, ...convertOpts } = opts;
  const result = convertLayersModel(json, weights, { source: `test model ${model.name}`, ...convertOpts });
  const inShape = [n, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const rand = seededRandom(seed);
  const x = Float32Array.from({ length: inShape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
  const expected = tf.tidy(() => (model.predict(tf.tensor(x, inShape)) as tf.Tensor).dataSync().slice());
  const session = await ort.InferenceSession.create(result.bytes);
  const out = await session.run({ [result.inputName]: new ort.Tensor('float32', x, inShape) });
  const got = out[result.outputName]!;
  const expectedShape = [n, ...model.outputs[0]!.shape.slice(1)];
  if (got.dims.length !== expectedShape.length || expectedShape.some((d, i) => d !== null && d !== got.dims[i])) {
    throw new Error(`onnxruntime output shape [${got.dims.join(', ')}], tfjs [${expectedShape.join(', ')}]`);
  }
  return { maxAbs: maxAbsDiff(got.data as Float32Array, expected).max, opTypes: result.opTypes, outputShape: [...got.dims] };
}

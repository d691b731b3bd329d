// Converts an in-memory tfjs model to ONNX and compares onnxruntime-node with tfjs on random input.
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { convertLayersModel, type ConvertOptions, type TfjsModelJson } from 'tfjs2onnx';
import { seededRandom } from '../../src/util/random.js';
import { maxAbsDiff, TOL } from '../tolerance.js';

export async function modelArtifacts(model: tf.LayersModel): Promise<{ json: TfjsModelJson; weights: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = captured!;
  const data = a.weightData;
  const weights =
    data === undefined
      ? new Uint8Array(0)
      : Array.isArray(data)
        ? new Uint8Array(Buffer.concat(data.map((b) => Buffer.from(b))))
        : new Uint8Array(data);
  return {
    json: {
      modelTopology: a.modelTopology,
      weightsManifest: [
        { paths: ['weights.bin'], weights: (a.weightSpecs ?? []) as TfjsModelJson['weightsManifest'][0]['weights'] },
      ],
    },
    weights,
  };
}

/** Replaces every weight with seeded random values (variances positive) so biases and BN statistics are exercised. */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const rand = seededRandom(seed);
  model.setWeights(
    model.weights.map((w) => {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const positive = /variance/.test(w.name);
      const data = Float32Array.from({ length: n }, () => (positive ? 0.5 + rand() : (rand() * 2 - 1) * 0.5));
      return tf.tensor(data, w.shape as number[]);
    }),
  );
}

export interface CompareResult {
  maxAbs: number;
  opTypes: Record<string, number>;
  outputShape: number[];
}

export async function convertAndCompare(
  model: tf.LayersModel,
  opts: Partial<ConvertOptions> & { batch?: number; seed?: number } = {},
): Promise<CompareResult> {
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
  return {
    maxAbs: maxAbsDiff(got.data as Float32Array, expected).max,
    opTypes: result.opTypes,
    outputShape: [...got.dims],
  };
}

export interface CheckOptions extends Partial<ConvertOptions> {
  /** Batch sizes to run at (default 1 and 3; a fixed graph batch runs at that size only). */
  batches?: number[];
  seed?: number;
  /** Inputs are integers in [0, ints) (Embedding indices), as float32 or int32 by the input's dtype. */
  ints?: number;
}

export interface CheckResult {
  /** The largest |onnx - tfjs| / (1e-5 * max(1, |tfjs output|max)) over all outputs and batches: <= 1 passes. */
  worst: number;
  bytes: Uint8Array;
  opTypes: Record<string, number>;
  outputShapes: number[][];
}

/**
 * Converts `model` and compares every output of onnxruntime-node with tfjs (cpu) on seeded random inputs,
 * at batch 1 and 3, within TOL.layerAbs x max(1, |output|). Throws on a shape or name mismatch.
 */
export async function checkModel(model: tf.LayersModel, opts: CheckOptions = {}): Promise<CheckResult> {
  const { batches, seed = 1, ints, ...convertOpts } = opts;
  const { json, weights } = await modelArtifacts(model);
  const result = convertLayersModel(json, weights, { source: `test model ${model.name}`, ...convertOpts });
  const session = await ort.InferenceSession.create(result.bytes);
  const rand = seededRandom(seed);
  const sizes =
    convertOpts.batch !== undefined && convertOpts.batch !== 'dynamic' ? [convertOpts.batch] : (batches ?? [1, 3]);
  let worst = 0;
  const outputShapes: number[][] = [];
  for (const n of sizes) {
    const feeds: Record<string, ort.Tensor> = {};
    const tfInputs = model.inputs.map((input, i) => {
      const shape = [n, ...(input.shape.slice(1) as number[])];
      const count = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: count }, () => (ints ? Math.floor(rand() * ints) : rand() * 2 - 1));
      const isInt = input.dtype === 'int32';
      feeds[result.inputs[i]!.name] = isInt
        ? new ort.Tensor('int32', Int32Array.from(values), shape)
        : new ort.Tensor('float32', Float32Array.from(values), shape);
      return tf.tensor(values, shape, isInt ? 'int32' : 'float32');
    });
    const out = await session.run(feeds);
    const expected = tf.tidy(() => {
      const p = model.predict(tfInputs.length === 1 ? tfInputs[0]! : tfInputs);
      return (Array.isArray(p) ? p : [p]).map((t) => ({ data: t.dataSync().slice(), shape: t.shape }));
    });
    tf.dispose(tfInputs);
    if (expected.length !== result.outputs.length)
      throw new Error(`tfjs gives ${expected.length} outputs, the ONNX graph ${result.outputs.length}`);
    expected.forEach((e, i) => {
      const got = out[result.outputs[i]!.name]!;
      if (got.dims.length !== e.shape.length || e.shape.some((d, k) => d !== got.dims[k])) {
        throw new Error(
          `output ${result.outputs[i]!.name}: onnxruntime shape [${got.dims.join(', ')}], tfjs [${e.shape.join(', ')}]`,
        );
      }
      let scale = 1;
      for (const v of e.data) scale = Math.max(scale, Math.abs(v));
      worst = Math.max(worst, maxAbsDiff(got.data as Float32Array, e.data).max / (TOL.layerAbs * scale));
      if (n === sizes[sizes.length - 1]) outputShapes.push([...got.dims]);
    });
  }
  return { worst, bytes: result.bytes, opTypes: result.opTypes, outputShapes };
}

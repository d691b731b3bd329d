// A data-parallel replica on onnxruntime: the whole training step (forward, loss, backward) is one ONNX
// graph (src/train-graph/step-graph.ts) run with one session.run; the flat optimizer (optimizer.ts) then
// updates the flat weights in JS, as the tfjs replica does, so both engines share the update rules, the
// weight order and the checkpoint layout. The model itself is still the tfjs LayersModel of model.ts,
// built here only for its layer configs and seeded initial weights.
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { buildAutoencoder, type ModelConfig } from './model.js';
import { layerChain } from './layer-chain.js';
import { makeOptimizer, type FlatOptimizer, type OptimizerName, type OptimizerOptions } from './optimizer.js';
import type { EvalSums, FlatState } from './replica.js';
import { buildStepGraph, type TrainLoss } from '../train-graph/step-graph.js';
import { IMAGE_SIZE, PIXELS } from '../data/fashion-mnist.js';
import { scalePixels } from '../data/pixels.js';
import type { CodeInputs, ImageBatch, StepReplica } from './objectives/objective.js';

/** The layer of model.ts whose output is the code. */
export const CODE_LAYER = 'code';

/**
 * One session per worker thread with one intra-op thread and no spinning: the workers are the
 * parallelism, and a spinning pool thread would fight the other worker for its core.
 */
export const ORT_TRAINING_SESSION: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};

/** Checks that every layer of the model has a training rule; throws the named error otherwise. */
export function checkOrtTrainable(config: ModelConfig, loss: TrainLoss = 'bce'): void {
  const chain = layerChain(buildAutoencoder(config).autoencoder);
  buildStepGraph(chain.layers, chain.inputShape, chain.parameters, { mode: 'train', loss });
}

interface OrtImageBatch extends ImageBatch {
  tensor: ort.Tensor;
}

export class OrtReplica implements StepReplica {
  private readonly batchBuffer: Float32Array;
  private readonly weightsTensor: ort.Tensor;
  private encodeSession: Promise<ort.InferenceSession> | null = null;

  private constructor(
    private readonly train: ort.InferenceSession,
    private readonly evaluation: ort.InferenceSession,
    private readonly encodeGraph: () => Uint8Array,
    private readonly sizes: number[],
    private readonly weights: Float32Array,
    private readonly optimizer: FlatOptimizer,
    private readonly images: Uint8Array,
    maxShard: number,
    readonly latent: number,
    private readonly codeInputs: CodeInputs,
  ) {
    this.batchBuffer = new Float32Array(2 * maxShard * PIXELS);
    this.weightsTensor = new ort.Tensor('float32', weights, [weights.length]);
  }

  /** A replica whose training graph takes `codeInputs` at the code layer (none: reconstruction alone). */
  static async create(
    config: ModelConfig,
    optimizer: OptimizerName,
    images: Uint8Array,
    maxShard: number,
    optimizerOptions: OptimizerOptions = {},
    loss: TrainLoss = 'bce',
    codeInputs: CodeInputs = { codeGrad: false, codeTarget: false },
  ): Promise<OrtReplica> {
    // tfjs only builds the model here (configs and seeded initial weights): the pure-JS backend suffices.
    // PROD: no console banner suggesting tfjs-node from the pure-JS backend in every worker.
    tf.env().set('PROD', true);
    if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
    const { autoencoder } = buildAutoencoder(config);
    const chain = layerChain(autoencoder);
    const trainGraph = buildStepGraph(chain.layers, chain.inputShape, chain.parameters, {
      mode: 'train',
      loss,
      // The code is always an output: objectives with a code target read it for their loss.
      codeLayer: CODE_LAYER,
      codeGrad: codeInputs.codeGrad,
      codeTarget: codeInputs.codeTarget,
    });
    const evalGraph = buildStepGraph(chain.layers, chain.inputShape, chain.parameters, { mode: 'eval', loss });
    const weights = new Float32Array(trainGraph.parameterCount);
    for (const [i, w] of autoencoder.trainableWeights.entries())
      weights.set(w.read().dataSync() as Float32Array, chain.parameters[i]!.offset);
    tf.dispose(autoencoder.weights.map((w) => w.read()));
    const [train, evaluation] = await Promise.all([
      ort.InferenceSession.create(trainGraph.bytes, ORT_TRAINING_SESSION),
      ort.InferenceSession.create(evalGraph.bytes, ORT_TRAINING_SESSION),
    ]);
    return new OrtReplica(
      train,
      evaluation,
      () =>
        buildStepGraph(chain.layers, chain.inputShape, chain.parameters, {
          mode: 'encode',
          loss,
          codeLayer: CODE_LAYER,
        }).bytes,
      chain.parameters.map((p) => p.size),
      weights,
      makeOptimizer(optimizer, weights.length, optimizerOptions),
      images,
      maxShard,
      config.latent,
      codeInputs,
    );
  }

  get parameterCount(): number {
    return this.weights.length;
  }

  private gather(indices: ArrayLike<number>): ort.Tensor {
    const n = indices.length;
    const buf =
      n * PIXELS <= this.batchBuffer.length ? this.batchBuffer.subarray(0, n * PIXELS) : new Float32Array(n * PIXELS);
    for (let i = 0; i < n; i++) {
      const src = indices[i]! * PIXELS;
      scalePixels(this.images.subarray(src, src + PIXELS), buf.subarray(i * PIXELS, (i + 1) * PIXELS));
    }
    return new ort.Tensor('float32', buf, [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
  }

  batch(indices: ArrayLike<number>): ImageBatch {
    const batch: OrtImageBatch = { indices, tensor: this.gather(indices) };
    return batch;
  }

  async encode(batch: ImageBatch): Promise<Float32Array> {
    // The encode graph is built on first use: objectives that never encode (ae, layout) never pay for it.
    this.encodeSession ??= ort.InferenceSession.create(this.encodeGraph(), ORT_TRAINING_SESSION);
    const out = await (
      await this.encodeSession
    ).run({
      image: (batch as OrtImageBatch).tensor,
      weights: this.weightsTensor,
    });
    const codes = Float32Array.from(out.code!.data as Float32Array);
    out.code!.dispose();
    return codes;
  }

  async step(
    batch: ImageBatch,
    flat: Float32Array,
    feeds: { codeGrad?: Float32Array; codeTarget?: Float32Array; codeTargetWeight?: number } = {},
  ): Promise<{ reconstruction: number; codes: Float32Array | null }> {
    const n = batch.indices.length,
      shape = [n, this.latent];
    const inputs: Record<string, ort.Tensor> = { image: (batch as OrtImageBatch).tensor, weights: this.weightsTensor };
    const feed = (name: string, given: boolean, wanted: boolean) => {
      if (given !== wanted)
        throw new Error(`this replica's training graph ${wanted ? 'needs' : 'has no'} the ${name} input`);
    };
    feed('code_grad', feeds.codeGrad !== undefined, this.codeInputs.codeGrad);
    feed('code_target', feeds.codeTarget !== undefined, this.codeInputs.codeTarget);
    if (feeds.codeGrad) inputs.code_grad = new ort.Tensor('float32', feeds.codeGrad, shape);
    if (feeds.codeTarget) {
      inputs.code_target = new ort.Tensor('float32', feeds.codeTarget, shape);
      inputs.code_target_weight = new ort.Tensor('float32', Float32Array.of(feeds.codeTargetWeight ?? 0), []);
    }
    const out = await this.train.run(inputs);
    flat.set(out.grads!.data as Float32Array);
    const reconstruction = (out.loss!.data as Float32Array)[0]!;
    const codes = this.codeInputs.codeTarget ? Float32Array.from(out.code!.data as Float32Array) : null;
    for (const t of Object.values(out)) t.dispose();
    return { reconstruction, codes };
  }

  /** Mean reconstruction loss over the images `indices`; its gradient, in weight order, goes into `flat`. */
  async gradients(
    indices: ArrayLike<number>,
    flat: Float32Array = new Float32Array(this.parameterCount),
  ): Promise<{ loss: number; grads: Float32Array }> {
    const codeGrad = this.codeInputs.codeGrad ? new Float32Array(indices.length * this.latent) : undefined;
    if (this.codeInputs.codeTarget) throw new Error("this replica's training graph needs a code target");
    return { loss: (await this.step(this.batch(indices), flat, { codeGrad })).reconstruction, grads: flat };
  }

  apply(flatGrads: Float32Array, lr: number): void {
    if (flatGrads.length !== this.weights.length)
      throw new Error(`gradient has ${flatGrads.length} values, model has ${this.weights.length}`);
    this.optimizer.step(this.weights, flatGrads, lr);
  }

  /**
   * Data-parallel ranks split the update: the optimizer's slots move to `optimizerState` (shared by all ranks),
   * each rank steps its slice of the weights (applySlice) and takes the others' slices (takeWeights).
   */
  shareOptimizer(optimizerState: SharedArrayBuffer): void {
    this.optimizer.share(optimizerState);
  }

  /** Steps the weights in [start, end) and writes them to `shared` for the other ranks. */
  applySlice(flatGrads: Float32Array, lr: number, start: number, end: number, shared: Float32Array): void {
    this.optimizer.step(this.weights, flatGrads, lr, start, end);
    shared.set(this.weights.subarray(start, end), start);
  }

  /** Takes the weights outside [start, end) from `shared` (onnxruntime does not read shared memory). */
  takeWeights(shared: Float32Array, start: number, end: number): void {
    this.weights.set(shared.subarray(0, start));
    this.weights.set(shared.subarray(end), end);
  }

  async evaluate(indices: ArrayLike<number>, chunk = 500): Promise<EvalSums> {
    const sums: EvalSums = { bce: 0, squaredError: 0, pixels: 0 };
    for (let start = 0; start < indices.length; start += chunk) {
      const part = Array.prototype.slice.call(indices, start, Math.min(indices.length, start + chunk)) as number[];
      const out = await this.evaluation.run({ image: this.gather(part), weights: this.weightsTensor });
      const n = part.length * PIXELS;
      sums.bce += (out.bce!.data as Float32Array)[0]! * n;
      sums.squaredError += (out.mse!.data as Float32Array)[0]! * n;
      sums.pixels += n;
      for (const t of Object.values(out)) t.dispose();
    }
    return sums;
  }

  getState(): FlatState {
    let offset = 0;
    const weights = this.sizes.map((n) => this.weights.slice(offset, (offset += n)));
    return { weights, optimizer: this.optimizer.slots() };
  }

  setState(state: FlatState): void {
    if (state.weights.length !== this.sizes.length)
      throw new Error(`state has ${state.weights.length} weights, model has ${this.sizes.length}`);
    let offset = 0;
    state.weights.forEach((w, i) => {
      if (w.length !== this.sizes[i])
        throw new Error(`weight ${i} has ${w.length} values, the model needs ${this.sizes[i]}`);
      this.weights.set(w, offset);
      offset += w.length;
    });
    if (state.optimizer.length > 0) this.optimizer.setSlots(state.optimizer);
  }

  async close(): Promise<void> {
    const encode = this.encodeSession ? await this.encodeSession : null;
    await Promise.all([this.train.release(), this.evaluation.release(), encode?.release()]);
  }
}

// A data-parallel replica on onnxruntime: the whole training step (forward, loss, backward) is one ONNX
// graph (src/onnx/grad/step-graph.ts) run with one session.run; the flat optimizer (optimizer.ts) then
// updates the flat weights in JS, as the tfjs replica does, so both engines share the update rules, the
// weight order and the checkpoint layout. The model itself is still the tfjs LayersModel of model.ts,
// built here only for its layer configs and seeded initial weights.
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { buildAutoencoder, type ModelConfig } from './model.js';
import { layerChain } from './layer-chain.js';
import { makeOptimizer, type FlatOptimizer, type OptimizerName, type OptimizerOptions } from './optimizer.js';
import type { EvalSums, FlatState } from './replica.js';
import { buildStepGraph, type TrainLoss } from '../onnx/grad/step-graph.js';
import { IMAGE_SIZE, PIXELS } from '../data/fashion-mnist.js';
import { scalePixels } from '../data/pixels.js';
import { umapLossAndGrad } from '../umap/loss.js';
import { neighbourLossAndGrad, type NeighbourRows } from '../umap/neighbour-loss.js';
import { seededRandom } from '../util/random.js';
import type { UmapStepParams } from './objective.js';

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

export class OrtReplica {
  private readonly batch: Float32Array;
  private readonly weightsTensor: ort.Tensor;

  private constructor(
    private readonly train: ort.InferenceSession,
    private readonly evaluation: ort.InferenceSession,
    private readonly sizes: number[],
    private readonly weights: Float32Array,
    private readonly optimizer: FlatOptimizer,
    private readonly images: Uint8Array,
    maxShard: number,
    private readonly umap?: { params: UmapStepParams; encode: ort.InferenceSession; latent: number },
  ) {
    this.batch = new Float32Array(2 * maxShard * PIXELS);
    this.weightsTensor = new ort.Tensor('float32', weights, [weights.length]);
  }

  static async create(
    config: ModelConfig,
    optimizer: OptimizerName,
    images: Uint8Array,
    maxShard: number,
    optimizerOptions: OptimizerOptions = {},
    loss: TrainLoss = 'bce',
    umap?: UmapStepParams,
  ): Promise<OrtReplica> {
    // tfjs only builds the model here (configs and seeded initial weights): the pure-JS backend suffices.
    // PROD: no console banner suggesting tfjs-node from the pure-JS backend in every worker.
    tf.env().set('PROD', true);
    if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
    const { autoencoder } = buildAutoencoder(config);
    const chain = layerChain(autoencoder);
    const codeLayer = umap ? CODE_LAYER : undefined;
    const trainGraph = buildStepGraph(chain.layers, chain.inputShape, chain.parameters, {
      mode: 'train',
      loss,
      codeLayer,
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
    const encode = umap
      ? await ort.InferenceSession.create(
          buildStepGraph(chain.layers, chain.inputShape, chain.parameters, { mode: 'encode', loss, codeLayer }).bytes,
          ORT_TRAINING_SESSION,
        )
      : undefined;
    return new OrtReplica(
      train,
      evaluation,
      chain.parameters.map((p) => p.size),
      weights,
      makeOptimizer(optimizer, weights.length, optimizerOptions),
      images,
      maxShard,
      umap && encode ? { params: umap, encode, latent: config.latent } : undefined,
    );
  }

  get parameterCount(): number {
    return this.weights.length;
  }

  private gather(indices: ArrayLike<number>): ort.Tensor {
    const n = indices.length;
    const buf = n * PIXELS <= this.batch.length ? this.batch.subarray(0, n * PIXELS) : new Float32Array(n * PIXELS);
    for (let i = 0; i < n; i++) {
      const src = indices[i]! * PIXELS;
      scalePixels(this.images.subarray(src, src + PIXELS), buf.subarray(i * PIXELS, (i + 1) * PIXELS));
    }
    return new ort.Tensor('float32', buf, [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
  }

  /** Mean loss over the shard; its gradient, flattened in weight order, goes into `flat`. */
  async gradients(
    indices: ArrayLike<number>,
    flat: Float32Array = new Float32Array(this.parameterCount),
  ): Promise<{ loss: number; grads: Float32Array }> {
    const feeds: Record<string, ort.Tensor> = { image: this.gather(indices), weights: this.weightsTensor };
    // A umap-ae replica's graph takes a code gradient: none during reconstruction-only warm-up epochs.
    if (this.umap)
      feeds.code_grad = new ort.Tensor('float32', new Float32Array(indices.length * this.umap.latent), [
        indices.length,
        this.umap.latent,
      ]);
    const out = await this.train.run(feeds);
    flat.set(out.grads!.data as Float32Array);
    const loss = (out.loss!.data as Float32Array)[0]!;
    for (const t of Object.values(out)) t.dispose();
    return { loss, grads: flat };
  }

  /**
   * The umap-ae step's gradient for a shard of edges: the 2B end images are encoded, the UMAP loss and its
   * gradient are taken on the codes (negatives drawn from `negativeSeed`), and the training graph adds
   * weight x that gradient at the code layer to the reconstruction loss's. Returns the combined loss.
   */
  async umapGradients(
    heads: ArrayLike<number>,
    tails: ArrayLike<number>,
    flat: Float32Array,
    negativeSeed: number,
  ): Promise<{ loss: number; grads: Float32Array }> {
    if (!this.umap) throw new Error('this replica was not set up for the umap-ae objective');
    const { params, encode, latent } = this.umap;
    const b = heads.length;
    const image = this.gather([
      ...(Array.prototype.slice.call(heads) as number[]),
      ...(Array.prototype.slice.call(tails) as number[]),
    ]);
    const encoded = await encode.run({ image, weights: this.weightsTensor });
    const codes = encoded.code!.data as Float32Array;
    const umap = umapLossAndGrad(codes.subarray(0, b * latent), codes.subarray(b * latent), latent, {
      a: params.a,
      b: params.b,
      negativeRate: params.negativeRate,
      rng: seededRandom(params.seed * 7919 + negativeSeed),
      excludeOwnTail: true,
    });
    encoded.code!.dispose();
    const codeGrad = new Float32Array(2 * b * latent);
    for (let i = 0; i < b * latent; i++) {
      codeGrad[i] = params.weight * umap.gradHead[i]!;
      codeGrad[b * latent + i] = params.weight * umap.gradTail[i]!;
    }
    const out = await this.train.run({
      image,
      weights: this.weightsTensor,
      code_grad: new ort.Tensor('float32', codeGrad, [2 * b, latent]),
    });
    flat.set(out.grads!.data as Float32Array);
    const loss = (out.loss!.data as Float32Array)[0]! + params.weight * umap.loss;
    for (const t of Object.values(out)) t.dispose();
    return { loss, grads: flat };
  }

  /**
   * The umap-ae step's gradient with neighbour sampling: the shard's images are encoded, each is a head
   * against all of its graph edges, whose tails' codes (and the negatives') come from `table`
   * (src/umap/neighbour-loss.ts); the training graph adds weight x that gradient at the code layer.
   * Returns the combined loss and the shard's fresh codes [B, latent], for the caller to write to the table.
   */
  async neighbourGradients(
    heads: ArrayLike<number>,
    flat: Float32Array,
    negativeSeed: number,
    rows: NeighbourRows,
    table: Float32Array,
  ): Promise<{ loss: number; grads: Float32Array; codes: Float32Array }> {
    if (!this.umap) throw new Error('this replica was not set up for the umap-ae objective');
    const { params, encode, latent } = this.umap;
    const image = this.gather(heads);
    const encoded = await encode.run({ image, weights: this.weightsTensor });
    const codes = Float32Array.from(encoded.code!.data as Float32Array);
    encoded.code!.dispose();
    const umap = neighbourLossAndGrad(codes, heads, table, rows, latent, {
      a: params.a,
      b: params.b,
      negativeRate: params.negativeRate,
      rng: seededRandom(params.seed * 7919 + negativeSeed),
    });
    for (let k = 0; k < umap.grad.length; k++) umap.grad[k]! *= params.weight;
    const out = await this.train.run({
      image,
      weights: this.weightsTensor,
      code_grad: new ort.Tensor('float32', umap.grad, [heads.length, latent]),
    });
    flat.set(out.grads!.data as Float32Array);
    const loss = (out.loss!.data as Float32Array)[0]! + params.weight * umap.loss;
    for (const t of Object.values(out)) t.dispose();
    return { loss, grads: flat, codes };
  }

  /** Encodes images start..end-1 into rows start..end-1 of `table` [n, latent], in chunks of `chunk`. */
  async encodeInto(start: number, end: number, table: Float32Array, chunk = 500): Promise<void> {
    if (!this.umap) throw new Error('this replica was not set up for the umap-ae objective');
    const { encode, latent } = this.umap;
    for (let s = start; s < end; s += chunk) {
      const e = Math.min(end, s + chunk);
      const out = await encode.run({
        image: this.gather(Int32Array.from({ length: e - s }, (_, i) => s + i)),
        weights: this.weightsTensor,
      });
      table.set(out.code!.data as Float32Array, s * latent);
      out.code!.dispose();
    }
  }

  apply(flatGrads: Float32Array, lr: number): void {
    if (flatGrads.length !== this.weights.length)
      throw new Error(`gradient has ${flatGrads.length} values, model has ${this.weights.length}`);
    this.optimizer.step(this.weights, flatGrads, lr);
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
    await Promise.all([this.train.release(), this.evaluation.release(), this.umap?.encode.release()]);
  }
}

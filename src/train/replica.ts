// One data-parallel replica: a full copy of the autoencoder and its optimizer that computes gradients on
// its shard of each batch and applies the averaged gradient it is given. Every replica applies the same
// update to the same weights, so replicas stay identical without exchanging weights.
import * as tf from '@tensorflow/tfjs';
import { buildAutoencoder, bceLoss, type Autoencoder, type ModelConfig } from './model.js';
import {
  makeOptimizer,
  type FlatOptimizer,
  type OptimizerName,
  type OptimizerOptions,
  type OptimizerSlot,
} from './optimizer.js';
import { PIXELS, IMAGE_SIZE } from '../data/fashion-mnist.js';
import { scalePixels } from '../data/pixels.js';
import type { ImageBatch, StepReplica } from './objectives/objective.js';

export interface FlatState {
  /** Trainable weights in model order. */
  weights: Float32Array[];
  /** Optimizer slots, in the optimizer's own order (empty: a fresh optimizer). */
  optimizer: OptimizerSlot[];
}

export interface EvalSums {
  bce: number;
  squaredError: number;
  pixels: number;
}

export class Replica implements StepReplica {
  readonly model: Autoencoder;
  private readonly vars: tf.Variable[];
  /** The trainable weights, flattened in variable order: the optimizer updates these, then the variables. */
  private readonly weights: Float32Array;
  private readonly optimizer: FlatOptimizer;
  private readonly batchBuffer: Float32Array;

  constructor(
    config: ModelConfig,
    optimizer: OptimizerName,
    private readonly images: Uint8Array,
    maxShard: number,
    optimizerOptions: OptimizerOptions = {},
  ) {
    this.model = buildAutoencoder(config);
    this.vars = this.model.autoencoder.trainableWeights.map((w) => w.read() as tf.Variable);
    this.weights = new Float32Array(this.vars.reduce((a, v) => a + v.size, 0));
    this.readVariables();
    this.optimizer = makeOptimizer(optimizer, this.weights.length, optimizerOptions);
    this.batchBuffer = new Float32Array(maxShard * PIXELS);
  }

  get parameterCount(): number {
    return this.weights.length;
  }

  get latent(): number {
    return this.model.encoder.outputs[0]!.shape[1]!;
  }

  /** The tfjs engine trains reconstruction alone: a batch is its indices, gathered by the step. */
  batch(indices: ArrayLike<number>): ImageBatch {
    return { indices };
  }

  encode(): Promise<Float32Array> {
    return Promise.reject(new Error('the tfjs engine trains the ae objective only (no code inputs)'));
  }

  step(
    batch: ImageBatch,
    flat: Float32Array,
    feeds?: object,
  ): Promise<{ reconstruction: number; codes: Float32Array | null }> {
    if (feeds) return Promise.reject(new Error('the tfjs engine trains the ae objective only (no code inputs)'));
    return Promise.resolve({ reconstruction: this.gradients(batch.indices, flat).loss, codes: null });
  }

  private readVariables(): void {
    let offset = 0;
    for (const v of this.vars) {
      this.weights.set(v.dataSync() as Float32Array, offset);
      offset += v.size;
    }
  }

  private writeVariables(): void {
    let offset = 0;
    for (const v of this.vars) {
      // A copy: some backends keep the array they are given, and the flat weights change every step.
      const t = tf.tensor(this.weights.slice(offset, offset + v.size), v.shape);
      v.assign(t);
      t.dispose();
      offset += v.size;
    }
  }

  private gather(indices: ArrayLike<number>): tf.Tensor4D {
    const n = indices.length;
    const buf = this.batchBuffer.subarray(0, n * PIXELS);
    for (let i = 0; i < n; i++) {
      const src = indices[i]! * PIXELS;
      scalePixels(this.images.subarray(src, src + PIXELS), buf.subarray(i * PIXELS, (i + 1) * PIXELS));
    }
    return tf.tensor4d(buf, [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
  }

  /** Mean BCE over the shard; its gradient, flattened in variable order, goes into `flat`. */
  gradients(
    indices: ArrayLike<number>,
    flat: Float32Array = new Float32Array(this.parameterCount),
  ): { loss: number; grads: Float32Array } {
    const x = this.gather(indices);
    const { value, grads } = tf.variableGrads(
      () => bceLoss(x, this.model.autoencoder.apply(x, { training: true }) as tf.Tensor),
      this.vars,
    );
    let offset = 0;
    for (const v of this.vars) {
      flat.set(grads[v.name]!.dataSync() as Float32Array, offset);
      offset += v.size;
    }
    const loss = value.dataSync()[0]!;
    tf.dispose([x, value, grads]);
    return { loss, grads: flat };
  }

  /** Applies an averaged gradient at learning rate `lr` (the schedule is the coordinator's). */
  apply(flatGrads: Float32Array, lr: number): void {
    if (flatGrads.length !== this.weights.length)
      throw new Error(`gradient has ${flatGrads.length} values, model has ${this.weights.length}`);
    this.optimizer.step(this.weights, flatGrads, lr);
    this.writeVariables();
  }

  evaluate(indices: ArrayLike<number>, chunk = 500): EvalSums {
    const sums: EvalSums = { bce: 0, squaredError: 0, pixels: 0 };
    for (let start = 0; start < indices.length; start += chunk) {
      const part = Array.prototype.slice.call(indices, start, Math.min(indices.length, start + chunk)) as number[];
      tf.tidy(() => {
        const x = this.gather(part);
        const y = this.model.autoencoder.predict(x) as tf.Tensor;
        const n = x.size;
        sums.bce += bceLoss(x, y).dataSync()[0]! * n;
        sums.squaredError += tf.sum(tf.squaredDifference(x, y)).dataSync()[0]!;
        sums.pixels += n;
      });
    }
    return sums;
  }

  getState(): FlatState {
    let offset = 0;
    const weights = this.vars.map((v) => this.weights.slice(offset, (offset += v.size)));
    return { weights, optimizer: this.optimizer.slots() };
  }

  setState(state: FlatState): void {
    if (state.weights.length !== this.vars.length)
      throw new Error(`state has ${state.weights.length} weights, model has ${this.vars.length}`);
    let offset = 0;
    this.vars.forEach((v, i) => {
      const w = state.weights[i]!;
      if (w.length !== v.size)
        throw new Error(`weight ${i} has ${w.length} values, model variable ${v.name} needs ${v.size}`);
      this.weights.set(w, offset);
      offset += v.size;
    });
    this.writeVariables();
    if (state.optimizer.length > 0) this.optimizer.setSlots(state.optimizer);
  }
}

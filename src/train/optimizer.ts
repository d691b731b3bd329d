// Optimizers over all trainable weights as one flat Float32Array: RMSprop (the reference's), Adam
// available. They follow tfjs's update rules exactly (Keras defaults for rho, betas and epsilon), but run
// as one plain loop instead of a dozen tfjs ops per variable: that per-op overhead cost ~3 ms per step,
// a fifth of a data-parallel step at batch 32.

export const OPTIMIZERS = ['rmsprop', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Named optimizer state for checkpoints. */
export interface OptimizerSlot {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface FlatOptimizer {
  readonly name: OptimizerName;
  /**
   * Updates `weights` in place from `grads` at learning rate `lr`; with `start`/`end`, only the weights in
   * [start, end) (data-parallel ranks that share their state each update their own slice).
   */
  step(weights: Float32Array, grads: Float32Array, lr: number, start?: number, end?: number): void;
  /**
   * Moves the per-weight slots into `state` (optimizerStateBytes(size) bytes, e.g. shared memory that
   * every rank's optimizer then views), keeping their values.
   */
  share(state: SharedArrayBuffer): void;
  slots(): OptimizerSlot[];
  setSlots(slots: OptimizerSlot[]): void;
}

export const RMSPROP = { rho: 0.9, epsilon: 1e-7 } as const;
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;
export const MOMENTUM_RANGE = [0, 0.99] as const;

export interface OptimizerOptions {
  /** RMSprop only: the update accumulates as mom = momentum·mom + lr·g / sqrt(ms + ε) (0: plain RMSprop). */
  momentum?: number;
}

export function checkOptimizerOptions(name: OptimizerName, o: OptimizerOptions): void {
  const mu = o.momentum ?? 0;
  if (!(mu >= MOMENTUM_RANGE[0] && mu <= MOMENTUM_RANGE[1]))
    throw new RangeError(`--momentum must be in ${MOMENTUM_RANGE[0]}..${MOMENTUM_RANGE[1]}, got ${mu}`);
  if (mu !== 0 && name !== 'rmsprop')
    throw new RangeError(`--momentum applies to rmsprop only (Adam's momentum is its fixed beta1 ${ADAM.beta1})`);
}

/** Bytes of the per-weight slots (two float32 per weight, either optimizer), for FlatOptimizer.share. */
export function optimizerStateBytes(size: number): number {
  return 2 * size * Float32Array.BYTES_PER_ELEMENT;
}

/** Two float32 slots of `size` in `state`, holding the values of `a` and `b`. */
function sharedSlots(state: SharedArrayBuffer, a: Float32Array, b: Float32Array): [Float32Array, Float32Array] {
  if (state.byteLength !== optimizerStateBytes(a.length))
    throw new RangeError(`optimizer state of ${state.byteLength} bytes for ${a.length} weights`);
  const x = new Float32Array(state, 0, a.length),
    y = new Float32Array(state, a.length * Float32Array.BYTES_PER_ELEMENT, a.length);
  x.set(a);
  y.set(b);
  return [x, y];
}

export function makeOptimizer(name: OptimizerName, size: number, options: OptimizerOptions = {}): FlatOptimizer {
  checkOptimizerOptions(name, options);
  if (name === 'rmsprop') return new RmsProp(size, options.momentum ?? 0);
  if (name === 'adam') return new Adam(size);
  throw new Error(`unknown optimizer "${String(name)}": use ${OPTIMIZERS.join(' or ')}`);
}

function restore(owner: string, slots: OptimizerSlot[], into: Record<string, Float32Array>): void {
  const want = Object.keys(into);
  const got = slots.map((s) => s.name);
  if (want.join() !== got.join())
    throw new Error(`${owner} state needs slots [${want.join(', ')}], got [${got.join(', ')}]`);
  for (const s of slots) {
    const target = into[s.name]!;
    if (s.data.length !== target.length)
      throw new Error(`${owner} slot ${s.name} has ${s.data.length} values, needs ${target.length}`);
    target.set(s.data);
  }
}

/**
 * ms = rho·ms + (1−rho)·g²;  w −= lr·g / sqrt(ms + ε)  (tfjs's form: ε inside the root). With momentum μ
 * the step itself is smoothed: mom = μ·mom + lr·g / sqrt(ms + ε);  w −= mom.
 */
class RmsProp implements FlatOptimizer {
  readonly name = 'rmsprop';
  private meanSquare: Float32Array;
  /** Stays zero without momentum (the update is then exactly plain RMSprop's), and is not checkpointed. */
  private moment: Float32Array;

  constructor(
    size: number,
    private readonly momentum: number,
  ) {
    this.meanSquare = new Float32Array(size);
    this.moment = new Float32Array(size);
  }

  share(state: SharedArrayBuffer): void {
    [this.meanSquare, this.moment] = sharedSlots(state, this.meanSquare, this.moment);
  }

  step(weights: Float32Array, grads: Float32Array, lr: number, start = 0, end = weights.length): void {
    const ms = this.meanSquare,
      mom = this.moment,
      mu = this.momentum,
      { rho, epsilon } = RMSPROP;
    for (let i = start; i < end; i++) {
      const g = grads[i]!;
      const m = rho * ms[i]! + (1 - rho) * g * g;
      ms[i] = m;
      const u = mu * mom[i]! + (lr * g) / Math.sqrt(m + epsilon);
      mom[i] = u;
      weights[i]! -= u;
    }
  }

  slots(): OptimizerSlot[] {
    const slots = [{ name: 'mean_square', shape: [this.meanSquare.length], data: this.meanSquare.slice() }];
    if (this.momentum > 0) slots.push({ name: 'momentum', shape: [this.moment.length], data: this.moment.slice() });
    return slots;
  }

  setSlots(slots: OptimizerSlot[]): void {
    restore(
      'RMSprop',
      slots,
      this.momentum > 0 ? { mean_square: this.meanSquare, momentum: this.moment } : { mean_square: this.meanSquare },
    );
  }
}

/** m, v: first and second moments; w −= lr·m̂ / (sqrt(v̂) + ε) with bias-corrected m̂, v̂. */
class Adam implements FlatOptimizer {
  readonly name = 'adam';
  private m: Float32Array;
  private v: Float32Array;
  /** The iteration count is each instance's own: every rank steps once per training step, whatever its slice. */
  private readonly t = new Float32Array(1);

  constructor(size: number) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  share(state: SharedArrayBuffer): void {
    [this.m, this.v] = sharedSlots(state, this.m, this.v);
  }

  step(weights: Float32Array, grads: Float32Array, lr: number, start = 0, end = weights.length): void {
    const { beta1, beta2, epsilon } = ADAM;
    const t = ++this.t[0]!;
    const c1 = 1 - beta1 ** t,
      c2 = 1 - beta2 ** t;
    const m = this.m,
      v = this.v;
    for (let i = start; i < end; i++) {
      const g = grads[i]!;
      const mi = beta1 * m[i]! + (1 - beta1) * g;
      const vi = beta2 * v[i]! + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      weights[i]! -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
    }
  }

  slots(): OptimizerSlot[] {
    return [
      { name: 'iterations', shape: [1], data: this.t.slice() },
      { name: 'm', shape: [this.m.length], data: this.m.slice() },
      { name: 'v', shape: [this.v.length], data: this.v.slice() },
    ];
  }

  setSlots(slots: OptimizerSlot[]): void {
    restore('Adam', slots, { iterations: this.t, m: this.m, v: this.v });
  }
}

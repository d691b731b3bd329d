// Data-parallel training over worker threads. Each step, every replica computes the gradient of its
// shard of the batch; the replicas average them through shared memory (weighted by shard size, summed in
// rank order so the result is deterministic) and each applies the same update to its own weights. The
// coordinator only hands out whole runs of steps and relays progress: no message per step stands
// between the replicas. tfjs's wasm backend runs one thread per isolate in Node, so threads are how
// training uses the cores.
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import type { EvalSums, FlatState } from './replica.js';
import type { RuntimeName } from './protocol.js';
import { Barrier } from './barrier.js';
import { shardBounds } from './shards.js';
import { optimizerStateBytes } from './optimizer.js';

class WorkerChannel {
  private readonly inbox: FromWorker[] = [];
  private waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  /** Receives progress messages as they come (they are not queued). */
  onProgress: ((step: number, loss: number) => void) | null = null;

  constructor(
    readonly worker: Worker,
    readonly rank: number,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'error') this.fail(new Error(`training worker ${rank} failed: ${m.message}`));
      else if (m.type === 'progress') this.onProgress?.(m.step, m.loss);
      else if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w.resolve(m);
      } else this.inbox.push(m);
    });
    worker.on('error', (e) => this.fail(new Error(`training worker ${rank} crashed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`training worker ${rank} exited with code ${code}`));
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(e);
    }
  }

  send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  async receive<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    if (this.failure) throw this.failure;
    const m =
      this.inbox.shift() ??
      (await new Promise<FromWorker>((resolve, reject) => {
        this.waiting = { resolve, reject };
      }));
    if (m.type !== type) throw new Error(`training worker ${this.rank} answered ${m.type}, expected ${type}`);
    return m as Extract<FromWorker, { type: T }>;
  }
}

export class ReplicaPool {
  private constructor(
    private readonly channels: WorkerChannel[],
    readonly runtime: RuntimeName,
    readonly parameters: number,
  ) {
    const bytes = parameters * Float32Array.BYTES_PER_ELEMENT;
    const buffers = {
      type: 'buffers' as const,
      grads: channels.map(() => new SharedArrayBuffer(bytes)),
      average: new SharedArrayBuffer(bytes),
      losses: new SharedArrayBuffer(channels.length * Float64Array.BYTES_PER_ELEMENT),
      barrier: Barrier.buffer(),
      weights: new SharedArrayBuffer(bytes),
      optimizer: new SharedArrayBuffer(optimizerStateBytes(parameters)),
    };
    for (const c of channels) c.send(buffers);
  }

  static async start(threads: number, init: Omit<WorkerInit, 'rank'>): Promise<ReplicaPool> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`threads must be a positive integer, got ${threads}`);
    const url = new URL('./worker.js', import.meta.url);
    const channels = Array.from(
      { length: threads },
      (_, rank) => new WorkerChannel(new Worker(url, { workerData: { ...init, rank } }), rank),
    );
    let ready: Extract<FromWorker, { type: 'ready' }>[];
    try {
      ready = await Promise.all(channels.map((c) => c.receive('ready')));
    } catch (err) {
      await Promise.all(channels.map((c) => c.worker.terminate()));
      throw err;
    }
    const pool = new ReplicaPool(channels, ready[0]!.runtime, ready[0]!.parameters);
    // Replicas start from the same seeded initializers; copying rank 0's weights makes that certain.
    if (threads > 1) await pool.setState({ ...(await pool.getState()), optimizer: [] });
    return pool;
  }

  get threads(): number {
    return this.channels.length;
  }

  /**
   * Runs `lrs.length` optimisation steps: step s trains on order[s·perStep, (s+1)·perStep) (with `tails`, the
   * edges of that range) at learning rate lrs[s]. Resolves with each step's mean loss; `onStep` hears of each
   * step as it completes.
   */
  async train(
    order: Int32Array,
    perStep: number,
    lrs: Float64Array,
    onStep?: (step: number, loss: number) => void,
    epoch: { epoch: number; tails?: Int32Array; reconstructionOnly?: boolean; termScale?: number } = { epoch: 0 },
  ): Promise<Float64Array> {
    if (epoch.tails && epoch.tails.length !== order.length)
      throw new RangeError(`${order.length} edge heads but ${epoch.tails.length} tails`);
    if (order.length < lrs.length * perStep)
      throw new RangeError(
        `${lrs.length} steps of ${perStep} need ${lrs.length * perStep} indices, got ${order.length}`,
      );
    const losses = new Float64Array(lrs.length);
    this.channels[0]!.onProgress = (step, loss) => {
      losses[step] = loss;
      onStep?.(step, loss);
    };
    try {
      for (const c of this.channels)
        c.send({
          type: 'train',
          order,
          perStep,
          lrs,
          tails: epoch.tails,
          epoch: epoch.epoch,
          reconstructionOnly: epoch.reconstructionOnly ?? false,
          termScale: epoch.termScale ?? 1,
        });
      await Promise.all(this.channels.map((c) => c.receive('trained')));
    } finally {
      this.channels[0]!.onProgress = null;
    }
    return losses;
  }

  /** One optimisation step on `batch` (indices into the shared images); returns the batch's mean loss. */
  async step(batch: Int32Array, lr: number): Promise<number> {
    return (await this.train(batch, batch.length, Float64Array.of(lr)))[0]!;
  }

  /** The objective's preparation of an epoch over items 0..count-1, shared among the replicas. */
  async prepareEpoch(count: number): Promise<void> {
    const bounds = shardBounds(count, this.channels.length);
    this.channels.forEach((c, r) => c.send({ type: 'prepare-epoch', start: bounds[r]![0], end: bounds[r]![1] }));
    await Promise.all(this.channels.map((c) => c.receive('epoch-prepared')));
  }

  async evaluate(indices: Int32Array): Promise<EvalSums> {
    const bounds = shardBounds(indices.length, this.channels.length);
    this.channels.forEach((c, r) => c.send({ type: 'eval', indices: indices.slice(bounds[r]![0], bounds[r]![1]) }));
    const parts = await Promise.all(this.channels.map((c) => c.receive('eval')));
    return parts.reduce(
      (a, p) => ({
        bce: a.bce + p.sums.bce,
        squaredError: a.squaredError + p.sums.squaredError,
        pixels: a.pixels + p.sums.pixels,
      }),
      { bce: 0, squaredError: 0, pixels: 0 },
    );
  }

  async getState(): Promise<FlatState> {
    const c = this.channels[0]!;
    c.send({ type: 'get-state' });
    return (await c.receive('state')).state;
  }

  async setState(state: FlatState): Promise<void> {
    for (const c of this.channels) c.send({ type: 'set-state', state });
    await Promise.all(this.channels.map((c) => c.receive('state-set')));
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.worker.terminate()));
  }
}

// Data-parallel training over worker threads. Each step, every replica computes the gradient of its
// shard of the batch; the coordinator averages them (weighted by shard size, summed in rank order so the
// result is deterministic) and sends the average back; every replica applies the same update.
// tfjs's wasm backend runs one thread per isolate in Node, so threads are how training uses the cores.
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import type { EvalSums, FlatState } from './replica.js';
import type { BackendName } from './backend.js';

class WorkerChannel {
  private readonly inbox: FromWorker[] = [];
  private waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(readonly worker: Worker, readonly rank: number) {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'error') this.fail(new Error(`training worker ${rank} failed: ${m.message}`));
      else if (this.waiting) { const w = this.waiting; this.waiting = null; w.resolve(m); }
      else this.inbox.push(m);
    });
    worker.on('error', (e) => this.fail(new Error(`training worker ${rank} crashed: ${e.message}`)));
    worker.on('exit', (code) => { if (code !== 0) this.fail(new Error(`training worker ${rank} exited with code ${code}`)); });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    if (this.waiting) { const w = this.waiting; this.waiting = null; w.reject(e); }
  }

  send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  async receive<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    if (this.failure) throw this.failure;
    const m = this.inbox.shift() ?? await new Promise<FromWorker>((resolve, reject) => { this.waiting = { resolve, reject }; });
    if (m.type !== type) throw new Error(`training worker ${this.rank} answered ${m.type}, expected ${type}`);
    return m as Extract<FromWorker, { type: T }>;
  }
}

/** Splits `n` items into `parts` contiguous shards whose sizes differ by at most one. */
export function shardBounds(n: number, parts: number): [number, number][] {
  const bounds: [number, number][] = [];
  for (let r = 0; r < parts; r++) bounds.push([Math.floor((r * n) / parts), Math.floor(((r + 1) * n) / parts)]);
  return bounds;
}

export class ReplicaPool {
  // Gradients travel through shared memory: no copies per step, only small control messages.
  private readonly grads: Float32Array[];
  private readonly average: Float32Array;

  private constructor(private readonly channels: WorkerChannel[], readonly backend: BackendName, readonly parameters: number) {
    const averageBuffer = new SharedArrayBuffer(parameters * 4);
    this.average = new Float32Array(averageBuffer);
    this.grads = channels.map((c) => {
      const buffer = new SharedArrayBuffer(parameters * 4);
      c.send({ type: 'buffers', grads: buffer, average: averageBuffer });
      return new Float32Array(buffer);
    });
  }

  static async start(threads: number, init: Omit<WorkerInit, 'rank'>): Promise<ReplicaPool> {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    const url = new URL('./worker.js', import.meta.url);
    const channels = Array.from({ length: threads }, (_, rank) => new WorkerChannel(new Worker(url, { workerData: { ...init, rank } }), rank));
    let ready: Extract<FromWorker, { type: 'ready' }>[];
    try {
      ready = await Promise.all(channels.map((c) => c.receive('ready')));
    } catch (err) {
      await Promise.all(channels.map((c) => c.worker.terminate()));
      throw err;
    }
    const pool = new ReplicaPool(channels, ready[0]!.backend, ready[0]!.parameters);
    // Replicas start from the same seeded initializers; copying rank 0's weights makes that certain.
    if (threads > 1) await pool.setState({ ...(await pool.getState()), optimizer: [] });
    return pool;
  }

  get threads(): number {
    return this.channels.length;
  }

  /** One optimisation step on `batch` (indices into the shared images); returns the batch's mean loss. */
  async step(batch: Int32Array, lr: number): Promise<number> {
    const bounds = shardBounds(batch.length, this.channels.length);
    // slice, not subarray: posting a view would clone its whole underlying buffer (the epoch's order).
    this.channels.forEach((c, r) => c.send({ type: 'grads', indices: batch.slice(bounds[r]![0], bounds[r]![1]) }));
    const parts = await Promise.all(this.channels.map((c) => c.receive('grads')));
    const total = parts.reduce((a, p) => a + p.count, 0);
    const avg = this.average;
    let loss = 0;
    if (parts.length === 1) {
      avg.set(this.grads[0]!);
      loss = parts[0]!.loss;
    } else {
      avg.fill(0);
      parts.forEach((p, r) => {
        const w = p.count / total, g = this.grads[r]!;
        loss += p.loss * w;
        for (let k = 0; k < avg.length; k++) avg[k]! += g[k]! * w;
      });
    }
    for (const c of this.channels) c.send({ type: 'apply', lr });
    return loss;
  }

  async evaluate(indices: Int32Array): Promise<EvalSums> {
    const bounds = shardBounds(indices.length, this.channels.length);
    this.channels.forEach((c, r) => c.send({ type: 'eval', indices: indices.slice(bounds[r]![0], bounds[r]![1]) }));
    const parts = await Promise.all(this.channels.map((c) => c.receive('eval')));
    return parts.reduce((a, p) => ({ bce: a.bce + p.sums.bce, squaredError: a.squaredError + p.sums.squaredError, pixels: a.pixels + p.sums.pixels }),
      { bce: 0, squaredError: 0, pixels: 0 });
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

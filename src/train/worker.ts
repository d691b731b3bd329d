// Worker-thread entry: hosts one Replica and answers the coordinator's messages in order. During
// training the replicas run the steps themselves, meeting at a shared-memory barrier twice per step:
// once when every gradient is written (then each rank averages its slice of the parameters), once when
// the average is complete (then every rank applies it to its own copy of the weights).
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../lib/tfjs-backend.js';
import { Replica } from './replica.js';
import { OrtReplica } from './ort-replica.js';
import { Barrier } from './barrier.js';
import { shardBounds } from './shards.js';
import type { FromWorker, RuntimeName, ToWorker, WorkerInit } from './protocol.js';
import type { NeighbourRows } from '../umap/neighbour-loss.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

interface Shared {
  grads: Float32Array[];
  average: Float32Array;
  losses: Float64Array;
  barrier: Barrier;
}
let shared: Shared | null = null;

/** Neighbour sampling: the graph's rows and the code table, views of the coordinator's shared memory. */
const neighbours = init.neighbours
  ? {
      rows: {
        n: init.neighbours.n,
        meanWeight: init.neighbours.meanWeight,
        offsets: new Int32Array(init.neighbours.offsets),
        tails: new Int32Array(init.neighbours.tails),
        weights: new Float32Array(init.neighbours.weights),
      } satisfies NeighbourRows,
      table: new Float32Array(init.neighbours.codes),
    }
  : null;

async function main(): Promise<void> {
  let runtime: RuntimeName, replica: Replica | OrtReplica;
  if (init.engine === 'ort') {
    runtime = 'onnxruntime';
    replica = await OrtReplica.create(
      init.config,
      init.optimizer,
      new Uint8Array(init.images),
      init.maxShard,
      init.optimizerOptions,
      'bce',
      init.umap,
    );
  } else {
    if (init.umap) throw new Error('the umap-ae objective needs the ort engine');
    runtime = await initBackend(init.backend);
    replica = new Replica(
      init.config,
      init.optimizer,
      new Uint8Array(init.images),
      init.maxShard,
      init.optimizerOptions,
    );
  }
  // Messages are handled strictly one after another.
  let queue = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    queue = queue
      .then(() => handle(replica, m))
      .catch((err: unknown) => {
        shared?.barrier.abort();
        send({ type: 'error', message: (err as Error).stack ?? String(err) });
      });
  });
  send({ type: 'ready', runtime, parameters: replica.parameterCount });
}

async function train(
  replica: Replica | OrtReplica,
  s: Shared,
  order: Int32Array,
  batchSize: number,
  lrs: Float64Array,
  tails?: Int32Array,
  epoch = 0,
  reconstructionOnly = false,
): Promise<void> {
  const ranks = s.grads.length,
    rank = init.rank;
  const shards = shardBounds(batchSize, ranks);
  const [shardStart, shardEnd] = shards[rank]!;
  const [paramStart, paramEnd] = shardBounds(replica.parameterCount, ranks)[rank]!;
  const weights = shards.map(([a, b]) => (b - a) / batchSize);
  const mine = s.grads[rank]!,
    avg = s.average;
  for (let step = 0; step < lrs.length; step++) {
    const batchStart = step * batchSize;
    const heads = order.subarray(batchStart + shardStart, batchStart + shardEnd);
    const negativeSeed = (epoch * 1_000_003 + step) * 64 + rank;
    let loss: number;
    let codes: Float32Array | null = null;
    if (tails) {
      const tailShard = tails.subarray(batchStart + shardStart, batchStart + shardEnd);
      ({ loss } = await (replica as OrtReplica).umapGradients(heads, tailShard, mine, negativeSeed));
    } else if (neighbours && !reconstructionOnly) {
      ({ loss, codes } = await (replica as OrtReplica).neighbourGradients(
        heads,
        mine,
        negativeSeed,
        neighbours.rows,
        neighbours.table,
      ));
    } else ({ loss } = await replica.gradients(heads, mine));
    s.losses[rank] = loss * weights[rank]!;
    s.barrier.wait();
    // Between the two barriers no rank reads the code table, so the fresh codes go in here: every rank
    // read the same table this step, whatever the threads' timing.
    if (codes && neighbours) {
      const latent = codes.length / heads.length;
      for (let i = 0; i < heads.length; i++)
        neighbours.table.set(codes.subarray(i * latent, (i + 1) * latent), heads[i]! * latent);
    }
    // Sum in rank order: the result does not depend on which thread finished first.
    avg.fill(0, paramStart, paramEnd);
    for (let r = 0; r < ranks; r++) {
      const g = s.grads[r]!,
        w = weights[r]!;
      for (let k = paramStart; k < paramEnd; k++) avg[k]! += g[k]! * w;
    }
    if (rank === 0) {
      let stepLoss = 0;
      for (let r = 0; r < ranks; r++) stepLoss += s.losses[r]!;
      send({ type: 'progress', step, loss: stepLoss });
    }
    s.barrier.wait();
    replica.apply(avg, lrs[step]!);
  }
}

async function handle(replica: Replica | OrtReplica, m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'buffers':
      shared = {
        grads: m.grads.map((b) => new Float32Array(b)),
        average: new Float32Array(m.average),
        losses: new Float64Array(m.losses),
        barrier: new Barrier(m.barrier, m.grads.length),
      };
      return;
    case 'train':
      if (!shared) throw new Error('training buffers not set');
      await train(replica, shared, m.order, m.batchSize, m.lrs, m.tails, m.epoch, m.reconstructionOnly);
      send({ type: 'trained' });
      return;
    case 'encode-table':
      if (!neighbours) throw new Error('this worker has no code table');
      await (replica as OrtReplica).encodeInto(m.start, m.end, neighbours.table);
      send({ type: 'table-encoded' });
      return;
    case 'eval':
      send({ type: 'eval', sums: await replica.evaluate(m.indices) });
      return;
    case 'get-state':
      send({ type: 'state', state: replica.getState() });
      return;
    case 'set-state':
      replica.setState(m.state);
      send({ type: 'state-set' });
      return;
    case 'close':
      port.close();
      process.exit(0);
  }
}

main().catch((err: unknown) => send({ type: 'error', message: (err as Error).stack ?? String(err) }));

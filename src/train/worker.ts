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
    const { loss } = tails
      ? await (replica as OrtReplica).umapGradients(
          heads,
          tails.subarray(batchStart + shardStart, batchStart + shardEnd),
          mine,
          (epoch * 1_000_003 + step) * 64 + rank,
        )
      : await replica.gradients(heads, mine);
    s.losses[rank] = loss * weights[rank]!;
    s.barrier.wait();
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
      await train(replica, shared, m.order, m.batchSize, m.lrs, m.tails, m.epoch);
      send({ type: 'trained' });
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

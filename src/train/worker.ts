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
import { OBJECTIVE_DEFINITIONS } from './objectives/index.js';
import type { ReplicaObjective } from './objectives/objective.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

interface Shared {
  grads: Float32Array[];
  average: Float32Array;
  losses: Float64Array;
  barrier: Barrier;
  /** ort ranks (more than one): where each writes its slice of the updated weights for the others. */
  weights: Float32Array | null;
}
let shared: Shared | null = null;

/** The objective's side of this worker: one shard's gradient per step. */
const objective: ReplicaObjective = OBJECTIVE_DEFINITIONS[init.objective.key].replica(
  init.objective.payload,
  init.config.latent,
);

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
      init.codeInputs,
    );
  } else {
    if (init.codeInputs.codeGrad || init.codeInputs.codeTarget)
      throw new Error(`the ${init.objective.key} objective needs the ort engine`);
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

async function train(replica: Replica | OrtReplica, s: Shared, m: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  const ranks = s.grads.length,
    rank = init.rank;
  const shards = shardBounds(m.perStep, ranks);
  const [shardStart, shardEnd] = shards[rank]!;
  const [paramStart, paramEnd] = shardBounds(replica.parameterCount, ranks)[rank]!;
  const weights = shards.map(([a, b]) => (b - a) / m.perStep);
  const mine = s.grads[rank]!,
    avg = s.average;
  for (let step = 0; step < m.lrs.length; step++) {
    const at = step * m.perStep;
    const loss = await objective.step(replica, {
      heads: m.order.subarray(at + shardStart, at + shardEnd),
      tails: m.tails?.subarray(at + shardStart, at + shardEnd),
      flat: mine,
      seed: (m.epoch * 1_000_003 + step) * 64 + rank,
      reconstructionOnly: m.reconstructionOnly,
      termScale: m.termScale,
    });
    s.losses[rank] = loss * weights[rank]!;
    s.barrier.wait();
    objective.betweenBarriers?.();
    // Sum in rank order: the result does not depend on which thread finished first. One rank's own
    // gradient is the average (x 1, + 0: the same bits), so it skips the copy.
    if (ranks > 1) {
      avg.fill(0, paramStart, paramEnd);
      for (let r = 0; r < ranks; r++) {
        const g = s.grads[r]!,
          w = weights[r]!;
        for (let k = paramStart; k < paramEnd; k++) avg[k]! += g[k]! * w;
      }
    }
    if (rank === 0) {
      let stepLoss = 0;
      for (let r = 0; r < ranks; r++) stepLoss += s.losses[r]!;
      send({ type: 'progress', step, loss: stepLoss });
    }
    const lr = m.lrs[step]!;
    // ort ranks each update their own slice (one optimizer state, shared) instead of all the weights.
    if (s.weights) (replica as OrtReplica).applySlice(avg, lr, paramStart, paramEnd, s.weights);
    s.barrier.wait();
    if (s.weights) (replica as OrtReplica).takeWeights(s.weights, paramStart, paramEnd);
    else replica.apply(ranks > 1 ? avg : mine, lr);
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
        weights: replica instanceof OrtReplica && m.grads.length > 1 ? new Float32Array(m.weights) : null,
      };
      if (shared.weights) (replica as OrtReplica).shareOptimizer(m.optimizer);
      return;
    case 'train':
      if (!shared) throw new Error('training buffers not set');
      await train(replica, shared, m);
      send({ type: 'trained' });
      return;
    case 'prepare-epoch':
      if (!objective.prepareEpoch) throw new Error(`the ${init.objective.key} objective prepares no epoch`);
      await objective.prepareEpoch(replica, m.start, m.end);
      send({ type: 'epoch-prepared' });
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

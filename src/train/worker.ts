// Worker-thread entry: hosts one Replica and answers the coordinator's messages in order.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from './backend.js';
import { Replica } from './replica.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function main(): Promise<void> {
  const backend = await initBackend(init.backend);
  const replica = new Replica(init.config, init.optimizer, new Uint8Array(init.images), init.maxShard);
  // Messages are handled strictly one after another.
  let queue = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    queue = queue.then(() => handle(replica, m)).catch((err: unknown) => send({ type: 'error', message: (err as Error).stack ?? String(err) }));
  });
  send({ type: 'ready', backend, parameters: replica.parameterCount });
}

let shared: { grads: Float32Array; average: Float32Array } | null = null;

async function handle(replica: Replica, m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'buffers':
      shared = { grads: new Float32Array(m.grads), average: new Float32Array(m.average) };
      return;
    case 'grads': {
      if (!shared) throw new Error('gradient buffers not set');
      const { loss } = replica.gradients(m.indices, shared.grads);
      send({ type: 'grads', loss, count: m.indices.length });
      return;
    }
    case 'apply':
      // No reply: the next message is queued behind this one anyway. The coordinator writes the
      // next average only after every worker has sent its next gradients, so this read is safe.
      if (!shared) throw new Error('gradient buffers not set');
      replica.apply(shared.average, m.lr);
      return;
    case 'eval':
      send({ type: 'eval', sums: replica.evaluate(m.indices) });
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

// Phase-timing worker for the training bench (train-phases.ts): one ort replica running the data-parallel
// step loop of src/train/worker.ts for the plain autoencoder objective, with a clock around each phase:
// gather (indices -> scaled float pixels), session.run, the gradient copy-out, the wait at each barrier,
// the all-reduce of this rank's parameter slice, and the optimizer's apply. A measuring instrument: the
// replica's private gather and session are wrapped at run time, nothing in src/train changes for it.
import { parentPort, workerData } from 'node:worker_threads';
import type ort from 'onnxruntime-node';
import { OrtReplica } from '../train/ort-replica.js';
import { Barrier } from '../train/barrier.js';
import { shardBounds } from '../train/shards.js';
import { type Phase, type PhaseTimes, type PhaseWorkerData } from './train-phases.js';

const d = workerData as PhaseWorkerData;
const replica = await OrtReplica.create(d.config, 'rmsprop', new Uint8Array(d.images), d.batch, { momentum: 0.9 });
const times: PhaseTimes = { gather: 0, run: 0, copy: 0, wait1: 0, reduce: 0, apply: 0, wait2: 0, take: 0, total: 0 };
let timing = false;
const add = (phase: Phase, since: number) => {
  if (timing) times[phase] += performance.now() - since;
};
// Wrap the replica's own gather and session.run: what they cost inside gradients() is then known exactly.
const inner = replica as unknown as {
  gather: (i: ArrayLike<number>) => ort.Tensor;
  train: { run: (f: Record<string, ort.Tensor>) => Promise<Record<string, ort.Tensor>> };
};
const gather = inner.gather.bind(replica);
inner.gather = (i) => {
  const t = performance.now();
  const out = gather(i);
  add('gather', t);
  return out;
};
const session = inner.train,
  run = session.run.bind(session);
session.run = async (f) => {
  const t = performance.now();
  const out = await run(f);
  add('run', t);
  return out;
};

if (d.grads[0]!.byteLength !== replica.parameterCount * 4)
  throw new Error(
    `phase worker: ${d.grads[0]!.byteLength / 4} gradient slots for ${replica.parameterCount} parameters`,
  );
const barrier = new Barrier(d.barrier, d.ranks);
const grads = d.grads.map((b) => new Float32Array(b)),
  avg = new Float32Array(d.average);
const shards = shardBounds(d.batch, d.ranks);
const [shardStart, shardEnd] = shards[d.rank]!;
const [paramStart, paramEnd] = shardBounds(replica.parameterCount, d.ranks)[d.rank]!;
const weights = shards.map(([a, b]) => (b - a) / d.batch);
const mine = grads[d.rank]!;
// As src/train/worker.ts: with more than one rank each applies the update to its own slice only (one shared
// optimizer state) and takes the others' slices; `update: 'all'` times the former rule (every rank, every weight).
const sliced = d.ranks > 1 && d.update === 'slice';
const sharedWeights = new Float32Array(d.weights);
if (sliced) replica.shareOptimizer(d.optimizer);
const warmup = 3;
let t0 = 0;
for (let step = 0; step < warmup + d.steps; step++) {
  if (step === warmup) {
    barrier.wait();
    timing = true;
    t0 = performance.now();
  }
  const first = step * d.batch + shardStart;
  const heads = Int32Array.from({ length: shardEnd - shardStart }, (_, i) => ((first + i) * 7) % d.count);
  let t = performance.now();
  const before = times.gather + times.run;
  await replica.gradients(heads, mine);
  if (timing) times.copy += performance.now() - t - (times.gather + times.run - before);
  t = performance.now();
  barrier.wait();
  add('wait1', t);
  t = performance.now();
  if (d.ranks > 1) {
    avg.fill(0, paramStart, paramEnd);
    for (let r = 0; r < d.ranks; r++) {
      const g = grads[r]!,
        w = weights[r]!;
      for (let k = paramStart; k < paramEnd; k++) avg[k]! += g[k]! * w;
    }
  }
  add('reduce', t);
  t = performance.now();
  if (sliced) replica.applySlice(avg, 1e-4, paramStart, paramEnd, sharedWeights);
  add('apply', t);
  t = performance.now();
  barrier.wait();
  add('wait2', t);
  t = performance.now();
  if (sliced) replica.takeWeights(sharedWeights, paramStart, paramEnd);
  else replica.apply(d.ranks > 1 ? avg : mine, 1e-4);
  add(sliced ? 'take' : 'apply', t);
}
times.total = performance.now() - t0;
parentPort!.postMessage(times);

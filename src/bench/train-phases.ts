// Where a data-parallel step's time goes, per worker: the ort engine's step loop (phase-worker.ts) on 1 and
// on N workers, each phase's milliseconds per step averaged over the ranks. Answers "where does the second
// worker lose": a longer session.run at the same per-worker batch is contention for the core's caches or
// memory bandwidth; long barrier waits are imbalance or a descheduled thread; reduce and apply are the
// all-reduce and the optimizer, which a second worker does not shrink for free.
import { Worker } from 'node:worker_threads';
import { presetConfig, type ModelConfig, type SizePreset } from '../train/model.js';
import { Barrier } from '../train/barrier.js';
import { optimizerStateBytes } from '../train/optimizer.js';

export interface PhaseWorkerData {
  rank: number;
  ranks: number;
  config: ModelConfig;
  images: SharedArrayBuffer;
  count: number;
  batch: number;
  steps: number;
  grads: SharedArrayBuffer[];
  average: SharedArrayBuffer;
  barrier: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  optimizer: SharedArrayBuffer;
  /** How the ranks apply the update: each its own slice (the trainer's rule), or every rank all weights. */
  update: 'slice' | 'all';
}

export const PHASES = ['gather', 'run', 'copy', 'wait1', 'reduce', 'apply', 'wait2', 'take'] as const;
export type Phase = (typeof PHASES)[number];
export type PhaseTimes = Record<Phase, number> & { total: number };

export interface PhaseRow {
  size: SizePreset;
  workers: number;
  update: 'slice' | 'all';
  batch: number;
  steps: number;
  imagesPerSec: number;
  /** Milliseconds per step, mean over the workers. */
  msPerStep: PhaseTimes;
}

/** Trainable parameters of the autoencoder of model.ts (the phase workers check it against their replica). */
export function parameterCount(c: ModelConfig): number {
  const [f1, f2] = c.filters,
    [d1, d2] = c.decoderFilters;
  let n = 9 * f1 + f1 + 9 * f1 * f2 + f2;
  const dense = (units: number[]) => {
    for (let i = 1; i < units.length; i++) n += units[i - 1]! * units[i]! + units[i]!;
  };
  dense([49 * f2, ...c.hidden, c.latent]);
  dense([c.latent, ...[...c.hidden].reverse(), 49 * d2]);
  return n + 9 * d2 * d2 + d2 + 9 * d2 * d1 + d1 + 9 * d1 + 1;
}

export async function timePhases(
  images: SharedArrayBuffer,
  count: number,
  o: { size: SizePreset; workers: number; batch: number; steps: number; update?: 'slice' | 'all' },
): Promise<PhaseRow> {
  const bytes = parameterCount(presetConfig(o.size)) * Float32Array.BYTES_PER_ELEMENT;
  const shared = {
    grads: Array.from({ length: o.workers }, () => new SharedArrayBuffer(bytes)),
    average: new SharedArrayBuffer(bytes),
    barrier: Barrier.buffer(),
    weights: new SharedArrayBuffer(bytes),
    optimizer: new SharedArrayBuffer(optimizerStateBytes(bytes / Float32Array.BYTES_PER_ELEMENT)),
  };
  const url = new URL('./phase-worker.js', import.meta.url);
  const results = await Promise.all(
    Array.from({ length: o.workers }, (_, rank) => {
      const data: PhaseWorkerData = {
        rank,
        ranks: o.workers,
        config: presetConfig(o.size),
        images,
        count,
        batch: o.batch,
        steps: o.steps,
        update: o.update ?? 'slice',
        ...shared,
      };
      const w = new Worker(url, { workerData: data });
      return new Promise<PhaseTimes>((resolve, reject) => {
        w.once('message', (t: PhaseTimes) => resolve(t));
        w.once('error', reject);
        w.once('exit', (code) => code !== 0 && reject(new Error(`phase worker ${rank} exited with code ${code}`)));
      }).finally(() => void w.terminate());
    }),
  );
  const msPerStep = { total: 0 } as PhaseTimes;
  for (const p of [...PHASES, 'total'] as const)
    msPerStep[p] = results.reduce((a, r) => a + r[p], 0) / results.length / o.steps;
  return {
    size: o.size,
    workers: o.workers,
    update: o.update ?? 'slice',
    batch: o.batch,
    steps: o.steps,
    imagesPerSec: o.batch / (msPerStep.total / 1000),
    msPerStep,
  };
}

export function phaseTable(rows: PhaseRow[]): string {
  const lines = [
    '| model | workers | update | batch | images/s | ms per step | gather + scale | session.run | gradient copy-out | barrier 1 wait | all-reduce | optimizer apply | barrier 2 wait | take the other slices |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const m = r.msPerStep;
    lines.push(
      `| ${r.size} | ${r.workers} | ${r.workers > 1 ? (r.update === 'slice' ? 'own slice' : 'all weights') : ''} | ${r.batch} | ${r.imagesPerSec.toFixed(0)} | ${m.total.toFixed(2)} | ` +
        PHASES.map((p) => m[p].toFixed(2)).join(' | ') +
        ' |',
    );
  }
  lines.push(
    '',
    'Milliseconds per step, mean over the workers (src/bench/phase-worker.ts: the ort step loop of src/train/worker.ts with a clock per phase).',
    '',
  );
  return lines.join('\n');
}

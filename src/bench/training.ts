// Training throughput, side by side in one run: engine (tfjs-wasm, ort) x model preset x worker threads,
// full steps (forward, backward, optimizer update) on real images through the trainer's own ReplicaPool,
// and the PyTorch peer (peer.ts) on the same shapes, batch, loss and optimizer with as many threads,
// interleaved with them (ort 1 thread, torch 1 thread, ort 2 threads, torch 2 threads).
// Each figure is also put against the 1-thread MatMul ceiling measured in the same run (several times,
// interleaved with the training runs, best kept), so machine noise moves both sides alike.
import { matmulCeiling } from './serving.js';
import { ReplicaPool } from '../train/data-parallel.js';
import { presetConfig, type ModelConfig, type SizePreset } from '../train/model.js';
import { TRAIN_DEFAULTS } from '../train/defaults.js';
import type { EngineName } from '../train/engine.js';
import { torchTrainRate, type TorchPeer } from './peer.js';
import { stageProgress, type OnProgress } from '../util/progress.js';

/** The project's engines, and `torch`: the PyTorch peer on as many intra-op threads. */
export type BenchEngine = EngineName | 'torch';

export interface TrainBenchRow {
  size: SizePreset;
  engine: BenchEngine;
  threads: number;
  batch: number;
  steps: number;
  imagesPerSec: number;
  /** Training FLOP per image: 3 x the forward pass's (forward, input gradient, weight gradient). */
  flopPerImage: number;
  gflops: number;
  /** gflops / (threads x the 1-thread MatMul ceiling). */
  shareOfCeiling: number;
}

export interface TrainBenchResult {
  /** PyTorch's version when the peer ran; else why its rows are missing. */
  peer: { torch: string } | { missing: string };
  ceilingGflops: number;
  ceilingRuns: number[];
  rows: TrainBenchRow[];
}

export type TrainBenchEvent =
  { type: 'row'; row: Omit<TrainBenchRow, 'gflops' | 'shareOfCeiling'> } | { type: 'ceiling'; gflops: number };

/** The training bench's events in the one progress protocol. */
export function trainBenchProgress(on: OnProgress): (e: TrainBenchEvent) => void {
  const p = stageProgress('bench-train', on);
  return (e) => {
    if (e.type === 'ceiling') p.note(`MatMul ceiling ${e.gflops.toFixed(1)} GFLOP/s (1 thread)`);
    else
      p.note(
        `${e.row.size} ${e.row.engine} ${e.row.threads} thread(s) batch ${e.row.batch}: ${e.row.imagesPerSec.toFixed(0)} images/s`,
      );
  };
}

/** Multiply-adds of one image's forward pass through the autoencoder of model.ts. */
export function forwardMacs(c: ModelConfig): number {
  const [f1, f2] = c.filters,
    [d1, d2] = c.decoderFilters;
  let macs = 14 * 14 * 9 * 1 * f1 + 7 * 7 * 9 * f1 * f2; // the two strided encoder convs
  let units = 49 * f2;
  for (const h of c.hidden) {
    macs += units * h;
    units = h;
  }
  macs += units * c.latent;
  units = c.latent;
  for (const h of [...c.hidden].reverse()) {
    macs += units * h;
    units = h;
  }
  macs += units * 49 * d2;
  macs += 7 * 7 * 9 * d2 * d2 + 14 * 14 * 9 * d2 * d1; // transposed convs, per input pixel
  macs += 28 * 28 * 9 * d1; // the output conv
  return macs;
}

/** Best GFLOP/s of a 1024³ MatMul in onnxruntime on one thread (the serving bench's measurement). */
async function oneThreadCeiling(): Promise<number> {
  return (await matmulCeiling(1024, 1, 5)) / 1e9;
}

async function timeSteps(
  images: SharedArrayBuffer,
  count: number,
  size: SizePreset,
  engine: EngineName,
  threads: number,
  batch: number,
  steps: number,
): Promise<number> {
  const pool = await ReplicaPool.start(threads, {
    engine,
    backend: 'wasm',
    config: presetConfig(size),
    optimizer: 'rmsprop',
    optimizerOptions: { momentum: TRAIN_DEFAULTS.momentum },
    images,
    maxShard: batch,
    objective: { key: 'ae', payload: null },
    codeInputs: { codeGrad: false, codeTarget: false },
  });
  try {
    const order = Int32Array.from({ length: (steps + 2) * batch }, (_, i) => (i * 7) % count);
    await pool.train(order.subarray(0, 2 * batch), batch, new Float64Array(2).fill(1e-4)); // warm-up
    const t = performance.now();
    await pool.train(order.subarray(2 * batch), batch, new Float64Array(steps).fill(1e-4));
    return (steps * batch) / ((performance.now() - t) / 1000);
  } finally {
    await pool.close();
  }
}

export async function benchTraining(
  images: SharedArrayBuffer,
  count: number,
  opts: {
    sizes: SizePreset[];
    engines: EngineName[];
    threads: number[];
    batch: number;
    seconds: number;
    /** The PyTorch peer, or why there is none (its rows are then skipped). */
    peer: TorchPeer | { missing: string };
    dataDir: string;
  },
  onEvent: (e: TrainBenchEvent) => void = () => undefined,
): Promise<TrainBenchResult> {
  const ceilingRuns = [await oneThreadCeiling()];
  onEvent({ type: 'ceiling', gflops: ceilingRuns[0]! });
  const raw: Omit<TrainBenchRow, 'gflops' | 'shareOfCeiling'>[] = [];
  for (const size of opts.sizes) {
    const flopPerImage = 3 * 2 * forwardMacs(presetConfig(size));
    for (const threads of opts.threads) {
      for (const engine of opts.engines) {
        // A short probe sizes the timed run to about `seconds`.
        const probe = await timeSteps(images, count, size, engine, threads, opts.batch, 2);
        const steps = Math.max(3, Math.round((probe * opts.seconds) / opts.batch));
        const imagesPerSec = await timeSteps(images, count, size, engine, threads, opts.batch, steps);
        const row = { size, engine, threads, batch: opts.batch, steps, imagesPerSec, flopPerImage };
        raw.push(row);
        onEvent({ type: 'row', row });
      }
      if ('python' in opts.peer) {
        const config = presetConfig(size);
        const t = await torchTrainRate(opts.peer, { ...opts, config, threads, count });
        const row = { size, engine: 'torch' as const, threads, batch: opts.batch, ...t, flopPerImage };
        raw.push(row);
        onEvent({ type: 'row', row });
      }
      ceilingRuns.push(await oneThreadCeiling());
      onEvent({ type: 'ceiling', gflops: ceilingRuns.at(-1)! });
    }
  }
  const ceilingGflops = Math.max(...ceilingRuns);
  const rows = raw.map((r) => {
    const gflops = (r.imagesPerSec * r.flopPerImage) / 1e9;
    return { ...r, gflops, shareOfCeiling: gflops / (r.threads * ceilingGflops) };
  });
  const peer = 'python' in opts.peer ? { torch: opts.peer.version } : opts.peer;
  return { peer, ceilingGflops, ceilingRuns, rows };
}

const ENGINE_LABEL: Record<BenchEngine, string> = { tfjs: 'tfjs-wasm', ort: 'ort', torch: 'PyTorch' };

/**
 * The markdown table: each row with its ratios to tfjs and to PyTorch at the same threads and to its own
 * 1-thread figure; then, per model, ort against PyTorch at each one's better thread count.
 */
export function trainBenchTable(result: TrainBenchResult): string {
  const find = (size: string, engine: string, threads: number) =>
    result.rows.find((r) => r.size === size && r.engine === engine && r.threads === threads);
  const lines = [
    '| model | engine | threads | batch | images/s | s per 55k epoch | GFLOP/s | share of 1-thread MatMul ceiling per thread | vs tfjs | vs PyTorch | vs 1 thread |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const ratio = (a: TrainBenchRow | undefined, b: TrainBenchRow | undefined) =>
    a && b ? `${(a.imagesPerSec / b.imagesPerSec).toFixed(2)}x` : '';
  for (const r of result.rows) {
    const tfjs = find(r.size, 'tfjs', r.threads),
      torch = find(r.size, 'torch', r.threads),
      one = find(r.size, r.engine, 1);
    lines.push(
      `| ${r.size} | ${ENGINE_LABEL[r.engine]} | ${r.threads} | ${r.batch} | ${r.imagesPerSec.toFixed(0)} | ${(55000 / r.imagesPerSec).toFixed(1)} | ` +
        `${r.gflops.toFixed(1)} | ${(100 * r.shareOfCeiling).toFixed(1)} % | ${r.engine === 'ort' ? ratio(r, tfjs) : ''} | ` +
        `${r.engine === 'ort' ? ratio(r, torch) : ''} | ${r.threads > 1 ? ratio(r, one) : ''} |`,
    );
  }
  const best = (size: string, engine: BenchEngine) =>
    result.rows
      .filter((r) => r.size === size && r.engine === engine)
      .reduce<TrainBenchRow | undefined>((a, b) => (a && a.imagesPerSec >= b.imagesPerSec ? a : b), undefined);
  const sizes = [...new Set(result.rows.map((r) => r.size))];
  if ('torch' in result.peer) {
    lines.push('');
    for (const size of sizes) {
      const o = best(size, 'ort'),
        t = best(size, 'torch');
      if (o && t)
        lines.push(
          `- ${size}: ort ${o.imagesPerSec.toFixed(0)} images/s (${o.threads} thread${o.threads > 1 ? 's' : ''}) vs PyTorch ${t.imagesPerSec.toFixed(0)} ` +
            `(${t.threads} thread${t.threads > 1 ? 's' : ''}), each at its better thread count: ${ratio(o, t)}.`,
        );
    }
    lines.push(
      '',
      `PyTorch ${result.peer.torch} on CPU (src/bench/peer/torch_peer.py): the same layer shapes, batch, BCE loss and RMSprop with momentum on the same images, ` +
        `torch.set_num_threads as the ort row's workers; it runs NCHW and adds RMSprop's epsilon outside the square root (tfjs: inside), which changes no FLOP count.`,
    );
  } else lines.push('', `PyTorch peer skipped: ${result.peer.missing}.`);
  lines.push(
    '',
    `1-thread MatMul ceiling (1024³, onnxruntime, best of ${result.ceilingRuns.length} runs interleaved with the rows): ${result.ceilingGflops.toFixed(1)} GFLOP/s.`,
    '',
  );
  return lines.join('\n');
}

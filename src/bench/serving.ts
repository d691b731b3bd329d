// Serving speed, measured in one run on the same weights and the same 10,000 test images: onnxruntime-node by
// batch size and threads, the tfjs backends here, the machine's MatMul ceiling, and the encode CLI end to end on
// a large input (the test set repeated; idx and uint8 .npy, written to a temporary folder and deleted after).
// The ceiling is measured several times, with 1 thread and with all, interleaved with the other runs, and the
// best counts (on a busy machine one thread can beat two), so a busy moment cannot push a share above 100 %; the onnxruntime-only best is remeasured beside each end-to-end run for the
// same reason, on the file's float model and on the uint8 variant the CLI runs (uint8-input.ts), the faster
// counting, so the end-to-end share compares like with like. Returns numbers; the bench CLI prints them (benchMarkdown).
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { IMAGE_SIZE, PIXELS } from '../data/fashion-mnist.js';
import { encodeIdx } from '../data/idx.js';
import { npyHeader } from '../lib/npy.js';
import { ort, openModel, runBatch } from '../lib/ort-session.js';
import { initBackend, type BackendName } from '../lib/tfjs-backend.js';
import { matmulModel } from './matmul-model.js';
import { torchEncodeRate, type EncoderShape, type TorchPeer } from './peer.js';
import { readEncodeRecord, shardRecordPath } from '../serve/shards.js';
import { stageProgress, type OnProgress } from '../util/progress.js';

/** images/s of wall time, and per CPU-second (all threads), the fairer figure on a machine shared with others. */
export interface OrtRow {
  threads: number;
  batch: number;
  /** The model's own float32 input (pixels / 255 in memory), or raw bytes through its uint8 variant. */
  input: 'float32' | 'uint8';
  imagesPerSec: number;
  imagesPerCpuSec: number;
}
/** The PyTorch peer (peer.ts) on the same encoder shapes, random weights, the same test images. */
export interface TorchRow {
  threads: number;
  batch: number;
  imagesPerSec: number;
}
export interface TfjsRow {
  backend: BackendName;
  imagesPerSec: number;
  images: number;
}
export interface EndToEndRow {
  input: 'idx' | 'uint8 .npy';
  flags: string;
  images: number;
  seconds: number;
  imagesPerSec: number;
  peakRssMiB: number | null;
  cpuSeconds: number | null;
  imagesPerCpuSec: number | null;
  /** onnxruntime alone in one pass over as many images, right before: the like-for-like figure (no lucky bursts). */
  onePass: { imagesPerSec: number; imagesPerCpuSec: number };
}

export interface ServingBench {
  cores: number;
  ort: OrtRow[];
  tfjs: TfjsRow[];
  /** PyTorch's version and rows when the peer ran; else why not. */
  peer: { torch: string } | { missing: string };
  torch: TorchRow[];
  /** MatMul FLOP/s measurements (1 thread and all threads), in the order taken; the best is the ceiling. */
  ceilingRuns: { threads: number; flops: number }[];
  ceilingSize: number;
  endToEnd: EndToEndRow[];
  /** Best onnxruntime-only images/s: the grid and the remeasurements beside the end-to-end runs (per CPU-second: the best at its thread count). */
  bestOrt: OrtRow;
}

export type ServingEvent =
  | { type: 'ort'; row: OrtRow }
  | { type: 'tfjs'; row: TfjsRow }
  | { type: 'torch'; row: TorchRow }
  | { type: 'tfjs-missing'; backend: BackendName }
  | { type: 'ceiling'; threads: number; gflops: number }
  | { type: 'end-to-end'; row: EndToEndRow };

/** The serving bench's events in the one progress protocol, one line per measurement. */
export function servingProgress(on: OnProgress): (e: ServingEvent) => void {
  const p = stageProgress('bench', on);
  const k = (v: number) => Math.round(v).toLocaleString('en');
  return (e) => {
    if (e.type === 'ort')
      p.note(`onnxruntime-node ${e.row.threads} thread(s), batch ${e.row.batch}: ${k(e.row.imagesPerSec)} images/s`);
    else if (e.type === 'tfjs') p.note(`tfjs ${e.row.backend}, batch 256: ${k(e.row.imagesPerSec)} images/s`);
    else if (e.type === 'tfjs-missing') p.note(`tfjs ${e.backend}: not available here`);
    else if (e.type === 'torch')
      p.note(`PyTorch ${e.row.threads} thread(s), batch ${e.row.batch}: ${k(e.row.imagesPerSec)} images/s`);
    else if (e.type === 'ceiling') p.note(`MatMul ceiling, ${e.threads} thread(s): ${e.gflops.toFixed(1)} GFLOP/s`);
    else
      p.note(
        `encode CLI end to end, ${e.row.input}, ${k(e.row.images)} images: ${e.row.seconds.toFixed(2)} s, ` +
          `${k(e.row.imagesPerSec)} images/s, peak RSS ${e.row.peakRssMiB ?? '?'} MiB`,
      );
  };
}

const cpuSeconds = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/**
 * Best images/s (wall and CPU) of onnxruntime on `images` test images in batches of `batch` (one warm-up, best of
 * `reps`): floats (pixel / 255) through the model as it is, bytes through its uint8 variant.
 */
export async function timeOrtEncoder(
  encoderPath: string,
  x: Float32Array | Uint8Array,
  o: { threads: number; batch: number; images: number; reps?: number },
): Promise<{ imagesPerSec: number; imagesPerCpuSec: number }> {
  const m = await openModel(encoderPath, {
    threads: o.threads,
    inputType: x instanceof Uint8Array ? 'uint8' : 'float32',
  });
  const dims = [o.batch, IMAGE_SIZE, IMAGE_SIZE, 1];
  try {
    await runBatch(m, x.subarray(0, o.batch * PIXELS), dims);
    let best = 0,
      bestCpu = 0;
    const done = Math.floor(o.images / o.batch) * o.batch;
    for (let rep = 0; rep < (o.reps ?? 3); rep++) {
      const t = performance.now(),
        c = cpuSeconds();
      // More images than x holds (a long pass) cycle through it, batch-aligned.
      const cycle = Math.floor(x.length / PIXELS / o.batch) * o.batch;
      for (let s = 0; s + o.batch <= o.images; s += o.batch) {
        const at = s % cycle;
        await runBatch(m, x.subarray(at * PIXELS, (at + o.batch) * PIXELS), dims);
      }
      best = Math.max(best, done / ((performance.now() - t) / 1000));
      bestCpu = Math.max(bestCpu, done / (cpuSeconds() - c));
    }
    return { imagesPerSec: best, imagesPerCpuSec: bestCpu };
  } finally {
    await m.session.release();
  }
}

/** FLOP/s of onnxruntime on an n x n x n MatMul with all threads: best of `reps` after a warm-up. */
export async function matmulCeiling(n: number, threads: number, reps = 3): Promise<number> {
  const mm = await ort.InferenceSession.create(matmulModel(n), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    const a = new ort.Tensor('float32', new Float32Array(n * n).fill(0.5), [n, n]);
    await mm.run({ A: a });
    let best = 0;
    for (let rep = 0; rep < reps; rep++) {
      const t = performance.now();
      await mm.run({ A: a });
      best = Math.max(best, (2 * n ** 3) / ((performance.now() - t) / 1000));
    }
    return best;
  } finally {
    await mm.release();
  }
}

/** images/s of a tfjs LayersModel on `backend`, batch 256; null if the backend does not load here. */
export async function timeTfjs(
  model: tf.LayersModel,
  backend: BackendName,
  x: Float32Array,
  images: number,
): Promise<number | null> {
  try {
    await initBackend(backend);
  } catch {
    return null;
  }
  const batch = 256;
  tf.tidy(() => (model.predict(tf.zeros([batch, IMAGE_SIZE, IMAGE_SIZE, 1])) as tf.Tensor).dataSync());
  const t = performance.now();
  for (let s = 0; s < images; s += batch) {
    const b = Math.min(batch, images - s);
    tf.tidy(() =>
      (
        model.predict(
          tf.tensor4d(x.subarray(s * PIXELS, (s + b) * PIXELS), [b, IMAGE_SIZE, IMAGE_SIZE, 1]),
        ) as tf.Tensor
      ).dataSync(),
    );
  }
  return images / ((performance.now() - t) / 1000);
}

/** Writes `count` images, `pixels` repeated, as an idx file or a uint8 .npy [count, 28, 28]. */
export async function writeRepeated(
  path: string,
  kind: 'idx' | 'npy',
  pixels: Uint8Array,
  count: number,
): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.write(
      kind === 'idx'
        ? encodeIdx([count, IMAGE_SIZE, IMAGE_SIZE], new Uint8Array(0))
        : npyHeader('uint8', [count, IMAGE_SIZE, IMAGE_SIZE]),
    );
    const n = pixels.length / PIXELS;
    for (let s = 0; s < count; s += n) await fh.write(pixels.subarray(0, Math.min(n, count - s) * PIXELS));
    // On disk before the timed run: else the kernel writes the 784 MB back while the encode CLI runs, on its cores.
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Runs the encode CLI as a user would, timing it from process start to exit. */
export async function timeEncodeCli(
  script: string,
  encoderPath: string,
  input: string,
  output: string,
  flags: string[] = [],
): Promise<{ seconds: number; peakRssMiB: number | null; cpuSeconds: number | null }> {
  const t = performance.now();
  const child = spawn(
    process.execPath,
    [script, '--onnx', encoderPath, '--input', input, '--output', output, ...flags],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - t) / 1000;
  if (code !== 0)
    throw new Error(`${script} --input ${input} failed (exit ${code}): ${stderr.trim().split('\n').at(-1)}`);
  // encode's record holds its own peak resident memory, sampled after every chunk, and its CPU time.
  const run = (await readEncodeRecord(output)).run;
  if (!run) throw new Error(`${shardRecordPath(output)}: no "run" (written by an older encode)`);
  return { seconds, peakRssMiB: Math.round(run.peakRssBytes / 2 ** 20), cpuSeconds: run.processCpuSeconds };
}

export async function benchServing(o: {
  encoderPath: string;
  tfEncoder: tf.LayersModel;
  testPixels: Uint8Array;
  x: Float32Array;
  bigImages: number;
  tmpDir: string;
  encodeScript: string;
  /** The PyTorch peer with the encoder's shapes and the data folder, or why there is none. */
  peer: { peer: TorchPeer; shape: EncoderShape; dataDir: string } | { missing: string };
  onEvent?: (e: ServingEvent) => void;
}): Promise<ServingBench> {
  const emit = o.onEvent ?? (() => undefined);
  const cores = availableParallelism(),
    n = o.x.length / PIXELS,
    size = 2048;
  const ceilingRuns: { threads: number; flops: number }[] = [];
  const ceiling = async () => {
    for (const threads of [...new Set([1, cores])]) {
      const flops = await matmulCeiling(size, threads, 5);
      ceilingRuns.push({ threads, flops });
      emit({ type: 'ceiling', threads, gflops: flops / 1e9 });
    }
  };
  const ortRows: OrtRow[] = [];
  const torchRows: TorchRow[] = [];
  for (const threads of [...new Set([1, cores])]) {
    await ceiling();
    for (const batch of [1, 32, 256, 1024]) {
      const row: OrtRow = {
        threads,
        batch,
        input: 'float32',
        ...(await timeOrtEncoder(o.encoderPath, o.x, { threads, batch, images: batch === 1 ? 2000 : n })),
      };
      ortRows.push(row);
      emit({ type: 'ort', row });
    }
    // The peer right after onnxruntime at the same threads, at the largest batch of the grid.
    if ('peer' in o.peer) {
      const { peer, shape, dataDir } = o.peer;
      const row = { threads, batch: 1024, imagesPerSec: 0 };
      row.imagesPerSec = await torchEncodeRate(peer, { dataDir, config: shape, threads, batch: row.batch });
      torchRows.push(row);
      emit({ type: 'torch', row });
    }
  }
  const tfjs: TfjsRow[] = [];
  for (const backend of ['tensorflow', 'wasm', 'cpu'] as BackendName[]) {
    const images = backend === 'cpu' ? 1000 : n;
    const r = await timeTfjs(o.tfEncoder, backend, o.x, images);
    if (r === null) {
      emit({ type: 'tfjs-missing', backend });
      continue;
    }
    tfjs.push({ backend, imagesPerSec: r, images });
    emit({ type: 'tfjs', row: tfjs.at(-1)! });
  }
  await ceiling();
  let bestOrt = ortRows.reduce((a, b) => (b.imagesPerSec > a.imagesPerSec ? b : a));
  let bestOrtCpu = Math.max(...ortRows.filter((r) => r.threads === bestOrt.threads).map((r) => r.imagesPerCpuSec));
  const endToEnd: EndToEndRow[] = [];
  if (o.bigImages > 0) {
    const dir = await mkdtemp(join(o.tmpDir, 'bench-'));
    try {
      for (const [kind, label] of [
        ['idx', 'idx'],
        ['npy', 'uint8 .npy'],
      ] as const) {
        const input = join(dir, kind === 'idx' ? 'big-images-idx3-ubyte' : 'big.npy');
        await writeRepeated(input, kind, o.testPixels, o.bigImages);
        // The same best configuration again right before, so both figures see the machine in the same state: on
        // the float model and on the uint8 variant the CLI runs, whichever is faster counting.
        const cfg = { threads: bestOrt.threads, batch: bestOrt.batch };
        for (const variant of ['float32', 'uint8'] as const) {
          const pixels = variant === 'uint8' ? o.testPixels : o.x;
          const again = await timeOrtEncoder(o.encoderPath, pixels, { ...cfg, images: n });
          if (again.imagesPerSec > bestOrt.imagesPerSec)
            bestOrt = { ...bestOrt, input: variant, imagesPerSec: again.imagesPerSec };
          bestOrtCpu = Math.max(bestOrtCpu, again.imagesPerCpuSec);
        }
        // Like for like: the variant the CLI runs, on bytes, over as many images in one pass.
        const onePass = await timeOrtEncoder(o.encoderPath, o.testPixels, { ...cfg, images: o.bigImages, reps: 1 });
        // The CLI with onnxruntime's best threads and batch: what is measured is what sits around the model.
        const flags = ['--threads', String(bestOrt.threads), '--batch-size', String(bestOrt.batch)];
        const r = await timeEncodeCli(o.encodeScript, o.encoderPath, input, join(dir, 'codes.npy'), flags);
        const row: EndToEndRow = {
          input: label,
          onePass,
          flags: flags.join(' '),
          images: o.bigImages,
          seconds: r.seconds,
          imagesPerSec: o.bigImages / r.seconds,
          peakRssMiB: r.peakRssMiB,
          cpuSeconds: r.cpuSeconds,
          imagesPerCpuSec: r.cpuSeconds ? o.bigImages / r.cpuSeconds : null,
        };
        endToEnd.push(row);
        emit({ type: 'end-to-end', row });
        await rm(input, { force: true });
        await ceiling();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return {
    cores,
    ort: ortRows,
    tfjs,
    peer: 'peer' in o.peer ? { torch: o.peer.peer.version } : o.peer,
    torch: torchRows,
    ceilingRuns,
    ceilingSize: size,
    endToEnd,
    bestOrt: { ...bestOrt, imagesPerCpuSec: bestOrtCpu },
  };
}

export function bestCeiling(r: ServingBench): { threads: number; flops: number } {
  return r.ceilingRuns.reduce((a, b) => (b.flops > a.flops ? b : a));
}

export function benchMarkdown(r: ServingBench, flops: number): string {
  const best = bestCeiling(r),
    ceiling = best.flops;
  const share = (imagesPerSec: number) => `${((100 * imagesPerSec * flops) / ceiling).toFixed(0)}%`;
  const num = (v: number) => Math.round(v).toLocaleString('en');
  const bestTf = Math.max(...r.tfjs.map((t) => t.imagesPerSec));
  const lines = [
    `Encoder: ${(flops / 1e6).toFixed(2)} MFLOP per image. Machine: ${r.cores} cores. MatMul ${r.ceilingSize}³ ceiling (onnxruntime, best of ${r.ceilingRuns.length} runs with 1 and ${r.cores} threads interleaved with the others; this one ${best.threads} thread${best.threads > 1 ? 's' : ''}): ${(ceiling / 1e9).toFixed(1)} GFLOP/s.`,
    '',
    '| runtime | threads | batch | images/s | GFLOP/s | share of MatMul ceiling |',
    '|---|---|---|---|---|---|',
    ...r.ort.map(
      (o) =>
        `| onnxruntime-node | ${o.threads} | ${o.batch} | ${num(o.imagesPerSec)} | ${((o.imagesPerSec * flops) / 1e9).toFixed(1)} | ${share(o.imagesPerSec)} |`,
    ),
    ...r.torch.map(
      (t) =>
        `| PyTorch (CPU) | ${t.threads} | ${t.batch} | ${num(t.imagesPerSec)} | ${((t.imagesPerSec * flops) / 1e9).toFixed(1)} | ${share(t.imagesPerSec)} |`,
    ),
    ...r.tfjs.map(
      (t) =>
        `| tfjs ${t.backend} | ${t.backend === 'tensorflow' ? 'all' : 1} | 256 | ${num(t.imagesPerSec)} | ${((t.imagesPerSec * flops) / 1e9).toFixed(1)} | |`,
    ),
    '',
    `onnxruntime-node's best (${r.bestOrt.threads} threads, batch ${r.bestOrt.batch}, ${r.bestOrt.input === 'uint8' ? 'the uint8 variant on bytes' : 'the float model'}; remeasured beside the end-to-end runs on both): ${num(r.bestOrt.imagesPerSec)} images/s, ` +
      `${share(r.bestOrt.imagesPerSec)} of the MatMul ceiling${r.tfjs.length ? `, ${(r.bestOrt.imagesPerSec / bestTf).toFixed(1)}x the fastest tfjs backend here` : ''}.`,
    '',
    'torch' in r.peer
      ? `PyTorch ${r.peer.torch} (src/bench/peer/torch_peer.py: the encoder's layer shapes, NCHW, inference mode, best of 3 passes over the test images): ` +
        r.torch
          .map((t) => {
            const o = r.ort.find((x) => x.threads === t.threads && x.batch === t.batch);
            return `${t.threads} thread${t.threads > 1 ? 's' : ''}, batch ${t.batch}: onnxruntime-node ${o ? `${(o.imagesPerSec / t.imagesPerSec).toFixed(2)}x` : '?'} PyTorch`;
          })
          .join('; ') +
        '.'
      : `PyTorch peer skipped: ${r.peer.missing}.`,
  ];
  if (r.endToEnd.length > 0) {
    const pct = (a: number | null, b: number) => (a === null ? '?' : `${((100 * a) / b).toFixed(0)}%`);
    lines.push(
      '',
      '| encode CLI end to end (process start to exit) | images | seconds | images/s | share of onnxruntime-only best | images per CPU-second | share, per CPU-second | share of onnxruntime alone in one pass (uint8 variant; wall, CPU) | peak RSS |',
      '|---|---|---|---|---|---|---|---|---|',
      ...r.endToEnd.map(
        (e) =>
          `| ${e.input} -> codes.npy, \`${e.flags}\` | ${num(e.images)} | ${e.seconds.toFixed(2)} | ${num(e.imagesPerSec)} | ${pct(e.imagesPerSec, r.bestOrt.imagesPerSec)} | ` +
          `${e.imagesPerCpuSec === null ? '?' : num(e.imagesPerCpuSec)} | ${pct(e.imagesPerCpuSec, r.bestOrt.imagesPerCpuSec)} | ` +
          `${pct(e.imagesPerSec, e.onePass.imagesPerSec)}, ${pct(e.imagesPerCpuSec, e.onePass.imagesPerCpuSec)} | ${e.peakRssMiB ?? '?'} MiB |`,
      ),
      '',
      `onnxruntime-only best per CPU-second (${r.bestOrt.threads} threads, batch ${r.bestOrt.batch}): ${num(r.bestOrt.imagesPerCpuSec)} images; the per-CPU-second share is the fair one where other work shares the machine.`,
    );
  }
  return lines.join('\n') + '\n';
}

// The PyTorch speed peer (peer/torch_peer.py): the same autoencoder, batch, loss and optimizer in PyTorch
// on CPU, run as a child process beside the benchmarks' onnxruntime rows. A measuring instrument: when no
// python3 here imports torch, the benchmarks skip its rows with one note line.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../train/model.js';

const SCRIPT = fileURLToPath(new URL('./peer/torch_peer.py', import.meta.url));

export interface TorchPeer {
  python: string;
  version: string;
}

function run(python: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(python, [SCRIPT, ...args], { timeout: timeoutMs, env: { ...process.env } }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.trim().split('\n').at(-1) || err.message));
      else resolve(stdout.trim().split('\n').at(-1) ?? '');
    });
  });
}

/**
 * The first of $PEER_PYTHON, python3 and /usr/bin/python3 that imports torch (Debian's python3-torch
 * lives under the system interpreter, which need not be the first python3 on PATH); else the reason.
 */
export async function findTorchPeer(): Promise<TorchPeer | { missing: string }> {
  const candidates = [...new Set([process.env.PEER_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean))];
  let why = 'no python3 found';
  for (const python of candidates as string[]) {
    if (python.startsWith('/') && !existsSync(python)) continue;
    try {
      const v = JSON.parse(await run(python, ['version'], 120_000)) as { torch: string };
      return { python, version: v.torch };
    } catch (err) {
      why = (err as Error).message;
    }
  }
  return { missing: why };
}

function shapeArgs(c: Pick<ModelConfig, 'filters' | 'decoderFilters' | 'hidden' | 'latent'>): string[] {
  return [
    '--filters',
    c.filters.join(','),
    '--decoder-filters',
    c.decoderFilters.join(','),
    '--hidden',
    c.hidden.join(','),
    '--latent',
    String(c.latent),
  ];
}

/** images/s of full training steps (forward, backward, RMSprop with momentum) in PyTorch on `threads` threads. */
export async function torchTrainRate(
  peer: TorchPeer,
  o: { dataDir: string; config: ModelConfig; threads: number; batch: number; seconds: number; count: number },
): Promise<{ imagesPerSec: number; steps: number }> {
  const args = ['train', '--data', o.dataDir, ...shapeArgs(o.config), '--threads', String(o.threads)];
  args.push('--batch', String(o.batch), '--seconds', String(o.seconds), '--count', String(o.count));
  const r = JSON.parse(await run(peer.python, args, Math.max(300_000, o.seconds * 30_000))) as {
    imagesPerSec: number;
    steps: number;
  };
  return { imagesPerSec: r.imagesPerSec, steps: r.steps };
}

/** Best images/s of the encoder's inference in PyTorch (test images, batches of `batch`, best of 3 passes). */
export async function torchEncodeRate(
  peer: TorchPeer,
  o: { dataDir: string; config: Pick<ModelConfig, 'filters' | 'hidden' | 'latent'>; threads: number; batch: number },
): Promise<number> {
  const config = { ...o.config, decoderFilters: o.config.filters };
  const args = ['encode', '--data', o.dataDir, ...shapeArgs(config), '--threads', String(o.threads)];
  args.push('--batch', String(o.batch));
  return (JSON.parse(await run(peer.python, args, 300_000)) as { imagesPerSec: number }).imagesPerSec;
}

/** The encoder's shapes for the peer: its two conv layers' filters, its dense layers' units, the code's. */
export type EncoderShape = Pick<ModelConfig, 'filters' | 'hidden' | 'latent'>;

export function encoderShape(encoder: tf.LayersModel): EncoderShape {
  const convs: number[] = [],
    dense: number[] = [];
  for (const layer of encoder.layers) {
    const c = layer.getConfig() as { filters?: number; units?: number };
    if (layer.getClassName() === 'Conv2D') convs.push(c.filters!);
    else if (layer.getClassName() === 'Dense') dense.push(c.units!);
  }
  if (convs.length !== 2 || dense.length < 2)
    throw new Error(`the encoder has ${convs.length} conv and ${dense.length} dense layers; the peer builds 2 and 2+`);
  return { filters: [convs[0]!, convs[1]!], hidden: dense.slice(0, -1), latent: dense.at(-1)! };
}

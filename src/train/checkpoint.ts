// Per-epoch checkpoints for --resume: checkpoint.json (settings, history, tensor layout) + state.bin
// (weights then optimizer slots, float32 little-endian). Written atomically as a folder.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDirAtomic } from '../util/atomic.js';
import type { FlatState } from './replica.js';
import type { EpochRecord, TrainSettings } from './trainer.js';

export interface CheckpointIdentity {
  model: TrainSettings['model'];
  optimizer: TrainSettings['optimizer'];
  momentum: number;
  lr: number;
  schedule: string;
  objective: string;
  umap: TrainSettings['umap'] | null;
  /** The layout objective's settings (absent for other objectives, and in checkpoints written before it). */
  layout?: TrainSettings['layout'] | null;
  batchSize: number;
  limit: number;
}

interface CheckpointJson {
  identity: CheckpointIdentity;
  history: EpochRecord[];
  weights: number[];
  optimizer: { name: string; shape: number[] }[];
}

export async function saveCheckpoint(
  dir: string,
  identity: CheckpointIdentity,
  state: FlatState,
  history: EpochRecord[],
): Promise<void> {
  const parts = [...state.weights, ...state.optimizer.map((s) => s.data)];
  const total = parts.reduce((a, p) => a + p.length, 0);
  const flat = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    flat.set(p, o);
    o += p.length;
  }
  const json: CheckpointJson = {
    identity,
    history,
    weights: state.weights.map((w) => w.length),
    optimizer: state.optimizer.map((s) => ({ name: s.name, shape: s.shape })),
  };
  await writeDirAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, 'state.bin'), new Uint8Array(flat.buffer));
    await writeFile(join(tmp, 'checkpoint.json'), JSON.stringify(json, null, 1));
  });
}

export async function loadCheckpoint(
  dir: string,
  expected: CheckpointIdentity,
): Promise<{ state: FlatState; history: EpochRecord[] }> {
  let json: CheckpointJson, bytes: Uint8Array;
  const jsonPath = join(dir, 'checkpoint.json'),
    statePath = join(dir, 'state.bin');
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8')) as CheckpointJson;
    bytes = await readFile(statePath);
  } catch (err) {
    throw new Error(`--resume: no readable checkpoint in ${dir} (${(err as Error).message})`);
  }
  const isCounts = (v: unknown) => Array.isArray(v) && v.every((n) => Number.isInteger(n) && n >= 0);
  if (
    !json ||
    typeof json !== 'object' ||
    !json.identity ||
    !Array.isArray(json.history) ||
    !isCounts(json.weights) ||
    !Array.isArray(json.optimizer) ||
    !json.optimizer.every((s) => s && typeof s.name === 'string' && isCounts(s.shape))
  ) {
    throw new Error(
      `--resume: ${jsonPath} is not a checkpoint description (identity, history, weights, optimizer); train from scratch without --resume`,
    );
  }
  if (bytes.byteLength % 4 !== 0) {
    throw new Error(
      `--resume: ${statePath} is truncated (${bytes.byteLength} bytes, not a whole number of float32 values); train from scratch without --resume`,
    );
  }
  const a = JSON.stringify(json.identity),
    b = JSON.stringify(expected);
  if (a !== b) {
    throw new Error(
      `--resume: the checkpoint in ${dir} was trained with another configuration.\n  checkpoint: ${a}\n  requested:  ${b}\n` +
        'Pass the same options, or train from scratch without --resume.',
    );
  }
  const flat = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let o = 0;
  const take = (n: number) => {
    const p = flat.slice(o, o + n);
    o += n;
    return p;
  };
  const weights = json.weights.map((n) => take(n));
  const optimizer = json.optimizer.map((s) => ({ ...s, data: take(s.shape.reduce((x, y) => x * y, 1)) }));
  if (o !== flat.length)
    throw new Error(
      `--resume: ${statePath} holds ${flat.length} values, ${jsonPath} describes ${o}: the checkpoint is truncated or corrupt`,
    );
  return { state: { weights, optimizer }, history: json.history };
}

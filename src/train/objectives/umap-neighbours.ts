// umap-ae with neighbour sampling: each image of an ordinary batch is a head against all of its graph edges,
// the tails' codes (and the negatives') read from a table of every training image's latest code in shared
// memory (src/umap/neighbour-loss.ts); weight x that loss's gradient enters the training graph at the code
// layer. The first `warmup` epochs train reconstruction alone; each later epoch starts by encoding the table
// afresh (every rank its share), and each step writes its shard's fresh codes between the step's barriers,
// when no rank reads the table, so every rank reads the same table whatever the threads' timing.
import { neighbourLossAndGrad, neighbourRows, type NeighbourRows } from '../../umap/neighbour-loss.js';
import { seededRandom } from '../../util/random.js';
import { checkUmapSettings, umapWarmupOf, type UmapStepParams } from '../objective.js';
import type { ObjectiveDefinition } from './objective.js';
import { epochPermutation } from './epoch-order.js';
import { prepareNeighbourGraph, requireGraph } from './neighbour-graph.js';
import { checkOrtOnly, umapStepParams } from './umap-params.js';
import type { FuzzyGraph } from '../../umap/fuzzy-set.js';

/** NeighbourRows in shared memory, with the code table [n, latent] beside them. */
export interface SharedNeighbourTable {
  params: UmapStepParams;
  n: number;
  meanWeight: number;
  offsets: SharedArrayBuffer;
  tails: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  codes: SharedArrayBuffer;
}

export function sharedNeighbourTable(graph: FuzzyGraph, latent: number, params: UmapStepParams): SharedNeighbourTable {
  const buffers: SharedArrayBuffer[] = [];
  const rows = neighbourRows(graph, {
    alloc: (bytes) => {
      const b = new SharedArrayBuffer(bytes);
      buffers.push(b);
      return b;
    },
  });
  const [offsets, tails, weights] = buffers as [SharedArrayBuffer, SharedArrayBuffer, SharedArrayBuffer];
  return {
    params,
    n: rows.n,
    meanWeight: rows.meanWeight,
    offsets,
    tails,
    weights,
    codes: new SharedArrayBuffer(rows.n * latent * Float32Array.BYTES_PER_ELEMENT),
  };
}

/** Encodes the table's rows in chunks of this many images. */
const TABLE_CHUNK = 500;

export const umapNeighboursObjective: ObjectiveDefinition = {
  key: 'umap-neighbours',
  check(settings) {
    if (!settings.umap) throw new RangeError('--objective umap-ae needs its UMAP settings');
    checkUmapSettings(settings.umap);
    checkOrtOnly(settings, 'umap-ae');
    if (settings.umap.warmup !== undefined && settings.umap.warmup >= settings.epochs)
      throw new RangeError(
        `--umap-warmup ${settings.umap.warmup} leaves no UMAP epoch in --epochs ${settings.epochs}: give fewer warm-up epochs`,
      );
  },
  prepare: async (settings, ctx) => ({ graph: await prepareNeighbourGraph(settings, ctx) }),
  start({ settings, inputs, trainCount, batchSize }) {
    const table = sharedNeighbourTable(
      requireGraph(inputs.graph, 'umap-ae'),
      settings.model.latent,
      umapStepParams(settings),
    );
    const warmup = umapWarmupOf(settings.umap!, settings.epochs);
    return {
      codeInputs: { codeGrad: true, codeTarget: false },
      workerData: { key: 'umap-neighbours', payload: table },
      plan(epoch, steps) {
        const warm = epoch <= warmup;
        return {
          order: epochPermutation(trainCount, settings.model.seed, epoch, steps * batchSize),
          reconstructionOnly: warm,
          prepare: warm ? undefined : { count: trainCount },
        };
      },
    };
  },
  replica(payload, latent) {
    const shared = payload as SharedNeighbourTable;
    const { params } = shared;
    const rows: NeighbourRows = {
      n: shared.n,
      meanWeight: shared.meanWeight,
      offsets: new Int32Array(shared.offsets),
      tails: new Int32Array(shared.tails),
      weights: new Float32Array(shared.weights),
    };
    const table = new Float32Array(shared.codes);
    let fresh: { heads: Int32Array; codes: Float32Array } | null = null;
    return {
      async step(replica, s) {
        const batch = replica.batch(s.heads);
        if (s.reconstructionOnly) {
          // The graph takes a code gradient: none during the warm-up.
          const codeGrad = new Float32Array(s.heads.length * latent);
          return (await replica.step(batch, s.flat, { codeGrad })).reconstruction;
        }
        const codes = await replica.encode(batch);
        const umap = neighbourLossAndGrad(codes, s.heads, table, rows, latent, {
          a: params.a,
          b: params.b,
          negativeRate: params.negativeRate,
          rng: seededRandom(params.seed * 7919 + s.seed),
        });
        for (let k = 0; k < umap.grad.length; k++) umap.grad[k]! *= params.weight;
        const { reconstruction } = await replica.step(batch, s.flat, { codeGrad: umap.grad });
        fresh = { heads: s.heads, codes };
        return reconstruction + params.weight * umap.loss;
      },
      betweenBarriers() {
        if (!fresh) return;
        const { heads, codes } = fresh;
        for (let i = 0; i < heads.length; i++)
          table.set(codes.subarray(i * latent, (i + 1) * latent), heads[i]! * latent);
        fresh = null;
      },
      async prepareEpoch(replica, start, end) {
        for (let s = start; s < end; s += TABLE_CHUNK) {
          const e = Math.min(end, s + TABLE_CHUNK);
          const codes = await replica.encode(replica.batch(Int32Array.from({ length: e - s }, (_, i) => s + i)));
          table.set(codes, s * latent);
        }
      },
    };
  },
};

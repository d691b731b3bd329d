// umap-ae with edge sampling (tfumap's batches): each step draws batchSize / 2 edges of the fuzzy graph by
// weight; both ends of each edge are encoded and reconstructed, and weight x the UMAP loss's gradient on
// their codes (src/umap/loss.ts) enters the training graph at the code layer.
import { EdgeSampler } from '../../umap/edge-sampler.js';
import { umapLossAndGrad } from '../../umap/loss.js';
import { seededRandom } from '../../util/random.js';
import { checkUmapSettings, type UmapStepParams } from '../objective.js';
import type { ObjectiveDefinition } from './objective.js';
import { prepareNeighbourGraph, requireGraph } from './neighbour-graph.js';
import { checkOrtOnly, umapStepParams } from './umap-params.js';

export const umapEdgesObjective: ObjectiveDefinition = {
  key: 'umap-edges',
  check(settings) {
    if (!settings.umap) throw new RangeError('--objective umap-ae needs its UMAP settings');
    checkUmapSettings(settings.umap);
    checkOrtOnly(settings, 'umap-ae');
    if (settings.batchSize % 2 !== 0)
      throw new RangeError(
        `--batch-size must be even with --objective umap-ae (each step draws batch / 2 edges), got ${settings.batchSize}`,
      );
  },
  prepare: async (settings, ctx) => ({ graph: await prepareNeighbourGraph(settings, ctx) }),
  start({ settings, inputs, batchSize }) {
    const graph = requireGraph(inputs.graph, 'umap-ae');
    const perStep = batchSize / 2;
    return {
      codeInputs: { codeGrad: true, codeTarget: false },
      workerData: { key: 'umap-edges', payload: umapStepParams(settings) },
      plan(epoch, steps) {
        const edges = new EdgeSampler(graph, { seed: settings.model.seed * 100_003 + epoch }).sample(steps * perStep);
        return { order: edges.head, tails: edges.tail, perStep, reconstructionOnly: false };
      },
    };
  },
  replica(payload, latent) {
    const params = payload as UmapStepParams;
    return {
      async step(replica, s) {
        const b = s.heads.length;
        const batch = replica.batch([...s.heads, ...s.tails!]);
        const codes = await replica.encode(batch);
        const umap = umapLossAndGrad(codes.subarray(0, b * latent), codes.subarray(b * latent), latent, {
          a: params.a,
          b: params.b,
          negativeRate: params.negativeRate,
          rng: seededRandom(params.seed * 7919 + s.seed),
          excludeOwnTail: true,
        });
        const codeGrad = new Float32Array(2 * b * latent);
        for (let i = 0; i < b * latent; i++) {
          codeGrad[i] = params.weight * umap.gradHead[i]!;
          codeGrad[b * latent + i] = params.weight * umap.gradTail[i]!;
        }
        const { reconstruction } = await replica.step(batch, s.flat, { codeGrad });
        return reconstruction + params.weight * umap.loss;
      },
    };
  },
};

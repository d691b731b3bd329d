// What the graph-based objectives (umap-ae, layout) prepare first: the training split's fuzzy neighbour
// graph, from the verified kNN cache (built there when missing: src/umap/knn-cache.ts).
import { PIXELS } from '../../data/fashion-mnist.js';
import type { FuzzyGraph } from '../../umap/fuzzy-set.js';
import { loadOrBuildFuzzyGraph, type GraphSource } from '../../umap/training-graph.js';
import type { TrainSettings } from '../trainer.js';
import type { PrepareContext } from './objective.js';

/** Where the training split's graph comes from: its images, k, and the kNN cache, with progress. */
export function graphSourceOf(settings: TrainSettings, ctx: PrepareContext): GraphSource {
  return {
    knnDir: ctx.knnCacheDir,
    pixels: ctx.pixels,
    n: ctx.trainCount,
    dim: PIXELS,
    k: settings.umap!.k,
    onKnn: (event) => ctx.onEvent({ type: 'knn', event }),
  };
}

export async function prepareNeighbourGraph(settings: TrainSettings, ctx: PrepareContext): Promise<FuzzyGraph> {
  return (await loadOrBuildFuzzyGraph(graphSourceOf(settings, ctx))).graph;
}

/** The named error for a graph-based objective run without its graph. */
export function requireGraph(graph: FuzzyGraph | undefined, objective: string): FuzzyGraph {
  if (!graph) throw new Error(`the ${objective} objective needs the neighbour graph of the training images`);
  return graph;
}

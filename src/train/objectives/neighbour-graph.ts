// What the graph-based objectives (umap-ae, layout) prepare first: the training split's fuzzy neighbour
// graph, from the verified kNN cache (built there when missing: src/umap/knn-cache.ts).
import { PIXELS } from '../../data/fashion-mnist.js';
import { fuzzySimplicialSet, type FuzzyGraph } from '../../umap/fuzzy-set.js';
import { loadOrBuildKnnGraph } from '../../umap/knn-cache.js';
import type { TrainSettings } from '../trainer.js';
import type { PrepareContext } from './objective.js';

export async function prepareNeighbourGraph(
  settings: TrainSettings,
  ctx: PrepareContext,
): Promise<{ graph: FuzzyGraph; graphSha256: string }> {
  const { graph, header } = await loadOrBuildKnnGraph({
    dir: ctx.knnCacheDir,
    pixels: ctx.pixels,
    n: ctx.trainCount,
    dim: PIXELS,
    k: settings.umap!.k,
    onEvent: (event) => ctx.onEvent({ type: 'knn', event }),
  });
  return { graph: fuzzySimplicialSet(graph), graphSha256: header.graphSha256 };
}

/** The named error for a graph-based objective run without its graph. */
export function requireGraph(graph: FuzzyGraph | undefined, objective: string): FuzzyGraph {
  if (!graph) throw new Error(`the ${objective} objective needs the neighbour graph of the training images`);
  return graph;
}

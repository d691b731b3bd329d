// The two cached artifacts of a set of images, one call each: the fuzzy neighbour graph (from the verified kNN
// cache, src/umap/knn-cache.ts) and, on top of it, the UMAP layout (src/umap/layout-cache.ts). The train stage's
// graph-based objectives and the layout report prepare them the same way, so they share the same caches.
import { fuzzySimplicialSet, type FuzzyGraph } from './fuzzy-set.js';
import { loadOrBuildKnnGraph, type KnnCacheEvent, type KnnCacheHeader } from './knn-cache.js';
import {
  loadOrBuildLayout,
  type LayoutCacheEvent,
  type LayoutCacheHeader,
  type LayoutSettings,
} from './layout-cache.js';

export interface GraphSource {
  /** Folder of the kNN cache. */
  knnDir: string;
  /** The first n images, uint8 [n, dim]. */
  pixels: Uint8Array;
  n: number;
  dim: number;
  k: number;
  onKnn?: (e: KnnCacheEvent) => void;
}

/** The images' fuzzy neighbour graph, and the kNN cache's header (its graphSha256 keys the layout). */
export async function loadOrBuildFuzzyGraph(o: GraphSource): Promise<{ graph: FuzzyGraph; knn: KnnCacheHeader }> {
  const { graph, header } = await loadOrBuildKnnGraph({
    dir: o.knnDir,
    pixels: o.pixels,
    n: o.n,
    dim: o.dim,
    k: o.k,
    onEvent: o.onKnn,
  });
  return { graph: fuzzySimplicialSet(graph), knn: header };
}

/** The images' UMAP layout [n, settings.dim], from its cache in `layoutDir`, else optimised on their fuzzy graph. */
export async function loadOrBuildGraphLayout(
  o: GraphSource & { layoutDir: string; settings: LayoutSettings; onLayout?: (e: LayoutCacheEvent) => void },
): Promise<{ layout: Float32Array; header: LayoutCacheHeader; knn: KnnCacheHeader }> {
  const { graph, knn } = await loadOrBuildFuzzyGraph(o);
  const { layout, header } = await loadOrBuildLayout({
    dir: o.layoutDir,
    graph,
    graphSha256: knn.graphSha256,
    pixels: o.pixels,
    pixelDim: o.dim,
    settings: o.settings,
    onEvent: o.onLayout,
  });
  return { layout, header, knn };
}

// The UMAP building blocks for training with a parametric-UMAP term (docs/umap.md): what other folders import.
//
// images --(knn-graph / knn-cache)--> exact kNN graph --(fuzzy-set)--> symmetric weighted edges
//   --(edge-sampler)--> batches of (head, tail) --(encoder)--> codes --(loss)--> loss and d loss / d code
export { buildKnnGraph, knnRowsReference, pixelDistance, type KnnGraph, type KnnProgress } from './knn-graph.js';
export {
  DEFAULT_KNN_COUNT,
  DEFAULT_KNN_DIR,
  KnnCacheError,
  loadOrBuildKnnGraph,
  pixelsSha256,
  readKnnCache,
  writeKnnCache,
  type KnnCacheEvent,
  type KnnCacheHeader,
} from './knn-cache.js';
export { fuzzySimplicialSet, smoothKnnDist, type FuzzyGraph, type FuzzyOptions } from './fuzzy-set.js';
export { findAbParams, type AbParams } from './ab-params.js';
export { EdgeSampler, type EdgeBatch } from './edge-sampler.js';
export {
  negativePairs,
  umapLossAndGrad,
  umapLossAndGradPairs,
  UMAP_EPS,
  type UmapLossOptions,
  type UmapLossResult,
  type UmapPairOptions,
} from './loss.js';
export { checkK, checkMinDist, checkNegativeRate, checkSpread, checkUmapWeight, UMAP_LIMITS } from './options.js';
export { pixelTrustworthiness, studyMetrics, type StudyMetrics } from './study-metrics.js';
export { PixelDistances } from './pixel-distances.js';

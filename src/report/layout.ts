// The training images' UMAP layout as a result of its own. Reads the dataset and the kNN cache (data/knn-cache,
// built when missing), and the layout cache beside it (optimised when missing: the train stage's layout
// objective leaves it there); writes reports/layout.png (the layout coloured by class) and reports/layout.json
// (its settings, time and 5-NN / 1-NN accuracy: the last 5,000 of the 55,000 training-split images classified
// by the first 50,000, the protocol docs/umap.md compares with umap-learn).
import { join } from 'node:path';
import { loadDataset } from '../data/dataset.js';
import { CLASS_NAMES, PIXELS } from '../data/fashion-mnist.js';
import { accuracy, nearestNeighbours, voteLabels } from '../metrics/knn.js';
import { scatterPng } from '../plots/plots.js';
import { knnCacheProgress, DEFAULT_KNN_COUNT, type KnnCacheEvent } from '../umap/knn-cache.js';
import { loadOrBuildGraphLayout } from '../umap/training-graph.js';
import { layoutCacheProgress, type LayoutCacheEvent, type LayoutSettings } from '../umap/layout-cache.js';
import { stageProgress, type OnProgress } from '../util/progress.js';
import { ensureWritableDir, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';

export interface LayoutReport {
  stage: 'layout';
  n: number;
  k: number;
  settings: LayoutSettings;
  /** Seconds the layout took to optimise (when it was built; else when the cache was written). */
  buildSeconds: number;
  /** The last `queries` points classified by the `reference` points before them. */
  knn: { reference: number; queries: number; knn1: number; knn5: number };
  graphSha256: string;
  createdAt: string;
}

export type LayoutReportEvent = { type: 'knn'; event: KnnCacheEvent } | { type: 'layout'; event: LayoutCacheEvent };

/** Reference points of the kNN protocol; the rest of the training split are the queries. */
export const LAYOUT_KNN_REFERENCE = 50_000;

export async function runLayoutReport(o: {
  dataDir: string;
  knnCacheDir: string;
  outDir: string;
  k: number;
  settings: LayoutSettings;
  count?: number;
  onEvent?: (e: LayoutReportEvent) => void;
  onProgress?: OnProgress;
}): Promise<LayoutReport> {
  const knnProgress = knnCacheProgress('layout', o.onProgress ?? (() => undefined)),
    layoutProgress = layoutCacheProgress('layout', o.onProgress ?? (() => undefined));
  const emit = (e: LayoutReportEvent) => {
    o.onEvent?.(e);
    if (e.type === 'knn') knnProgress(e.event);
    else layoutProgress(e.event);
  };
  const data = await loadDataset(o.dataDir);
  const n = o.count ?? DEFAULT_KNN_COUNT;
  if (data.train.images.count < n)
    throw new Error(`${o.dataDir} has only ${data.train.images.count} training images, not ${n}`);
  await ensureWritableDir(o.outDir);
  const pixels = data.train.images.pixels.subarray(0, n * PIXELS);
  const built = await loadOrBuildGraphLayout({
    knnDir: o.knnCacheDir,
    layoutDir: o.knnCacheDir,
    pixels,
    n,
    dim: PIXELS,
    k: o.k,
    settings: o.settings,
    onKnn: (event) => emit({ type: 'knn', event }),
    onLayout: (event) => emit({ type: 'layout', event }),
  });
  const { layout } = built;
  const dim = o.settings.dim;
  const labels = data.train.labels.labels.subarray(0, n);
  // 50,000 of the 55,000 training-split images (ten elevenths of a smaller count) are the reference.
  const reference = Math.min(LAYOUT_KNN_REFERENCE, Math.floor((n * 10) / 11));
  const nn = nearestNeighbours(layout.subarray(0, reference * dim), layout.subarray(reference * dim), dim, 5);
  const truth = labels.subarray(reference);
  const report: LayoutReport = {
    stage: 'layout',
    n,
    k: o.k,
    settings: o.settings,
    buildSeconds: built.header.buildSeconds,
    knn: {
      reference,
      queries: n - reference,
      knn1: accuracy(voteLabels(nn, 5, 1, labels), truth),
      knn5: accuracy(voteLabels(nn, 5, 5, labels), truth),
    },
    graphSha256: built.knn.graphSha256,
    createdAt: new Date().toISOString(),
  };
  const plane = dim === 2 ? layout : layout.filter((_, i) => i % dim < 2);
  await writeFileAtomic(
    join(o.outDir, 'layout.png'),
    scatterPng(
      plane,
      labels,
      CLASS_NAMES,
      `UMAP layout of the ${n.toLocaleString('en-US')} training images (5-NN ${report.knn.knn5.toFixed(3)})`,
      ['layout 1', 'layout 2'],
    ),
  );
  await writeJsonAtomic(join(o.outDir, 'layout.json'), report);
  stageProgress('layout', o.onProgress).done(
    `${n} images, 5-NN ${report.knn.knn5.toFixed(4)}, 1-NN ${report.knn.knn1.toFixed(4)} ` +
      `(last ${report.knn.queries} by the first ${reference}); optimised in ${report.buildSeconds.toFixed(1)} s; ` +
      `wrote ${o.outDir}/layout.png, layout.json`,
  );
  return report;
}

// The report stage. Reads models/{encoder,decoder}.onnx (and the code plane in their metadata), the codes
// the encode stage wrote (reports/test-codes.npy, reports/train-codes.npy), models/tfjs/manifest.json
// (training history) and the dataset; writes reports/latent.png, reconstructions.png, manifold.png, training.png,
// metrics.json and metrics.md.
import { join } from 'node:path';
import { loadDataset } from '../data/dataset.js';
import { CLASS_NAMES, PIXELS } from '../data/fashion-mnist.js';
import { readTrainManifest, type ReportSummary } from '../artifacts/manifests.js';
import { ensureWritableDir, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { openModel, runBatched } from '../runtime/ort-session.js';
import { codePlaneFromMetadata, planeOf } from '../metrics/code-range.js';
import { decodePlaneGrid, planeRect } from '../runtime/decoder-grid.js';
import { readEncodedCodes } from '../runtime/code-files.js';
import { reconstructionMetrics } from '../metrics/reconstruction.js';
import { checkDecoder, checkEncoder } from '../runtime/model-interface.js';
import { TRAINING_RUN_KEY, checkSameTrainingRun } from '../artifacts/training-run.js';
import { accuracy, nearestNeighbours, voteLabels } from '../metrics/knn.js';
import { overlapFromNeighbours, silhouette, trustworthiness } from '../metrics/embedding-metrics.js';
import { studyMetrics, type StudyMetrics } from '../umap/study-metrics.js';
import { imageGridPng, lossCurvesPng, scatterPng } from '../plots/plots.js';
import { permutation, seededRandom } from '../util/random.js';
import { stageProgress, type OnProgress } from '../util/progress.js';
import { scalePixels } from '../data/pixels.js';

/** Sainburg, McInnes & Gentner (2021), Fashion-MNIST test set, 2-D embeddings. */
export const PUBLISHED_REFERENCES = {
  source: 'Sainburg, McInnes & Gentner (2021), Parametric UMAP embeddings, Fashion-MNIST test set, 2-D',
  autoencoder: { knn1: 0.6816, knn5: 0.7339, trustworthiness: 0.9803, silhouette: 0.0427, mse: 0.024 },
  umap: { knn5: 0.7608 },
  tsne: { knn5: 0.8039 },
  /** The study's own table (its protocol: training-set trustworthiness and silhouette), 2-D, Fashion-MNIST. */
  study: [
    {
      method: 'AE (conv 64/128, dense 512)',
      knn1: 0.6816,
      knn5: 0.7339,
      trustworthiness: 0.9803,
      silhouette: 0.0427,
      mse: 0.0244,
    },
    { method: 'VAE', knn1: 0.6646, knn5: 0.7161, trustworthiness: 0.9751, silhouette: 0.1064, mse: 0.0253 },
    { method: 'parametric UMAP', knn1: 0.6941, knn5: 0.7407, trustworthiness: 0.9733, silhouette: 0.2139, mse: 0.0266 },
    { method: 'UMAP + AE', knn1: 0.7083, knn5: 0.7561, trustworthiness: 0.9842, silhouette: 0.206, mse: 0.024 },
    {
      method: 'UMAP (non-parametric)',
      knn1: 0.7144,
      knn5: 0.7608,
      trustworthiness: 0.9777,
      silhouette: 0.1936,
      mse: 0.0347,
    },
    {
      method: 't-SNE (non-parametric)',
      knn1: 0.7825,
      knn5: 0.8039,
      trustworthiness: 0.9906,
      silhouette: 0.1251,
      mse: null,
    },
  ],
} as const;

export const TRUSTWORTHINESS_SAMPLE = 2000;

export interface ReportMetrics {
  stage: 'report';
  /** The models' training run (their training_run metadata): the demo shows these numbers only for those models. */
  trainingRun: string | null;
  latent: number;
  /** What the demo's card reads (ReportSummary), and the trustworthiness sample's size. */
  test: ReportSummary['test'] & { trustworthinessSample: number };
  /** The same codes measured the reference study's way (kNN fitted on 50,000 training codes, trustworthiness on 10,000 training images, silhouette on 50,000 training codes). */
  study: StudyMetrics;
  perClassMse: Record<string, number>;
  /** overlap[a][b]: share of the 5 nearest training codes of test images of class a that belong to class b. */
  classOverlap: { classes: string[]; k: number; matrix: number[][] };
  mostMixed: { a: string; b: string; share: number }[];
  references: typeof PUBLISHED_REFERENCES;
  createdAt: string;
}

export interface ReportOptions {
  dataDir: string;
  modelsDir: string;
  tfjsDir: string;
  outDir: string;
  /** The encode stage's codes of the test and training sets (float32 .npy [N, latent]). */
  testCodes: string;
  trainCodes: string;
  onProgress?: OnProgress;
}

export async function runReportStage(o: ReportOptions): Promise<ReportMetrics> {
  const t0 = performance.now();
  const p = stageProgress('report', o.onProgress);
  const step = p.step;
  const encoder = await openModel(join(o.modelsDir, 'encoder.onnx'));
  const decoder = await openModel(join(o.modelsDir, 'decoder.onnx'));
  const latent = checkEncoder(encoder.info);
  if (checkDecoder(decoder.info) !== latent)
    throw new Error(`${o.modelsDir}: encoder and decoder disagree on the code size`);
  checkSameTrainingRun([encoder.info, decoder.info]);
  const data = await loadDataset(o.dataDir);
  const train = await readTrainManifest(o.tfjsDir).catch(() => null);
  await ensureWritableDir(o.outDir);

  const plane = codePlaneFromMetadata(encoder.info.metadata, latent, encoder.info.path);

  step(`reading the codes (${o.testCodes}, ${o.trainCodes})`);
  const testX = scalePixels(data.test.images.pixels);
  const testY = data.test.labels.labels,
    trainY = data.train.labels.labels;
  const testCodes = await readEncodedCodes(o.testCodes, encoder, testX, latent);
  const trainCodes = await readEncodedCodes(o.trainCodes, encoder, scalePixels(data.train.images.pixels), latent);
  step('decoding the test codes');
  const recon = await runBatched(decoder, testCodes, [latent]);

  const n = data.test.images.count;
  const rec = reconstructionMetrics(testX, recon, PIXELS, testY);

  step('k-nearest-neighbour accuracy');
  // One neighbour search (k = 5) serves 1-NN, 5-NN and the class-overlap table.
  const nn = nearestNeighbours(trainCodes, testCodes, latent, 5);
  const knn1 = accuracy(voteLabels(nn, 5, 1, trainY), testY);
  const knn5 = accuracy(voteLabels(nn, 5, 5, trainY), testY);
  step(`trustworthiness on ${TRUSTWORTHINESS_SAMPLE} test images`);
  const sample = permutation(n, seededRandom(7)).subarray(0, Math.min(TRUSTWORTHINESS_SAMPLE, n));
  const sx = new Float32Array(sample.length * PIXELS),
    sc = new Float32Array(sample.length * latent);
  sample.forEach((idx, i) => {
    sx.set(testX.subarray(idx * PIXELS, (idx + 1) * PIXELS), i * PIXELS);
    sc.set(testCodes.subarray(idx * latent, (idx + 1) * latent), i * latent);
  });
  const trust = trustworthiness(sx, PIXELS, sc, latent, 5);
  step('silhouette and class overlap');
  const sil = silhouette(testCodes, latent, testY);
  const overlap = overlapFromNeighbours(nn, 5, trainY, testY);
  const mixed: ReportMetrics['mostMixed'] = [];
  for (let a = 0; a < 10; a++)
    for (let b = a + 1; b < 10; b++)
      mixed.push({ a: CLASS_NAMES[a]!, b: CLASS_NAMES[b]!, share: (overlap[a]![b]! + overlap[b]![a]!) / 2 });
  mixed.sort((p, q) => q.share - p.share);
  step("metrics the reference study's way (training-set protocol)");
  const study = await studyMetrics({
    trainPixels: data.train.images.pixels,
    pixelDim: PIXELS,
    trainCodes,
    trainLabels: trainY,
    testCodes,
    testLabels: testY,
    dim: latent,
  });

  const metrics: ReportMetrics = {
    stage: 'report',
    trainingRun: encoder.info.metadata[TRAINING_RUN_KEY] ?? null,
    latent,
    test: {
      images: n,
      mse: rec.mse,
      bce: rec.bce,
      knn1,
      knn5,
      trustworthiness5: trust,
      trustworthinessSample: sample.length,
      silhouette: sil,
    },
    study,
    perClassMse: Object.fromEntries(CLASS_NAMES.map((c, i) => [c, rec.perClassMse[i]!])),
    classOverlap: { classes: [...CLASS_NAMES], k: 5, matrix: overlap },
    mostMixed: mixed.slice(0, 5),
    references: PUBLISHED_REFERENCES,
    createdAt: new Date().toISOString(),
  };

  step('drawing the pictures');
  // The code plane (from the model's metadata): the codes themselves for 2-D, else their top-2 principal components.
  const pca = plane.projection;
  const points = planeOf(testCodes, latent, pca);
  const axis: [string, string] = pca ? ['principal component 1', 'principal component 2'] : ['z0', 'z1'];
  await writeFileAtomic(
    join(o.outDir, 'latent.png'),
    scatterPng(
      points,
      testY,
      CLASS_NAMES,
      `${n} test images in the ${latent}-D code space${pca ? ' (PCA projection to 2-D)' : ''}, coloured by class`,
      axis,
    ),
  );

  const perClass = 3;
  const picks: number[] = [];
  for (let c = 0; c < 10; c++)
    for (let i = 0, found = 0; i < n && found < perClass; i++)
      if (testY[i] === c) {
        picks.push(i);
        found++;
      }
  const grid = new Float32Array(10 * perClass * 2 * PIXELS);
  picks.forEach((idx, k) => {
    const row = Math.floor(k / perClass),
      col = (k % perClass) * 2;
    grid.set(testX.subarray(idx * PIXELS, (idx + 1) * PIXELS), (row * perClass * 2 + col) * PIXELS);
    grid.set(recon.subarray(idx * PIXELS, (idx + 1) * PIXELS), (row * perClass * 2 + col + 1) * PIXELS);
  });
  await writeFileAtomic(
    join(o.outDir, 'reconstructions.png'),
    imageGridPng(grid, 10, perClass * 2, {
      scale: 3,
      heading: 'Test images (left of each pair) and their reconstructions',
      rowLabels: [...CLASS_NAMES],
    }),
  );

  const side = 20;
  const [x0, x1, y0, y1] = planeRect(plane);
  // For latent > 2 each plane point maps back to a code through the PCA plane.
  const manifold = await decodePlaneGrid(decoder, latent, [x0, x1, y0, y1], side, pca);
  await writeFileAtomic(
    join(o.outDir, 'manifold.png'),
    imageGridPng(manifold, side, side, {
      scale: 2,
      gap: 0,
      heading: `Decoder over the code plane${pca ? ' (PCA plane)' : ''}: x ${x0.toFixed(2)}..${x1.toFixed(2)}, y ${y1.toFixed(2)}..${y0.toFixed(2)}`,
    }),
  );

  if (train) {
    const umap = train.settings.objective === 'umap-ae' ? train.settings.umap : undefined;
    const layout = train.settings.objective === 'layout' ? train.settings.layout : undefined;
    const objective = umap
      ? `umap-ae${umap.warmup ? ` (UMAP from epoch ${umap.warmup + 1})` : ''}, `
      : layout
        ? `layout (weight ${layout.weight}${layout.schedule === 'cosine' ? ', fading' : ''}), `
        : '';
    await writeFileAtomic(
      join(o.outDir, 'training.png'),
      lossCurvesPng(
        [
          {
            // umap-ae's training loss adds weight x the UMAP term (after the warm-up); validation is reconstruction alone.
            name: umap || layout ? 'train loss' : 'train BCE',
            values: train.history.map((h) => h.trainLoss),
            color: '#1f77b4',
          },
          { name: 'validation BCE', values: train.history.map((h) => h.valLoss), color: '#d62728' },
        ],
        `Training: ${objective}${train.settings.optimizer}${train.settings.momentum ? ` (momentum ${train.settings.momentum})` : ''}, lr ${train.settings.lr}, batch ${train.settings.batchSize}, ${train.engine === 'ort' ? 'ort engine' : `${train.backend} backend`}`,
        umap
          ? `BCE per pixel (train loss: + ${umap.weight} x UMAP)`
          : layout
            ? 'BCE per pixel (train loss: + weight x squared distance to the layout)'
            : 'binary cross-entropy per pixel',
      ),
    );
  }

  await writeJsonAtomic(join(o.outDir, 'metrics.json'), metrics);
  await writeFileAtomic(join(o.outDir, 'metrics.md'), metricsMarkdown(metrics));
  const t = metrics.test;
  p.done(
    `test MSE ${t.mse.toFixed(4)}, BCE ${t.bce.toFixed(4)}, 1-NN ${t.knn1.toFixed(4)}, 5-NN ${t.knn5.toFixed(4)}, ` +
      `trustworthiness ${t.trustworthiness5.toFixed(4)}, silhouette ${t.silhouette.toFixed(4)}; wrote ${o.outDir}/ ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
  return metrics;
}

export function metricsMarkdown(m: ReportMetrics): string {
  const r = PUBLISHED_REFERENCES,
    t = m.test;
  const f = (x: number) => x.toFixed(4);
  const lines = [
    `| metric (test set, ${t.images} images) | this model (${m.latent}-D) | published 2-D autoencoder | UMAP | t-SNE |`,
    '|---|---|---|---|---|',
    `| reconstruction MSE per pixel | ${f(t.mse)} | ${r.autoencoder.mse} | | |`,
    `| reconstruction BCE per pixel | ${f(t.bce)} | | | |`,
    `| 1-NN accuracy of codes | ${f(t.knn1)} | ${r.autoencoder.knn1} | | |`,
    `| 5-NN accuracy of codes | ${f(t.knn5)} | ${r.autoencoder.knn5} | ${r.umap.knn5} | ${r.tsne.knn5} |`,
    `| trustworthiness (k = 5, ${t.trustworthinessSample}-image sample) | ${f(t.trustworthiness5)} | ${r.autoencoder.trustworthiness} | | |`,
    `| silhouette by class | ${f(t.silhouette)} | ${r.autoencoder.silhouette} | | |`,
    '',
    `References: ${r.source}. kNN is fitted on the 60,000 training codes and scored on the test codes.`,
    '',
    `The study's protocol (kNN fitted on the first ${m.study.protocol.fitCount} training codes, scored on the ${m.study.protocol.testCount} test codes; ` +
      `trustworthiness k = 5 on the first ${m.study.protocol.trustCount} training images; silhouette on ${m.study.protocol.silhouetteCount} training codes; MSE on the test set):`,
    '',
    '| method | 1-NN | 5-NN | trustworthiness | silhouette | test MSE |',
    '|---|---|---|---|---|---|',
    `| **this model** | ${f(m.study.knn1)} | ${f(m.study.knn5)} | ${f(m.study.trustworthiness5)} | ${f(m.study.silhouette)} | ${f(t.mse)} |`,
    ...r.study.map(
      (s) => `| ${s.method} | ${s.knn1} | ${s.knn5} | ${s.trustworthiness} | ${s.silhouette} | ${s.mse ?? ''} |`,
    ),
    '',
    'Classes whose codes mix most (mean share of each other among the 5 nearest training codes):',
    '',
    ...m.mostMixed.map((x) => `- ${x.a} / ${x.b}: ${(100 * x.share).toFixed(1)}%`),
    '',
    'Per-class reconstruction MSE: ' +
      Object.entries(m.perClassMse)
        .map(([c, v]) => `${c} ${f(v)}`)
        .join(', ') +
      '.',
    '',
  ];
  return lines.join('\n');
}

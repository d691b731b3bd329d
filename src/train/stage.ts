// The train stage. Reads the verified dataset (data/fashion-mnist); writes, under `outDir`:
//   encoder/, decoder/   tfjs LayersModels (model.json + weights.bin)
//   history.jsonl        one line per epoch: losses, images/s, seconds
//   manifest.json        settings, seed, backend, data hashes, metrics, timings, versions
//   checkpoint/          the latest epoch's weights and optimizer state, for --resume
import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../data/dataset.js';
import { PIXELS } from '../data/fashion-mnist.js';
import { ensureWritableDir, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { saveLayersModel } from '../util/tfjs-io.js';
import { initBackend } from '../runtime/tfjs-backend.js';
import { checkpointIdentityOf, type TrainStageOptions } from './stage-options.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { buildAutoencoder, checkModelConfig } from './model.js';
import { checkSettings, splitCounts, trainAutoencoder, type EpochRecord, type TrainEvent } from './trainer.js';
import { evaluateAutoencoder, type TrainMetrics } from './evaluate.js';
import { umapSamplingOf, umapWarmupOf } from './objective.js';
import { DEFAULT_KNN_DIR, knnCacheProgress } from '../umap/knn-cache.js';
import { layoutCacheProgress } from '../umap/layout-cache.js';
import { stageProgress, type OnProgress } from '../util/progress.js';
import { objectiveOf, type PrepareEvent } from './objectives/index.js';

export interface TrainManifest {
  stage: 'train';
  settings: TrainStageOptions['settings'] & { threads: number; limit: number };
  /** The engine that trained the model and what ran it (onnxruntime, or the tfjs backend). */
  engine: string;
  runtime: string;
  /** The tfjs backend this thread evaluated and saved with. */
  backend: string;
  parameters: number;
  data: { dir: string; trainImagesSha256: string; testImagesSha256: string; trainCount: number; valCount: number };
  history: EpochRecord[];
  /** Validation kNN accuracy and the test codes' plane; the test-set metrics are the report stage's. */
  metrics: TrainMetrics;
  timings: {
    /** Preparing the objective's inputs: the neighbour graph and the layout (from their caches, or built). */
    knnSeconds: number;
    trainSeconds: number;
    evalSeconds: number;
    totalSeconds: number;
    meanImagesPerSec: number;
  };
  versions: { node: string; tfjs: string };
  createdAt: string;
}

export type StageEvent =
  TrainEvent | PrepareEvent | { type: 'evaluate' } | { type: 'saved'; dir: string; manifest: TrainManifest };

/**
 * The train stage's events in the one progress protocol. The training loss is the objective's (for umap-ae:
 * reconstruction BCE plus the weighted UMAP term; for layout, plus the weighted distance to the layout), so it
 * is called `train loss`; the validation losses are
 * reconstruction alone (BCE and MSE per pixel).
 */
export function trainProgress(
  settings: { epochs: number; batchSize: number },
  on: OnProgress,
): (e: StageEvent) => void {
  const p = stageProgress('train', on);
  const knn = knnCacheProgress('train', on);
  const layout = layoutCacheProgress('train', on);
  let steps = 0;
  return (e) => {
    if (e.type === 'start') {
      steps = e.stepsPerEpoch;
      if (e.note) p.note(e.note);
      p.note(
        `engine ${e.engine} (${e.runtime}), ${e.threads} thread(s), ${e.parameters} parameters, ` +
          `${e.trainCount} training / ${e.valCount} validation images, ${e.stepsPerEpoch} steps per epoch` +
          (e.firstEpoch > 1 ? `, resuming at epoch ${e.firstEpoch}` : ''),
      );
    } else if (e.type === 'step') {
      p.progress(`epoch ${e.epoch}/${settings.epochs}`, e.step, steps, {
        rate: e.imagesPerSec / settings.batchSize,
        unit: 'batch',
        detail: `train loss ${e.loss.toFixed(4)}, ${Math.round(e.imagesPerSec)} img/s`,
      });
    } else if (e.type === 'epoch') {
      const r = e.record;
      p.note(
        `epoch ${r.epoch}/${settings.epochs}: train loss ${r.trainLoss.toFixed(4)}, val BCE ${r.valLoss.toFixed(4)}, ` +
          `val MSE ${r.valMse.toFixed(4)}, ${Math.round(r.imagesPerSec)} img/s, ${r.seconds.toFixed(1)}s`,
      );
    } else if (e.type === 'knn') knn(e.event);
    else if (e.type === 'layout') layout(e.event);
    else if (e.type === 'evaluate') p.step('validation kNN accuracy and the code plane of the test codes');
    else p.done(trainSummary(e.manifest, e.dir));
  };
}

/** The train stage's result line. */
function trainSummary(m: TrainManifest, outDir: string): string {
  const v = m.metrics.validation;
  const val = v
    ? `validation MSE ${m.history.at(-1)!.valMse.toFixed(4)}, 1-NN ${v.knn1.toFixed(4)}, 5-NN ${v.knn5.toFixed(4)}; `
    : '';
  return (
    `${val}${m.timings.totalSeconds.toFixed(0)}s in all (${m.timings.evalSeconds.toFixed(0)}s evaluation); ` +
    `wrote ${outDir} (test-set metrics: make report)`
  );
}

export function defaultThreads(): number {
  return availableParallelism();
}

export async function runTrainStage(
  o: TrainStageOptions,
  onEvent: (e: StageEvent) => void = () => undefined,
): Promise<TrainManifest> {
  const t0 = performance.now();
  checkModelConfig(o.settings.model);
  const data = await loadDataset(o.dataDir);
  const limit = Math.min(o.limit ?? data.train.images.count, data.train.images.count);
  if (limit < 20) throw new RangeError(`--limit must be at least 20 images, got ${limit}`);
  checkSettings(o.settings, splitCounts(limit).train);
  // Resolve the backend here first: an unavailable one fails before anything is written, and the
  // workers then load exactly the backend this thread evaluates with.
  const backend = await initBackend(o.settings.backend);
  await ensureWritableDir(o.outDir);
  const pixels = data.train.images.pixels.subarray(0, limit * PIXELS);
  const identity = checkpointIdentityOf(o, limit);
  const checkpointDir = join(o.outDir, 'checkpoint');
  const resume = o.resume ? await loadCheckpoint(checkpointDir, identity) : undefined;
  if (resume && resume.history.length >= o.settings.epochs) {
    throw new Error(
      `--resume: the checkpoint in ${checkpointDir} already holds ${resume.history.length} epochs; ask for more with --epochs (e.g. --epochs ${resume.history.length + 5})`,
    );
  }

  // What the objective needs besides the images (umap-ae: the neighbour graph; layout: that and the layout),
  // over the training split only (never the validation images), from caches keyed by those exact pixels.
  const tk = performance.now();
  const train = splitCounts(limit).train;
  const inputs = await objectiveOf(o.settings).prepare(o.settings, {
    pixels: pixels.subarray(0, train * PIXELS),
    trainCount: train,
    knnCacheDir: o.knnCacheDir ?? DEFAULT_KNN_DIR,
    layoutCacheDir: o.layoutCacheDir ?? o.knnCacheDir ?? DEFAULT_KNN_DIR,
    onEvent,
  });
  const knnSeconds = (performance.now() - tk) / 1000;

  const result = await trainAutoencoder(
    pixels,
    { ...o.settings, backend },
    {
      resume,
      onEvent,
      inputs,
      onEpochEnd: (state, history) => saveCheckpoint(checkpointDir, identity, state, history),
    },
  );
  const trainSeconds = (performance.now() - t0) / 1000;

  // Evaluate and save on this thread, on the same kind of backend the workers used.
  onEvent({ type: 'evaluate' });
  const t1 = performance.now();
  const { encoder, decoder, autoencoder } = buildAutoencoder(o.settings.model);
  autoencoder.setWeights(result.state.weights.map((w, i) => tf.tensor(w, autoencoder.weights[i]!.shape as number[])));
  const metrics = evaluateAutoencoder(
    encoder,
    { pixels, labels: data.train.labels.labels.subarray(0, limit), count: limit },
    { pixels: data.test.images.pixels, labels: data.test.labels.labels, count: data.test.images.count },
    splitCounts(limit).val,
  );
  const evalSeconds = (performance.now() - t1) / 1000;

  const meta = { latent: o.settings.model.latent, inputScaling: 'pixel / 255', metrics };
  await saveLayersModel(encoder, join(o.outDir, 'encoder'), meta);
  await saveLayersModel(decoder, join(o.outDir, 'decoder'), meta);
  await writeFileAtomic(
    join(o.outDir, 'history.jsonl'),
    result.history.map((h) => JSON.stringify(h)).join('\n') + '\n',
  );
  const trained = result.history.slice(resume?.history.length ?? 0);
  const manifest: TrainManifest = {
    stage: 'train',
    // The warm-up as it ran (its default is half the epochs), so readers need not derive it.
    settings: {
      ...o.settings,
      ...(o.settings.objective === 'umap-ae' && o.settings.umap
        ? {
            umap: {
              ...o.settings.umap,
              sampling: umapSamplingOf(o.settings.umap),
              warmup: umapWarmupOf(o.settings.umap, o.settings.epochs),
            },
          }
        : {}),
      threads: result.threads,
      limit,
    },
    engine: result.engine,
    runtime: result.runtime,
    backend,
    parameters: result.parameters,
    data: {
      dir: o.dataDir,
      trainImagesSha256: data.manifest.files.trainImages?.sha256 ?? '',
      testImagesSha256: data.manifest.files.testImages?.sha256 ?? '',
      trainCount: splitCounts(limit).train,
      valCount: splitCounts(limit).val,
    },
    history: result.history,
    metrics,
    timings: {
      knnSeconds,
      trainSeconds,
      evalSeconds,
      totalSeconds: (performance.now() - t0) / 1000,
      meanImagesPerSec: trained.length ? trained.reduce((a, h) => a + h.imagesPerSec, 0) / trained.length : 0,
    },
    versions: { node: process.version, tfjs: tf.version.tfjs },
    createdAt: new Date().toISOString(),
  };
  await writeJsonAtomic(join(o.outDir, 'manifest.json'), manifest);
  onEvent({ type: 'saved', dir: o.outDir, manifest });
  return manifest;
}

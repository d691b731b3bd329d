// The export stage. Reads the train stage's tfjs models and manifest (models/tfjs); writes
// models/encoder.onnx, models/decoder.onnx, models/manifest.json (hashes, interface, metadata) and models/triton/.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLASS_NAMES } from '../data/fashion-mnist.js';
import { convertLayersModel, readModelFiles } from 'tfjs2onnx';
import { DEFAULT_OPSET, PRODUCER, PRODUCER_VERSION } from 'tfjs2onnx';
import { withOutputDir, writeFileSetAtomic } from '../util/atomic.js';
import { sha256File } from '../util/hash.js';
import { readTrainManifest, type TrainSummary } from '../artifacts/manifests.js';
import { codePlaneMetadata } from '../metrics/code-range.js';
import { TRAINING_RUN_KEY } from '../artifacts/training-run.js';
import { writeTritonRepository } from './triton.js';
import { stageProgress, type OnProgress } from '../util/progress.js';

export interface ExportedModel {
  file: string;
  sha256: string;
  bytes: number;
  input: { name: string; shape: (number | string)[] };
  output: { name: string; shape: (number | string)[] };
  nodes: number;
  opTypes: Record<string, number>;
}

export interface ExportManifest {
  stage: 'export';
  opset: number;
  source: { dir: string; trainManifestSha256: string };
  encoder: ExportedModel;
  decoder: ExportedModel;
  metadata: Record<string, string>;
  createdAt: string;
}

/** The metadata_props every exported file carries: what a user needs to call it correctly. */
export function modelMetadata(
  train: TrainSummary,
  role: 'encoder' | 'decoder',
  trainingRun?: string,
): Record<string, string> {
  const m = train.metrics;
  return {
    role,
    // The train manifest's SHA-256: two files belong together when they carry the same one.
    ...(trainingRun ? { [TRAINING_RUN_KEY]: trainingRun } : {}),
    producer: `${PRODUCER} ${PRODUCER_VERSION}`,
    latent_size: String(train.settings.model.latent),
    input_scaling:
      role === 'encoder' ? 'float32 pixel / 255 in [0, 1], 0 = background' : 'float32 code from encoder.onnx',
    output_scaling: role === 'decoder' ? 'float32 pixel intensity in [0, 1] (sigmoid)' : 'float32 code',
    layout: 'NHWC: images are [batch, 28, 28, 1]',
    class_names: JSON.stringify(CLASS_NAMES),
    training: JSON.stringify({
      epochs: train.history.length,
      optimizer: train.settings.optimizer,
      ...(train.settings.momentum ? { momentum: train.settings.momentum } : {}),
      lr: train.settings.lr,
      batchSize: train.settings.batchSize,
      seed: train.settings.model.seed,
      engine: train.engine ?? 'tfjs',
      objective: train.settings.objective ?? 'ae',
      ...(train.settings.objective === 'umap-ae' && train.settings.umap
        ? {
            umapWeight: train.settings.umap.weight,
            k: train.settings.umap.k,
            minDist: train.settings.umap.minDist,
            negativeRate: train.settings.umap.negativeRate,
            ...(train.settings.umap.sampling ? { umapSampling: train.settings.umap.sampling } : {}),
            ...(train.settings.umap.warmup !== undefined ? { umapWarmup: train.settings.umap.warmup } : {}),
          }
        : {}),
      ...(train.settings.objective === 'layout' && train.settings.layout
        ? {
            layoutWeight: train.settings.layout.weight,
            layoutEpochs: train.settings.layout.epochs,
            layoutWarmup: train.settings.layout.warmup,
            layoutSchedule: train.settings.layout.schedule ?? 'constant',
          }
        : {}),
      ...(train.engine === 'ort' ? {} : { backend: train.backend }),
    }),
    // The validation split's numbers, which the settings were chosen on; the test-set metrics are the report's.
    ...(m.validation
      ? {
          validation_metrics: JSON.stringify({
            knn1_accuracy: m.validation.knn1,
            knn5_accuracy: m.validation.knn5,
          }),
        }
      : {}),
    parameters: String(train.parameters),
    ...codePlaneMetadata({ range: [m.codeRange[0]!, m.codeRange[1]!], projection: m.codeProjection }),
  };
}

export async function runExportStage(o: {
  tfjsDir: string;
  outDir: string;
  opset?: number;
  onProgress?: OnProgress;
}): Promise<ExportManifest> {
  const p = stageProgress('export', o.onProgress);
  const train = await readTrainManifest(o.tfjsDir);
  const opset = o.opset ?? DEFAULT_OPSET;
  const latent = train.settings.model.latent;
  const trainingRun = await sha256File(join(o.tfjsDir, 'manifest.json'));
  const one = async (role: 'encoder' | 'decoder', file: string): Promise<ExportedModel> => {
    const [inputName, outputName] = role === 'encoder' ? ['image', 'code'] : ['code', 'image'];
    // Converted in memory and written here, inside the set's temporaries, so a full disk is named like any writer's.
    const modelJson = join(o.tfjsDir, role, 'model.json');
    const { json, weights } = await readModelFiles(modelJson);
    const r = convertLayersModel(json, weights, {
      source: modelJson,
      opset,
      inputName,
      outputName,
      graphName: role,
      metadata: modelMetadata(train, role, trainingRun),
      docString:
        role === 'encoder'
          ? `Fashion-MNIST autoencoder, encoder: image [batch,28,28,1] float32 in [0,1] (pixel/255, NHWC) -> code [batch,${latent}].`
          : `Fashion-MNIST autoencoder, decoder: code [batch,${latent}] -> image [batch,28,28,1] float32 in [0,1] (NHWC).`,
    });
    await writeFile(file, r.bytes);
    const dims = (s: (number | null)[]) => s.map((d) => d ?? 'batch');
    return {
      file: `${role}.onnx`,
      sha256: await sha256File(file),
      bytes: r.bytes.length,
      input: { name: r.inputName, shape: dims(r.inputShape) },
      output: { name: r.outputName, shape: dims(r.outputShape) },
      nodes: r.nodeCount,
      opTypes: r.opTypes,
    };
  };
  // The two models and the manifest of their hashes change together or not at all: a decoder that
  // fails to convert leaves the previous pair and manifest in place.
  let manifest: ExportManifest | undefined;
  await withOutputDir(o.outDir, () =>
    writeFileSetAtomic(
      ['encoder.onnx', 'decoder.onnx', 'manifest.json'].map((f) => join(o.outDir, f)),
      async ([enc, dec, man]) => {
        manifest = {
          stage: 'export',
          opset,
          source: { dir: o.tfjsDir, trainManifestSha256: trainingRun },
          encoder: await one('encoder', enc!),
          decoder: await one('decoder', dec!),
          metadata: modelMetadata(train, 'encoder', trainingRun),
          createdAt: new Date().toISOString(),
        };
        await writeFile(man!, JSON.stringify(manifest, null, 2) + '\n');
      },
    ),
  );
  await writeTritonRepository(o.outDir); // models/triton/: the same files as a Triton model repository
  for (const e of [manifest!.encoder, manifest!.decoder])
    p.done(
      `${o.outDir}/${e.file} ${e.input.name} [${e.input.shape.join(',')}] -> ${e.output.name} [${e.output.shape.join(',')}], ` +
        `${e.nodes} nodes, ${e.bytes} bytes, sha256 ${e.sha256.slice(0, 16)}...`,
    );
  return manifest!;
}

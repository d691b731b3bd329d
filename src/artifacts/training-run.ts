// Which training run an exported model came from: the export stage writes the SHA-256 of the train
// manifest into each file's metadata_props, so tools that use an encoder and a decoder together (or an
// ONNX file with its tfjs source) can tell files from different runs apart before comparing numbers.
import type { OnnxInfo } from 'tfjs2onnx/onnx';

export const TRAINING_RUN_KEY = 'training_run';

const short = (hash: string) => hash.slice(0, 12);

/**
 * Throws when the models carry different training-run hashes (files without one, from older exports,
 * pass); `trainManifest` optionally names the train manifest and its hash they must also match.
 */
export function checkSameTrainingRun(
  models: readonly OnnxInfo[],
  trainManifest?: { path: string; sha256: string },
): void {
  const tagged = models.filter((m) => m.metadata[TRAINING_RUN_KEY]);
  const first = tagged[0];
  if (!first) return;
  const run = first.metadata[TRAINING_RUN_KEY]!;
  for (const m of tagged.slice(1)) {
    const other = m.metadata[TRAINING_RUN_KEY]!;
    if (other !== run) {
      throw new Error(
        `${first.path} and ${m.path} come from different training runs (${short(run)} vs ${short(other)}): ` +
          'they do not belong together; export both from one run (make export)',
      );
    }
  }
  if (trainManifest && trainManifest.sha256 !== run) {
    throw new Error(
      `${first.path} was exported from training run ${short(run)}, but ${trainManifest.path} is run ` +
        `${short(trainManifest.sha256)}: the files do not belong together; re-export (make export) or point --tfjs at the run it came from`,
    );
  }
}

// Loads the verified dataset that the fetch stage wrote: the entry point for every later stage.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASET_FILES, type DatasetFileKey } from './fashion-mnist.js';
import { readDatasetManifest, type DatasetManifest } from '../artifacts/manifests.js';
import { checkPairs, parseImages, parseLabels, type ImageSet, type LabelSet } from './idx.js';
import { sha256 } from '../util/hash.js';

export interface Split {
  images: ImageSet;
  labels: LabelSet;
}

export interface Dataset {
  dir: string;
  manifest: DatasetManifest;
  train: Split;
  test: Split;
}

async function readVerified(
  dir: string,
  key: DatasetFileKey,
  verify: boolean,
): Promise<{ bytes: Uint8Array; path: string }> {
  const spec = DATASET_FILES.find((s) => s.key === key)!;
  const path = join(dir, spec.name);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    throw new Error(`${path} is missing: run \`make data\` (node pipeline/fetch.js) first`);
  }
  if (verify && sha256(bytes) !== spec.sha256) {
    throw new Error(`${path} does not match the verified checksum: run \`make data\` again`);
  }
  return { bytes, path };
}

/** Loads the splits; `which` limits what is read (the test split alone is enough for serving). */
export async function loadDataset(
  dir: string,
  opts: { verify?: boolean; which?: 'all' | 'test' } = {},
): Promise<Dataset> {
  const manifest = await readDatasetManifest(dir);
  const verify = opts.verify ?? true;
  const split = async (img: DatasetFileKey, lab: DatasetFileKey): Promise<Split> => {
    const i = await readVerified(dir, img, verify);
    const l = await readVerified(dir, lab, verify);
    const images = parseImages(i.bytes, i.path);
    const labels = parseLabels(l.bytes, l.path);
    checkPairs(images, labels, i.path, l.path);
    return { images, labels };
  };
  const test = await split('testImages', 'testLabels');
  const train =
    opts.which === 'test'
      ? {
          images: { count: 0, rows: 28, cols: 28, pixels: new Uint8Array(0) },
          labels: { count: 0, labels: new Uint8Array(0) },
        }
      : await split('trainImages', 'trainLabels');
  return { dir, manifest, train, test };
}

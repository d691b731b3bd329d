// The study-protocol metrics: trustworthiness of codes against pixels with onnxruntime distance rows
// vs the sorting reference, and studyMetrics vs its parts. Real Fashion-MNIST images, small n.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../src/data/dataset.js';
import { PIXELS } from '../src/data/fashion-mnist.js';
import { scalePixels } from '../src/data/pixels.js';
import { knnAccuracies } from '../src/metrics/knn.js';
import { silhouette, trustworthiness } from '../src/metrics/embedding-metrics.js';
import { pixelTrustworthiness, studyMetrics } from '../src/umap/study-metrics.js';
import { TOL } from './tolerance.js';

const data = await loadDataset('data/fashion-mnist');

/** A cheap, real, imperfect 2-D embedding: the mean ink of the left and of the right half of each image. */
function halfInk(images: Uint8Array): Float32Array {
  const n = images.length / PIXELS,
    out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < PIXELS; p++) out[i * 2 + (p % 28 < 14 ? 0 : 1)]! += images[i * PIXELS + p]! / (255 * 392);
  return out;
}

test('pixel trustworthiness (onnxruntime rows) equals the sorting reference on 400 images', async () => {
  const n = 400,
    px = data.train.images.pixels.subarray(0, n * PIXELS),
    scaled = scalePixels(px);
  const codes = halfInk(px);
  for (const k of [5, 10]) {
    const fast = await pixelTrustworthiness(px, PIXELS, codes, 2, k, { blockRows: 64 });
    const ref = trustworthiness(scaled, PIXELS, codes, 2, k);
    assert.ok(Math.abs(fast - ref) < TOL.exactFloat64, `k ${k}: ${fast} vs ${ref}`);
    assert.ok(fast > 0.5 && fast < 1);
  }
});

test('study metrics: kNN fitted on the first fitCount training codes, trustworthiness on the first trustCount', async () => {
  const nTrain = 600,
    nTest = 200;
  const px = data.train.images.pixels.subarray(0, nTrain * PIXELS);
  const trainCodes = halfInk(px),
    testCodes = halfInk(data.test.images.pixels.subarray(0, nTest * PIXELS));
  const trainY = data.train.labels.labels,
    testY = data.test.labels.labels.subarray(0, nTest);
  const m = await studyMetrics({
    trainPixels: px,
    pixelDim: PIXELS,
    trainCodes,
    trainLabels: trainY,
    testCodes,
    testLabels: testY,
    dim: 2,
    fitCount: 500,
    trustCount: 300,
  });
  const [knn1, knn5] = knnAccuracies(trainCodes.subarray(0, 1000), trainY, testCodes, testY, 2, [1, 5]);
  assert.equal(m.knn1, knn1);
  assert.equal(m.knn5, knn5);
  assert.equal(m.silhouette, silhouette(trainCodes.subarray(0, 1000), 2, trainY));
  assert.ok(
    Math.abs(
      m.trustworthiness5 -
        trustworthiness(scalePixels(px.subarray(0, 300 * PIXELS)), PIXELS, trainCodes.subarray(0, 600), 2, 5),
    ) < TOL.exactFloat64,
  );
  assert.deepEqual(m.protocol, { fitCount: 500, trustCount: 300, silhouetteCount: 500, testCount: nTest });
});

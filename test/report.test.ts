// The report stage end to end on the real test set with a small random-weight model: it reads the encode
// stage's codes, its reconstruction metrics match an independent per-pixel loop, and stale codes are refused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, type Dataset } from '../src/data/dataset.js';
import { CLASS_NAMES, IMAGE_SIZE, PIXELS } from '../src/data/fashion-mnist.js';
import { openModel, runBatched } from '../src/lib/ort-session.js';
import { npyHeader, readNpy } from '../src/lib/npy.js';
import { runReportStage } from '../src/report/stage.js';
import { writeCodes, writeProjectModels } from './helpers/project-models.js';
import { TOL, assertClose } from './tolerance.js';

const DATA = process.env.FASHION_MNIST_DIR ?? 'data/fashion-mnist';
const skip =
  !(await stat(join(DATA, 'manifest.json')).then(
    () => true,
    () => false,
  )) && `no dataset in ${DATA}`;
let dir = '',
  data: Dataset,
  models: { encoder: string; decoder: string };

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'report-'));
  data = await loadDataset(DATA);
  models = await writeProjectModels(dir);
  await writeCodes(models.encoder, data.test.images.pixels, join(dir, 'test-codes.npy'));
  await writeCodes(models.encoder, data.train.images.pixels, join(dir, 'train-codes.npy'));
});

test('report stage: metrics from the encode stage codes, pictures written; stale codes refused', { skip }, async () => {
  const out = join(dir, 'reports');
  const o = {
    dataDir: DATA,
    modelsDir: dir,
    tfjsDir: join(dir, 'no-tfjs'),
    outDir: out,
    testCodes: join(dir, 'test-codes.npy'),
    trainCodes: join(dir, 'train-codes.npy'),
  };
  const m = await runReportStage(o);

  // Independent reference: decode(encode(x)) with onnxruntime and a plain per-pixel loop in float64.
  const x = Float32Array.from(data.test.images.pixels, (v) => v / 255);
  const codes = await runBatched(await openModel(models.encoder), x, [IMAGE_SIZE, IMAGE_SIZE, 1]);
  const y = await runBatched(await openModel(models.decoder), codes, [2]);
  let sq = 0,
    bce = 0;
  for (let p = 0; p < x.length; p++) {
    const c = Math.min(Math.max(y[p]!, 1e-7), 1 - 1e-7);
    sq += (x[p]! - y[p]!) ** 2;
    bce -= x[p]! * Math.log(c) + (1 - x[p]!) * Math.log(1 - c);
  }
  assert.equal(m.test.images, 10000);
  assertClose(m.test.mse, sq / x.length, { rtol: TOL.metricRelative }, 'report MSE vs a plain loop');
  assertClose(m.test.bce, bce / x.length, { rtol: TOL.metricRelative }, 'report BCE vs a plain loop');
  assert.deepEqual(Object.keys(m.perClassMse), [...CLASS_NAMES]);
  for (const k of ['knn1', 'knn5', 'trustworthiness5'] as const)
    assert.ok(m.test[k] > 0 && m.test[k] <= 1, `${k} ${m.test[k]} in (0, 1]`);
  const written = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')) as typeof m;
  assert.equal(written.test.mse, m.test.mse);
  for (const f of ['latent.png', 'reconstructions.png', 'manifold.png']) {
    assert.equal((await readFile(join(out, f))).subarray(1, 4).toString(), 'PNG', f);
  }
  await assert.rejects(stat(join(out, 'training.png')), 'no training.png without a train manifest');

  // Codes of another model: refused, naming the file.
  const other = await mkdtemp(join(tmpdir(), 'report-other-'));
  const otherModels = await writeProjectModels(other, 3);
  await writeCodes(
    otherModels.encoder,
    data.test.images.pixels.subarray(0, 10000 * PIXELS),
    join(other, 'test-codes.npy'),
  );
  await assert.rejects(
    runReportStage({ ...o, testCodes: join(other, 'test-codes.npy') }),
    /test-codes\.npy: float32 \[10000, 3\], expected float32 \[10000, 2\]: run `make encode`/,
  );
  await assert.rejects(
    runReportStage({ ...o, trainCodes: o.testCodes }),
    /test-codes\.npy: float32 \[10000, 2\], expected float32 \[60000, 2\]/,
  );
  // Same shape, but not this encoder's codes (one value off by 0.01): refused as stale.
  const stale = (await readNpy(o.testCodes)).data as Float32Array;
  stale[5] = stale[5]! + 0.01;
  await writeFile(
    join(other, 'stale.npy'),
    Buffer.concat([npyHeader('float32', [10000, 2]), Buffer.from(stale.buffer)]),
  );
  await assert.rejects(
    runReportStage({ ...o, testCodes: join(other, 'stale.npy') }),
    /stale\.npy: image 2's code differs from .*encoder\.onnx's by 0\.0\d+ \(stale\?\): run `make encode`/,
  );
  await rm(other, { recursive: true });
  await rm(dir, { recursive: true });
});

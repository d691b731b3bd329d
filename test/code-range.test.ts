// The code plane stored with the model, and the validated manifest readers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePlane, codePlaneFromMetadata, codePlaneMetadata, codesOf, planeOf } from '../src/metrics/code-range.js';
import { checkDatasetManifest, checkTrainSummary } from '../src/artifacts/manifests.js';
import { seededRandom } from '../src/util/random.js';
import { TOL, assertClose } from './tolerance.js';

test('code plane: 1st/99th percentiles of the plane axes; metadata round trip; plane <-> codes for latent 3', () => {
  const rand = seededRandom(5),
    n = 1001;
  const two = Float32Array.from({ length: n * 2 }, (_, i) =>
    i % 2 === 0 ? Math.floor(i / 2) : -Math.floor(i / 2) / 10,
  );
  const p2 = codePlane(two, 2);
  // Independent reference: z0 runs 0..1000, so its 1st/99th percentiles are 10 and 990 exactly.
  assertClose(p2.range.flat(), [10, 990, -99, -1], { atol: TOL.pcaAbs }, 'range of a 2-D code');
  assert.equal(p2.projection, null);
  assert.deepEqual(codePlaneFromMetadata(codePlaneMetadata(p2), 2, 'm.onnx'), p2);

  const three = Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? 0.01 : 1) * (rand() - 0.5));
  const p3 = codePlane(three, 3);
  const md = codePlaneMetadata(p3);
  assert.deepEqual(Object.keys(md).sort(), ['code_projection', 'code_range']);
  const back = codePlaneFromMetadata(md, 3, 'm.onnx');
  const pts = Float32Array.from([0.1, -0.2, 0.3, 0.05]);
  assertClose(
    planeOf(codesOf(pts, 3, back.projection), 3, back.projection),
    pts,
    { atol: TOL.pcaAbs },
    'plane -> codes -> plane',
  );
  assert.throws(
    () => codePlaneFromMetadata({ code_range: md.code_range! }, 3, 'm.onnx'),
    /m\.onnx: metadata has no code_projection for its 3-D code; run `make export` again/,
  );
  assert.throws(() => codePlaneFromMetadata({}, 2, 'm.onnx'), /m\.onnx: metadata has no code_range/);
  assert.throws(
    () => codePlaneFromMetadata({ code_range: '[[1,2]]' }, 2, 'm.onnx'),
    /code_range is not \[\[lo, hi\], \[lo, hi\]\]/,
  );
});

test('manifest readers name the file and the field', () => {
  assert.throws(
    () => checkTrainSummary({ settings: { model: { latent: 2, seed: 1 } } }, 'tfjs/manifest.json'),
    /tfjs\/manifest\.json: field metrics should be an object, found nothing/,
  );
  assert.throws(
    () => checkDatasetManifest({ dataset: 'fashion-mnist', source: { kind: 'ftp', location: 'x' } }, 'd/manifest.json'),
    /d\/manifest\.json: field source\.kind should be cache \| from \| debian \| download, found "ftp"/,
  );
});

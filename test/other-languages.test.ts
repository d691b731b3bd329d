// The exported files outside Node: the official ONNX checker, and Python (OpenCV DNN or onnxruntime)
// running the encoder and decoder, compared with onnxruntime-node.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildAutoencoder } from '../src/train/model.js';
import { convertLayersModel } from 'tfjs2onnx';
import { loadDataset } from '../src/data/dataset.js';
import { openModel, runBatch } from '../src/runtime/ort-session.js';
import { readNpy } from '../src/artifacts/npy.js';
import { encodeIdx } from '../src/data/idx.js';
import { modelArtifacts } from './helpers/convert-compare.js';
import { writeProjectModels } from './helpers/project-models.js';
import { TOL, maxAbsDiff } from './tolerance.js';

const PY = '/usr/bin/python3';
const hasPython = (mod: string) => {
  try {
    execFileSync(PY, ['-c', `import ${mod}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const DATA = process.env.FASHION_MNIST_DIR ?? 'data/fashion-mnist';
let dir = '';

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'other-lang-'));
  await writeProjectModels(dir);
});

test(
  'onnx.checker.check_model(full_check=True) passes for encoder and decoder at opsets 13 and 17',
  { skip: !hasPython('onnx') && 'python3-onnx not installed' },
  async () => {
    const out = execFileSync(
      PY,
      ['examples/python/check_onnx.py', join(dir, 'encoder.onnx'), join(dir, 'decoder.onnx')],
      { encoding: 'utf8' },
    );
    assert.match(out, /encoder\.onnx: ok/);
    assert.match(out, /decoder\.onnx: ok/);
    const { encoder } = buildAutoencoder({ latent: 3, filters: [4, 8], decoderFilters: [4, 8], hidden: [8], seed: 1 });
    const a = await modelArtifacts(encoder);
    await writeFile(join(dir, 'enc17.onnx'), convertLayersModel(a.json, a.weights, { source: 'e', opset: 17 }).bytes);
    assert.match(
      execFileSync(PY, ['examples/python/check_onnx.py', join(dir, 'enc17.onnx')], { encoding: 'utf8' }),
      /opset 17/,
    );
  },
);

test(
  'Python with OpenCV DNN runs encoder and decoder and matches onnxruntime-node',
  { skip: (!hasPython('cv2') || !hasPython('numpy')) && 'python3-opencv not installed' },
  async () => {
    // Real test images when the dataset is there, else a deterministic synthetic idx file.
    const n = 300;
    let images: Uint8Array;
    try {
      images = (await loadDataset(DATA, { which: 'test' })).test.images.pixels.subarray(0, n * 784);
    } catch {
      images = Uint8Array.from({ length: n * 784 }, (_, i) => (i * 37) % 256);
    }
    const idx = join(dir, 'images-idx3-ubyte');
    await writeFile(idx, encodeIdx([n, 28, 28], images));
    const out = execFileSync(
      PY,
      [
        'examples/python/encode.py',
        '--runtime',
        'opencv',
        '--encoder',
        join(dir, 'encoder.onnx'),
        '--decoder',
        join(dir, 'decoder.onnx'),
        '--images',
        idx,
        '--codes',
        join(dir, 'py-codes.npy'),
        '--reconstructions',
        join(dir, 'py-recon.npy'),
      ],
      { encoding: 'utf8' },
    );
    assert.match(out, /encoded 300 images with opencv/);
    const x = Float32Array.from(images, (v) => v / 255);
    const enc = await openModel(join(dir, 'encoder.onnx'));
    const dec = await openModel(join(dir, 'decoder.onnx'));
    const codes = await runBatch(enc, x, [n, 28, 28, 1]);
    const recon = await runBatch(dec, codes, [n, 2]);
    const pyCodes = await readNpy(join(dir, 'py-codes.npy'));
    const pyRecon = await readNpy(join(dir, 'py-recon.npy'));
    assert.deepEqual(pyCodes.info.shape, [n, 2]);
    assert.deepEqual(pyRecon.info.shape, [n, 28, 28, 1]);
    const dc = maxAbsDiff(pyCodes.data, codes),
      dr = maxAbsDiff(pyRecon.data, recon);
    assert.ok(dc.max <= TOL.modelAbs, `codes differ by ${dc.max} at ${dc.index}`);
    assert.ok(dr.max <= TOL.modelAbs, `images differ by ${dr.max} at ${dr.index}`);
  },
);

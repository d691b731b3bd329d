// The wasm gradient kernels against the cpu backend's own gradients (an independent implementation).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/runtime/tfjs-wasm-kernels.js';
import { buildAutoencoder, bceLoss } from '../src/train/model.js';
import { seededRandom } from '../src/util/random.js';
import { TOL, relativeError } from './tolerance.js';

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmTrainingKernels();
});

function randomArray(n: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

async function onBackend<T>(name: string, fn: () => T): Promise<T> {
  await tf.setBackend(name);
  try {
    return fn();
  } finally {
    await tf.setBackend('wasm');
  }
}

interface ConvCase {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride: number | [number, number];
  pad: 'same' | 'valid';
}

function convGrads(c: ConvCase, x: Float32Array, f: Float32Array, dyScale: Float32Array) {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.cin]);
    const ft = tf.tensor4d(f, [c.k, c.k, c.cin, c.cout]);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.tensor(dyScale.subarray(0, y.size), y.shape)));
    })([xt, ft]);
    return g.map((t) => t.dataSync().slice());
  });
}

test('conv2d gradients on wasm match the cpu backend (strides 1-3, same/valid, 1-24 channels)', async () => {
  const rand = seededRandom(7);
  const cases: ConvCase[] = [];
  for (const stride of [1, 2, 3, [2, 3]] as const) {
    for (const pad of ['same', 'valid'] as const) {
      for (const [cin, cout, k, h, w] of [
        [1, 4, 3, 9, 9],
        [3, 8, 5, 11, 10],
        [16, 24, 3, 8, 7],
        [8, 1, 1, 6, 6],
        [2, 3, 4, 10, 13],
      ] as const) {
        cases.push({ n: 3, h, w, cin, cout, k, stride: stride as number | [number, number], pad });
      }
    }
  }
  let worst = 0;
  for (const c of cases) {
    const x = randomArray(c.n * c.h * c.w * c.cin, rand);
    const f = randomArray(c.k * c.k * c.cin * c.cout, rand);
    const dy = randomArray(c.n * c.h * c.w * c.cout, rand);
    const ref = await onBackend('cpu', () => convGrads(c, x, f, dy));
    const got = convGrads(c, x, f, dy);
    for (let i = 0; i < 2; i++) {
      const err = relativeError(got[i]!, ref[i]!);
      worst = Math.max(worst, err);
      assert.ok(err < TOL.kernelRelative, `${i === 0 ? 'dx' : 'dW'} of ${JSON.stringify(c)}: relative error ${err}`);
    }
  }
  assert.ok(worst > 0, 'the two backends should differ at least by rounding');
});

test('conv2dTranspose forward and gradients on wasm match the cpu backend', async () => {
  const rand = seededRandom(11);
  for (const [n, h, w, cin, cout, k, s, pad] of [
    [2, 7, 7, 8, 4, 3, 2, 'same'],
    [2, 5, 6, 3, 5, 3, 2, 'valid'],
    [1, 4, 4, 6, 2, 4, 3, 'same'],
    [2, 6, 6, 4, 4, 3, 1, 'same'],
  ] as const) {
    const x = randomArray(n * h * w * cin, rand);
    const f = randomArray(k * k * cout * cin, rand);
    const outH = pad === 'same' ? h * s : (h - 1) * s + k;
    const outW = pad === 'same' ? w * s : (w - 1) * s + k;
    const dy = randomArray(n * outH * outW * cout, rand);
    const run = () =>
      tf.tidy(() => {
        const xt = tf.tensor4d(x, [n, h, w, cin]);
        const ft = tf.tensor4d(f, [k, k, cout, cin]);
        const fwd = (a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [n, outH, outW, cout], s, pad);
        const y = fwd(xt, ft).dataSync().slice();
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(fwd(a, b), tf.tensor(dy, [n, outH, outW, cout]))),
        )([xt, ft]);
        return [y, ...g.map((t) => t.dataSync().slice())];
      });
    const ref = await onBackend('cpu', run);
    const got = run();
    for (let i = 0; i < 3; i++) {
      const err = relativeError(got[i]!, ref[i]!);
      assert.ok(err < TOL.kernelRelative, `output ${i} of conv2dTranspose k${k} s${s} ${pad}: relative error ${err}`);
    }
  }
});

test('matMul on wasm matches the cpu backend in both operand orders, transposed or not', async () => {
  const rand = seededRandom(3);
  // [m, k, n]: square-ish shapes run as written; a short, wide product (a layer's forward pass and its
  // input gradient at small batch) runs as out^T = B^T A^T.
  for (const [m, k, n] of [
    [37, 19, 23],
    [6, 300, 90],
    [90, 6, 300],
  ] as const) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const a = randomArray(m * k, rand),
        b = randomArray(k * n, rand);
      const run = () =>
        tf.tidy(() =>
          tf
            .matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb)
            .dataSync()
            .slice(),
        );
      const ref = await onBackend('cpu', run);
      assert.ok(relativeError(run(), ref) < TOL.kernelRelative, `${m}x${k}x${n} transposeA=${ta} transposeB=${tb}`);
    }
  }
  // Rank 3 with a batch of one keeps its rank.
  const a = randomArray(5 * 200, rand),
    b = randomArray(70 * 200, rand);
  const run = () =>
    tf.tidy(() => {
      const y = tf.matMul(tf.tensor3d(a, [1, 5, 200]), tf.tensor3d(b, [1, 70, 200]), false, true);
      return { shape: y.shape, values: y.dataSync().slice() };
    });
  const ref = await onBackend('cpu', run);
  const got = run();
  assert.deepEqual(got.shape, [1, 5, 70]);
  assert.ok(relativeError(got.values, ref.values) < TOL.kernelRelative, 'rank 3, batch 1');
});

test('whole-autoencoder gradients on wasm match the cpu backend', async () => {
  const { autoencoder } = buildAutoencoder({
    latent: 2,
    filters: [4, 8],
    decoderFilters: [4, 8],
    hidden: [16],
    seed: 5,
  });
  const rand = seededRandom(9);
  const x = Float32Array.from({ length: 6 * 784 }, () => rand());
  const grads = () =>
    tf.tidy(() => {
      const xt = tf.tensor4d(x, [6, 28, 28, 1]);
      const vars = autoencoder.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(
        () => bceLoss(xt, autoencoder.apply(xt, { training: true }) as tf.Tensor),
        vars,
      );
      return vars.map((v) => grads[v.name]!.dataSync().slice());
    });
  const ref = await onBackend('cpu', grads);
  const got = grads();
  assert.equal(got.length, 18); // 9 layers, kernel and bias each
  got.forEach((g, i) => {
    const err = relativeError(g, ref[i]!);
    assert.ok(
      err < TOL.modelGradRelative,
      `gradient of ${autoencoder.trainableWeights[i]!.name}: relative error ${err}`,
    );
  });
});

import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '/work/main/src/data/dataset.js';
import { loadLayersModel } from '/work/main/src/util/tfjs-io.js';
tf.env().set('PROD', true);
const dir = process.argv[2];
const enc = await loadLayersModel(dir + '/encoder/model.json');
const data = await loadDataset('data/fashion-mnist');
const n = 2000; const x = tf.tensor4d(Float32Array.from(data.test.images.pixels.subarray(0, n * 784), (v) => v / 255), [n, 28, 28, 1]);
const z = enc.predict(x).arraySync();
const lab = data.test.labels.labels;
const m = Array.from({ length: 10 }, () => [0, 0, 0]);
for (let i = 0; i < n; i++) { m[lab[i]][0] += z[i][0]; m[lab[i]][1] += z[i][1]; m[lab[i]][2]++; }
console.log(m.map(([a, b, c]) => `(${(a / c).toFixed(2)}, ${(b / c).toFixed(2)})`).join(' '));
let sx = 0; for (let i = 0; i < n; i++) sx += z[i][0] ** 2 + z[i][1] ** 2; console.log('rms', Math.sqrt(sx / n));

// Does the tfjs engine still need the project's wasm gradient kernels (src/runtime/tfjs-wasm-kernels.ts)?
// Times the engine's own training step (Replica.gradients + apply: forward, backward, RMSprop) on tfjs's wasm
// backend, one thread, for one kernel set per process (kernel registration is global):
//   all           the project's Conv2DBackpropFilter, Conv2DBackpropInput and BatchMatMul (what the engine runs)
//   filter+input  the project's two convolution gradients, tfjs's own BatchMatMul
//   filter-only   the project's Conv2DBackpropFilter alone (the wasm backend has none: without it nothing trains)
//   cpu           tfjs's pure-JS cpu backend, which has every kernel
// Usage, after `make build` and `make data`, pinned to one core, interleaving the variants:
//   for r in 1 2 3; do for v in all filter+input filter-only; do taskset -c 0 node docs/wasm-kernels-bench.js $v compact 15; done; done
import * as tf from '@tensorflow/tfjs';

const [variant = 'all', size = 'compact', seconds = '15'] = process.argv.slice(2);
const src = (p) => new URL(`../src/${p}`, import.meta.url).href;
const { Replica } = await import(src('train/replica.js'));
const { presetConfig } = await import(src('train/model.js'));
const { loadDataset } = await import(src('data/dataset.js'));
const { registerWasmTrainingKernels } = await import(src('runtime/tfjs-wasm-kernels.js'));

if (variant === 'cpu') await tf.setBackend('cpu');
else {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const stock = Object.fromEntries(['Conv2DBackpropInput', 'BatchMatMul'].map((k) => [k, tf.getKernel(k, 'wasm')]));
  registerWasmTrainingKernels();
  const restore = { all: [], 'filter+input': ['BatchMatMul'], 'filter-only': ['Conv2DBackpropInput', 'BatchMatMul'] }[
    variant
  ];
  if (!restore) throw new Error(`unknown variant ${variant}: all, filter+input, filter-only or cpu`);
  for (const k of restore) {
    tf.unregisterKernel(k, 'wasm');
    tf.registerKernel(stock[k]);
  }
}
await tf.ready();
const data = await loadDataset(new URL('../data/fashion-mnist', import.meta.url).pathname, { which: 'train' });
const batch = 64;
const replica = new Replica(presetConfig(size), 'rmsprop', data.train.images.pixels, batch, { momentum: 0.9 });
const indices = (s) => Int32Array.from({ length: batch }, (_, i) => ((s * batch + i) * 7) % 20000);
const step = (s) => {
  const g = replica.gradients(indices(s));
  replica.apply(g.grads, 1e-3);
  return g.loss;
};
for (let s = 0; s < 3; s++) step(s); // warm-up
let steps = 0;
const t0 = performance.now();
while (performance.now() - t0 < Number(seconds) * 1000) step(3 + steps++);
const secs = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ variant, size, backend: tf.getBackend(), steps, seconds: +secs.toFixed(2), imagesPerSec: Math.round((steps * batch) / secs) }));

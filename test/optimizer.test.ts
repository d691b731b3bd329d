// The flat optimizers against tfjs's own RMSprop and Adam (the cpu backend): same weights after several
// steps with changing learning rates, over variables of different shapes; state round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { makeOptimizer, RMSPROP, ADAM, type OptimizerName } from '../src/train/optimizer.js';
import { seededRandom } from '../src/util/random.js';
import { TOL, maxAbsDiff } from './tolerance.js';

await tf.setBackend('cpu');

const SHAPES = [[3, 3, 1, 4], [4], [37, 5], [5]];
const LRS = [4e-3, 3e-3, 1e-3, 5e-4, 1e-4];

function reference(name: OptimizerName): tf.Optimizer {
  return name === 'rmsprop' ? tf.train.rmsprop(1, RMSPROP.rho, 0, RMSPROP.epsilon) : tf.train.adam(1, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
}

for (const name of ['rmsprop', 'adam'] as const) {
  test(`${name}: flat updates match tfjs's optimizer over ${LRS.length} steps`, () => {
    const random = seededRandom(7);
    const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
    const total = sizes.reduce((a, b) => a + b, 0);
    const weights = Float32Array.from({ length: total }, () => random() - 0.5);
    const vars = SHAPES.map((shape, i) => {
      const start = sizes.slice(0, i).reduce((a, b) => a + b, 0);
      return tf.variable(tf.tensor(weights.slice(start, start + sizes[i]!), shape), true, `w${i}`);
    });
    const flat = makeOptimizer(name, total);
    const ref = reference(name);
    for (const lr of LRS) {
      // Gradients spanning several magnitudes, some exactly zero.
      const grads = Float32Array.from({ length: total }, (_, k) => (k % 11 === 0 ? 0 : (random() - 0.5) * 10 ** -Math.floor(random() * 4)));
      flat.step(weights, grads, lr);
      (ref as unknown as { learningRate: number }).learningRate = lr;
      let o = 0;
      ref.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(grads.slice(o, (o += sizes[i]!)), SHAPES[i])])));
    }
    const expected = new Float32Array(total);
    let o = 0;
    vars.forEach((v, i) => { expected.set(v.dataSync() as Float32Array, o); o += sizes[i]!; });
    const { max } = maxAbsDiff(weights, expected);
    assert.ok(max <= TOL.optimizerAbs, `max abs weight difference ${max}`);
    assert.ok(maxAbsDiff(weights, Float32Array.from(expected, (x) => x + 1)).max > 0.5, 'the comparison can fail');
    tf.dispose(vars);
  });

  test(`${name}: state round-trips, and a state of another optimizer or size is refused`, () => {
    const a = makeOptimizer(name, 10), b = makeOptimizer(name, 10);
    const w1 = new Float32Array(10).fill(1), w2 = new Float32Array(10).fill(1);
    const g = Float32Array.from({ length: 10 }, (_, i) => i / 10 - 0.3);
    a.step(w1, g, 1e-2);
    b.setSlots(a.slots());
    w2.set(w1);
    a.step(w1, g, 1e-2);
    b.step(w2, g, 1e-2);
    assert.deepEqual(w1, w2);
    assert.throws(() => makeOptimizer(name, 11).setSlots(a.slots()), /slot \w+ has 10 values, needs 11/);
    const other = makeOptimizer(name === 'adam' ? 'rmsprop' : 'adam', 10);
    assert.throws(() => other.setSlots(a.slots()), /state needs slots/);
  });
}

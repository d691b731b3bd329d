// The flat optimizers against tfjs's own RMSprop and Adam (the cpu backend): same weights after several
// steps with changing learning rates, over variables of different shapes; state round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { makeOptimizer, optimizerStateBytes, RMSPROP, ADAM, type OptimizerName } from '../src/train/optimizer.js';
import { seededRandom } from '../src/util/random.js';
import { TOL, maxAbsDiff } from './tolerance.js';

await tf.setBackend('cpu');

const SHAPES = [[3, 3, 1, 4], [4], [37, 5], [5]];
const LRS = [4e-3, 3e-3, 1e-3, 5e-4, 1e-4];

function reference(name: OptimizerName, momentum: number): tf.Optimizer {
  return name === 'rmsprop'
    ? tf.train.rmsprop(1, RMSPROP.rho, momentum, RMSPROP.epsilon)
    : tf.train.adam(1, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
}

const CASES = [
  ['rmsprop', 0],
  ['rmsprop', 0.9],
  ['adam', 0],
] as const;

for (const [name, momentum] of CASES) {
  test(`${name}${momentum ? ` with momentum ${momentum}` : ''}: flat updates match tfjs's optimizer over ${LRS.length} steps`, () => {
    const random = seededRandom(7);
    const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
    const total = sizes.reduce((a, b) => a + b, 0);
    const weights = Float32Array.from({ length: total }, () => random() - 0.5);
    const vars = SHAPES.map((shape, i) => {
      const start = sizes.slice(0, i).reduce((a, b) => a + b, 0);
      return tf.variable(tf.tensor(weights.slice(start, start + sizes[i]!), shape), true, `w${i}`);
    });
    const flat = makeOptimizer(name, total, { momentum });
    const ref = reference(name, momentum);
    for (const lr of LRS) {
      // Gradients spanning several magnitudes, some exactly zero.
      const grads = Float32Array.from({ length: total }, (_, k) =>
        k % 11 === 0 ? 0 : (random() - 0.5) * 10 ** -Math.floor(random() * 4),
      );
      flat.step(weights, grads, lr);
      (ref as unknown as { learningRate: number }).learningRate = lr;
      let o = 0;
      ref.applyGradients(
        Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(grads.slice(o, (o += sizes[i]!)), SHAPES[i])])),
      );
    }
    const expected = new Float32Array(total);
    let o = 0;
    vars.forEach((v, i) => {
      expected.set(v.dataSync() as Float32Array, o);
      o += sizes[i]!;
    });
    const { max } = maxAbsDiff(weights, expected);
    assert.ok(max <= TOL.optimizerAbs, `max abs weight difference ${max}`);
    assert.ok(
      maxAbsDiff(
        weights,
        Float32Array.from(expected, (x) => x + 1),
      ).max > 0.5,
      'the comparison can fail',
    );
    tf.dispose(vars);
  });

  test(`${name}${momentum ? ` with momentum ${momentum}` : ''}: state round-trips, and a state of another optimizer or size is refused`, () => {
    const a = makeOptimizer(name, 10, { momentum }),
      b = makeOptimizer(name, 10, { momentum });
    const w1 = new Float32Array(10).fill(1),
      w2 = new Float32Array(10).fill(1);
    const g = Float32Array.from({ length: 10 }, (_, i) => i / 10 - 0.3);
    a.step(w1, g, 1e-2);
    b.setSlots(a.slots());
    w2.set(w1);
    a.step(w1, g, 1e-2);
    b.step(w2, g, 1e-2);
    assert.deepEqual(w1, w2);
    assert.throws(() => makeOptimizer(name, 11, { momentum }).setSlots(a.slots()), /slot \w+ has 10 values, needs 11/);
    // Another optimizer, or RMSprop with momentum switched on or off, keeps other slots.
    const other =
      name === 'adam' ? makeOptimizer('rmsprop', 10) : makeOptimizer('rmsprop', 10, { momentum: momentum ? 0 : 0.5 });
    assert.throws(() => other.setSlots(a.slots()), /state needs slots/);
  });
}

test('momentum is checked: in range, and for RMSprop only', () => {
  assert.throws(() => makeOptimizer('rmsprop', 4, { momentum: 1 }), /--momentum must be in 0\.\.0\.99, got 1/);
  assert.throws(() => makeOptimizer('rmsprop', 4, { momentum: -0.1 }), /--momentum must be in/);
  assert.throws(() => makeOptimizer('adam', 4, { momentum: 0.9 }), /--momentum applies to rmsprop only/);
});

for (const [name, momentum] of CASES) {
  test(`${name}${momentum ? ` with momentum ${momentum}` : ''}: ranks sharing the state and stepping their slices give the whole step's weights and state`, () => {
    const random = seededRandom(11);
    const n = 1001,
      cut = 377;
    const start = Float32Array.from({ length: n }, () => random() - 0.5);
    const whole = makeOptimizer(name, n, { momentum });
    const state = new SharedArrayBuffer(optimizerStateBytes(n));
    const ranks = [makeOptimizer(name, n, { momentum }), makeOptimizer(name, n, { momentum })];
    ranks.forEach((r) => r.share(state));
    const a = start.slice(),
      b = start.slice();
    for (const lr of LRS) {
      const g = Float32Array.from({ length: n }, () => (random() - 0.5) * 10 ** Math.floor(random() * 4 - 2));
      whole.step(a, g, lr);
      ranks[0]!.step(b, g, lr, 0, cut);
      ranks[1]!.step(b, g, lr, cut, n);
    }
    // The same element-wise arithmetic in the same order: bit-identical, not merely close.
    assert.deepEqual(b, a);
    const ws = whole.slots();
    for (const r of ranks) assert.deepEqual(r.slots(), ws);
    assert.ok(
      a.some((v, i) => v !== start[i]),
      'the steps moved the weights',
    );
  });
}

test('a shared optimizer state of the wrong size is refused', () => {
  assert.throws(
    () => makeOptimizer('rmsprop', 10).share(new SharedArrayBuffer(8)),
    /optimizer state of 8 bytes for 10 weights/,
  );
});

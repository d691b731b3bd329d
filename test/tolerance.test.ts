// The comparison every numeric test uses: it must fail, and say where and by how much.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './tolerance.js';

test('assertClose: passes within atol or rtol, fails naming the worst index and both values', () => {
  assertClose([1, 2, 3], [1, 2.0005, 3], { atol: 1e-3 }, 'within atol');
  assertClose([100, 200], [100.01, 200.02], { rtol: 1e-3 }, 'within rtol');
  assertClose(0.5, 0.5, { atol: 0 }, 'a scalar');
  assert.throws(
    () => assertClose([1, 2, 3, 4], [1, 2.1, 3, 4.5], { atol: 0.01 }, 'codes'),
    /codes: 2 of 4 values outside atol 0\.01 \+ rtol 0; worst at index 3: actual 4, expected 4\.5/,
  );
  assert.throws(() => assertClose([1, NaN], [1, 1], { atol: 1 }, 'nan'), /worst at index 1: actual NaN/);
  assert.throws(() => assertClose([1, 2], [1], { atol: 1 }, 'shapes'), /shapes: 2 values, expected 1/);
});

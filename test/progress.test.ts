// Progress off a terminal: plain lines, at most one per interval plus the last, and events rendered as lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ProgressRenderer, plainProgress } from '../pipeline/progress.js';
import { stageProgress } from '../src/util/progress.js';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => out };
}

test('off a terminal: a plain line per interval and one at completion, no carriage returns', () => {
  const c = capture();
  const p = new ProgressRenderer(c.stream, { plainEverySeconds: 0 });
  p.update({ label: 'encode', done: 1200, total: 10000, rate: 5100, unit: 'img' });
  p.handle({ type: 'progress', stage: 'report', what: 'kNN', done: 10, total: 10 });
  p.handle({ type: 'step', stage: 'report', what: 'drawing the pictures' });
  const train = stageProgress('train', p.handle);
  train.progress('epoch 3/32', 430, 860, { rate: 31.25, unit: 'batch', detail: 'train loss 0.2712' });
  train.done('wrote models/tfjs');
  assert.equal(
    c.text(),
    'encode 1200/10000 (12%) 5100 img/s ETA 2s\nreport: kNN 10/10 (100%)\nreport: drawing the pictures\n' +
      'train: epoch 3/32 430/860 (50%) 31.3 batch/s ETA 14s train loss 0.2712\ntrain: wrote models/tfjs\n',
  );

  const quiet = capture();
  const q = new ProgressRenderer(quiet.stream, { plainEverySeconds: 3600 });
  for (let i = 1; i < 100; i++) q.update({ label: 'x', done: i, total: 100 });
  assert.equal(quiet.text(), '', 'nothing within the interval');
  q.update({ label: 'x', done: 100, total: 100 });
  assert.equal(quiet.text(), 'x 100/100 (100%)\n', 'the completion line always');
  assert.equal(plainProgress({ label: 'a', done: 0, total: 0 }), 'a 0/0');
});

// Training: the loss falls on real data, 1 and 2 threads agree, checkpoints resume, bad input is refused.
import { test } from 'node:test';
import { DATA, skipWithoutData } from './helpers/dataset.js';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadDataset } from '../src/data/dataset.js';
import { PIXELS } from '../src/data/fashion-mnist.js';
import { trainAutoencoder, type TrainSettings, type TrainEvent } from '../src/train/trainer.js';
import { runTrainStage } from '../src/train/stage.js';
import { presetConfig } from '../src/train/model.js';
import { Replica } from '../src/train/replica.js';
import * as tf from '@tensorflow/tfjs';
import { TOL, assertClose } from './tolerance.js';

const skip = skipWithoutData;

const tiny = (over: Partial<TrainSettings> = {}): TrainSettings => ({
  model: presetConfig('tiny', 3),
  optimizer: 'rmsprop',
  lr: 2e-3,
  schedule: 'constant',
  epochs: 1,
  batchSize: 32,
  threads: 1,
  engine: 'tfjs',
  backend: 'wasm',
  ...over,
});

test('one epoch on 3,000 real images: the loss falls', { skip }, async () => {
  const data = await loadDataset(DATA);
  const pixels = data.train.images.pixels.subarray(0, 3000 * PIXELS);
  const losses: number[] = [];
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'step') losses.push(e.loss);
  };
  const r = await trainAutoencoder(pixels, tiny({ threads: 2 }), { onEvent });
  assert.equal(r.history.length, 1);
  const h = r.history[0]!;
  assert.equal(losses.length, 84, '84 steps of 32 from 2,700 training images');
  // An untrained sigmoid output of ~0.5 scores ln 2 = 0.693 per pixel.
  assert.ok(losses[0]! > 0.6, `first-step loss ${losses[0]}`);
  assert.ok(h.valLoss < 0.6, `validation BCE after one epoch ${h.valLoss}`);
  assert.ok(h.trainLoss < losses[0]!, 'mean training loss below the first step');
  assert.ok(h.valMse > 0 && h.valMse < 0.1, `validation MSE ${h.valMse}`);
});

test(
  '1 and 2 worker threads from the same seed give the same weights; the same run twice is identical',
  { skip },
  async () => {
    const data = await loadDataset(DATA);
    const pixels = data.train.images.pixels.subarray(0, 700 * PIXELS);
    const one = await trainAutoencoder(pixels, tiny({ threads: 1 }));
    const two = await trainAutoencoder(pixels, tiny({ threads: 2 }));
    const oneAgain = await trainAutoencoder(pixels, tiny({ threads: 1 }));
    assert.equal(two.state.weights.length, one.state.weights.length);
    one.state.weights.forEach((w, i) => {
      assertClose(two.state.weights[i]!, w, { atol: TOL.dataParallelAbs }, `weight ${i}, 2 threads vs 1`);
      assert.deepEqual(w, oneAgain.state.weights[i], `weight ${i} differs between two identical runs`);
    });
  },
);

test(
  'train stage: writes models, history and manifest; --resume continues; mismatched resume is refused',
  { skip },
  async () => {
    const out = await mkdtemp(join(tmpdir(), 'train-stage-'));
    const base = { dataDir: DATA, outDir: out, limit: 1200, settings: tiny({ threads: 2, batchSize: 64 }) };
    const first = await runTrainStage(base);
    assert.equal(first.history.length, 1);
    assert.ok(first.history[0]!.valMse > 0 && first.history[0]!.valMse < 0.2);
    assert.ok(
      first.metrics.validation!.knn5 > 0.1,
      `5-NN accuracy ${first.metrics.validation!.knn5} should beat chance`,
    );
    for (const f of [
      'encoder/model.json',
      'encoder/weights.bin',
      'decoder/model.json',
      'history.jsonl',
      'manifest.json',
      'checkpoint/checkpoint.json',
    ]) {
      await stat(join(out, f));
    }
    const resumed = await runTrainStage({ ...base, resume: true, settings: { ...base.settings, epochs: 2 } });
    assert.equal(resumed.history.length, 2);
    assert.deepEqual(resumed.history[0], first.history[0]);
    const lines = (await readFile(join(out, 'history.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 2);
    const before = await readFile(join(out, 'manifest.json'), 'utf8');
    await assert.rejects(
      runTrainStage({ ...base, resume: true, settings: { ...base.settings, epochs: 3, lr: 0.01 } }),
      /--resume: the checkpoint in .* was trained with another configuration/,
    );
    await assert.rejects(
      runTrainStage({ ...base, resume: true, settings: { ...base.settings, epochs: 2 } }),
      /already holds 2 epochs/,
    );
    assert.equal(await readFile(join(out, 'manifest.json'), 'utf8'), before, 'a refused run overwrites nothing');
    await rm(out, { recursive: true });
  },
);

test('train stage: bad options are named errors before any work', { skip }, async () => {
  const base = { dataDir: DATA, outDir: join(tmpdir(), 'never-written'), limit: 500, settings: tiny() };
  await assert.rejects(
    runTrainStage({ ...base, settings: { ...base.settings, model: { ...base.settings.model, latent: 65 } } }),
    /--latent must be an integer in 2\.\.64, got 65/,
  );
  await assert.rejects(
    runTrainStage({ ...base, settings: { ...base.settings, batchSize: 0 } }),
    /--batch-size must be an integer in 1\.\.4096, got 0/,
  );
  await assert.rejects(
    runTrainStage({ ...base, settings: { ...base.settings, model: { ...base.settings.model, hidden: [] } } }),
    /give 1 to 4 dense layer sizes, got 0/,
  );
  await assert.rejects(
    runTrainStage({
      ...base,
      settings: { ...base.settings, model: { ...base.settings.model, decoderFilters: [4, 0] } },
    }),
    /filter and unit counts must be integers in 1\.\.1024, got 0/,
  );
  await assert.rejects(
    runTrainStage({ ...base, settings: { ...base.settings, optimizer: 'adam', momentum: 0.9 } }),
    /--momentum applies to rmsprop only/,
  );
  await assert.rejects(
    runTrainStage({ ...base, settings: { ...base.settings, momentum: 1.5 } }),
    /--momentum must be in 0\.\.0\.99, got 1\.5/,
  );
  // Where tfjs-node installed, the tensorflow backend is available and this is no error.
  const tfjsNode = 'tfjs-node';
  if (
    !(await import(`@tensorflow/${tfjsNode}`).then(
      () => true,
      () => false,
    ))
  ) {
    await assert.rejects(
      runTrainStage({ ...base, settings: { ...base.settings, backend: 'tensorflow' } }),
      /backend "tensorflow" is unavailable: @tensorflow\/tfjs-node did not load/,
    );
  }
  await assert.rejects(
    runTrainStage({ ...base, dataDir: '/nonexistent' }),
    /\/nonexistent\/manifest\.json is missing or unreadable: run `make data`/,
  );
  await assert.rejects(stat(base.outDir));
});

test('train CLI: malformed --filters, --decoder-filters and --hidden are refused before any work', () => {
  for (const [flag, value, message] of [
    ['--filters', '16', /--filters must look like "16,32", got "16"/],
    ['--decoder-filters', '8,x', /--decoder-filters must look like "16,32", got "8,x"/],
    ['--hidden', '128,64,32,16,8', /--hidden must look like "128,64" \(1 to 4 sizes\), got "128,64,32,16,8"/],
  ] as const) {
    const out = join(tmpdir(), `train-cli-never-${process.pid}`);
    const r = spawnSync(process.execPath, ['pipeline/train.js', flag, value, '--out', out], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, `${flag} ${value} exits non-zero`);
    assert.match(r.stderr, message);
    assert.equal(existsSync(out), false, 'nothing written');
  }
});

test('a training step (gradients, update) and an evaluation leave no tensors behind', { skip }, async () => {
  await tf.setBackend('cpu');
  const data = await loadDataset(DATA, { which: 'test' });
  const replica = new Replica(tiny().model, 'rmsprop', data.test.images.pixels.subarray(0, 64 * PIXELS), 32, {
    momentum: 0.9,
  });
  const batch = Array.from({ length: 32 }, (_, i) => i);
  const step = () => {
    const { grads } = replica.gradients(batch);
    replica.apply(grads, 1e-3);
    return replica.evaluate(batch);
  };
  step(); // the first step may create what the model keeps for good
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, before, 'tensors alive after three more steps');
});

// Train a tiny model, export it with the export stage, and validate parity on the whole test set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrainStage } from '../src/train/stage.js';
import { runExportStage } from '../src/export/stage.js';
import { runValidateStage } from '../src/validate/stage.js';
import { inspectOnnx } from 'tfjs2onnx/onnx';
import { sha256File } from '../src/util/hash.js';
import { TOL, assertClose } from './tolerance.js';
import { DATA, skipWithoutData } from './helpers/dataset.js';

const skip = skipWithoutData;

test(
  'train -> export -> validate: both ONNX files, a manifest of hashes, parity within 1e-4 on 10,000 images',
  { skip, timeout: 300_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'export-validate-'));
    const tfjsDir = join(dir, 'tfjs'),
      modelsDir = join(dir, 'models'),
      reportDir = join(dir, 'reports');
    await runTrainStage({
      dataDir: DATA,
      outDir: tfjsDir,
      limit: 1500,
      settings: {
        model: { latent: 3, filters: [4, 8], decoderFilters: [4, 8], hidden: [16], seed: 2 },
        optimizer: 'adam',
        lr: 2e-3,
        schedule: 'constant',
        epochs: 1,
        batchSize: 64,
        threads: 2,
        backend: 'wasm',
      },
    });
    const m = await runExportStage({ tfjsDir, outDir: modelsDir });
    assert.equal(m.encoder.sha256, await sha256File(join(modelsDir, 'encoder.onnx')));
    assert.deepEqual(m.encoder.input, { name: 'image', shape: ['batch', 28, 28, 1] });
    assert.deepEqual(m.decoder.output, { name: 'image', shape: ['batch', 28, 28, 1] });
    assert.deepEqual(m.encoder.output, { name: 'code', shape: ['batch', 3] });
    const info = await inspectOnnx(join(modelsDir, 'encoder.onnx'));
    assert.equal(info.opset, 13);
    assert.equal(info.metadata.role, 'encoder');
    assert.equal(info.metadata.training_run, await sha256File(join(tfjsDir, 'manifest.json')));
    assert.equal(
      (await inspectOnnx(join(modelsDir, 'decoder.onnx'))).metadata.training_run,
      info.metadata.training_run,
    );
    assert.equal(info.metadata.latent_size, '3');
    assert.equal(JSON.parse(info.metadata.class_names!)[9], 'Ankle boot');
    assert.ok(JSON.parse(info.metadata.validation_metrics!).knn5_accuracy > 0);
    assert.equal(info.metadata.metrics, undefined, "the test-set metrics are the report stage's alone");
    const r = await runValidateStage({ dataDir: DATA, tfjsDir, onnxDir: modelsDir, reportDir, backend: 'wasm' });
    assert.equal(r.images, 10000);
    assert.equal(r.passed, true, JSON.stringify(r));
    for (const part of ['encoder', 'decoder', 'chain'] as const)
      assertClose(r[part].maxAbs, 0, { atol: TOL.modelAbs }, `validate: ${part} max |tfjs - onnxruntime|`);
    assert.match(await readFile(join(reportDir, 'parity.md'), 'utf8'), /Result: \*\*passed\*\*/);
    // A tampered model (same training run, weights changed) fails validation with a non-passing report.
    const weightsPath = join(tfjsDir, 'encoder', 'weights.bin');
    const raw = await readFile(weightsPath);
    const weights = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    for (let i = 0; i < weights.length; i++) weights[i] = weights[i]! * 1.5;
    await writeFile(weightsPath, new Uint8Array(weights.buffer));
    const bad = await runValidateStage({ dataDir: DATA, tfjsDir, onnxDir: modelsDir, reportDir, backend: 'wasm' });
    assert.equal(bad.passed, false);
    assert.ok(bad.encoder.maxAbs > 1e-3);
    // ONNX files exported from another training run are refused by name before any comparison.
    await writeFile(join(tfjsDir, 'manifest.json'), (await readFile(join(tfjsDir, 'manifest.json'), 'utf8')) + ' ');
    await assert.rejects(
      runValidateStage({ dataDir: DATA, tfjsDir, onnxDir: modelsDir, reportDir, backend: 'wasm' }),
      /encoder\.onnx was exported from training run [0-9a-f]{12}, but .*manifest\.json is run [0-9a-f]{12}: the files do not belong together/,
    );
  },
);

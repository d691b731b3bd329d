// Coverage against tfjs's own serialization registry: every layer class tfjs-layers can deserialize gets a
// small sample model; the test counts how many convert and match tfjs, checks a sample of the converted
// files with onnx.checker (full_check) and OpenCV 4.6's importer where Python has them, and (with
// WRITE_COMPAT=1) writes the table in packages/tfjs2onnx/COMPATIBILITY.md. Without it, the committed table must list
// the same classes and operators as this run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { checkModel, modelArtifacts, randomizeWeights, type CheckOptions } from './helpers/convert-compare.js';
import { convertLayersModel } from 'tfjs2onnx';
import { maxAbsDiff, TOL } from './tolerance.js';

const PY = '/usr/bin/python3';
const hasPython = (mod: string) => {
  try {
    execFileSync(PY, ['-c', `import ${mod}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const COMPAT = 'packages/tfjs2onnx/COMPATIBILITY.md';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const L = tf.layers;
type Sample = { layers: () => tf.layers.Layer[]; input: number[]; opts?: CheckOptions & { dtype?: 'int32' } };

/** One small model per class (the class under test after whatever gives it a suitable input). */
const SAMPLES: Record<string, Sample> = {
  Activation: { layers: () => [L.activation({ activation: 'gelu' as 'relu' })], input: [5] },
  Add: { layers: () => [], input: [] },
  AlphaDropout: { layers: () => [L.dense({ units: 3 }), L.alphaDropout({ rate: 0.2 })], input: [4] },
  Average: { layers: () => [], input: [] },
  AveragePooling1D: { layers: () => [L.averagePooling1d({ poolSize: 2 })], input: [6, 2] },
  AveragePooling2D: { layers: () => [L.averagePooling2d({ poolSize: 2, padding: 'same' })], input: [5, 5, 2] },
  AveragePooling3D: { layers: () => [L.averagePooling3d({ poolSize: 2 })], input: [4, 4, 4, 1] },
  BatchNormalization: { layers: () => [L.batchNormalization({})], input: [4, 4, 3] },
  Bidirectional: {
    layers: () => [L.bidirectional({ layer: L.lstm({ units: 2, returnSequences: true }) as tf.RNN })],
    input: [4, 3],
  },
  CategoryEncoding: {
    layers: () => [L.categoryEncoding({ numTokens: 6, outputMode: 'count' })],
    input: [4],
    opts: { ints: 6 },
  },
  CenterCrop: { layers: () => [L.centerCrop({ height: 3, width: 3 })], input: [6, 5, 2] },
  Concatenate: { layers: () => [], input: [] },
  Conv1D: { layers: () => [L.conv1d({ filters: 3, kernelSize: 3, padding: 'same' })], input: [6, 2] },
  Conv2D: { layers: () => [L.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' })], input: [6, 6, 2] },
  Conv2DTranspose: {
    layers: () => [L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' })],
    input: [4, 4, 2],
  },
  Conv3D: { layers: () => [L.conv3d({ filters: 2, kernelSize: 2 })], input: [3, 4, 4, 1] },
  Conv3DTranspose: {
    layers: () => [L.conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2 })],
    input: [2, 3, 3, 1],
  },
  Cropping2D: {
    layers: () => [
      L.cropping2D({
        cropping: [
          [1, 0],
          [0, 1],
        ],
      }),
    ],
    input: [5, 5, 2],
  },
  Dense: { layers: () => [L.dense({ units: 3, activation: 'relu' })], input: [4] },
  DepthwiseConv2D: {
    layers: () => [L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' })],
    input: [5, 5, 2],
  },
  Dot: { layers: () => [], input: [] },
  Dropout: { layers: () => [L.dense({ units: 3 }), L.dropout({ rate: 0.5 })], input: [4] },
  ELU: { layers: () => [L.elu({})], input: [5] },
  Embedding: { layers: () => [L.embedding({ inputDim: 10, outputDim: 3 })], input: [4], opts: { ints: 10 } },
  Flatten: { layers: () => [L.conv2d({ filters: 2, kernelSize: 1 }), L.flatten()], input: [3, 3, 2] },
  GRU: { layers: () => [L.gru({ units: 3 })], input: [4, 2] },
  GaussianDropout: { layers: () => [L.dense({ units: 3 }), L.gaussianDropout({ rate: 0.3 })], input: [4] },
  GaussianNoise: { layers: () => [L.dense({ units: 3 }), L.gaussianNoise({ stddev: 0.3 })], input: [4] },
  GlobalAveragePooling1D: { layers: () => [L.globalAveragePooling1d({})], input: [5, 3] },
  GlobalAveragePooling2D: { layers: () => [L.globalAveragePooling2d({})], input: [4, 4, 3] },
  GlobalMaxPooling1D: { layers: () => [L.globalMaxPooling1d({})], input: [5, 3] },
  GlobalMaxPooling2D: { layers: () => [L.globalMaxPooling2d({})], input: [4, 4, 3] },
  LSTM: { layers: () => [L.lstm({ units: 3, returnSequences: true })], input: [4, 2] },
  LayerNormalization: { layers: () => [L.layerNormalization({})], input: [3, 4] },
  LeakyReLU: { layers: () => [L.leakyReLU({ alpha: 0.1 })], input: [5] },
  Masking: { layers: () => [L.masking({ maskValue: 0 })], input: [4, 3], opts: { ints: 2 } },
  MaxPooling1D: { layers: () => [L.maxPooling1d({ poolSize: 2 })], input: [6, 2] },
  MaxPooling2D: { layers: () => [L.maxPooling2d({ poolSize: 2 })], input: [4, 4, 2] },
  MaxPooling3D: { layers: () => [L.maxPooling3d({ poolSize: 2 })], input: [4, 4, 4, 1] },
  Maximum: { layers: () => [], input: [] },
  Minimum: { layers: () => [], input: [] },
  Multiply: { layers: () => [], input: [] },
  PReLU: { layers: () => [L.prelu({})], input: [3, 3, 2] },
  Permute: { layers: () => [L.permute({ dims: [2, 1] })], input: [3, 4] },
  RNN: { layers: () => [L.rnn({ cell: L.simpleRNNCell({ units: 3 }) })], input: [4, 2] },
  ReLU: { layers: () => [L.reLU({ maxValue: 0.5 })], input: [5] },
  RepeatVector: { layers: () => [L.repeatVector({ n: 3 })], input: [4] },
  Rescaling: { layers: () => [L.rescaling({ scale: 0.5, offset: 0.1 })], input: [3, 3, 1] },
  Reshape: { layers: () => [L.reshape({ targetShape: [2, 6] })], input: [3, 4] },
  SeparableConv2D: { layers: () => [L.separableConv2d({ filters: 3, kernelSize: 3 })], input: [5, 5, 2] },
  SimpleRNN: { layers: () => [L.simpleRNN({ units: 3 })], input: [4, 2] },
  Softmax: { layers: () => [L.softmax({})], input: [5] },
  SpatialDropout1D: { layers: () => [L.spatialDropout1d({ rate: 0.2 })], input: [4, 3] },
  ThresholdedReLU: { layers: () => [L.thresholdedReLU({ theta: 0.1 })], input: [5] },
  TimeDistributed: { layers: () => [L.timeDistributed({ layer: L.dense({ units: 2 }) })], input: [3, 4] },
  UpSampling2D: { layers: () => [L.upSampling2d({ size: [2, 2] })], input: [3, 3, 2] },
  ZeroPadding2D: { layers: () => [L.zeroPadding2d({ padding: 1 })], input: [3, 3, 2] },
};

/** Two-input samples for the merge layers. */
function mergeModel(className: string): tf.LayersModel {
  const a = tf.input({ shape: [3, 4] }),
    b = tf.input({ shape: [3, 4] });
  const layer =
    className === 'Dot'
      ? L.dot({ axes: 2 })
      : (L as unknown as Record<string, () => tf.layers.Layer>)[
          className.charAt(0).toLowerCase() + className.slice(1)
        ]!();
  return tf.model({ inputs: [a, b], outputs: layer.apply([a, b]) as tf.SymbolicTensor });
}
const MERGES = new Set(['Add', 'Average', 'Concatenate', 'Dot', 'Maximum', 'Minimum', 'Multiply']);

/** tfjs's layer classes that a saved model can hold as layers, without containers, InputLayer and RNN cells. */
function registryLayerClasses(): string[] {
  const map = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, [unknown, unknown]>;
  const skip = new Set([
    'Sequential',
    'Model',
    'Functional',
    'InputLayer',
    'LSTMCell',
    'GRUCell',
    'SimpleRNNCell',
    'StackedRNNCells',
  ]);
  return Object.entries(map)
    .filter(([name, [cls]]) => !skip.has(name) && (cls as { prototype: unknown }).prototype instanceof tf.layers.Layer)
    .map(([n]) => n)
    .sort();
}

/** tfjs's Resizing fails inside model.predict (it hands its input list to the op), so the layer itself is the reference. */
async function resizingRow(dir: string): Promise<Row> {
  const layer = L.resizing({ height: 5, width: 7 });
  const model = tf.sequential({ layers: [L.inputLayer({ inputShape: [3, 4, 2] }), layer] });
  const { json, weights } = await modelArtifacts(model);
  const ops = new Set<string>();
  let worst = 0;
  let bytes: Uint8Array = new Uint8Array(0);
  for (const opset of [13, 17]) {
    const r = convertLayersModel(json, weights, { source: 'resizing', opset });
    Object.keys(r.opTypes).forEach((o) => ops.add(o));
    if (opset === 13) bytes = r.bytes;
    const session = await ort.InferenceSession.create(r.bytes);
    for (const n of [1, 3]) {
      const x = tf.randomUniform([n, 3, 4, 2], -1, 1, 'float32', n);
      const expected = (layer.apply(x) as tf.Tensor).dataSync();
      const got = (
        await session.run({ [r.inputName]: new ort.Tensor('float32', x.dataSync() as Float32Array, [n, 3, 4, 2]) })
      )[r.outputName]!;
      worst = Math.max(worst, maxAbsDiff(got.data as Float32Array, expected).max / TOL.layerAbs);
    }
  }
  const file = join(dir, 'Resizing.onnx');
  await writeFile(file, bytes);
  return {
    className: 'Resizing',
    ok: worst <= 1,
    ops: [...ops].sort(),
    note: worst <= 1 ? '' : `error ${worst} x tolerance`,
    file,
  };
}

interface Row {
  className: string;
  ok: boolean;
  ops: string[];
  note: string;
  file?: string;
}

test('tfjs layer registry: at least 55 of its classes convert and match tfjs; checker and OpenCV on the files', async () => {
  const classes = registryLayerClasses();
  const dir = await mkdtemp(join(tmpdir(), 'tfjs2onnx-compat-'));
  const rows: Row[] = [];
  try {
    for (const className of classes) {
      const sample = SAMPLES[className];
      if (className === 'Resizing') {
        rows.push(await resizingRow(dir));
        continue;
      }
      if (!sample) {
        rows.push({ className, ok: false, ops: [], note: 'not supported' });
        continue;
      }
      try {
        const model = MERGES.has(className)
          ? mergeModel(className)
          : tf.sequential({
              layers: [L.inputLayer({ inputShape: sample.input, dtype: sample.opts?.dtype }), ...sample.layers()],
            });
        randomizeWeights(model, className.length);
        const r = await checkModel(model, { opset: 13, ...sample.opts });
        const r17 = await checkModel(model, { opset: 17, ...sample.opts });
        const ok = r.worst <= 1 && r17.worst <= 1;
        const file = join(dir, `${className}.onnx`);
        await writeFile(file, r.bytes);
        rows.push({
          className,
          ok,
          ops: Object.keys({ ...r.opTypes, ...r17.opTypes }).sort(),
          note: ok ? '' : `error ${r.worst} x tolerance`,
          file,
        });
      } catch (err) {
        rows.push({ className, ok: false, ops: [], note: (err as Error).message.split('\n')[0]!.slice(0, 120) });
      }
    }
    const converted = rows.filter((r) => r.ok);
    process.stdout.write(
      `tfjs2onnx registry coverage: ${converted.length} of ${classes.length} layer classes convert and match tfjs\n`,
    );
    process.stdout.write(
      `not converted: ${rows
        .filter((r) => !r.ok)
        .map((r) => `${r.className} (${r.note})`)
        .join(', ')}\n`,
    );
    assert.equal(
      classes.length,
      61,
      'tfjs-layers 4.22 registers 61 layer classes (without containers, InputLayer and RNN cells)',
    );
    assert.ok(converted.length >= 55, `${converted.length} of ${classes.length} convert`);

    const files = converted.map((r) => r.file!);
    const checker: Record<string, string> = {};
    if (hasPython('onnx')) {
      // onnx 1.12 knows opsets up to 17: the files are opset 13.
      const out = execFileSync(
        PY,
        [
          '-c',
          'import sys, onnx\nfor f in sys.argv[1:]:\n  try:\n    onnx.checker.check_model(onnx.load(f), full_check=True); print("ok")\n  except Exception as e:\n    print("fail: " + str(e).splitlines()[0][:100])',
          ...files,
        ],
        { encoding: 'utf8' },
      );
      out
        .trim()
        .split('\n')
        .forEach((line, i) => {
          checker[converted[i]!.className] = line;
        });
      const failed = Object.entries(checker).filter(([, v]) => v !== 'ok');
      assert.deepEqual(failed, [], 'onnx.checker full_check');
    }
    const opencv: Record<string, string> = {};
    if (hasPython('cv2')) {
      const out = execFileSync(
        PY,
        [
          '-c',
          'import sys, cv2\nfor f in sys.argv[1:]:\n  try:\n    cv2.dnn.readNetFromONNX(f); print("loads")\n  except Exception as e:\n    import re\n    m = re.search(r"Node \\[(\\w+)@", str(e))\n    print("rejects " + (m.group(1) if m else "the file"))',
          ...files,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      out
        .trim()
        .split('\n')
        .forEach((line, i) => {
          opencv[converted[i]!.className] = line;
        });
    }
    const table = [
      '# tfjs2onnx compatibility',
      '',
      `Generated by \`WRITE_COMPAT=1 node --test test/converter-registry.test.js\` (tfjs-layers ${tf.version.tfjs}). Each class is a small sample`,
      'model converted at opsets 13 and 17 and run in onnxruntime-node against tfjs (cpu backend) at batch 1 and 3, within',
      '1e-5 x max(1, |output|). "onnx.checker": `check_model(full_check=True)` of python3-onnx on the opset-13 file. "OpenCV 4.6":',
      'whether `cv2.dnn.readNetFromONNX` accepts that file (loading only; a narrow importer may still need other forms).',
      '',
      `${converted.length} of ${classes.length} layer classes convert.`,
      '',
      '| layer class | ONNX operators | onnxruntime vs tfjs | onnx.checker | OpenCV 4.6 importer |',
      '|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.className} | ${r.ops.join(', ') || '-'} | ${r.ok ? 'matches' : r.note.replace(/\|/g, '/')} | ${checker[r.className] ?? (r.ok ? 'not run' : '-')} | ${opencv[r.className] ?? (r.ok ? 'not run' : '-')} |`,
      ),
      '',
    ].join('\n');
    if (process.env.WRITE_COMPAT === '1') {
      await writeFile(COMPAT, table);
    } else {
      const committed = await readFile(COMPAT, 'utf8');
      for (const r of converted)
        assert.ok(
          committed.includes(`| ${r.className} | ${r.ops.join(', ')} | matches |`),
          `${COMPAT} is out of date for ${r.className}; rerun with WRITE_COMPAT=1`,
        );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

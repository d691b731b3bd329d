// The validate stage: tfjs and onnxruntime on the whole test set. Reads models/tfjs/{encoder,decoder},
// models/{encoder,decoder}.onnx and the dataset; writes reports/parity.json and reports/parity.md.
// Fails when any difference exceeds PARITY_ATOL.
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { loadDataset } from '../data/dataset.js';
import { PIXELS, IMAGE_SIZE } from '../data/fashion-mnist.js';
import { initBackend, type BackendChoice } from '../runtime/tfjs-backend.js';
import { loadLayersModel } from '../util/tfjs-io.js';
import { ensureWritableDir, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { openModel, runBatch } from '../runtime/ort-session.js';
import { checkDecoder, checkEncoder } from '../runtime/model-interface.js';
import { checkSameTrainingRun } from '../artifacts/training-run.js';
import type { OnnxInfo } from 'tfjs2onnx/onnx';
import { sha256File } from '../util/hash.js';
import { PARITY_ATOL } from './tolerance.js';
import { scalePixels } from '../data/pixels.js';
import { stageProgress, type OnProgress } from '../util/progress.js';

export interface Diff {
  maxAbs: number;
  meanAbs: number;
  /** Test-set index of the image (or code) with the largest difference. */
  worstIndex: number;
}

export interface ParityReport {
  stage: 'validate';
  images: number;
  atol: number;
  passed: boolean;
  backend: string;
  encoder: Diff;
  decoder: Diff;
  chain: Diff;
  timings: { tfjsSeconds: number; onnxSeconds: number };
  createdAt: string;
}

class DiffAccumulator {
  private max = 0;
  private sum = 0;
  private count = 0;
  private worst = -1;
  add(a: Float32Array, b: Float32Array, firstIndex: number, perItem: number): void {
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      this.sum += d;
      if (!(d <= this.max)) {
        this.max = Number.isNaN(d) ? Infinity : d;
        this.worst = firstIndex + Math.floor(i / perItem);
      }
    }
    this.count += a.length;
  }
  result(): Diff {
    return { maxAbs: this.max, meanAbs: this.sum / Math.max(1, this.count), worstIndex: this.worst };
  }
}

/** Checks that `enc` is an encoder and `dec` a decoder, naming a swapped pair as such. */
function checkRoles(enc: OnnxInfo, dec: OnnxInfo): void {
  const passes = (check: (i: OnnxInfo) => unknown, info: OnnxInfo) => {
    try {
      check(info);
      return true;
    } catch {
      return false;
    }
  };
  if (!passes(checkEncoder, enc) && passes(checkDecoder, enc) && passes(checkEncoder, dec)) {
    throw new Error(`${enc.path} is a decoder and ${dec.path} an encoder: the two files are swapped`);
  }
  checkEncoder(enc);
  checkDecoder(dec);
}

export async function runValidateStage(o: {
  dataDir: string;
  tfjsDir: string;
  onnxDir: string;
  reportDir: string;
  backend?: BackendChoice;
  batch?: number;
  onProgress?: OnProgress;
}): Promise<ParityReport> {
  const p = stageProgress('validate', o.onProgress);
  // Every input is checked before anything is computed or written: roles, training run, then data.
  const ortEnc = await openModel(join(o.onnxDir, 'encoder.onnx'));
  const ortDec = await openModel(join(o.onnxDir, 'decoder.onnx'));
  checkRoles(ortEnc.info, ortDec.info);
  const trainManifest = join(o.tfjsDir, 'manifest.json');
  const trainRun = await sha256File(trainManifest).catch(() => null);
  checkSameTrainingRun([ortEnc.info, ortDec.info], trainRun ? { path: trainManifest, sha256: trainRun } : undefined);
  const backend = await initBackend(o.backend ?? 'auto');
  const tfEncPath = join(o.tfjsDir, 'encoder', 'model.json'),
    tfDecPath = join(o.tfjsDir, 'decoder', 'model.json');
  const tfEnc = await loadLayersModel(tfEncPath);
  const tfDec = await loadLayersModel(tfDecPath);
  if (tfEnc.inputs[0]!.shape.length !== 4)
    throw new Error(
      `${tfEncPath}: not an encoder: input shape [${tfEnc.inputs[0]!.shape.join(', ')}], expected [batch, 28, 28, 1]`,
    );
  if (tfDec.inputs[0]!.shape.length !== 2)
    throw new Error(
      `${tfDecPath}: not a decoder: input shape [${tfDec.inputs[0]!.shape.join(', ')}], expected [batch, latent]`,
    );
  const data = await loadDataset(o.dataDir, { which: 'test' });
  await ensureWritableDir(o.reportDir);
  const latent = tfEnc.outputs[0]!.shape[1] as number;

  const n = data.test.images.count,
    batch = o.batch ?? 1000;
  const enc = new DiffAccumulator(),
    dec = new DiffAccumulator(),
    chain = new DiffAccumulator();
  let tfjsMs = 0,
    onnxMs = 0;
  const x = new Float32Array(batch * PIXELS);
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s);
    const xs = scalePixels(data.test.images.pixels.subarray(s * PIXELS, (s + b) * PIXELS), x.subarray(0, b * PIXELS));
    const dims = [b, IMAGE_SIZE, IMAGE_SIZE, 1];

    let t = performance.now();
    // tfjs: the decoder runs on the tfjs codes, which makes its images both the decoder reference
    // (ONNX decoder fed the same codes) and the chain reference (ONNX encoder then ONNX decoder).
    const [tfCodes, tfImages] = tf.tidy(() => {
      const codes = tfEnc.predict(tf.tensor4d(xs, dims as [number, number, number, number])) as tf.Tensor;
      const images = tfDec.predict(codes) as tf.Tensor;
      return [codes.dataSync() as Float32Array, images.dataSync() as Float32Array];
    });
    tfjsMs += performance.now() - t;

    t = performance.now();
    const ortCodes = await runBatch(ortEnc, xs, dims);
    const ortImagesFromTfCodes = await runBatch(ortDec, tfCodes, [b, latent]);
    const ortChain = await runBatch(ortDec, ortCodes, [b, latent]);
    onnxMs += performance.now() - t;

    enc.add(ortCodes, tfCodes, s, latent);
    dec.add(ortImagesFromTfCodes, tfImages, s, PIXELS);
    chain.add(ortChain, tfImages, s, PIXELS);
    p.progress('test images', s + b, n, { unit: 'img', rate: (s + b) / ((tfjsMs + onnxMs) / 1000) });
  }
  const report: ParityReport = {
    stage: 'validate',
    images: n,
    atol: PARITY_ATOL,
    passed: false,
    backend,
    encoder: enc.result(),
    decoder: dec.result(),
    chain: chain.result(),
    timings: { tfjsSeconds: tfjsMs / 1000, onnxSeconds: onnxMs / 1000 },
    createdAt: new Date().toISOString(),
  };
  report.passed = [report.encoder, report.decoder, report.chain].every((d) => d.maxAbs <= PARITY_ATOL);
  await writeJsonAtomic(join(o.reportDir, 'parity.json'), report);
  await writeFileAtomic(join(o.reportDir, 'parity.md'), parityMarkdown(report));
  for (const [k, d] of [
    ['encoder', report.encoder],
    ['decoder', report.decoder],
    ['chain', report.chain],
  ] as const)
    p.note(
      `${k.padEnd(7)} max abs ${d.maxAbs.toExponential(2)} (test image ${d.worstIndex}), mean abs ${d.meanAbs.toExponential(2)}`,
    );
  p.done(
    `${n} images, tfjs ${report.timings.tfjsSeconds.toFixed(2)}s, onnxruntime ${report.timings.onnxSeconds.toFixed(2)}s; ` +
      `wrote ${o.reportDir}/parity.json; ${report.passed ? 'passed' : 'FAILED'} (atol ${report.atol})`,
  );
  return report;
}

export function parityMarkdown(r: ParityReport): string {
  const row = (name: string, what: string, d: Diff) =>
    `| ${name} | ${what} | ${d.maxAbs.toExponential(2)} | ${d.meanAbs.toExponential(2)} | ${d.worstIndex} |`;
  return [
    `# Parity: tfjs (${r.backend}) vs onnxruntime-node on ${r.images} test images`,
    '',
    `Bar: max absolute error <= ${r.atol}. Result: **${r.passed ? 'passed' : 'FAILED'}**.`,
    '',
    '| model | compared | max abs error | mean abs error | worst test index |',
    '|---|---|---|---|---|',
    row('encoder', 'codes', r.encoder),
    row('decoder', 'pixels, from the same codes', r.decoder),
    row('chain', 'pixels, each runtime end to end', r.chain),
    '',
    `Time for all three passes: tfjs ${r.timings.tfjsSeconds.toFixed(2)} s, onnxruntime ${r.timings.onnxSeconds.toFixed(2)} s.`,
    '',
  ].join('\n');
}

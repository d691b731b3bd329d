// encode: images -> codes with onnxruntime-node (see src/serve/encode.ts).
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { capThreads, cliArgs, runCli } from '../src/util/cli.js';
import { ProgressLine } from '../src/util/progress.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { openModel } from '../src/lib/ort-session.js';
import { openImageSource } from '../src/serve/image-sources.js';
import { openCodeWriters } from '../src/serve/tee-writer.js';
import { encodeSource } from '../src/serve/encode.js';
import { checkEncodeArgs } from '../src/serve/cli-checks.js';
import { checkEncoder } from '../src/lib/model-interface.js';

runCli(async () => {
  const t0 = performance.now();
  const argv = await cliArgs('encode')
    .usage('$0 --onnx models/encoder.onnx [--input ...] [--output codes.npy|.csv|.jsonl]\n\n' +
      'Encodes images into codes with onnxruntime-node. Inputs: an idx file (raw or .gz), a .npy array [N,28,28(,1)] ' +
      '(uint8 0..255 or float32 0..1), or PNG/JPEG images (a folder, a quoted glob, or one file).')
    .option('onnx', { type: 'string', default: 'models/encoder.onnx', describe: 'the encoder model' })
    .option('input', { type: 'string', describe: 'input (default: the verified test set in --data)' })
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR })
    .option('output', { alias: 'o', type: 'string', array: true, default: ['codes.npy'], describe: 'output file; format from the extension (repeat it to write several from one run)' })
    .option('batch-size', { type: 'number', default: 256 })
    .option('threads', { type: 'number', default: availableParallelism(), describe: 'onnxruntime intra-op threads' })
    .option('invert', { choices: ['auto', 'yes', 'no'] as const, default: 'auto' as const, describe: 'images only: make dark-on-light pictures light-on-dark like Fashion-MNIST' })
    .option('skip-bad', { type: 'boolean', default: false, describe: 'images only: report and skip files that cannot be decoded' })
    .example('$0 --onnx models/encoder.onnx', 'encode the 10,000 test images into codes.npy')
    .example('$0 --input photos/ --output photos.csv', 'encode a folder of PNG/JPEG images')
    .example("$0 --input 'shots/*.jpg' --skip-bad -o shots.jsonl", 'a glob, skipping unreadable files')
    .check(checkEncodeArgs)
    .strict()
    .help()
    .parse();

  const progress = new ProgressLine();
  // Check the model before touching the data.
  const model = await openModel(argv.onnx, { threads: capThreads(argv.threads, (line) => progress.log(`encode: ${line}`)) });
  const latent = checkEncoder(model.info);
  const input = argv.input ?? join(argv.data, 't10k-images-idx3-ubyte');
  let skipped = 0;
  const source = await openImageSource(input, { invert: argv.invert, skipBad: argv['skip-bad'], onSkip: (f, why) => { skipped++; progress.log(`encode: skipped ${f}: ${why}`); } });
  const writer = await openCodeWriters(argv.output, latent, { labels: source.hasLabels, names: source.hasNames });
  const r = await encodeSource(model, source, writer, {
    batchSize: argv['batch-size'],
    onProgress: (p) => progress.update({ label: 'encode', done: p.done, total: p.total, rate: p.imagesPerSec, unit: 'img' }),
  });
  const total = (performance.now() - t0) / 1000;
  progress.log(`encode: ${r.count} images from ${source.description} -> ${argv.output.join(', ')} ([${r.count}, ${latent}] float32); ` +
    `${Math.round(r.imagesPerSec)} images/s encoding, ${Math.round(r.count / total)} images/s end to end (${total.toFixed(2)}s), ` +
    `peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB${skipped ? `; ${skipped} unreadable file(s) skipped` : ''}`);
});

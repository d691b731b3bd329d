// report: pictures and metrics of what the autoencoder learned (see src/report/stage.ts).
import { join } from 'node:path';
import { cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { runReportStage } from '../src/report/stage.js';
import { ProgressRenderer } from './progress.js';

runCli(async () => {
  const argv = await cliArgs('report')
    .usage(
      '$0 [options]\n\nWrites latent.png, reconstructions.png, manifold.png, training.png, metrics.json and metrics.md from the ONNX models.',
    )
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR })
    .option('models', { type: 'string', default: 'models', describe: 'folder with encoder.onnx and decoder.onnx' })
    .option('tfjs', { type: 'string', default: 'models/tfjs', describe: 'train stage output (for the loss curves)' })
    .option('out', { type: 'string', default: 'reports' })
    .option('test-codes', {
      type: 'string',
      default: 'reports/test-codes.npy',
      describe: "the test set's codes (make encode)",
    })
    .option('train-codes', {
      type: 'string',
      default: 'reports/train-codes.npy',
      describe: "the training set's codes (make encode)",
    })
    .example('$0', 'write reports/')
    .strict()
    .help()
    .parse();
  lockOutput(join(argv.out, 'metrics.json')); // one writer per output (src/util/lock.ts)
  await runReportStage({
    dataDir: argv.data,
    modelsDir: argv.models,
    tfjsDir: argv.tfjs,
    outDir: argv.out,
    testCodes: argv['test-codes'],
    trainCodes: argv['train-codes'],
    onProgress: new ProgressRenderer().handle,
  });
});

// validate: numeric parity between tfjs and onnxruntime-node on the whole test set (see src/validate/stage.ts).
import { join } from 'node:path';
import { cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { BACKEND_CHOICES } from '../src/runtime/tfjs-backend.js';
import { runValidateStage } from '../src/validate/stage.js';
import { ProgressRenderer } from './progress.js';

runCli(async () => {
  const argv = await cliArgs('validate')
    .usage(
      '$0 [options]\n\nRuns the tfjs models and the ONNX files on every test image; writes reports/parity.{json,md}; exits 1 above the tolerance.',
    )
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR })
    .option('tfjs', { type: 'string', default: 'models/tfjs' })
    .option('onnx', { type: 'string', default: 'models', describe: 'folder with encoder.onnx and decoder.onnx' })
    .option('report', { type: 'string', default: 'reports' })
    .option('backend', { choices: BACKEND_CHOICES, default: 'auto' as const })
    .example('$0', 'validate the exported models')
    .strict()
    .help()
    .parse();
  lockOutput(join(argv.report, 'parity.json')); // one writer per output (src/util/lock.ts)
  const progress = new ProgressRenderer();
  const r = await runValidateStage({
    dataDir: argv.data,
    tfjsDir: argv.tfjs,
    onnxDir: argv.onnx,
    reportDir: argv.report,
    backend: argv.backend,
    onProgress: progress.handle,
  });
  if (!r.passed) throw new Error(`parity FAILED: max abs error above ${r.atol} (see ${argv.report}/parity.md)`);
  process.exit(0);
});

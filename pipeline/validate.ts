// validate: numeric parity between tfjs and onnxruntime-node on the whole test set (see src/validate/stage.ts).
import { cliArgs, runCli } from '../src/util/cli.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { BACKEND_CHOICES } from '../src/lib/tfjs-backend.js';
import { runValidateStage } from '../src/validate/stage.js';
import { ProgressLine } from '../src/util/progress.js';

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
  const progress = new ProgressLine();
  const r = await runValidateStage({
    dataDir: argv.data,
    tfjsDir: argv.tfjs,
    onnxDir: argv.onnx,
    reportDir: argv.report,
    backend: argv.backend,
    onProgress: (done, total) => progress.update({ label: 'validate', done, total }),
  });
  for (const [k, d] of [
    ['encoder', r.encoder],
    ['decoder', r.decoder],
    ['chain', r.chain],
  ] as const) {
    progress.log(
      `validate: ${k.padEnd(7)} max abs ${d.maxAbs.toExponential(2)} (test image ${d.worstIndex}), mean abs ${d.meanAbs.toExponential(2)}`,
    );
  }
  progress.log(
    `validate: ${r.images} images, tfjs ${r.timings.tfjsSeconds.toFixed(2)}s, onnxruntime ${r.timings.onnxSeconds.toFixed(2)}s; wrote ${argv.report}/parity.json`,
  );
  if (!r.passed) throw new Error(`parity FAILED: max abs error above ${r.atol} (see ${argv.report}/parity.md)`);
  progress.log(`validate: passed (atol ${r.atol})`);
  process.exit(0);
});

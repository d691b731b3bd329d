// export: the trained tfjs encoder and decoder as ONNX files (see src/export/stage.ts).
import { join } from 'node:path';
import { checkIntegerFlag, cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { runExportStage } from '../src/export/stage.js';
import { ProgressRenderer } from './progress.js';
import { DEFAULT_OPSET, OPSET_RANGE } from 'tfjs2onnx';

runCli(async () => {
  const argv = await cliArgs('export')
    .usage(
      "$0 [options]\n\nConverts models/tfjs/{encoder,decoder} into models/encoder.onnx and models/decoder.onnx with the project's tfjs2onnx converter.",
    )
    .option('tfjs', { type: 'string', default: 'models/tfjs', describe: "the train stage's output folder" })
    .option('out', { type: 'string', default: 'models', describe: 'where the .onnx files and manifest.json go' })
    .option('opset', { type: 'number', default: DEFAULT_OPSET, describe: `ONNX opset (${OPSET_RANGE.join('..')})` })
    .check((a) => {
      checkIntegerFlag('opset', a.opset, ...OPSET_RANGE);
      return true;
    })
    .example('$0', 'export with the defaults')
    .strict()
    .help()
    .parse();
  lockOutput(join(argv.out, 'manifest.json')); // one writer per output (src/util/lock.ts)
  const progress = new ProgressRenderer();
  await runExportStage({ tfjsDir: argv.tfjs, outDir: argv.out, opset: argv.opset, onProgress: progress.handle });
});

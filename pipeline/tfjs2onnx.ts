#!/usr/bin/env node
// tfjs2onnx: converts a tfjs LayersModel (model.json + weight shards) into an ONNX model.
import { cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { convertFile } from '../src/onnx/convert-file.js';
import { DEFAULT_OPSET, OPSET_RANGE, formatSummary } from '../src/onnx/convert.js';
import { checkTfjs2onnxArgs } from '../src/onnx/cli-checks.js';

runCli(async () => {
  const argv = await cliArgs('tfjs2onnx')
    .usage(
      '$0 <model.json> -o <model.onnx> [options]\n\nConverts a tfjs LayersModel into ONNX. Image models keep the tfjs interface: ' +
        "channels-last (NHWC) float32 input and output; transposes for ONNX's NCHW convolutions are inserted inside the graph.",
    )
    .command('$0 <model>', false, (y) =>
      y.positional('model', { type: 'string', demandOption: true, describe: 'path to model.json' }),
    )
    .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the .onnx file to write' })
    .option('opset', {
      type: 'number',
      default: DEFAULT_OPSET,
      describe: `ONNX opset (${OPSET_RANGE[0]}..${OPSET_RANGE[1]})`,
    })
    .option('batch', { type: 'string', default: 'dynamic', describe: '"dynamic" or a fixed batch size' })
    .option('name', { type: 'string', describe: 'graph name (default: the tfjs model name)' })
    .option('input-name', {
      type: 'string',
      describe: 'name of the graph input (default: the tfjs input layer name); comma-separated for several',
    })
    .option('output-name', {
      type: 'string',
      describe: 'name of the graph output (default: the output layer name); comma-separated for several',
    })
    .option('meta', {
      type: 'array',
      string: true,
      default: [] as string[],
      describe: 'extra metadata_props as key=value',
    })
    .example('$0 models/tfjs/encoder/model.json -o encoder.onnx --input-name image --output-name code', '')
    .example('$0 model.json -o model.onnx --opset 17 --batch 1', 'a fixed batch of one, opset 17')
    .check(checkTfjs2onnxArgs)
    .strict()
    .help()
    .parse();
  lockOutput(argv.output); // one writer per output (src/util/lock.ts)

  const metadata = Object.fromEntries(argv.meta.map((m) => [m.slice(0, m.indexOf('=')), m.slice(m.indexOf('=') + 1)]));
  const r = await convertFile(argv.model as string, argv.output, {
    opset: argv.opset,
    batch: argv.batch === 'dynamic' ? 'dynamic' : Number(argv.batch),
    graphName: argv.name,
    inputNames: argv['input-name']?.split(','),
    outputNames: argv['output-name']?.split(','),
    metadata,
  });
  process.stdout.write(`tfjs2onnx: wrote ${argv.output}: ${formatSummary(r)}\n`);
});

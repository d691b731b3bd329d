// decode: codes -> PNG images with onnxruntime-node (decodeFile in src/serve/decode.ts).
import { cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { DECODE_LIMITS, decodeFile, parseWalkRange } from '../src/serve/decode.js';
import { checkDecodeArgs } from '../src/serve/cli-checks.js';
import { ProgressRenderer } from './progress.js';

runCli(async () => {
  const argv = await cliArgs('decode')
    .usage(
      '$0 --onnx models/decoder.onnx (--input codes.npy|codes.csv | --walk) --output out/|grid.png\n\nTurns codes back into 28x28 images.',
    )
    .option('onnx', { type: 'string', default: 'models/decoder.onnx' })
    .option('input', { type: 'string', describe: 'codes: float32 .npy [N, latent] or the CSV that encode writes' })
    .option('output', {
      alias: 'o',
      type: 'string',
      demandOption: true,
      describe: 'a folder for one PNG per code, or a .png with --grid / --walk',
    })
    .option('grid', { type: 'boolean', default: false, describe: 'write all images into one PNG grid' })
    .option('walk', {
      type: 'boolean',
      default: false,
      describe: 'decode a grid over a rectangle of the 2-D code plane',
    })
    .option('range', {
      type: 'string',
      describe: "with --walk: x0,x1,y0,y1 (default: the test codes' 1st-99th percentiles from the model metadata)",
    })
    .option('steps', {
      type: 'number',
      default: 20,
      describe: `with --walk: grid points per side (${DECODE_LIMITS.walkSteps.join('..')})`,
    })
    .option('scale', {
      type: 'number',
      default: 2,
      describe: `PNG pixels per image pixel (${DECODE_LIMITS.scale.join('..')})`,
    })
    .example('$0 --input codes.npy --output decoded/', 'one PNG per code')
    .example('$0 --input codes.csv --grid --output grid.png', 'one grid image')
    .example('$0 --walk --output manifold.png', 'the manifold picture')
    .check(checkDecodeArgs)
    .strict()
    .help()
    .parse();
  lockOutput(argv.output); // one writer per output (src/util/lock.ts)

  await decodeFile({
    onnx: argv.onnx,
    input: argv.input,
    output: argv.output,
    grid: argv.grid,
    walk: argv.walk,
    range: argv.range === undefined ? undefined : parseWalkRange(argv.range),
    steps: argv.steps,
    scale: argv.scale,
    onProgress: new ProgressRenderer().handle,
  });
});

// decode: codes -> PNG images with onnxruntime-node (see src/serve/decode.ts).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { join } from 'node:path';
import { runCli } from '../src/util/cli.js';
import { openModel, runBatched } from '../src/lib/ort-session.js';
import { readCodes } from '../src/serve/decode.js';
import { checkDecodeArgs } from '../src/serve/cli-checks.js';
import { checkDecoder } from '../src/lib/model-interface.js';
import { codePlaneFromMetadata, codesOf, walkGrid } from '../src/lib/code-range.js';
import { imageGridPng } from '../src/lib/plots.js';
import { ensureWritableDir, writeFileAtomic } from '../src/util/atomic.js';
import { PIXELS } from '../src/data/fashion-mnist.js';

runCli(async () => {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('decode')
    .usage('$0 --onnx models/decoder.onnx (--input codes.npy|codes.csv | --walk) --output out/|grid.png\n\nTurns codes back into 28x28 images.')
    .option('onnx', { type: 'string', default: 'models/decoder.onnx' })
    .option('input', { type: 'string', describe: 'codes: float32 .npy [N, latent] or the CSV that encode writes' })
    .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'a folder for one PNG per code, or a .png with --grid / --walk' })
    .option('grid', { type: 'boolean', default: false, describe: 'write all images into one PNG grid' })
    .option('walk', { type: 'boolean', default: false, describe: 'decode a grid over a rectangle of the 2-D code plane' })
    .option('range', { type: 'string', describe: 'with --walk: x0,x1,y0,y1 (default: the test codes\' 1st-99th percentiles from the model metadata)' })
    .option('steps', { type: 'number', default: 20, describe: 'with --walk: grid points per side' })
    .option('scale', { type: 'number', default: 2, describe: 'PNG pixels per image pixel' })
    .example('$0 --input codes.npy --output decoded/', 'one PNG per code')
    .example('$0 --input codes.csv --grid --output grid.png', 'one grid image')
    .example('$0 --walk --output manifold.png', 'the manifold picture')
    .check(checkDecodeArgs)
    .strict()
    .help()
    .parse();

  const model = await openModel(argv.onnx);
  const latent = checkDecoder(model.info);
  let codes: Float32Array, count: number, cols: number;
  if (argv.walk) {
    // The code plane and its range come from the model's metadata (export wrote them); --range overrides the range.
    const plane = argv.range && latent === 2 ? null : codePlaneFromMetadata(model.info.metadata, latent, argv.onnx);
    const range = argv.range ? (argv.range.split(',').map(Number) as [number, number, number, number])
      : [plane!.range[0][0], plane!.range[0][1], plane!.range[1][0], plane!.range[1][1]] as [number, number, number, number];
    codes = codesOf(walkGrid(range, argv.steps), latent, plane?.projection ?? null); count = argv.steps * argv.steps; cols = argv.steps;
  } else {
    ({ codes, count } = await readCodes(argv.input!, latent));
    cols = Math.ceil(Math.sqrt(count));
  }
  const images = await runBatched(model, codes, [latent], 1024);
  if (argv.walk || argv.grid) {
    await writeFileAtomic(argv.output, imageGridPng(images, Math.ceil(count / cols), cols, { scale: argv.scale, gap: argv.walk ? 0 : 2 }));
    process.stdout.write(`decode: ${count} images -> ${argv.output}\n`);
    return;
  }
  await ensureWritableDir(argv.output);
  const width = String(count - 1).length;
  for (let i = 0; i < count; i++) {
    await writeFileAtomic(join(argv.output, `${String(i).padStart(Math.max(5, width), '0')}.png`), imageGridPng(images.subarray(i * PIXELS, (i + 1) * PIXELS), 1, 1, { scale: argv.scale, gap: 0 }));
  }
  process.stdout.write(`decode: ${count} images -> ${argv.output}/\n`);
});

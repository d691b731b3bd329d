// decode: codes -> PNG images with onnxruntime-node (see src/serve/decode.ts).
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { cliArgs, runCli } from '../src/util/cli.js';
import { openModel, runBatched } from '../src/lib/ort-session.js';
import { DECODE_LIMITS, checkPngSize, parseWalkRange, readCodes } from '../src/serve/decode.js';
import { checkDecodeArgs } from '../src/serve/cli-checks.js';
import { checkDecoder } from '../src/lib/model-interface.js';
import { codePlaneFromMetadata, codesOf, walkGrid } from '../src/lib/code-range.js';
import { imageGridPng, imageGridSize } from '../src/lib/plots.js';
import { writeFileAtomic, writeFilesIntoDirAtomic } from '../src/util/atomic.js';
import { PIXELS } from '../src/data/fashion-mnist.js';

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

  // Every input and size is checked before anything is drawn or written.
  const model = await openModel(argv.onnx);
  const latent = checkDecoder(model.info);
  let codes: Float32Array, count: number, cols: number;
  if (argv.walk) {
    // The code plane and its range come from the model's metadata (export wrote them); --range overrides the range.
    const plane = argv.range && latent === 2 ? null : codePlaneFromMetadata(model.info.metadata, latent, argv.onnx);
    const range = argv.range
      ? parseWalkRange(argv.range)
      : ([plane!.range[0][0], plane!.range[0][1], plane!.range[1][0], plane!.range[1][1]] as [
          number,
          number,
          number,
          number,
        ]);
    codes = codesOf(walkGrid(range, argv.steps), latent, plane?.projection ?? null);
    count = argv.steps * argv.steps;
    cols = argv.steps;
  } else {
    ({ codes, count } = await readCodes(argv.input!, latent));
    cols = Math.ceil(Math.sqrt(count));
  }
  const grid = argv.walk || argv.grid;
  const layout = { scale: argv.scale, gap: argv.walk ? 0 : 2 };
  const size = grid
    ? imageGridSize(Math.ceil(count / cols), cols, layout)
    : imageGridSize(1, 1, { scale: argv.scale, gap: 0 });
  checkPngSize(
    size.width,
    size.height,
    grid ? `--output ${argv.output} (${count} images, --scale ${argv.scale})` : `each image at --scale ${argv.scale}`,
  );
  const images = await runBatched(model, codes, [latent], 1024);
  if (grid) {
    await writeFileAtomic(argv.output, imageGridPng(images, Math.ceil(count / cols), cols, layout));
    process.stdout.write(`decode: ${count} images -> ${argv.output}\n`);
    return;
  }
  const width = String(count - 1).length;
  await writeFilesIntoDirAtomic(argv.output, async (tmp) => {
    for (let i = 0; i < count; i++) {
      await writeFile(
        join(tmp, `${String(i).padStart(Math.max(5, width), '0')}.png`),
        imageGridPng(images.subarray(i * PIXELS, (i + 1) * PIXELS), 1, 1, { scale: argv.scale, gap: 0 }),
      );
    }
  });
  process.stdout.write(`decode: ${count} images -> ${argv.output}/\n`);
});

// encode: images -> codes with onnxruntime-node (see src/serve/encode.ts), and the run's record <output>.shard.json;
// --shard for one slice (src/serve/shards.ts).
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { capThreads, cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { ProgressRenderer } from './progress.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { DEFAULT_BATCH_SIZE, encodeFile } from '../src/serve/encode.js';
import { parseShard } from '../src/serve/shards.js';
import { checkEncodeArgs } from '../src/serve/cli-checks.js';

runCli(async () => {
  const argv = await cliArgs('encode')
    .usage(
      '$0 --onnx models/encoder.onnx [--input ...] [--output codes.npy|.csv|.jsonl]\n\n' +
        'Encodes images into codes with onnxruntime-node. Inputs: an idx file (raw or .gz), a .npy array [N,28,28(,1)] ' +
        '(uint8 0..255 or float32 0..1), or PNG/JPEG images (a folder, a quoted glob, or one file).',
    )
    .option('onnx', { type: 'string', default: 'models/encoder.onnx', describe: 'the encoder model' })
    .option('input', { type: 'string', describe: 'input (default: the verified test set in --data)' })
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR })
    .option('output', {
      alias: 'o',
      type: 'string',
      default: 'codes.npy',
      describe: 'output file; format from the extension',
    })
    .option('batch-size', { type: 'number', default: DEFAULT_BATCH_SIZE })
    .option('threads', { type: 'number', default: availableParallelism(), describe: 'onnxruntime intra-op threads' })
    .option('invert', {
      choices: ['auto', 'yes', 'no'] as const,
      default: 'auto' as const,
      describe: 'images only: make dark-on-light pictures light-on-dark like Fashion-MNIST',
    })
    .option('skip-bad', {
      type: 'boolean',
      default: false,
      describe: 'images only: report and skip files that cannot be decoded',
    })
    .option('shard', {
      type: 'string',
      describe:
        'encode slice I of N ("I/N", from 0) of the input, or "auto" (index from JOB_COMPLETION_INDEX); writes <output>.shard.json for merge',
    })
    .option('shard-count', {
      type: 'number',
      describe: "with --shard auto: the number of shards (the Indexed Job's completions)",
    })
    .example('$0 --onnx models/encoder.onnx', 'encode the 10,000 test images into codes.npy')
    .example('$0 --input photos/ --output photos.csv', 'encode a folder of PNG/JPEG images')
    .example("$0 --input 'shots/*.jpg' --skip-bad -o shots.jsonl", 'a glob, skipping unreadable files')
    .example(
      '$0 --input big-idx --shard 2/8 -o part-2.npy',
      'the third of 8 slices; then: merge -o codes.npy part-*.npy',
    )
    .check(checkEncodeArgs)
    .strict()
    .help()
    .parse();
  lockOutput(argv.output); // one writer per output (src/util/lock.ts)

  const progress = new ProgressRenderer();
  await encodeFile({
    onnx: argv.onnx,
    input: argv.input ?? join(argv.data, 't10k-images-idx3-ubyte'),
    output: argv.output,
    batchSize: argv['batch-size'],
    threads: capThreads(argv.threads, (line) => progress.note('encode', line)),
    invert: argv.invert,
    skipBad: argv['skip-bad'],
    shard: argv.shard === undefined ? undefined : parseShard(argv.shard, { count: argv['shard-count'] }),
    onProgress: progress.handle,
  });
});

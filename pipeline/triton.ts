// triton: (re)writes models/triton/ from models/{encoder,decoder}.onnx (src/export/triton.ts). The export stage
// writes it with the documented default batching; --bench takes the preferred batch and queue delay from a
// `make bench` result instead.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCli } from '../src/util/cli.js';
import {
  DEFAULT_TRITON_BATCHING,
  batchingFromBench,
  writeTritonRepository,
  type TritonBatching,
} from '../src/export/triton.js';
import { readBenchSummary } from '../src/artifacts/manifests.js';

runCli(async () => {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('triton')
    .usage(
      '$0 [--models models] [--bench reports/bench.json] [--gpu]\n\nWrites a Triton Inference Server model repository to <models>/triton/.',
    )
    .option('models', { type: 'string', default: 'models' })
    .option('bench', {
      type: 'string',
      describe: 'a bench.json whose best onnxruntime batch sets the dynamic batching',
    })
    .option('gpu', { type: 'boolean', default: false, describe: 'instance_group of KIND_GPU instead of KIND_CPU' })
    .example('$0 --bench reports/bench.json', 'batching from the measured best batch')
    .strict()
    .help()
    .parse();
  let batching: TritonBatching = DEFAULT_TRITON_BATCHING,
    from = 'the default';
  if (argv.bench) {
    const best = (await readBenchSummary(argv.bench)).bestOrt;
    batching = batchingFromBench(best.batch, best.imagesPerSec);
    from = `${argv.bench} (best batch ${best.batch} at ${Math.round(best.imagesPerSec)} images/s)`;
  }
  const dir = await writeTritonRepository(argv.models, { batching, kind: argv.gpu ? 'KIND_GPU' : 'KIND_CPU' });
  process.stderr.write(
    `triton: wrote ${dir}/{encoder,decoder} with max_batch_size ${batching.maxBatchSize}, preferred batches ` +
      `[${batching.preferredBatchSizes.join(', ')}], queue delay ${batching.maxQueueDelayMicroseconds} µs, from ${from}\n`,
  );
});

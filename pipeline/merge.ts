// merge: the outputs of `encode --shard I/N` -> the one output of an unsharded run (see src/serve/shards.ts).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { checkOutputPath } from '../src/serve/code-writers.js';
import { mergeShards } from '../src/serve/shards.js';

runCli(async () => {
  const t0 = performance.now();
  const argv = await yargs(hideBin(process.argv))
    .scriptName('merge')
    .usage(
      '$0 --output codes.npy SHARD...\n\n' +
        'Checks that the shards are all N slices of one input encoded with one model (each once, none missing) and ' +
        'writes the output an unsharded encode would have written, byte for byte. Each shard needs its <shard>.shard.json.',
    )
    .option('output', {
      alias: 'o',
      type: 'string',
      demandOption: true,
      describe: 'merged output; same format (.npy, .csv, .jsonl) as the shards',
    })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing output' })
    .example('$0 -o codes.npy parts/codes-*.npy', 'merge the shards of an Indexed Job')
    .check((a) => {
      checkOutputPath(a.output);
      if (a._.length === 0) throw new Error('no shard outputs given; e.g. merge -o codes.npy parts/codes-*.npy');
      return true;
    })
    .strictOptions()
    .help()
    .parse();
  lockOutput(argv.output); // one writer per output (src/util/lock.ts)
  const r = await mergeShards(argv._.map(String), argv.output, { force: argv.force });
  process.stderr.write(
    `merge: ${r.shards} shards, ${r.rows} rows -> ${argv.output} (${r.bytes} bytes) in ${((performance.now() - t0) / 1000).toFixed(2)}s\n`,
  );
});

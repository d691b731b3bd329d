// fetch: a verified local copy of Fashion-MNIST (idx files + manifest.json).
import { fetchDataset, fetchProgress } from '../src/fetch/stage.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { ProgressRenderer } from './progress.js';
import { checkIntegerFlag, cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';

runCli(async () => {
  const argv = await cliArgs('fetch')
    .usage(
      '$0 [options]\n\nWrites a verified copy of Fashion-MNIST (four idx files and manifest.json) to --out.\n' +
        "Sources, in order: a verified copy already in --out; --from DIR; Debian's dataset-fashion-mnist; the canonical download.",
    )
    .option('out', { type: 'string', default: DEFAULT_DATA_DIR, describe: 'output folder' })
    .option('from', { type: 'string', describe: 'folder holding the four idx files (.gz or raw)' })
    .option('offline', { type: 'boolean', default: false, describe: 'never try the download' })
    .option('timeout', { type: 'number', default: 60, describe: 'download timeout per file, seconds' })
    .option('retries', { type: 'number', default: 3, describe: 'download attempts per file' })
    .check((a) => {
      if (!(a.timeout > 0 && a.timeout <= 3600))
        throw new Error(`--timeout must be in (0, 3600] seconds, got ${a.timeout}`);
      checkIntegerFlag('retries', a.retries, 1, 100);
      return true;
    })
    .example('$0', 'use the Debian package or download')
    .example('$0 --from ~/Downloads/fashion-mnist', 'use files you already have')
    .strict()
    .help()
    .parse();
  lockOutput(argv.out); // one writer per output (src/util/lock.ts)

  const progress = new ProgressRenderer();
  await fetchDataset({
    outDir: argv.out,
    from: argv.from,
    offline: argv.offline,
    timeoutMs: argv.timeout * 1000,
    retries: argv.retries,
    onEvent: fetchProgress(progress.handle),
  });
});

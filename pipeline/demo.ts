// demo: builds the static web demo into web-demo/dist (see src/demo/build.ts).
import { cliArgs, runCli } from '../src/util/cli.js';
import { lockOutput } from '../src/util/lock.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { buildDemo } from '../src/demo/build.js';
import { ProgressRenderer } from './progress.js';

runCli(async () => {
  const argv = await cliArgs('demo')
    .usage(
      '$0 [options]\n\nBuilds a self-contained static site (HTML, JS, the ONNX files, onnxruntime-web, test-set codes) that any static server can host.',
    )
    .option('models', { type: 'string', default: 'models' })
    .option('data', { type: 'string', default: DEFAULT_DATA_DIR })
    .option('codes', {
      type: 'string',
      default: 'reports/test-codes.npy',
      describe: "the test set's codes (make encode)",
    })
    .option('metrics', {
      type: 'string',
      default: 'reports/metrics.json',
      describe: "the report's test-set metrics, shown on the page's card (make report)",
    })
    .option('src', {
      type: 'string',
      default: 'web-demo',
      describe: 'folder with index.html, style.css and src/*.ts (entry src/main.ts)',
    })
    .option('out', { type: 'string', default: 'web-demo/dist' })
    .example('$0 && node pipeline/serve.js', 'build, then serve on http://127.0.0.1:8080/')
    .strict()
    .help()
    .parse();
  lockOutput(argv.out); // one writer per output (src/util/lock.ts)
  await buildDemo({
    modelsDir: argv.models,
    dataDir: argv.data,
    codes: argv.codes,
    metrics: argv.metrics,
    srcDir: argv.src,
    outDir: argv.out,
    onProgress: new ProgressRenderer().handle,
  });
});

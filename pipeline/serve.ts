// serve: the built web demo on localhost (see src/demo/server.ts).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkIntegerFlag, cliArgs, runCli } from '../src/util/cli.js';
import { SERVER_LIMITS, startServer } from '../src/demo/server.js';

runCli(async () => {
  const argv = await cliArgs('serve')
    .usage('$0 [options]\n\nServes web-demo/dist with the COOP/COEP headers that let onnxruntime-web use threads.')
    .option('dir', { type: 'string', default: 'web-demo/dist' })
    .option('port', { type: 'number', default: 8080, describe: '0 picks a free port' })
    .option('host', { type: 'string', default: '127.0.0.1' })
    .option('isolation', {
      type: 'boolean',
      default: true,
      describe: 'send COOP/COEP (--no-isolation to see the single-threaded fallback)',
    })
    .option('max-connections', {
      type: 'number',
      default: SERVER_LIMITS.maxConnections,
      describe: 'connections held at once; one more is closed without a reply (other limits: src/demo/server.ts)',
    })
    .check((a) => {
      checkIntegerFlag('max-connections', a['max-connections'], 1);
      return true;
    })
    .example('$0', 'http://127.0.0.1:8080/')
    .strict()
    .help()
    .parse();
  if (!(await stat(join(argv.dir, 'index.html')).catch(() => null)))
    throw new Error(`${argv.dir}/index.html is missing: run \`make demo\` first`);
  const server = await startServer({
    root: argv.dir,
    port: argv.port,
    host: argv.host,
    isolation: argv.isolation,
    limits: { maxConnections: argv['max-connections'] },
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : argv.port;
  process.stdout.write(
    `serve: http://${argv.host}:${port}/ (${argv.dir}, ${argv.isolation ? 'cross-origin isolated' : 'no COOP/COEP'}, at most ${argv['max-connections']} connections); Ctrl-C stops\n`,
  );
});

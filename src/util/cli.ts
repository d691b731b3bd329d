// The one top-level catch every pipeline entry point goes through: message to stderr, exit 1.
// Set DEBUG=1 to see the stack as well.

export function runCli(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`error: ${e.message}\n`);
    if (process.env.DEBUG && e.stack) process.stderr.write(e.stack + '\n');
    process.exit(1);
  });
}

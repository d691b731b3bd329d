// What every pipeline entry point shares: the yargs setup (one-line flag errors, help wrapped at word
// boundaries, flags checked for NaN and repetition), the one top-level catch (message to stderr, exit 1;
// DEBUG=1 adds the stack), and small flag checks used by several CLIs.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type yargsType from 'yargs';
import type { Argv } from 'yargs';
import type * as yargsHelpers from 'yargs/helpers';
import { installSignalHandlers } from './atomic.js';

// yargs' ESM build wraps help text with a character splitter that cuts words ("man/ifest.json");
// its CommonJS build wraps at word boundaries. Same parser otherwise. The helpers come from the CommonJS
// build too: their ESM entry loads a second copy of the parser and its shims (25 ms of every CLI's start).
const requireCjs = createRequire(import.meta.url);
const yargs = requireCjs('yargs') as typeof yargsType;
const { hideBin } = requireCjs('yargs/helpers') as typeof yargsHelpers;
export { hideBin };

/** The declared option types, as yargs passes them to a check (its typings call them aliases). */
interface DeclaredOptions {
  array: string[];
  number: string[];
  key: Record<string, unknown>;
}

/** The text a flag was given on the command line, for messages about values yargs has already coerced. */
function rawValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}`) return args[i + 1];
  }
  return undefined;
}

/**
 * Rejects, for every declared option, a value given more than once (yargs would make it an array, and
 * the first range check downstream would blame the wrong flag) and a number that is not one.
 */
export function checkFlagValues(
  argv: Record<string, unknown>,
  declared: DeclaredOptions,
  args: readonly string[] = hideBin(process.argv),
): true {
  for (const name of Object.keys(declared.key)) {
    const v = argv[name];
    if (Array.isArray(v) && !declared.array.includes(name)) {
      throw new Error(`--${name} was given ${v.length} times (${v.join(', ')}); give it once`);
    }
    if (declared.number.includes(name) && typeof v === 'number' && Number.isNaN(v)) {
      throw new Error(`--${name} must be a number, got "${rawValue(args, name) ?? 'NaN'}"`);
    }
  }
  return true;
}

/** One line, whatever yargs wrote (its choice errors span three). */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * The yargs parser every CLI starts from: strict flags, `--help`, help text wrapped at word
 * boundaries, and flag errors as one line pointing at `--help` (thrown, so runCli prints them).
 */
export function cliArgs(name: string, args: string[] = hideBin(process.argv)): Argv {
  const y = yargs(args);
  return y
    .scriptName(name)
    .wrap(Math.min(110, y.terminalWidth() || 80))
    .version(false)
    .check((argv, declared) => checkFlagValues(argv, declared as unknown as DeclaredOptions, args), true)
    .fail((msg: string | null, err: Error | null) => {
      throw new Error(`${oneLine(msg ?? err?.message ?? 'invalid arguments')} (see \`${name} --help\`)`);
    })
    .strict()
    .help();
}

/** Checks an integer flag against its range; `undefined` passes (an optional flag left out). */
export function checkIntegerFlag(
  name: string,
  value: number | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new Error(`--${name} must be an integer ${range}, got ${value}`);
  }
}

/**
 * More threads than cores only slows things down (and each worker thread costs memory):
 * caps `requested` at the core count, saying so in one line through `note`.
 */
export function capThreads(requested: number, note: (line: string) => void, cores = availableParallelism()): number {
  if (requested <= cores) return requested;
  note(`--threads ${requested} is more than the ${cores} cores here; using ${cores}`);
  return cores;
}

/**
 * Runs a CLI's main: signals handled from the first moment (SIGINT, SIGTERM, SIGHUP end it with 130, 143, 129
 * and remove its temporaries and locks), and any error printed as one `error:` line with exit status 1.
 */
export function runCli(main: () => Promise<void>): void {
  installSignalHandlers();
  main().catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`error: ${e.message}\n`);
    if (process.env.DEBUG && e.stack) process.stderr.write(e.stack + '\n');
    process.exit(1);
  });
}

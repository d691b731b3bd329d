// The train CLI's argument rules, as a function yargs' check() calls and tests call without a process.
import { checkIntegerFlag } from '../util/cli.js';

export interface TrainArgs {
  filters?: string | undefined;
  'decoder-filters'?: string | undefined;
  hidden?: string | undefined;
  threads: number;
  limit?: number | undefined;
  seed?: number | undefined;
}

/** Throws a one-line error naming the flag, what it takes and what it got. */
export function checkTrainArgs(a: TrainArgs): true {
  for (const key of ['filters', 'decoder-filters'] as const) {
    const v = a[key];
    if (v !== undefined && !/^\d+,\d+$/.test(v)) throw new Error(`--${key} must look like "16,32", got "${v}"`);
  }
  if (a.hidden !== undefined && !/^\d+(,\d+){0,3}$/.test(a.hidden))
    throw new Error(`--hidden must look like "128,64" (1 to 4 sizes), got "${a.hidden}"`);
  if (!Number.isInteger(a.threads) || a.threads < 1)
    throw new Error(`--threads must be a positive integer, got ${a.threads}`);
  checkIntegerFlag('limit', a.limit, 20);
  checkIntegerFlag('seed', a.seed, 0, 2 ** 31 - 1);
  return true;
}

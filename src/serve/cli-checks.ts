// The encode and decode CLIs' argument rules, as functions yargs' check() calls and tests call without a process.
import { checkOutputPath } from './code-writers.js';
import { checkBatchSize } from './encode.js';

export function checkEncodeArgs(a: { output: string | string[]; 'batch-size': number }): true {
  for (const o of [a.output].flat()) checkOutputPath(o);
  checkBatchSize(a['batch-size']);
  return true;
}

export interface DecodeArgs {
  input?: string | undefined;
  output: string;
  grid: boolean;
  walk: boolean;
  range?: string | undefined;
  steps: number;
}

/** Throws a one-line error naming the flag and, where it helps, a correct example. */
export function checkDecodeArgs(a: DecodeArgs): true {
  if (!a.walk && !a.input) throw new Error('give --input codes.npy|codes.csv, or --walk');
  if (a.walk && a.input) throw new Error('--walk decodes a grid of its own; drop --input');
  if ((a.walk || a.grid) && !a.output.endsWith('.png')) throw new Error(`with --grid or --walk, --output must be a .png file, got ${a.output}`);
  if (a.range !== undefined && !/^-?[\d.e+-]+(,-?[\d.e+-]+){3}$/.test(a.range)) throw new Error(`--range takes x0,x1,y0,y1, e.g. --range -10,10,-20,5; got ${a.range}`);
  if (!Number.isInteger(a.steps) || a.steps < 2 || a.steps > 100) throw new Error(`--steps must be an integer in 2..100, got ${a.steps}`);
  return true;
}

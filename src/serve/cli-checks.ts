// The encode and decode CLIs' argument rules, as functions yargs' check() calls and tests call without a process.
import { checkOutputPath } from './code-writers.js';
import { checkBatchSize } from './encode.js';
import { DECODE_LIMITS, parseWalkRange } from './decode.js';
import { checkIntegerFlag } from '../util/cli.js';

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
  scale?: number | undefined;
}

/** Throws a one-line error naming the flag and, where it helps, a correct example. */
export function checkDecodeArgs(a: DecodeArgs): true {
  if (!a.walk && !a.input) throw new Error('give --input codes.npy|codes.csv, or --walk');
  if (a.walk && a.input) throw new Error('--walk decodes a grid of its own; drop --input');
  if ((a.walk || a.grid) && !a.output.endsWith('.png')) throw new Error(`with --grid or --walk, --output must be a .png file, got ${a.output}`);
  if (a.range !== undefined) parseWalkRange(a.range);
  checkIntegerFlag('steps', a.steps, ...DECODE_LIMITS.walkSteps);
  checkIntegerFlag('scale', a.scale, ...DECODE_LIMITS.scale);
  return true;
}

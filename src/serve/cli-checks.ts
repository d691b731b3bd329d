// The encode and decode CLIs' argument rules, as functions yargs' check() calls and tests call without a process.
import { checkOutputPath } from './code-writers.js';
import { checkBatchSize } from './encode.js';
import { parseShard } from './shards.js';
import { DECODE_LIMITS, parseWalkRange } from './decode.js';
import { checkIntegerFlag } from '../util/cli.js';

export function checkEncodeArgs(a: {
  output: string;
  'batch-size': number;
  shard?: string | undefined;
  'shard-count'?: number | undefined;
}): true {
  checkOutputPath(a.output);
  checkBatchSize(a['batch-size']);
  if (a['shard-count'] !== undefined && a.shard === undefined) throw new Error('--shard-count goes with --shard auto');
  // The index of --shard auto is read when encoding starts: the flags alone are checked here.
  if (a.shard !== undefined) parseShard(a.shard, { count: a['shard-count'], env: { JOB_COMPLETION_INDEX: '0' } });
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
  if ((a.walk || a.grid) && !a.output.endsWith('.png'))
    throw new Error(`with --grid or --walk, --output must be a .png file, got ${a.output}`);
  if (a.range !== undefined) parseWalkRange(a.range);
  checkIntegerFlag('steps', a.steps, ...DECODE_LIMITS.walkSteps);
  checkIntegerFlag('scale', a.scale, ...DECODE_LIMITS.scale);
  return true;
}

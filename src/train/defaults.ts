// The training defaults, in one place: the train CLI shows them, and runTrainStage, the benchmarks and
// tests use the same ones, so a run from code trains what `make train` trains. A run preset (`--preset`,
// `make all PRESET=study`) changes some of them at once; any flag given explicitly still wins.
import type { SizePreset } from './model.js';
import type { LayoutSchedule, Objective } from './objective.js';

export interface TrainDefaults {
  size: SizePreset;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  objective: Objective;
  layoutWeight: number;
  layoutSchedule: LayoutSchedule;
}

export const TRAIN_DEFAULTS: Readonly<TrainDefaults> = {
  size: 'compact',
  epochs: 32,
  batchSize: 64,
  lr: 8e-4,
  /** RMSprop momentum (tfjs's rule). */
  momentum: 0.9,
  /** layout won on the validation split (docs/training-experiments.md); `--objective ae` is the original experiment. */
  objective: 'layout',
  layoutWeight: 1,
  layoutSchedule: 'constant',
};

/**
 * Run presets: `default` fits make all in about 10 minutes on 2 cores; `study` trains the wider network for
 * longer (about 40 minutes on 2 cores), for the reference study's quality.
 */
export const TRAIN_PRESETS = {
  default: TRAIN_DEFAULTS,
  study: { ...TRAIN_DEFAULTS, size: 'wide', epochs: 80 },
} as const satisfies Record<string, Readonly<TrainDefaults>>;

export type TrainPreset = keyof typeof TRAIN_PRESETS;
export const TRAIN_PRESET_NAMES = Object.keys(TRAIN_PRESETS) as TrainPreset[];

/** The preset named by `--preset NAME` or `--preset=NAME` in `args` (default when absent or unknown: yargs names the error). */
export function presetOf(args: readonly string[]): TrainPreset {
  let name: string | undefined;
  args.forEach((a, i) => {
    if (a === '--preset') name = args[i + 1];
    else if (a.startsWith('--preset=')) name = a.slice('--preset='.length);
  });
  return name !== undefined && name in TRAIN_PRESETS ? (name as TrainPreset) : 'default';
}

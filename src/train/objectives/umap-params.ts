// The constants a umap-ae replica needs, from the run's UMAP settings.
import { findAbParams } from '../../umap/ab-params.js';
import type { UmapStepParams } from '../objective.js';
import type { TrainSettings } from '../trainer.js';

export function umapStepParams(settings: TrainSettings): UmapStepParams {
  const u = settings.umap!;
  return {
    ...findAbParams(u.spread, u.minDist),
    weight: u.weight,
    negativeRate: u.negativeRate,
    seed: settings.model.seed,
  };
}

/** Named errors shared by the objectives that take UMAP settings and train on the ort engine only. */
export function checkOrtOnly(settings: TrainSettings, objective: string): void {
  if (settings.engine === 'tfjs')
    throw new RangeError(`--objective ${objective} trains on the ort engine only: use --engine ort or auto`);
}

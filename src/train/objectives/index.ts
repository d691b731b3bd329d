// The objectives, by key: the one place that lists them. Adding an objective is adding its file and a line here.
import type { ObjectiveDefinition, ObjectiveKey } from './objective.js';
import { aeObjective } from './ae.js';
import { umapEdgesObjective } from './umap-edges.js';
import { umapNeighboursObjective } from './umap-neighbours.js';
import { layoutObjective } from './layout.js';
import { umapSamplingOf } from '../objective.js';
import type { TrainSettings } from '../trainer.js';

export const OBJECTIVE_DEFINITIONS: Record<ObjectiveKey, ObjectiveDefinition> = {
  ae: aeObjective,
  'umap-edges': umapEdgesObjective,
  'umap-neighbours': umapNeighboursObjective,
  layout: layoutObjective,
};

/** The definition a run's settings select (an absent objective is ae). */
export function objectiveOf(settings: Pick<TrainSettings, 'objective' | 'umap'>): ObjectiveDefinition {
  switch (settings.objective ?? 'ae') {
    case 'ae':
      return aeObjective;
    case 'umap-ae':
      return settings.umap && umapSamplingOf(settings.umap) === 'neighbours'
        ? umapNeighboursObjective
        : umapEdgesObjective;
    case 'layout':
      return layoutObjective;
  }
}

export type * from './objective.js';

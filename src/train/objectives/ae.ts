// ae: the reconstruction loss alone (the original experiment). Each epoch is a seeded permutation of the
// training images, so a resumed run sees the same batches.
import type { ObjectiveDefinition } from './objective.js';
import { epochPermutation } from './epoch-order.js';

export const aeObjective: ObjectiveDefinition = {
  key: 'ae',
  check: () => undefined,
  prepare: () => Promise.resolve({}),
  start: ({ settings, trainCount, batchSize }) => ({
    codeInputs: { codeGrad: false, codeTarget: false },
    workerData: { key: 'ae', payload: null },
    plan: (epoch, steps) => ({
      order: epochPermutation(trainCount, settings.model.seed, epoch, steps * batchSize),
      reconstructionOnly: true,
    }),
  }),
  replica: () => ({
    step: async (replica, s) => (await replica.step(replica.batch(s.heads), s.flat)).reconstruction,
  }),
};

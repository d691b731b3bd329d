// layout: reconstruction plus weight x the mean squared distance of each code to its image's position in the
// training images' UMAP layout (src/umap/layout.ts, standardised: centred, unit root-mean-square per
// coordinate). The layout is a fixed, noise-free target that the reference UMAP optimisation reached on the
// images' own neighbour graph; the reconstruction loss beside it keeps the codes useful to the decoder (a
// layout regressed alone, then a decoder trained on the frozen codes, loses reconstruction: docs/umap.md).
// The pull enters the training graph as its code_target inputs, so a step costs one graph run, as ae's does.
// The first `warmup` epochs train reconstruction alone.
import { layoutSettingsOf, standardisedLayout } from '../../umap/layout-cache.js';
import { loadOrBuildGraphLayout } from '../../umap/training-graph.js';
import { checkUmapSettings, LAYOUT_SCHEDULES, type LayoutObjectiveSettings } from '../objective.js';
import type { ObjectiveDefinition } from './objective.js';
import { epochPermutation } from './epoch-order.js';
import { graphSourceOf } from './neighbour-graph.js';
import { checkOrtOnly } from './umap-params.js';
import type { TrainSettings } from '../trainer.js';

export const LAYOUT_WEIGHT_RANGE = [0, 100] as const;

function layoutOf(settings: TrainSettings): LayoutObjectiveSettings {
  if (!settings.layout) throw new RangeError('--objective layout needs its layout settings');
  return settings.layout;
}

interface LayoutPayload {
  /** The standardised layout [trainCount, latent], shared by every worker. */
  targets: SharedArrayBuffer;
  weight: number;
}

export const layoutObjective: ObjectiveDefinition = {
  key: 'layout',
  check(settings) {
    const l = layoutOf(settings);
    if (!settings.umap) throw new RangeError('--objective layout needs the UMAP settings of its layout');
    checkUmapSettings({ ...settings.umap, warmup: undefined });
    checkOrtOnly(settings, 'layout');
    if (!(l.weight > LAYOUT_WEIGHT_RANGE[0] && l.weight <= LAYOUT_WEIGHT_RANGE[1]))
      throw new RangeError(`--layout-weight must be in (${LAYOUT_WEIGHT_RANGE.join(', ')}], got ${l.weight}`);
    if (!(Number.isInteger(l.epochs) && l.epochs >= 1 && l.epochs <= 5000))
      throw new RangeError(`--layout-epochs must be an integer in 1..5000, got ${l.epochs}`);
    if (l.schedule !== undefined && !LAYOUT_SCHEDULES.includes(l.schedule))
      throw new RangeError(
        `--layout-schedule must be one of ${LAYOUT_SCHEDULES.join(', ')}, got ${String(l.schedule)}`,
      );
    if (!(Number.isInteger(l.warmup) && l.warmup >= 0 && l.warmup < settings.epochs))
      throw new RangeError(
        `--layout-warmup must be an integer in 0..${settings.epochs - 1} (fewer than --epochs), got ${l.warmup}`,
      );
  },
  async prepare(settings, ctx) {
    const u = settings.umap!;
    const { layout } = await loadOrBuildGraphLayout({
      ...graphSourceOf(settings, ctx),
      layoutDir: ctx.layoutCacheDir,
      settings: layoutSettingsOf({
        dim: settings.model.latent,
        nEpochs: layoutOf(settings).epochs,
        minDist: u.minDist,
        spread: u.spread,
        negativeRate: u.negativeRate,
        seed: settings.model.seed,
      }),
      onLayout: (event) => ctx.onEvent({ type: 'layout', event }),
    });
    return { layout };
  },
  start({ settings, inputs, trainCount, batchSize }) {
    const latent = settings.model.latent;
    if (!inputs.layout || inputs.layout.length !== trainCount * latent)
      throw new Error(`the layout objective needs a ${latent}-D layout of the ${trainCount} training images`);
    const targets = new SharedArrayBuffer(trainCount * latent * Float32Array.BYTES_PER_ELEMENT);
    new Float32Array(targets).set(standardisedLayout(inputs.layout, latent));
    const { weight, warmup } = layoutOf(settings);
    const schedule = layoutOf(settings).schedule ?? 'constant';
    const span = settings.epochs - warmup;
    return {
      codeInputs: { codeGrad: false, codeTarget: true },
      workerData: { key: 'layout', payload: { targets, weight } satisfies LayoutPayload },
      plan: (epoch, steps) => ({
        order: epochPermutation(trainCount, settings.model.seed, epoch, steps * batchSize),
        reconstructionOnly: epoch <= warmup,
        // cosine: the pull fades along a half cosine over the epochs after the warm-up, so the last epochs
        // refine reconstruction from codes the layout has already placed.
        termScale: schedule === 'cosine' ? 0.5 * (1 + Math.cos((Math.PI * (epoch - 1 - warmup)) / span)) : 1,
      }),
    };
  },
  replica(payload, latent) {
    const { targets: shared, weight } = payload as LayoutPayload;
    const targets = new Float32Array(shared);
    return {
      async step(replica, s) {
        const n = s.heads.length;
        const target = new Float32Array(n * latent);
        for (let i = 0; i < n; i++)
          target.set(targets.subarray(s.heads[i]! * latent, (s.heads[i]! + 1) * latent), i * latent);
        // d/dc of weight x mean_i |c_i - t_i|^2 over the shard's n codes is 2 weight (c_i - t_i) / n.
        const w = s.reconstructionOnly ? 0 : weight * s.termScale;
        const { reconstruction, codes } = await replica.step(replica.batch(s.heads), s.flat, {
          codeTarget: target,
          codeTargetWeight: (2 * w) / n,
        });
        let squared = 0;
        for (let k = 0; k < target.length; k++) squared += (codes![k]! - target[k]!) ** 2;
        return reconstruction + (w * squared) / n;
      },
    };
  },
};

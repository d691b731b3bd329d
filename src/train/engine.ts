// Which training engine runs the steps: `ort` runs each step as one ONNX graph in onnxruntime-node
// (ort-replica.ts); `tfjs` runs the tfjs Layers model on a tfjs backend (replica.ts). `auto` picks ort
// whenever every layer of the model has a training rule, else tfjs, and says why.
import type { ModelConfig } from './model.js';
import { checkOrtTrainable } from './ort-replica.js';

export const ENGINE_CHOICES = ['auto', 'ort', 'tfjs'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];
export type EngineName = Exclude<EngineChoice, 'auto'>;

/** `check` throws when the ort engine cannot train the model (the default builds its training graph). */
export function resolveEngine(
  choice: EngineChoice,
  model: ModelConfig,
  check: (m: ModelConfig) => void = checkOrtTrainable,
): { engine: EngineName; note?: string } {
  if (!(ENGINE_CHOICES as readonly string[]).includes(choice))
    throw new Error(`unknown engine "${choice}": use one of ${ENGINE_CHOICES.join(', ')}`);
  if (choice === 'tfjs') return { engine: 'tfjs' };
  try {
    check(model);
    return { engine: 'ort' };
  } catch (err) {
    const why = (err as Error).message;
    if (choice === 'ort') throw new Error(`--engine ort: ${why}`);
    return {
      engine: 'tfjs',
      note: `engine auto: training with tfjs, as the ort engine cannot differentiate this model (${why})`,
    };
  }
}

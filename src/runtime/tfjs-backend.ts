// Picks the tfjs backend: tfjs-node (libtensorflow) where it installed, else wasm with the project's
// gradient kernels; `cpu` (pure JS) only on request: it is ~500x slower to train.
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './tfjs-wasm-kernels.js';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

async function tryTfjsNode(): Promise<string | null> {
  try {
    // A package that may be absent: the specifier is a variable so the compiler does not require it.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return null;
  } catch (err) {
    return (err as Error).message.split('\n')[0] ?? 'unknown error';
  }
}

export async function initBackend(choice: BackendChoice): Promise<BackendName> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) {
    throw new Error(`unknown backend "${choice}": use one of ${BACKEND_CHOICES.join(', ')}`);
  }
  if (choice === 'auto' || choice === 'tensorflow') {
    const failure = await tryTfjsNode();
    if (failure === null && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      return 'tensorflow';
    }
    if (choice === 'tensorflow') {
      throw new Error(
        `backend "tensorflow" is unavailable: @tensorflow/tfjs-node did not load (${failure ?? 'setBackend failed'}). ` +
          'It installs only where libtensorflow can be downloaded; use --backend wasm (or auto).',
      );
    }
  }
  if (choice === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
    return 'cpu';
  }
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  registerWasmTrainingKernels();
  return 'wasm';
}

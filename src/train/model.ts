// The convolutional autoencoder: encoder and decoder are separate LayersModels (exported separately)
// composed into one model for training. Layer initializers are seeded, so a seed fixes the start.
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE } from '../data/fashion-mnist.js';
import { BCE_EPSILON } from '../train-graph/loss.js';

export const SIZE_PRESETS = {
  /**
   * The default. The encoder is wider than the decoder: encoder width is cheap to train (the decoder's
   * full-resolution transposed convolutions dominate the cost), 16-channel convolutions fill the vector
   * units onnxruntime serves them on, and a second, narrower dense layer gave clearly better codes.
   */
  compact: { filters: [16, 32], decoderFilters: [8, 16], hidden: [128, 64] },
  small: { filters: [16, 32], decoderFilters: [16, 32], hidden: [128, 64] },
  /** 32/64 filters and one dense layer: the experiment this project reproduces. */
  seed: { filters: [32, 64], decoderFilters: [32, 64], hidden: [128] },
  /**
   * The study preset's network: a wider encoder (its width pays in code quality and costs little) and the
   * `small` decoder, for runs that can take 40 minutes.
   */
  wide: { filters: [32, 64], decoderFilters: [16, 32], hidden: [256, 128] },
  /** A few hundred parameters per layer, for tests. */
  tiny: { filters: [4, 8], decoderFilters: [4, 8], hidden: [16] },
} as const satisfies Record<
  string,
  { filters: readonly [number, number]; decoderFilters: readonly [number, number]; hidden: readonly number[] }
>;

export type SizePreset = keyof typeof SIZE_PRESETS;

/** "compact (16/32, decoder 8/16)": a preset's filters, for tables. */
export function describePreset(name: SizePreset): string {
  const p = SIZE_PRESETS[name];
  const enc = p.filters.join('/'),
    dec = p.decoderFilters.join('/');
  return enc === dec ? `${name} (${enc})` : `${name} (${enc}, decoder ${dec})`;
}

export interface ModelConfig {
  latent: number;
  /** Filters of the encoder's two strided conv layers. */
  filters: [number, number];
  /** Filters of the decoder's two transposed conv layers, listed like `filters` (the decoder runs them in reverse). */
  decoderFilters: [number, number];
  /** Units of the dense layers between the conv stack and the code, outermost first (the decoder mirrors them). */
  hidden: number[];
  seed: number;
}

/** A preset's model config with a 2-D code (the benchmarks' and tests' model). */
export function presetConfig(size: SizePreset, seed = 1): ModelConfig {
  const p = SIZE_PRESETS[size];
  return { latent: 2, filters: [...p.filters], decoderFilters: [...p.decoderFilters], hidden: [...p.hidden], seed };
}

export const LATENT_RANGE = [2, 64] as const;

export function checkModelConfig(c: ModelConfig): void {
  if (!Number.isInteger(c.latent) || c.latent < LATENT_RANGE[0] || c.latent > LATENT_RANGE[1]) {
    throw new RangeError(`--latent must be an integer in ${LATENT_RANGE[0]}..${LATENT_RANGE[1]}, got ${c.latent}`);
  }
  if (c.hidden.length < 1 || c.hidden.length > 4)
    throw new RangeError(`give 1 to 4 dense layer sizes, got ${c.hidden.length}`);
  for (const f of [...c.filters, ...c.decoderFilters, ...c.hidden]) {
    if (!Number.isInteger(f) || f < 1 || f > 1024)
      throw new RangeError(`filter and unit counts must be integers in 1..1024, got ${f}`);
  }
}

// Each layer draws its initial weights from its own stream: convs 1-2, code 3, decoder 6-9, encoder
// dense layers 10+, decoder dense layers 20+.
function seeded(seed: number, layer: number) {
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + layer }),
    biasInitializer: 'zeros' as const,
  };
}

export function buildEncoder(c: ModelConfig): tf.LayersModel {
  const [f1, f2] = c.filters;
  return tf.sequential({
    name: 'encoder',
    layers: [
      tf.layers.conv2d({
        name: 'enc_conv1',
        inputShape: [IMAGE_SIZE, IMAGE_SIZE, 1],
        filters: f1,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        ...seeded(c.seed, 1),
      }),
      tf.layers.conv2d({
        name: 'enc_conv2',
        filters: f2,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        ...seeded(c.seed, 2),
      }),
      tf.layers.flatten({ name: 'enc_flatten' }),
      ...c.hidden.map((units, i) =>
        tf.layers.dense({ name: `enc_dense${i + 1}`, units, activation: 'relu', ...seeded(c.seed, 10 + i) }),
      ),
      tf.layers.dense({ name: 'code', units: c.latent, ...seeded(c.seed, 3) }),
    ],
  });
}

export function buildDecoder(c: ModelConfig): tf.LayersModel {
  const [f1, f2] = c.decoderFilters;
  const side = IMAGE_SIZE / 4;
  return tf.sequential({
    name: 'decoder',
    layers: [
      ...[...c.hidden].reverse().map((units, i) =>
        tf.layers.dense({
          name: `dec_dense${i + 1}`,
          ...(i === 0 ? { inputShape: [c.latent] } : {}),
          units,
          activation: 'relu',
          ...seeded(c.seed, 20 + i),
        }),
      ),
      tf.layers.dense({ name: 'dec_expand', units: side * side * f2, activation: 'relu', ...seeded(c.seed, 6) }),
      tf.layers.reshape({ name: 'dec_reshape', targetShape: [side, side, f2] }),
      tf.layers.conv2dTranspose({
        name: 'dec_deconv1',
        filters: f2,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        ...seeded(c.seed, 7),
      }),
      tf.layers.conv2dTranspose({
        name: 'dec_deconv2',
        filters: f1,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        ...seeded(c.seed, 8),
      }),
      tf.layers.conv2d({
        name: 'image',
        filters: 1,
        kernelSize: 3,
        padding: 'same',
        activation: 'sigmoid',
        ...seeded(c.seed, 9),
      }),
    ],
  });
}

export interface Autoencoder {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** encoder then decoder, sharing their layers (training updates both). */
  autoencoder: tf.LayersModel;
}

export function buildAutoencoder(c: ModelConfig): Autoencoder {
  checkModelConfig(c);
  const encoder = buildEncoder(c);
  const decoder = buildDecoder(c);
  const input = tf.input({ shape: [IMAGE_SIZE, IMAGE_SIZE, 1], name: 'image' });
  const output = decoder.apply(encoder.apply(input)) as tf.SymbolicTensor;
  const autoencoder = tf.model({ name: 'autoencoder', inputs: input, outputs: output });
  return { encoder, decoder, autoencoder };
}

/** Mean binary cross-entropy per pixel, clipped as Keras does. */
export function bceLoss(target: tf.Tensor, predicted: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const eps = BCE_EPSILON;
    const p = tf.clipByValue(predicted, eps, 1 - eps);
    return tf.neg(
      tf.mean(tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p))))),
    ) as tf.Scalar;
  });
}

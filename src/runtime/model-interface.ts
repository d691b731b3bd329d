// What an encoder or decoder ONNX file must look like to be used by this project's stages: checked
// once at load time so that a wrong file fails with its path and the mismatch, not deep in a run.
import { IMAGE_SIZE } from '../data/fashion-mnist.js';
import type { OnnxInfo } from 'tfjs2onnx/onnx';

/** Checks that a model is an encoder of 28x28x1 images; returns its code size. */
export function checkEncoder(info: OnnxInfo): number {
  const input = info.inputs[0],
    output = info.outputs[0];
  const shape = (s: (number | string)[]) => `[${s.join(', ')}]`;
  if (info.inputs.length !== 1 || info.outputs.length !== 1 || !input || !output) {
    throw new Error(
      `${info.path}: not an encoder: expected one input and one output, found ${info.inputs.length} and ${info.outputs.length}`,
    );
  }
  const [, h, w, c] = input.shape;
  if (input.shape.length !== 4 || h !== IMAGE_SIZE || w !== IMAGE_SIZE || c !== 1) {
    throw new Error(
      `${info.path}: not an encoder of 28x28x1 images: input "${input.name}" has shape ${shape(input.shape)}, expected [batch, 28, 28, 1]`,
    );
  }
  if (output.shape.length !== 2 || typeof output.shape[1] !== 'number') {
    throw new Error(
      `${info.path}: not an encoder: output "${output.name}" has shape ${shape(output.shape)}, expected [batch, latent]`,
    );
  }
  if (info.metadata.role && info.metadata.role !== 'encoder')
    throw new Error(`${info.path}: its metadata says it is a ${info.metadata.role}, not an encoder`);
  if (info.metadata.input_scaling && !info.metadata.input_scaling.includes('/ 255')) {
    throw new Error(
      `${info.path}: expects input scaled as "${info.metadata.input_scaling}", but this tool feeds pixel / 255`,
    );
  }
  return output.shape[1];
}

/** Checks that a model decodes [batch, latent] codes into [batch, 28, 28, 1] images; returns latent. */
export function checkDecoder(info: OnnxInfo): number {
  const input = info.inputs[0],
    output = info.outputs[0];
  const latent = input?.shape[1];
  if (!input || !output || input.shape.length !== 2 || typeof latent !== 'number') {
    throw new Error(
      `${info.path}: not a decoder: input ${input ? `"${input.name}" [${input.shape.join(', ')}]` : 'missing'}, expected [batch, latent]`,
    );
  }
  const [, h, w, c] = output.shape;
  if (output.shape.length !== 4 || h !== IMAGE_SIZE || w !== IMAGE_SIZE || c !== 1) {
    throw new Error(
      `${info.path}: not a decoder of 28x28x1 images: output "${output.name}" has shape [${output.shape.join(', ')}]`,
    );
  }
  if (info.metadata.role && info.metadata.role !== 'decoder')
    throw new Error(`${info.path}: its metadata says it is a ${info.metadata.role}, not a decoder`);
  return latent;
}

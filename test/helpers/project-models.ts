// The project's encoder/decoder architecture with random weights, exported as the export stage does.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildAutoencoder } from '../../src/train/model.js';
import { convertLayersModel } from 'tfjs2onnx';
import { IMAGE_SIZE } from '../../src/data/fashion-mnist.js';
import { scalePixels } from '../../src/data/pixels.js';
import { NpyWriter } from '../../src/artifacts/npy.js';
import { codePlaneMetadata, type CodePlane } from '../../src/metrics/code-range.js';
import { openModel, runBatched } from '../../src/runtime/ort-session.js';
import { modelArtifacts, randomizeWeights } from './convert-compare.js';

/** `plane`: the code plane to store in the metadata, as export does (default: [-1, 1] on z0 and z1). */
export async function writeProjectModels(
  dir: string,
  latent = 2,
  plane?: CodePlane,
): Promise<{ encoder: string; decoder: string }> {
  const { encoder, decoder } = buildAutoencoder({
    latent,
    filters: [8, 16],
    decoderFilters: [8, 16],
    hidden: [32],
    seed: 4,
  });
  randomizeWeights(encoder, 1);
  randomizeWeights(decoder, 2);
  const paths = { encoder: join(dir, 'encoder.onnx'), decoder: join(dir, 'decoder.onnx') };
  for (const [name, model, inputName, outputName] of [
    ['encoder', encoder, 'image', 'code'],
    ['decoder', decoder, 'code', 'image'],
  ] as const) {
    const a = await modelArtifacts(model);
    const unit = (a: number) => Array.from({ length: latent }, (_, d) => (d === a ? 1 : 0));
    const metadata = {
      role: name,
      input_scaling: name === 'encoder' ? 'float32 pixel / 255 in [0, 1]' : 'code',
      ...codePlaneMetadata(
        plane ?? {
          range: [
            [-1, 1],
            [-1, 1],
          ],
          projection: latent > 2 ? { mean: unit(-1), components: [unit(0), unit(1)] } : null,
        },
      ),
    };
    await writeFile(
      paths[name],
      convertLayersModel(a.json, a.weights, { source: name, inputName, outputName, metadata }).bytes,
    );
  }
  return paths;
}

/** Codes of `pixels` (uint8 images) by the encoder at `encoderPath`, written as the encode stage writes them. */
export async function writeCodes(encoderPath: string, pixels: Uint8Array, path: string): Promise<Float32Array> {
  const codes = await runBatched(await openModel(encoderPath), scalePixels(pixels), [IMAGE_SIZE, IMAGE_SIZE, 1]);
  const latent = codes.length / (pixels.length / (IMAGE_SIZE * IMAGE_SIZE));
  const w = await NpyWriter.create(path, [latent]);
  await w.write(codes);
  await w.close();
  return codes;
}

// The demo stage: a self-contained static site in web-demo/dist. Reads models/{encoder,decoder}.onnx,
// the test set and its codes (reports/test-codes.npy, from make encode), web-demo/{index.html,style.css,src/main.ts}; writes index.html, style.css, app.js,
// the two ONNX files, onnxruntime-web's runtime under ort/, and the test set's codes (codes.f32),
// labels (labels.u8), images (images.u8) and meta.json.
import { copyFile, readFile, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { loadDataset } from '../data/dataset.js';
import { CLASS_NAMES } from '../data/fashion-mnist.js';
import { openModel } from '../lib/ort-session.js';
import { checkDecoder, checkEncoder } from '../lib/model-interface.js';
import { codePlaneFromMetadata } from '../lib/code-range.js';
import { readEncodedCodes } from '../lib/code-files.js';
import { CLASS_COLORS } from '../lib/plots.js';
import { writeDirAtomic } from '../util/atomic.js';
import { scalePixels } from '../data/pixels.js';

/** onnxruntime-web's wasm-only entry and the runtime files it loads (from ort.env.wasm.wasmPaths). */
export const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

export async function buildDemo(o: { modelsDir: string; dataDir: string; codes: string; srcDir: string; outDir: string }): Promise<{ files: string[]; latent: number }> {
  const data = await loadDataset(o.dataDir, { which: 'test' });
  const encoder = await openModel(join(o.modelsDir, 'encoder.onnx'));
  const decoder = await openModel(join(o.modelsDir, 'decoder.onnx'));
  const latent = checkEncoder(encoder.info);
  if (checkDecoder(decoder.info) !== latent) throw new Error(`${o.modelsDir}: encoder and decoder disagree on the code size`);

  const n = data.test.images.count;
  const x = scalePixels(data.test.images.pixels);
  const codes = await readEncodedCodes(o.codes, encoder, x, latent);
  const { range, projection } = codePlaneFromMetadata(encoder.info.metadata, latent, encoder.info.path);
  const md = encoder.info.metadata;
  const metrics = md.metrics ? (JSON.parse(md.metrics) as Record<string, number>) : {};
  const facts: Record<string, string> = {
    'latent size': String(latent),
    ...(md.parameters ? { 'parameters (encoder + decoder)': Number(md.parameters).toLocaleString('en') } : {}),
    ...(metrics.test_mse !== undefined ? { 'test MSE per pixel': metrics.test_mse.toFixed(4) } : {}),
    ...(metrics.knn5_accuracy !== undefined ? { '5-NN accuracy of codes': metrics.knn5_accuracy.toFixed(4) } : {}),
    ...(md.training ? { training: Object.entries(JSON.parse(md.training) as Record<string, unknown>).map(([k, v]) => `${k} ${String(v)}`).join(', ') } : {}),
  };
  const meta = {
    latent, count: n, classNames: [...CLASS_NAMES], colors: CLASS_COLORS,
    projection,
    range, facts,
  };

  const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/wasm'));
  const files: string[] = [];
  await writeDirAtomic(o.outDir, async (tmp) => {
    const put = async (name: string, data: Uint8Array | string) => { await writeFile(join(tmp, name), data); files.push(name); };
    await build({
      entryPoints: [join(o.srcDir, 'src', 'main.ts')], bundle: true, format: 'esm', target: 'es2022', minify: true,
      outfile: join(tmp, 'app.js'), logLevel: 'error', sourcemap: false,
      // The page loads onnxruntime-web from its own ort/ folder rather than a bundled copy.
      plugins: [{ name: 'ort-beside-page', setup: (b) => b.onResolve({ filter: /^onnxruntime-web\/wasm$/ }, () => ({ path: './ort/ort.wasm.min.mjs', external: true })) }],
    });
    files.push('app.js');
    for (const f of ['index.html', 'style.css']) await put(f, await readFile(join(o.srcDir, f)));
    for (const f of ['encoder.onnx', 'decoder.onnx']) { await copyFile(join(o.modelsDir, f), join(tmp, f)); files.push(f); }
    await mkdir(join(tmp, 'ort'));
    for (const f of ORT_FILES) { await copyFile(join(ortDir, f), join(tmp, 'ort', f)); files.push(`ort/${f}`); }
    await put('codes.f32', new Uint8Array(codes.buffer));
    await put('labels.u8', data.test.labels.labels);
    await put('images.u8', data.test.images.pixels);
    await put('meta.json', JSON.stringify(meta));
  });
  return { files, latent };
}

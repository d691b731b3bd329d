// The demo stage: a self-contained static site in web-demo/dist. Reads models/{encoder,decoder}.onnx
// (and the code plane in their metadata), the test set and its codes (reports/test-codes.npy, make encode), the
// report's test-set metrics (reports/metrics.json), web-demo/{index.html,style.css,src/*.ts}; writes index.html, style.css, app.js,
// the two ONNX files, onnxruntime-web's runtime under ort/, meta.json, and the test set as the page
// loads it: plane.f32 (float32 [count, 2], the plotted plane) and labels.u8 first, so the scatter draws
// from ~90 KB; codes.f32 (float32 [count, latent]) and images/<k>.u8 (uint8 [CHUNK, 28, 28], fetched
// only when a point's image is needed) later. Every file also gets .br and .gz siblings for the server.
import { copyFile, readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zc } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { loadDataset } from '../data/dataset.js';
import { CLASS_NAMES, IMAGE_SIZE } from '../data/fashion-mnist.js';
import { openModel } from '../runtime/ort-session.js';
import { checkDecoder, checkEncoder } from '../runtime/model-interface.js';
import { codePlaneFromMetadata, planeOf } from '../metrics/code-range.js';
import { readEncodedCodes } from '../runtime/code-files.js';
import { writeDirAtomic, writeFileAtomic } from '../util/atomic.js';
import { createHash } from 'node:crypto';
import { TRAINING_RUN_KEY, checkSameTrainingRun } from '../artifacts/training-run.js';
import { readReportSummary } from '../artifacts/manifests.js';
import { stageProgress, type OnProgress } from '../util/progress.js';
import { scalePixels } from '../data/pixels.js';

/** onnxruntime-web's wasm-only entry and the runtime files it loads (from ort.env.wasm.wasmPaths). */
export const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

/** Test images per images/<k>.u8 file: 500 images are 392 KB raw, ~150 KB compressed. */
export const IMAGE_CHUNK = 500;

/**
 * A colour-blind-safe palette for 10 classes: Okabe & Ito's eight (black replaced by grey) plus Paul Tol's
 * wine and teal. Ten hues cannot all stay apart under every colour-vision deficiency, so the page adds a
 * second cue: the highlighted class is drawn larger with a dark outline and the others fade.
 */
export const DEMO_COLORS = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#882255',
  '#F0E442',
  '#777777',
  '#44AA99',
];

const brotliAsync = promisify(brotliCompress),
  gzipAsync = promisify(gzip);

/** Where compressed files are kept by content hash, so a rebuild recompresses only what changed (the 14 MB wasm and the images rarely do). */
export const COMPRESS_CACHE = 'node_modules/.cache/fashion-ae-demo';

/**
 * Writes name.br and name.gz beside every file under dir (brotli quality 9: 2.7 MB for the 14 MB wasm in ~3 s on
 * an idle core; quality 11 takes a minute for 13 % less). Results are reused from cacheDir by content hash;
 * a cache that cannot be read or written is skipped.
 */
async function precompress(dir: string, files: string[], cacheDir: string | null): Promise<string[]> {
  const out: string[] = [];
  if (cacheDir) await mkdir(cacheDir, { recursive: true }).catch(() => undefined);
  for (const f of files) {
    const data = await readFile(join(dir, f));
    const key = cacheDir ? join(cacheDir, `${createHash('sha256').update(data).digest('hex')}-q9`) : null;
    let br = key ? await readFile(`${key}.br`).catch(() => null) : null;
    let gz = key ? await readFile(`${key}.gz`).catch(() => null) : null;
    if (!br || !gz) {
      [br, gz] = await Promise.all([
        brotliAsync(data, { params: { [zc.BROTLI_PARAM_QUALITY]: 9, [zc.BROTLI_PARAM_SIZE_HINT]: data.length } }),
        gzipAsync(data, { level: 9 }),
      ]);
      if (key)
        await Promise.all([writeFileAtomic(`${key}.br`, br), writeFileAtomic(`${key}.gz`, gz)]).catch(() => undefined);
    }
    await writeFile(join(dir, `${f}.br`), br);
    await writeFile(join(dir, `${f}.gz`), gz);
    out.push(`${f}.br`, `${f}.gz`);
  }
  return out;
}

/** The encoder's `training` metadata (export writes a JSON object of settings), checked. */
function trainingMetadata(text: string, file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${file}: metadata "training" is not a JSON object of settings; re-export with \`make export\``);
  return v as Record<string, unknown>;
}

export async function buildDemo(o: {
  modelsDir: string;
  dataDir: string;
  codes: string;
  /** The report stage's metrics.json, whose test-set numbers the card shows (absent: the card shows none). */
  metrics?: string;
  srcDir: string;
  outDir: string;
  cacheDir?: string | null;
  onProgress?: OnProgress;
}): Promise<{ files: string[]; latent: number }> {
  const p = stageProgress('demo', o.onProgress);
  const encoder = await openModel(join(o.modelsDir, 'encoder.onnx'));
  const decoder = await openModel(join(o.modelsDir, 'decoder.onnx'));
  const latent = checkEncoder(encoder.info);
  if (checkDecoder(decoder.info) !== latent)
    throw new Error(`${o.modelsDir}: encoder and decoder disagree on the code size`);
  checkSameTrainingRun([encoder.info, decoder.info]);
  // The test-set numbers are the report's, measured once on these ONNX files; a report of other models is refused.
  const report = o.metrics ? await readReportSummary(o.metrics) : null;
  const run = encoder.info.metadata[TRAINING_RUN_KEY] ?? null;
  if (report && report.trainingRun !== run)
    throw new Error(
      `${o.metrics}: measured models of training run ${report.trainingRun ?? '(none)'}, but ${encoder.info.path} is of run ${run ?? '(none)'}; rerun \`make report\``,
    );
  const data = await loadDataset(o.dataDir, { which: 'test' });

  const n = data.test.images.count;
  const x = scalePixels(data.test.images.pixels);
  const codes = await readEncodedCodes(o.codes, encoder, x, latent);
  // The plane and its range were computed once, by the train stage, and stored in the model by export.
  const { range, projection } = codePlaneFromMetadata(encoder.info.metadata, latent, encoder.info.path);
  const plane = planeOf(codes, latent, projection);
  const md = encoder.info.metadata;
  const facts: Record<string, string> = {
    'latent size': String(latent),
    ...(md.parameters ? { 'parameters (encoder + decoder)': Number(md.parameters).toLocaleString('en') } : {}),
    ...(report
      ? {
          'test MSE per pixel': report.test.mse.toFixed(4),
          '5-NN accuracy of codes': report.test.knn5.toFixed(4),
          'trustworthiness (k = 5)': report.test.trustworthiness5.toFixed(4),
        }
      : {}),
    ...(md.training
      ? {
          training: Object.entries(trainingMetadata(md.training, encoder.info.path))
            .map(([k, v]) => `${k} ${String(v)}`)
            .join(', '),
        }
      : {}),
  };
  const meta = {
    latent,
    count: n,
    classNames: [...CLASS_NAMES],
    colors: DEMO_COLORS,
    imageChunk: IMAGE_CHUNK,
    projection,
    range,
    facts,
    sizes: {} as Record<string, number>,
  };

  p.step(`writing ${o.outDir}/`);
  const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/wasm'));
  const files: string[] = [];
  await writeDirAtomic(o.outDir, async (tmp) => {
    const put = async (name: string, data: Uint8Array | string) => {
      await writeFile(join(tmp, name), data);
      files.push(name);
    };
    await build({
      entryPoints: [join(o.srcDir, 'src', 'main.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      splitting: false,
      outfile: join(tmp, 'app.js'),
      logLevel: 'error',
      sourcemap: false,
      // The page loads onnxruntime-web from its own ort/ folder rather than a bundled copy.
      plugins: [
        {
          name: 'ort-beside-page',
          setup: (b) =>
            b.onResolve({ filter: /^onnxruntime-web\/wasm$/ }, () => ({
              path: './ort/ort.wasm.min.mjs',
              external: true,
            })),
        },
      ],
    });
    files.push('app.js');
    for (const f of ['index.html', 'style.css']) await put(f, await readFile(join(o.srcDir, f)));
    for (const f of ['encoder.onnx', 'decoder.onnx']) {
      await copyFile(join(o.modelsDir, f), join(tmp, f));
      files.push(f);
    }
    await mkdir(join(tmp, 'ort'));
    for (const f of ORT_FILES) {
      await copyFile(join(ortDir, f), join(tmp, 'ort', f));
      files.push(`ort/${f}`);
    }
    await put('plane.f32', new Uint8Array(Float32Array.from(plane).buffer));
    await put('codes.f32', new Uint8Array(codes.buffer));
    await put('labels.u8', data.test.labels.labels);
    await mkdir(join(tmp, 'images'));
    const px = data.test.images.pixels,
      size = IMAGE_SIZE * IMAGE_SIZE;
    for (let k = 0; k * IMAGE_CHUNK < n; k++)
      await put(`images/${k}.u8`, px.subarray(k * IMAGE_CHUNK * size, Math.min(n, (k + 1) * IMAGE_CHUNK) * size));
    for (const f of ['ort/ort-wasm-simd-threaded.wasm', 'encoder.onnx', 'decoder.onnx'])
      meta.sizes[f] = (await stat(join(tmp, f))).size;
    await put('meta.json', JSON.stringify(meta));
    files.push(...(await precompress(tmp, [...files], o.cacheDir === undefined ? COMPRESS_CACHE : o.cacheDir)));
  });
  p.done(`wrote ${o.outDir}/ (${files.length} files, latent ${latent}); serve it with \`make serve\``);
  return { files, latent };
}

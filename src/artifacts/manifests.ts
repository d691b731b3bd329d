// The manifests stages hand each other, read with a check of every field the reader uses: a stale or
// hand-edited file fails here with its path and the field, not later as `undefined` in a computation.
//   data/fashion-mnist/manifest.json  written by the fetch stage, read by every stage that loads the dataset
//   models/tfjs/manifest.json         written by the train stage, read by export (metadata) and report (curves)
//   reports/metrics.json              written by the report stage, read by demo (the card)
//   reports/bench.json                written by bench, read by triton (the batching)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodePlane } from '../metrics/code-range.js';

export const MANIFEST_NAME = 'manifest.json';

export type SourceKind = 'cache' | 'from' | 'debian' | 'download';

export interface DatasetManifest {
  dataset: 'fashion-mnist';
  source: { kind: SourceKind; location: string };
  classNames: string[];
  files: Record<string, { name: string; bytes: number; sha256: string; count: number }>;
  createdAt: string;
}

/** The part of the train stage's manifest that later stages read; the train stage writes a superset. */
export interface TrainSummary {
  settings: {
    model: { latent: number; seed: number };
    optimizer: string;
    momentum?: number;
    lr: number;
    batchSize: number;
    objective?: string;
    umap?: {
      k: number;
      weight: number;
      minDist: number;
      spread: number;
      negativeRate: number;
      /** Absent in manifests from before they were recorded. */
      sampling?: string;
      warmup?: number;
    };
    /** The layout objective's settings. */
    layout?: { weight: number; epochs: number; warmup: number; schedule?: string };
  };
  /** The training engine (absent in manifests from before the ort engine: tfjs). */
  engine?: string;
  backend: string;
  parameters: number;
  history: { trainLoss: number; valLoss: number }[];
  metrics: {
    /** The validation split's kNN accuracy (absent in runs without one). */
    validation?: { knn1: number; knn5: number };
    codeRange: [number, number][];
    codeProjection: CodePlane['projection'];
  };
}

/** A JSON value checked field by field; each failure names the file and the field's path. */
class Reader {
  constructor(private readonly file: string) {}

  fail(path: string, expected: string, found: unknown): never {
    const shown = found === undefined ? 'nothing' : JSON.stringify(found)?.slice(0, 60);
    throw new Error(`${this.file}: field ${path} should be ${expected}, found ${shown}`);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object', v);
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'an array', v);
    return v;
  }

  number(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, 'a finite number', v);
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, 'a string', v);
    return v;
  }
}

async function readJson(path: string, hint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`${path} is missing or unreadable: ${hint}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message}): ${hint}`);
  }
}

const SOURCE_KINDS: readonly SourceKind[] = ['cache', 'from', 'debian', 'download'];

/** Checks a parsed dataset manifest; `file` names it in errors. */
export function checkDatasetManifest(json: unknown, file: string): DatasetManifest {
  const r = new Reader(file);
  const o = r.object(json, '(top level)');
  if (o.dataset !== 'fashion-mnist') r.fail('dataset', '"fashion-mnist"', o.dataset);
  const source = r.object(o.source, 'source');
  const kind = r.string(source.kind, 'source.kind');
  if (!SOURCE_KINDS.includes(kind as SourceKind)) r.fail('source.kind', SOURCE_KINDS.join(' | '), kind);
  const files = r.object(o.files, 'files');
  const checked: DatasetManifest['files'] = {};
  for (const [key, value] of Object.entries(files)) {
    const f = r.object(value, `files.${key}`);
    checked[key] = {
      name: r.string(f.name, `files.${key}.name`),
      bytes: r.number(f.bytes, `files.${key}.bytes`),
      sha256: r.string(f.sha256, `files.${key}.sha256`),
      count: r.number(f.count, `files.${key}.count`),
    };
  }
  return {
    dataset: 'fashion-mnist',
    source: { kind: kind as SourceKind, location: r.string(source.location, 'source.location') },
    classNames: r.array(o.classNames, 'classNames').map((c, i) => r.string(c, `classNames[${i}]`)),
    files: checked,
    createdAt: r.string(o.createdAt, 'createdAt'),
  };
}

/** Reads `<dir>/manifest.json` as the fetch stage wrote it. */
export async function readDatasetManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, MANIFEST_NAME);
  return checkDatasetManifest(await readJson(path, 'run `make data` (node pipeline/fetch.js) first'), path);
}

/** Checks a parsed train manifest for the fields later stages use; `file` names it in errors. */
export function checkTrainSummary(json: unknown, file: string): TrainSummary {
  const r = new Reader(file);
  const o = r.object(json, '(top level)');
  const s = r.object(o.settings, 'settings');
  const model = r.object(s.model, 'settings.model');
  const m = r.object(o.metrics, 'metrics');
  return {
    settings: {
      model: {
        latent: r.number(model.latent, 'settings.model.latent'),
        seed: r.number(model.seed, 'settings.model.seed'),
      },
      optimizer: r.string(s.optimizer, 'settings.optimizer'),
      ...(s.momentum === undefined ? {} : { momentum: r.number(s.momentum, 'settings.momentum') }),
      lr: r.number(s.lr, 'settings.lr'),
      batchSize: r.number(s.batchSize, 'settings.batchSize'),
      ...(s.objective === undefined ? {} : { objective: r.string(s.objective, 'settings.objective') }),
      ...(s.umap === undefined || s.objective !== 'umap-ae'
        ? {}
        : {
            umap: ((u) => ({
              k: r.number(u.k, 'settings.umap.k'),
              weight: r.number(u.weight, 'settings.umap.weight'),
              minDist: r.number(u.minDist, 'settings.umap.minDist'),
              spread: r.number(u.spread, 'settings.umap.spread'),
              negativeRate: r.number(u.negativeRate, 'settings.umap.negativeRate'),
              ...(u.sampling === undefined ? {} : { sampling: r.string(u.sampling, 'settings.umap.sampling') }),
              ...(u.warmup === undefined ? {} : { warmup: r.number(u.warmup, 'settings.umap.warmup') }),
            }))(r.object(s.umap, 'settings.umap')),
          }),
      ...(s.layout === undefined || s.objective !== 'layout'
        ? {}
        : {
            layout: ((l) => ({
              weight: r.number(l.weight, 'settings.layout.weight'),
              epochs: r.number(l.epochs, 'settings.layout.epochs'),
              warmup: r.number(l.warmup, 'settings.layout.warmup'),
              ...(l.schedule === undefined ? {} : { schedule: r.string(l.schedule, 'settings.layout.schedule') }),
            }))(r.object(s.layout, 'settings.layout')),
          }),
    },
    ...(o.engine === undefined ? {} : { engine: r.string(o.engine, 'engine') }),
    backend: r.string(o.backend, 'backend'),
    parameters: r.number(o.parameters, 'parameters'),
    history: r.array(o.history, 'history').map((h, i) => {
      const e = r.object(h, `history[${i}]`);
      return {
        trainLoss: r.number(e.trainLoss, `history[${i}].trainLoss`),
        valLoss: r.number(e.valLoss, `history[${i}].valLoss`),
      };
    }),
    metrics: {
      ...(m.validation === undefined
        ? {}
        : {
            validation: ((v) => ({
              knn1: r.number(v.knn1, 'metrics.validation.knn1'),
              knn5: r.number(v.knn5, 'metrics.validation.knn5'),
            }))(r.object(m.validation, 'metrics.validation')),
          }),
      codeRange: twoPairs(r, r.array(m.codeRange, 'metrics.codeRange')).map((pair, d) => {
        const p = r.array(pair, `metrics.codeRange[${d}]`);
        if (p.length !== 2) r.fail(`metrics.codeRange[${d}]`, 'a [low, high] pair', p);
        return [r.number(p[0], `metrics.codeRange[${d}][0]`), r.number(p[1], `metrics.codeRange[${d}][1]`)];
      }),
      codeProjection:
        m.codeProjection == null
          ? null
          : readProjection(r, m.codeProjection, r.number(model.latent, 'settings.model.latent')),
    },
  };
}

function twoPairs(r: Reader, a: unknown[]): unknown[] {
  if (a.length !== 2) r.fail('metrics.codeRange', 'two [low, high] pairs', a);
  return a;
}

function readProjection(r: Reader, v: unknown, latent: number): NonNullable<CodePlane['projection']> {
  const p = r.object(v, 'metrics.codeProjection');
  const vector = (x: unknown, path: string) => {
    const a = r.array(x, path).map((e, i) => r.number(e, `${path}[${i}]`));
    if (a.length !== latent) r.fail(path, `${latent} numbers (the code size)`, a.length);
    return a;
  };
  const c = r.array(p.components, 'metrics.codeProjection.components');
  if (c.length !== 2) r.fail('metrics.codeProjection.components', 'two vectors', c.length);
  return {
    mean: vector(p.mean, 'metrics.codeProjection.mean'),
    components: [
      vector(c[0], 'metrics.codeProjection.components[0]'),
      vector(c[1], 'metrics.codeProjection.components[1]'),
    ],
  };
}

/** Reads `<tfjsDir>/manifest.json` as the train stage wrote it. */
export async function readTrainManifest(tfjsDir: string): Promise<TrainSummary> {
  const path = join(tfjsDir, MANIFEST_NAME);
  return checkTrainSummary(await readJson(path, 'run `make train` first'), path);
}

/** What the demo's card shows of reports/metrics.json (the report stage's test-set metrics of the ONNX files). */
export interface ReportSummary {
  /** The training run of the models measured (their `training_run` metadata), or null when they carry none. */
  trainingRun: string | null;
  test: {
    images: number;
    mse: number;
    bce: number;
    knn1: number;
    knn5: number;
    trustworthiness5: number;
    silhouette: number;
  };
}

/** Checks a parsed reports/metrics.json for the fields its readers use; `file` names it in errors. */
export function checkReportSummary(json: unknown, file: string): ReportSummary {
  const r = new Reader(file);
  const o = r.object(json, '(top level)');
  if (o.stage !== 'report') r.fail('stage', '"report"', o.stage);
  const t = r.object(o.test, 'test');
  const n = (k: string) => r.number(t[k], `test.${k}`);
  return {
    trainingRun: o.trainingRun == null ? null : r.string(o.trainingRun, 'trainingRun'),
    test: {
      images: n('images'),
      mse: n('mse'),
      bce: n('bce'),
      knn1: n('knn1'),
      knn5: n('knn5'),
      trustworthiness5: n('trustworthiness5'),
      silhouette: n('silhouette'),
    },
  };
}

/** Reads the report stage's metrics.json. */
export async function readReportSummary(path: string): Promise<ReportSummary> {
  return checkReportSummary(await readJson(path, 'run `make report` first'), path);
}

/** What `make triton` takes from reports/bench.json: onnxruntime's best batch and its speed. */
export interface BenchSummary {
  bestOrt: { batch: number; imagesPerSec: number };
}

/** Checks a parsed reports/bench.json for summary.bestOrt; `file` names it in errors. */
export function checkBenchSummary(json: unknown, file: string): BenchSummary {
  const r = new Reader(file);
  const s = r.object(r.object(json, '(top level)').summary, 'summary');
  const best = r.object(s.bestOrt, 'summary.bestOrt');
  const batch = r.number(best.batch, 'summary.bestOrt.batch');
  if (!Number.isInteger(batch) || batch < 1) r.fail('summary.bestOrt.batch', 'a positive integer', batch);
  const imagesPerSec = r.number(best.imagesPerSec, 'summary.bestOrt.imagesPerSec');
  if (imagesPerSec <= 0) r.fail('summary.bestOrt.imagesPerSec', 'a positive number', imagesPerSec);
  return { bestOrt: { batch, imagesPerSec } };
}

/** Reads a `make bench` result. */
export async function readBenchSummary(path: string): Promise<BenchSummary> {
  return checkBenchSummary(await readJson(path, 'run `make bench` first'), path);
}

// The layer rule of eslint.config.js, shown to fail: each case lints one small source text as if it were a file in
// the named folder, and checks that an import up a layer, across a layer, or into the tfjs2onnx package's files
// is an error, and that the allowed direction is not. (`make lint` shows that the repository itself passes.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });
const RULES = new Set(['import-x/no-restricted-paths', 'no-restricted-imports', 'no-console']);

/** The layer, import and console errors of `code` linted as `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId && RULES.has(m.ruleId))
    .map((m) => `${m.ruleId}: ${m.message}`);
}

function uses(specifier: string, name: string): string {
  return `import { ${name} } from '${specifier}';\nexport const used = ${name};\n`;
}

const CASES: { file: string; code: string; fails: RegExp | null; what: string }[] = [
  {
    what: 'down a layer',
    file: 'src/data/x.ts',
    code: uses('../artifacts/manifests.js', 'readDatasetManifest'),
    fails: null,
  },
  {
    what: 'up a layer (metrics -> data)',
    file: 'src/metrics/x.ts',
    code: uses('../data/dataset.js', 'loadDataset'),
    fails: /src\/metrics may import only lower layers/,
  },
  {
    // data imports artifacts (above); the way back fails, so the two can never import each other.
    what: 'the other half of a two-way pair (artifacts -> data)',
    file: 'src/artifacts/x.ts',
    code: uses('../data/fashion-mnist.js', 'IMAGE_SIZE'),
    fails: /src\/artifacts may import only lower layers/,
  },
  {
    what: 'across one layer (runtime -> umap)',
    file: 'src/runtime/x.ts',
    code: uses('../umap/index.js', 'buildKnnGraph'),
    fails: /src\/runtime may import only lower layers/,
  },
  {
    what: 'the training-graph builder -> metrics (up)',
    file: 'src/train-graph/x.ts',
    code: uses('../metrics/reconstruction.js', 'reconstructionMetrics'),
    fails: /src\/train-graph may import only lower layers/,
  },
  {
    what: 'a stage -> another stage',
    file: 'src/report/x.ts',
    code: uses('../train/stage.js', 'runTrainStage'),
    fails: /src\/report may import only lower layers/,
  },
  { what: 'the package by name', file: 'src/export/x.ts', code: uses('tfjs2onnx', 'convertFile'), fails: null },
  {
    what: "the package's files by path",
    file: 'src/export/x.ts',
    code: uses('../../packages/tfjs2onnx/src/convert.js', 'convertLayersModel'),
    fails: /tfjs2onnx/,
  },
  {
    what: "the package's files by a deep specifier",
    file: 'pipeline/x.ts',
    code: uses('tfjs2onnx/dist/convert.js', 'convertLayersModel'),
    fails: /entries are 'tfjs2onnx', 'tfjs2onnx\/onnx' and 'tfjs2onnx\/cli'/,
  },
  {
    what: "the package's ONNX toolkit -> its converter",
    file: 'packages/tfjs2onnx/src/onnx/x.ts',
    code: uses('../convert.js', 'convertLayersModel'),
    fails: /never imports the converter/,
  },
  {
    what: 'the package -> this repository',
    file: 'packages/tfjs2onnx/src/x.ts',
    code: uses('../../../src/util/hash.js', 'sha256'),
    fails: /imports nothing of this repository/,
  },
  {
    what: 'the web page -> a pure metric',
    file: 'web-demo/src/x.ts',
    code: uses('../../src/metrics/knn.js', 'nearestNeighbours'),
    fails: null,
  },
  {
    what: 'the web page -> onnxruntime sessions',
    file: 'web-demo/src/x.ts',
    code: uses('../../src/runtime/ort-session.js', 'openModel'),
    fails: /web page may share the pure modules/,
  },
  { what: 'console in library code', file: 'src/metrics/x.ts', code: 'console.log(1);\n', fails: /console/ },
  { what: 'console in pipeline/', file: 'pipeline/x.ts', code: 'console.log(1);\n', fails: null },
];

for (const c of CASES) {
  test(`lint layers: ${c.what} ${c.fails ? 'fails' : 'passes'}`, async () => {
    const errors = await layerErrors(c.file, c.code);
    if (c.fails === null) assert.deepEqual(errors, []);
    else
      assert.ok(
        errors.some((e) => c.fails!.test(e)),
        `expected an error matching ${c.fails}, got ${JSON.stringify(errors)}`,
      );
  });
}

// Lint: typescript-eslint's recommended rules, plus the house's layering, checked on imports.
// Layers, bottom to top (a folder imports only folders of lower layers; an import up, or across to
// another folder of its own layer, fails `make lint`, so no two folders import each other):
//   src/util                                  helpers that know nothing of the project
//   tfjs2onnx (packages/tfjs2onnx)            the converter and its ONNX toolkit, an npm workspace package
//                                             reached only through its entries: 'tfjs2onnx', 'tfjs2onnx/onnx', 'tfjs2onnx/cli'
//   src/train-graph                           ONNX training graphs (owns the loss constants)
//   src/metrics                               knn, embedding metrics, reconstruction, the code plane
//   src/artifacts                             checked readers and writers of the JSON/npy artifacts
//   src/data                                  the dataset: IDX files, Fashion-MNIST, pixels
//   src/runtime, src/plots, src/umap          onnxruntime sessions and tfjs back ends; PNG plots; UMAP
//   stage folders (src/fetch, src/train, ...) one per pipeline stage; a stage never imports another
//   src/bench                                 measures the stages
//   pipeline/, test/                          entry points and tests
// The web page (web-demo/src) may import the pure modules of src/data and src/metrics.
// Library code never prints (no-console): it throws or emits progress events.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const STAGES = ['fetch', 'train', 'export', 'validate', 'serve', 'report', 'demo'];
export const LAYERS = [
  ['util'],
  ['train-graph'],
  ['metrics'],
  ['artifacts'],
  ['data'],
  ['runtime', 'plots', 'umap'],
  STAGES,
  ['bench'],
];
const ABOVE_SRC = ['./pipeline', './test'];
const PACKAGE = './packages/tfjs2onnx';

const layerZones = LAYERS.flatMap((layer, i) =>
  layer.map((folder) => {
    const higher = LAYERS.slice(i + 1).flat();
    const siblings = layer.filter((f) => f !== folder);
    const lower = LAYERS.slice(0, i).flat();
    return {
      target: `./src/${folder}`,
      from: [...[...siblings, ...higher].map((f) => `./src/${f}`), ...ABOVE_SRC],
      message:
        `src/${folder} may import only lower layers (${lower.length ? lower.map((f) => `src/${f}`).join(', ') : 'nothing of the project'}` +
        `${i > 0 ? ', the tfjs2onnx package' : ''}): the order is in eslint.config.js. Move what both sides need down a layer.`,
    };
  }),
);

const packageZones = [
  {
    // Its dist/ is what the bare specifiers resolve to; its exports map and no-restricted-imports below keep
    // those to the three entries.
    target: ['./src', './pipeline', './test', './web-demo/src'],
    from: PACKAGE,
    except: ['./dist'],
    message: "The tfjs2onnx package is used like any other: import 'tfjs2onnx', 'tfjs2onnx/onnx' or 'tfjs2onnx/cli'.",
  },
  {
    target: PACKAGE,
    from: ['./src', './pipeline', './test', './web-demo'],
    message: 'The tfjs2onnx package is published on its own: it imports nothing of this repository.',
  },
  {
    target: `${PACKAGE}/src/onnx`,
    from: `${PACKAGE}/src`,
    except: ['./onnx'],
    message: "The ONNX toolkit (proto, graph builder, inspect) is the package's bottom layer: it never imports the converter.",
  },
  {
    target: './web-demo/src',
    from: [...LAYERS.flat().filter((f) => f !== 'data' && f !== 'metrics').map((f) => `./src/${f}`), ...ABOVE_SRC],
    message: 'The web page may share the pure modules of src/data and src/metrics, nothing else of the library.',
  },
];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'packages/*/dist/', 'test/fixtures/lint/', '**/*.js', '!eslint.config.js', 'web-demo/dist/', 'data/', 'models/', 'reports/', 'tmp/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { ecmaVersion: 2022, sourceType: 'module' } },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Resolves the `./x.js` specifiers NodeNext requires to the `./x.ts` sources beside them.
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'web-demo/tsconfig.json', 'packages/tfjs2onnx/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones, ...packageZones] }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['tfjs2onnx/*', '!tfjs2onnx/onnx', '!tfjs2onnx/cli'],
              message: "The tfjs2onnx package's entries are 'tfjs2onnx', 'tfjs2onnx/onnx' and 'tfjs2onnx/cli'; nothing reaches into its files.",
            },
            {
              group: ['**/packages/**'],
              message: "Import the tfjs2onnx package by name ('tfjs2onnx', 'tfjs2onnx/onnx', 'tfjs2onnx/cli'), not by path.",
            },
          ],
        },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Errors here fold the cause into their one-line message (file, what, found).
      'preserve-caught-error': 'off',
      'max-len': ['error', { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreComments: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // Library code throws or emits progress events; only pipeline/ (and the package's command) prints.
    files: ['src/**/*.ts', 'packages/*/src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Tests may reach into anything and use `any` where a test feeds deliberately wrong input.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);

// Lint: typescript-eslint's recommended rules, plus the house's layering, checked on imports.
//   pipeline/  ->  src/bench  ->  stage folders  ->  shared library (src/lib, src/data, src/onnx, src/umap)  ->  src/util
// A stage never imports another stage; a lower layer never imports a higher one; no import cycles.
// src/bench measures stages (the trainer's throughput, the encoder's), so it sits above them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const STAGES = ['fetch', 'train', 'export', 'validate', 'serve', 'report', 'demo'];
const LIBRARY = ['lib', 'data', 'onnx', 'umap'];
const ABOVE_STAGES = ['./src/bench', './pipeline', './test'];
const ABOVE_LIBRARY = [...STAGES.map((s) => `./src/${s}`), ...ABOVE_STAGES];

const layerZones = [
  // Each stage imports only the library below it, never another stage.
  ...STAGES.map((stage) => ({
    target: `./src/${stage}`,
    from: [...STAGES.filter((s) => s !== stage).map((s) => `./src/${s}`), ...ABOVE_STAGES],
    message: `src/${stage} is a stage: it may import the shared library (src/${LIBRARY.join(', src/')}) and src/util, not another stage. Move what both need into src/lib.`,
  })),
  // The library serves every stage and so imports none of them.
  ...LIBRARY.map((lib) => ({
    target: `./src/${lib}`,
    from: ABOVE_LIBRARY,
    message: `src/${lib} is shared library code: it may import other library folders and src/util, never a stage, pipeline/ or test/.`,
  })),
  {
    target: './src/bench',
    from: ['./pipeline', './test'],
    message: 'src/bench measures the stages: it may import them and the library, never pipeline/ or test/.',
  },
  {
    target: './src/util',
    from: [...ABOVE_LIBRARY, ...LIBRARY.map((l) => `./src/${l}`)],
    message: 'src/util is the bottom layer: it imports nothing else of the project.',
  },
  {
    target: './web-demo/src',
    from: [...ABOVE_LIBRARY],
    message: 'The web page may share small library modules (src/lib, src/data), never a stage.',
  },
];

export default tseslint.config(
  {
    ignores: ['node_modules/', '**/*.js', '!eslint.config.js', 'web-demo/dist/', 'data/', 'models/', 'reports/', 'tmp/'],
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
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'web-demo/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Errors here fold the cause into their one-line message (file, what, found).
      'preserve-caught-error': 'off',
      'max-len': ['error', { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreComments: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // Tests may reach into anything and use `any` where a test feeds deliberately wrong input.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);

// The tfjs2onnx package as a user gets it: `npm pack -w packages/tfjs2onnx`, the tarball installed into an
// empty project with no network (npm's cache and the tarball only), a model converted there by `npx tfjs2onnx`
// and by `import { tfjsToOnnx } from 'tfjs2onnx'`, both ONNX files checked against tfjs with onnxruntime.
// Needs the package built (make build) and its dependencies in npm's cache, where this repository's `npm ci` put
// them. npm's offline mode resolves only what a lockfile pins (a bare `npm install x.tgz --offline` would ask the
// registry for onnx-proto's versions), so the user project gets a lockfile pinning the tarball, and the same versions of
// onnx-proto and its dependencies as this repository's package-lock.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { saveLayersModel } from '../src/util/tfjs-io.js';
import { seededRandom } from '../src/util/random.js';
import { TOL, maxAbsDiff } from './tolerance.js';

const run = promisify(execFile);
const REPO = resolve('.');
const TYPESCRIPT = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const TARBALL_LIMIT = 200 * 1024;
// The user's environment, without the npm_config_* a parent `npm test` would pass down.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

interface PackResult {
  filename: string;
  integrity: string;
  size: number;
  files: { path: string }[];
}

const USE_BY_IMPORT = `import { readFile, writeFile } from 'node:fs/promises';
import { readModelFiles, tfjsToOnnx } from 'tfjs2onnx';
import { inspectOnnx } from 'tfjs2onnx/onnx';
const { json, weights } = await readModelFiles('model/model.json');
const { onnx, summary } = tfjsToOnnx(json, weights, { inputNames: ['image'], outputNames: ['code'] });
await writeFile('by-import.onnx', onnx);
const info = await inspectOnnx('by-import.onnx');
process.stdout.write(JSON.stringify({ text: summary.text, input: info.inputs[0].name, producer: info.producer }));
`;

const TYPED_USE = `import { tfjsToOnnx, type TfjsToOnnxResult } from 'tfjs2onnx';
import { GraphBuilder } from 'tfjs2onnx/onnx';
export const r: TfjsToOnnxResult = tfjsToOnnx('{}', new Uint8Array(0));
export const g = new GraphBuilder();
`;

type LockEntry = { version?: string; dependencies?: Record<string, string>; [k: string]: unknown };

/** The user project's package-lock.json: the tarball, plus the locked closure of the package's dependencies. */
async function userLockfile(tarball: string, integrity: string): Promise<object> {
  const repoLock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const pkg = repoLock.packages['packages/tfjs2onnx']!;
  const packages: Record<string, LockEntry> = {
    '': { name: 'user', dependencies: { tfjs2onnx: `file:${tarball}` } },
    'node_modules/tfjs2onnx': { ...pkg, resolved: `file:${tarball}`, integrity },
  };
  const todo = Object.keys(pkg.dependencies ?? {});
  while (todo.length > 0) {
    const name = todo.pop()!;
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const entry = repoLock.packages[key];
    assert.ok(entry, `${key} is not in package-lock.json`);
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
    packages[key] = kept;
    todo.push(...Object.keys(entry.dependencies ?? {}));
  }
  return { name: 'user', lockfileVersion: 3, requires: true, packages };
}

function smallModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: 'tanh' }),
    ],
  });
  const rand = seededRandom(7);
  model.setWeights(
    model.weights.map((w) =>
      tf.tensor(
        Float32Array.from({ length: w.shape.reduce((a: number, b) => a * (b ?? 1), 1) }, () => rand() - 0.5),
        w.shape as number[],
      ),
    ),
  );
  return model;
}

async function checkAgainstTfjs(model: tf.LayersModel, onnxPath: string): Promise<number> {
  const rand = seededRandom(3);
  const shape = [4, 8, 8, 1];
  const x = Float32Array.from({ length: 4 * 64 }, () => rand());
  const expected = tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync().slice());
  const session = await ort.InferenceSession.create(onnxPath);
  const out = await session.run({ image: new ort.Tensor('float32', x, shape) });
  const got = out.code!;
  assert.deepEqual(got.dims, [4, 2]);
  return maxAbsDiff(got.data as Float32Array, expected).max;
}

test('npm pack: a small tarball of the built library, its command and its README only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfjs2onnx-pack-'));
  try {
    const { stdout } = await run('npm', ['pack', '-w', 'packages/tfjs2onnx', '--json', '--pack-destination', dir], {
      env,
    });
    const [pack] = JSON.parse(stdout) as PackResult[];
    assert.ok(pack);
    assert.ok(pack.size < TARBALL_LIMIT, `tarball ${pack.size} bytes, limit ${TARBALL_LIMIT}`);
    const paths = pack.files.map((f) => f.path);
    for (const p of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/toolkit.js', 'dist/bin.js'])
      assert.ok(paths.includes(p), `${p} missing from the tarball`);
    const stray = paths.filter(
      (p) => !/^(dist\/.*\.(js|d\.ts)|package\.json|README\.md|COMPATIBILITY\.md)$/.test(p) || /test|fixture/i.test(p),
    );
    assert.deepEqual(stray, [], 'only the built library, package.json, README.md and COMPATIBILITY.md');
    assert.equal((await stat(join(dir, pack.filename))).size, pack.size);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the tarball installs offline into an empty project and converts by npx and by import', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfjs2onnx-user-'));
  try {
    const { stdout: packed } = await run(
      'npm',
      ['pack', '-w', 'packages/tfjs2onnx', '--json', '--pack-destination', dir],
      {
        env,
      },
    );
    const pack = (JSON.parse(packed) as PackResult[])[0]!;
    const tarball = `../${pack.filename}`;
    const project = join(dir, 'project');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'user', private: true, type: 'module', dependencies: { tfjs2onnx: `file:${tarball}` } }),
    );
    await writeFile(join(project, 'package-lock.json'), JSON.stringify(await userLockfile(tarball, pack.integrity)));
    const install = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: project, env });
    assert.match(install.stdout, /added \d+ packages/);
    const pkg = JSON.parse(await readFile(join(project, 'node_modules', 'tfjs2onnx', 'package.json'), 'utf8'));
    assert.equal(pkg.name, 'tfjs2onnx');

    const model = smallModel();
    await saveLayersModel(model, join(project, 'model'));

    const cli = await run(
      'npx',
      ['--no', 'tfjs2onnx', 'model/model.json', '-o', 'by-npx.onnx', '--input-name', 'image', '--output-name', 'code'],
      {
        cwd: project,
        env,
      },
    );
    assert.match(cli.stdout, /^tfjs2onnx: wrote by-npx\.onnx: .*\[N,8,8,1\] -> .* \[N,2\]/);
    const bad = await run('npx', ['--no', 'tfjs2onnx', 'model/model.json'], { cwd: project, env }).catch((e) => e);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'error: --output (-o) is required: the .onnx file to write\n');

    await writeFile(join(project, 'use.mjs'), USE_BY_IMPORT);
    const lib = JSON.parse((await run(process.execPath, ['use.mjs'], { cwd: project, env })).stdout);
    assert.equal(lib.input, 'image');
    assert.equal(lib.producer, 'tfjs2onnx');
    assert.equal(cli.stdout.trim().replace(/^.*?\.onnx: /, ''), lib.text);

    // The types resolve through the package's exports, as a TypeScript user's editor sees them.
    await writeFile(join(project, 'typed.ts'), TYPED_USE);
    await run(
      process.execPath,
      [
        TYPESCRIPT,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        'typed.ts',
      ],
      { cwd: project, env },
    ).catch((e) => assert.fail(`typecheck of an import from 'tfjs2onnx' failed: ${e.stdout}${e.stderr}`));

    for (const file of ['by-npx.onnx', 'by-import.onnx']) {
      const diff = await checkAgainstTfjs(model, join(project, file));
      assert.ok(diff <= TOL.layerAbs, `${file}: max |onnx - tfjs| ${diff} > ${TOL.layerAbs}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

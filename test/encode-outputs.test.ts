// One encoding run, several outputs: `--output a.npy --output a.csv` writes both from the same codes,
// and an unknown format among them writes neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '../src/data/idx.js';
import { readNpy } from '../src/lib/npy.js';
import { seededRandom } from '../src/util/random.js';
import { writeProjectModels } from './helpers/project-models.js';
import { TOL, assertClose } from './tolerance.js';

test('encode --output twice: .npy and .csv from one run hold the same codes; a bad format writes nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'encode-outputs-'));
  const models = await writeProjectModels(dir);
  const rand = seededRandom(9), n = 20;
  await writeFile(join(dir, 'x-images-idx3-ubyte'), encodeIdx([n, 28, 28], Uint8Array.from({ length: n * 784 }, () => Math.floor(rand() * 256))));
  const encode = (...outputs: string[]) => spawnSync(process.execPath, ['pipeline/encode.js', '--onnx', models.encoder, '--input', join(dir, 'x-images-idx3-ubyte'),
    ...outputs.flatMap((o) => ['--output', join(dir, o)])], { encoding: 'utf8' });
  const r = encode('a.npy', 'a.csv');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /20 images .* -> .*a\.npy, .*a\.csv/);
  const npy = await readNpy(join(dir, 'a.npy'));
  assert.deepEqual(npy.info.shape, [n, 2]);
  const csv = Float32Array.from((await readFile(join(dir, 'a.csv'), 'utf8')).trim().split('\n').slice(1).flatMap((l) => l.split(',').slice(1).map(Number)));
  assertClose(csv, npy.data, { atol: TOL.textRoundTripAbs }, 'CSV vs .npy codes of one run');
  const bad = encode('b.npy', 'b.txt');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--output .*b\.txt: unknown format "\.txt"/);
  assert.equal(existsSync(join(dir, 'b.npy')), false, 'nothing written');
  await rm(dir, { recursive: true });
});

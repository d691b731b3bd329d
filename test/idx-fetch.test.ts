// The idx reader and the fetch stage, on small idx files the tests make, plus the real verified dataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mkdtemp, mkdir, writeFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx, parseImages, parseLabels, checkPairs } from '../src/data/idx.js';
import { fetchDataset } from '../src/fetch/stage.js';
import { MANIFEST_NAME } from '../src/artifacts/manifests.js';
import { DATASET_FILES, DEBIAN_DIR } from '../src/data/fashion-mnist.js';

const images = (n: number, fill = 7) => encodeIdx([n, 2, 3], new Uint8Array(n * 6).fill(fill));
const labels = (values: number[]) => encodeIdx([values.length], Uint8Array.from(values));

test('idx reader: raw and gzip images and labels', () => {
  const raw = images(4);
  for (const bytes of [raw, gzipSync(raw)]) {
    const im = parseImages(bytes, 'x.idx');
    assert.deepEqual([im.count, im.rows, im.cols, im.pixels.length, im.pixels[5]], [4, 2, 3, 24, 7]);
  }
  const lab = parseLabels(gzipSync(labels([0, 9, 3])), 'y.idx');
  assert.deepEqual([...lab.labels], [0, 9, 3]);
});

test('idx reader: truncated gzip, wrong magic, length mismatch, bad label, count mismatch', () => {
  const gz = gzipSync(images(4));
  assert.throws(() => parseImages(gz.subarray(0, gz.length - 9), 'cut.gz'), /cut\.gz: corrupt or truncated gzip data/);
  assert.throws(
    () => parseImages(labels([1, 2]), 'lab-as-img'),
    /lab-as-img: wrong magic number 0x00000801, expected 0x00000803 \(images\)/,
  );
  assert.throws(
    () => parseLabels(images(2), 'img-as-lab'),
    /img-as-lab: wrong magic number 0x00000803, expected 0x00000801 \(labels\)/,
  );
  assert.throws(
    () => parseImages(images(4).subarray(0, 30), 'short'),
    /short: 30 bytes, but the header \[4, 2, 3\] needs 40/,
  );
  assert.throws(() => parseImages(Uint8Array.of(0, 0, 8, 3, 0, 0), 'tiny'), /tiny: too short for an idx header/);
  assert.throws(() => parseLabels(labels([1, 10]), 'lab'), /lab: label 10 at index 1 is outside 0\.\.9/);
  assert.throws(
    () => checkPairs(parseImages(images(2), 'i'), parseLabels(labels([1, 2, 3]), 'l'), 'i', 'l'),
    /l holds 3 labels but i holds 2 images/,
  );
});

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'fetch-test-'));
}

test('fetch: a --from folder missing a file is a named error and writes nothing', async () => {
  const dir = await tmp();
  const from = join(dir, 'from'),
    out = join(dir, 'out');
  await mkdir(from);
  await writeFile(join(from, 'train-images-idx3-ubyte.gz'), gzipSync(images(2)));
  await assert.rejects(
    fetchDataset({ outDir: out, from, offline: true }),
    (e: Error) =>
      /Tried:/.test(e.message) &&
      /from .*has neither train-images-idx3-ubyte nor|checksum|bytes after decompression/.test(e.message) &&
      /apt-get install dataset-fashion-mnist/.test(e.message),
  );
  // Not even the output folder: a failed fetch leaves no new empty folder behind.
  await assert.rejects(readdir(out), { code: 'ENOENT' });
  await rm(dir, { recursive: true });
});

test('fetch: a file whose checksum does not match is rejected, naming the file', async () => {
  const dir = await tmp();
  const from = join(dir, 'from');
  await mkdir(from);
  // Right sizes and structure, wrong content: only the checksum can catch it.
  for (const spec of DATASET_FILES) {
    const bytes =
      spec.kind === 'images'
        ? encodeIdx([spec.count, 28, 28], new Uint8Array(spec.count * 784))
        : encodeIdx([spec.count], new Uint8Array(spec.count));
    await writeFile(join(from, spec.name), bytes);
  }
  await assert.rejects(
    fetchDataset({ outDir: join(dir, 'out'), from, offline: true }),
    /train-images-idx3-ubyte: SHA-256 [0-9a-f]{64} does not match the release's c59f468a/,
  );
  await rm(dir, { recursive: true });
});

test('fetch: an output folder that cannot be written is a named error', async () => {
  const dir = await tmp();
  await writeFile(join(dir, 'file'), 'x');
  await assert.rejects(
    fetchDataset({ outDir: join(dir, 'file', 'out'), offline: true, debianDir: join(dir, 'none') }),
    /cannot write to output folder .*file\/out/,
  );
  await rm(dir, { recursive: true });
});

test('fetch: no source at all lists what was tried and how to fix it', async () => {
  const dir = await tmp();
  await assert.rejects(
    fetchDataset({ outDir: join(dir, 'out'), offline: true, debianDir: join(dir, 'none') }),
    (e: Error) =>
      e.message.includes(`cache ${join(dir, 'out')}: no verified copy`) &&
      e.message.includes(`debian ${join(dir, 'none')}`) &&
      e.message.includes('--from DIR'),
  );
  await rm(dir, { recursive: true });
});

test(
  'fetch: source order on the real dataset: --from (gz and raw mix), then the verified cache',
  {
    skip:
      !(await stat(DEBIAN_DIR).then(
        () => true,
        () => false,
      )) && 'Debian dataset-fashion-mnist not installed',
  },
  async () => {
    const dir = await tmp();
    const from = join(dir, 'from'),
      out = join(dir, 'out');
    await mkdir(from);
    // Half the files compressed, half raw, as a user's download folder might hold them.
    for (const [i, spec] of DATASET_FILES.entries()) {
      const gz = await readFile(join(DEBIAN_DIR, `${spec.name}.gz`));
      if (i % 2 === 0) await writeFile(join(from, `${spec.name}.gz`), gz);
      else await writeFile(join(from, spec.name), (await import('node:zlib')).gunzipSync(gz));
    }
    const events: string[] = [];
    const first = await fetchDataset({
      outDir: out,
      from,
      offline: true,
      onEvent: (e) => {
        if (e.type === 'try') events.push(e.source);
      },
    });
    assert.equal(first.source.kind, 'from');
    assert.deepEqual(events, ['cache', 'from']);
    const manifest = JSON.parse(await readFile(join(out, MANIFEST_NAME), 'utf8'));
    assert.equal(manifest.classNames[9], 'Ankle boot');
    assert.equal(manifest.files.trainImages.count, 60000);
    assert.deepEqual((await readdir(out)).sort(), [MANIFEST_NAME, ...DATASET_FILES.map((s) => s.name)].sort());
    // Run again: the verified cache answers, even with --from gone.
    await rm(from, { recursive: true });
    const again = await fetchDataset({ outDir: out, from, offline: true });
    assert.equal(again.source.kind, 'from');
    // Corrupt a cached file: the cache is no longer trusted and the Debian package is used.
    await writeFile(join(out, DATASET_FILES[3]!.name), labels([1]));
    const repaired = await fetchDataset({ outDir: out, offline: true });
    assert.equal(repaired.source.kind, 'debian');
    await rm(dir, { recursive: true });
  },
);

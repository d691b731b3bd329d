// The replicas' shared-memory barrier: no party passes a round before all arrive, rounds repeat, and an
// abort wakes a blocked party with an error instead of leaving it blocked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { Barrier } from '../src/train/barrier.js';

const BARRIER_URL = new URL('../src/train/barrier.js', import.meta.url).href;

function spawn(body: string, data: unknown): Promise<unknown> {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(${JSON.stringify(BARRIER_URL)}).then(({ Barrier }) => {
      try { parentPort.postMessage({ ok: (() => { ${body} })() }); }
      catch (e) { parentPort.postMessage({ error: e.message }); }
    });`;
  const w = new Worker(code, { eval: true, workerData: data });
  return new Promise((resolve, reject) => {
    w.once('message', (m) => {
      void w.terminate();
      resolve(m);
    });
    w.once('error', reject);
  });
}

test("3 threads, 300 rounds: every party sees every other party's write for the round", async () => {
  const parties = 3,
    rounds = 300;
  const barrier = Barrier.buffer(),
    slots = new SharedArrayBuffer(parties * 4);
  const results = await Promise.all(
    Array.from({ length: parties }, (_, rank) =>
      spawn(
        `
    const { barrier, slots, rank, parties, rounds } = workerData;
    const b = new Barrier(barrier, parties), s = new Int32Array(slots);
    let mismatches = 0;
    for (let i = 1; i <= rounds; i++) {
      Atomics.store(s, rank, i);
      b.wait();
      for (let r = 0; r < parties; r++) if (Atomics.load(s, r) !== i) mismatches++;
      b.wait();
    }
    return mismatches;`,
        { barrier, slots, rank, parties, rounds },
      ),
    ),
  );
  assert.deepEqual(results, [{ ok: 0 }, { ok: 0 }, { ok: 0 }]);
});

test('abort wakes a blocked party with an error, and later waits fail at once', async () => {
  const buffer = Barrier.buffer();
  const waiting = spawn(`new Barrier(workerData.buffer, 2).wait(); return 'passed';`, { buffer });
  await new Promise((r) => setTimeout(r, 100));
  const b = new Barrier(buffer, 2);
  b.abort();
  assert.deepEqual(await waiting, { error: 'another training worker failed' });
  assert.throws(() => b.wait(), /another training worker failed/);
  assert.throws(() => new Barrier(Barrier.buffer(), 0), /at least one party/);
});

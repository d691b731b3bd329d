// A reusable barrier for worker threads over shared memory: every party blocks in `wait` until all have
// arrived. Replicas meet here twice per training step instead of round-tripping messages through the
// main thread. A party that fails calls `abort`, which wakes the others with an error instead of leaving
// them blocked forever.

const COUNT = 0,
  GENERATION = 1,
  ABORTED = 2;

export class Barrier {
  private readonly cells: Int32Array;

  constructor(
    buffer: SharedArrayBuffer,
    private readonly parties: number,
  ) {
    if (!Number.isInteger(parties) || parties < 1)
      throw new RangeError(`a barrier needs at least one party, got ${parties}`);
    this.cells = new Int32Array(buffer, 0, 3);
  }

  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  }

  wait(): void {
    const c = this.cells;
    if (Atomics.load(c, ABORTED)) throw new Error('another training worker failed');
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, COUNT, 1) === this.parties - 1) {
      // Last to arrive: reset the count before releasing, so early leavers count toward the next round.
      Atomics.store(c, COUNT, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    while (Atomics.load(c, GENERATION) === generation) {
      Atomics.wait(c, GENERATION, generation, 250);
      if (Atomics.load(c, ABORTED)) throw new Error('another training worker failed');
    }
  }

  abort(): void {
    Atomics.store(this.cells, ABORTED, 1);
    Atomics.add(this.cells, GENERATION, 1);
    Atomics.notify(this.cells, GENERATION);
  }
}

// Test-only stop points: with FASHION_AE_PAUSE_AT=<point>[#n] set, the n-th time (default: the first) a stage
// reaches <point> it announces it — a line `pause: <point> pid <pid>` on stderr and, with
// FASHION_AE_PAUSE_MARKER=<file>, that line written to <file> — and then blocks until a signal ends the process.
// Tests signal a stage there instead of guessing how long it runs. Points (see src/util/atomic.ts):
//   write:<name>  the temporary for the artifact <name> (its base name) is complete, not yet renamed into place
//   done:<name>   <name> has just been renamed into place
// Unset (every normal run), a point costs one comparison.
import { writeFileSync } from 'node:fs';

const seen = new Map<string, number>();

function wanted(): { point: string; nth: number } | null {
  const spec = process.env.FASHION_AE_PAUSE_AT;
  if (!spec) return null;
  const hash = spec.lastIndexOf('#');
  if (hash < 0) return { point: spec, nth: 1 };
  return { point: spec.slice(0, hash), nth: Number(spec.slice(hash + 1)) || 1 };
}

/** Blocks forever (the event loop stays alive, so signal handlers run) when `point` is the one asked for. */
export async function pauseAt(point: string): Promise<void> {
  const w = wanted();
  if (!w || w.point !== point) return;
  const n = (seen.get(point) ?? 0) + 1;
  seen.set(point, n);
  if (n !== w.nth) return;
  const line = `pause: ${process.env.FASHION_AE_PAUSE_AT} pid ${process.pid}\n`;
  const marker = process.env.FASHION_AE_PAUSE_MARKER;
  if (marker) writeFileSync(marker, line);
  process.stderr.write(line);
  await new Promise<never>(() => {
    setInterval(() => undefined, 1 << 30);
  });
}

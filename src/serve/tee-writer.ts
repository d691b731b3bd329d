// One encoding run, several output files: each batch of codes goes to every writer asked for, so the
// test set is encoded once whether the codes are wanted as .npy, .csv or .jsonl (or all of them).
import { openCodeWriter, type CodeRows, type CodeWriter } from './code-writers.js';

/** Opens a writer per path; if one cannot be opened, the ones already open are aborted (nothing is left behind). */
export async function openCodeWriters(paths: string[], latent: number, columns: { labels: boolean; names: boolean }): Promise<CodeWriter> {
  const writers: CodeWriter[] = [];
  try {
    for (const p of paths) writers.push(await openCodeWriter(p, latent, columns));
  } catch (err) {
    for (const w of writers) await w.abort();
    throw err;
  }
  if (writers.length === 1) return writers[0]!;
  return {
    write: async (rows: CodeRows) => { for (const w of writers) await w.write(rows); },
    close: async () => { for (const w of writers) await w.close(); },
    abort: async () => { for (const w of writers) await w.abort(); },
  };
}

// The one progress protocol. Library code and stages never print: they emit ProgressEvents, and one renderer in
// pipeline/progress.ts draws them (a bar on a terminal, plain greppable lines otherwise). Stages with richer events
// of their own (a training epoch's record, a kNN cache hit) map them to these in their own folder.

/**
 * What a stage reports, keyed on `type` (as transformers.js's ProgressInfo is on status): a step begins, a
 * counted step advances, a one-off note, the stage's result.
 */
export type ProgressEvent =
  | { type: 'step'; stage: string; what: string }
  | {
      type: 'progress';
      stage: string;
      /** What is counted, e.g. `epoch 3/32` or `kNN graph`. */
      what: string;
      done: number;
      total: number;
      /** Units per second, shown with the unit name. */
      rate?: number;
      unit?: string;
      /** Measured values, each named for what it measures (`train loss 0.2712`). */
      detail?: string;
    }
  | { type: 'note'; stage: string; message: string }
  | { type: 'done'; stage: string; message: string };

export type OnProgress = (e: ProgressEvent) => void;

/** The four kinds of event for one stage, for library code that reports several. */
export interface StageProgress {
  step(what: string): void;
  progress(what: string, done: number, total: number, o?: { rate?: number; unit?: string; detail?: string }): void;
  note(message: string): void;
  done(message: string): void;
}

export function stageProgress(stage: string, on: OnProgress | undefined): StageProgress {
  const emit: OnProgress = on ?? (() => undefined);
  return {
    step: (what) => emit({ type: 'step', stage, what }),
    progress: (what, done, total, o = {}) => emit({ type: 'progress', stage, what, done, total, ...o }),
    note: (message) => emit({ type: 'note', stage, message }),
    done: (message) => emit({ type: 'done', stage, message }),
  };
}

// The one progress renderer of the CLIs: draws the ProgressEvents of src/util/progress.ts on stderr, as a redrawn
// bar on a terminal and as plain greppable lines otherwise (one every few seconds, so CI logs show a long step
// advancing): `train: epoch 3/32 412/860 (47%) 31.2 batch/s ETA 14s train loss 0.2712, 1997 img/s`.
import type { ProgressEvent } from '../src/util/progress.js';

export interface ProgressState {
  label: string;
  done: number;
  total: number;
  /** Units per second; shown with the unit name. */
  rate?: number;
  unit?: string;
  extra?: string;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

export function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)}M`;
  if (rate >= 1e4) return `${(rate / 1e3).toFixed(1)}k`;
  return rate.toFixed(rate >= 100 ? 0 : 1);
}

/** A plain progress line (no bar, no carriage return): `label 1200/10000 (12%) 5.1k img/s ETA 2s`. */
export function plainProgress(p: ProgressState): string {
  const pct = p.total > 0 ? ` (${Math.floor((100 * p.done) / p.total)}%)` : '';
  const rate = p.rate !== undefined ? ` ${formatRate(p.rate)} ${p.unit ?? 'it'}/s` : '';
  const eta = p.rate && p.rate > 0 && p.done < p.total ? ` ETA ${formatSeconds((p.total - p.done) / p.rate)}` : '';
  return `${p.label} ${p.done}/${p.total}${pct}${rate}${eta}${p.extra ? ' ' + p.extra : ''}`;
}

export class ProgressRenderer {
  private lastDraw = 0;
  private lastPlain = 0;
  private readonly tty: boolean;
  private readonly plainEveryMs: number;
  /** `plainEverySeconds`: off a terminal, the shortest gap between two plain progress lines. */
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    opts: { plainEverySeconds?: number } = {},
  ) {
    this.tty = Boolean(stream.isTTY);
    this.plainEveryMs = (opts.plainEverySeconds ?? 10) * 1000;
    this.lastPlain = Date.now();
  }

  /** Renders one event: a counted step as the bar or a periodic line, everything else as a permanent line. */
  readonly handle = (e: ProgressEvent): void => {
    if (e.type === 'progress')
      this.update({
        label: `${e.stage}: ${e.what}`,
        done: e.done,
        total: e.total,
        rate: e.rate,
        unit: e.unit,
        extra: e.detail,
      });
    else this.log(`${e.stage}: ${e.type === 'step' ? e.what : e.message}`);
  };

  /**
   * Redraws the bar (at most 10 times a second) on a terminal; off a terminal, prints a plain line at most
   * every `plainEverySeconds` and when the count completes.
   */
  update(p: ProgressState): void {
    const now = Date.now();
    if (!this.tty) {
      if (now - this.lastPlain < this.plainEveryMs && p.done < p.total) return;
      this.lastPlain = now;
      this.stream.write(plainProgress(p) + '\n');
      return;
    }
    if (now - this.lastDraw < 100 && p.done < p.total) return;
    this.lastDraw = now;
    const width = 24;
    const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const eta = p.rate && p.rate > 0 ? (p.total - p.done) / p.rate : NaN;
    const rate = p.rate !== undefined ? ` ${formatRate(p.rate)} ${p.unit ?? 'it'}/s` : '';
    const line = `${p.label} [${bar}] ${p.done}/${p.total}${rate} ETA ${formatSeconds(eta)}${p.extra ? ' ' + p.extra : ''}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
  }

  /** A one-off note of `stage` (a flag capped, a file skipped). */
  note(stage: string, message: string): void {
    this.handle({ type: 'note', stage, message });
  }

  /** Ends the bar and prints a permanent line (on every kind of stream). */
  log(line: string): void {
    if (this.tty) this.stream.write('\r\x1b[K');
    this.stream.write(line + '\n');
  }
}

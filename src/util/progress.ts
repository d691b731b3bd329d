// Progress rendering for CLIs: a redrawn bar on a terminal, greppable plain lines otherwise.
// Library code never prints; it emits events that a CLI hands to a ProgressLine.

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

export class ProgressLine {
  private lastDraw = 0;
  private readonly tty: boolean;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Redraws the bar (at most 10 times a second) on a terminal; prints nothing otherwise. */
  update(p: ProgressState): void {
    if (!this.tty) return;
    const now = Date.now();
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

  /** Ends the bar and prints a permanent line (on every kind of stream). */
  log(line: string): void {
    if (this.tty) this.stream.write('\r\x1b[K');
    this.stream.write(line + '\n');
  }
}

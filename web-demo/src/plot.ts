// The scatter of test codes on a 2-D plane (the codes themselves, or their top-2 principal components):
// a high-DPI canvas drawn in CSS pixels, a view with zoom limits, axes, class filtering and highlighting,
// markers, a walk line, and thumbnails in place of dots when few points are in view.
import { codesOf, planeOf } from '../../src/metrics/code-range.js';
import type { Meta, Images } from './data.js';

export interface View {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Plane coordinates for codes, and codes for plane points (the project's code plane, src/metrics/code-range.ts). */
export class Plane {
  constructor(private readonly meta: Meta) {}
  toPlane(code: ArrayLike<number>): [number, number] {
    const latent = this.meta.latent;
    const p = planeOf(
      Float32Array.from({ length: latent }, (_, d) => code[d]!),
      latent,
      this.meta.projection,
    );
    return [p[0]!, p[1]!];
  }
  toCode(a: number, b: number): Float32Array {
    return codesOf(Float32Array.of(a, b), this.meta.latent, this.meta.projection);
  }
}

/** About `count` round tick values between lo and hi. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** The view may zoom in to 1/400 and out to 3x the home width. */
const MIN_ZOOM = 1 / 3,
  MAX_ZOOM = 400;

export class Scatter {
  view: View;
  hidden = new Set<number>();
  highlight: number | null = null;
  selected: number | null = null;
  hover: number | null = null;
  markers: { a: number; b: number }[] = [];
  walk: [number, number][] = [];
  cursor: [number, number] | null = null;
  pointsDrawn = 0;
  thumbsDrawn = 0;
  width = 0;
  height = 0;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly thumbCache = new Map<number, HTMLCanvasElement>();
  private readonly awaited = new Set<number>();
  private redrawQueued = false;
  onDraw: () => void = () => undefined;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly points: Float32Array,
    readonly labels: Uint8Array,
    private readonly meta: Meta,
    private readonly images: Images,
  ) {
    this.ctx = canvas.getContext('2d')!;
    this.view = this.home();
    this.resize();
  }

  home(): View {
    const [[x0, x1], [y0, y1]] = this.meta.range;
    const px = (x1 - x0) * 0.08,
      py = (y1 - y0) * 0.08;
    return { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
  }

  /** Zoom factor relative to the home view (1 = home, larger = closer). */
  get zoom(): number {
    const h = this.home();
    return (h.x1 - h.x0) / (this.view.x1 - this.view.x0);
  }

  /** Matches the canvas's pixel buffer to its CSS size times the device pixel ratio; keeps the view's centre and scale per axis. */
  resize(): void {
    const r = this.canvas.getBoundingClientRect(),
      dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width)),
      h = Math.max(1, Math.round(r.height));
    if (w === this.width && h === this.height && this.canvas.width === Math.round(w * dpr)) return;
    this.width = w;
    this.height = h;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.fitAspect();
  }

  /** Keeps one plane unit the same size on both axes. */
  private fitAspect(): void {
    const v = this.view,
      cx = (v.x0 + v.x1) / 2,
      cy = (v.y0 + v.y1) / 2;
    const scale = Math.max((v.x1 - v.x0) / this.width, (v.y1 - v.y0) / this.height);
    const sx = scale * this.width,
      sy = scale * this.height;
    this.view = { x0: cx - sx / 2, x1: cx + sx / 2, y0: cy - sy / 2, y1: cy + sy / 2 };
  }

  setView(v: View): void {
    const home = this.home(),
      hw = home.x1 - home.x0,
      hh = home.y1 - home.y0;
    const homeScale = Math.max(hw / this.width, hh / this.height);
    let scale = Math.max((v.x1 - v.x0) / this.width, (v.y1 - v.y0) / this.height);
    scale = Math.min(homeScale / MIN_ZOOM, Math.max(homeScale / MAX_ZOOM, scale));
    // The centre stays within the home view, so the points can never all be panned away.
    const cx = Math.min(home.x1, Math.max(home.x0, (v.x0 + v.x1) / 2)),
      cy = Math.min(home.y1, Math.max(home.y0, (v.y0 + v.y1) / 2));
    const sx = (scale * this.width) / 2,
      sy = (scale * this.height) / 2;
    this.view = { x0: cx - sx, x1: cx + sx, y0: cy - sy, y1: cy + sy };
  }

  reset(): void {
    this.view = this.home();
    this.fitAspect();
  }

  /** Zooms by `factor` (> 1 closer) about the screen point (x, y), in CSS pixels. */
  zoomAt(factor: number, x = this.width / 2, y = this.height / 2): void {
    const [a, b] = this.toPlane(x, y),
      v = this.view,
      f = 1 / factor;
    this.setView({ x0: a + (v.x0 - a) * f, x1: a + (v.x1 - a) * f, y0: b + (v.y0 - b) * f, y1: b + (v.y1 - b) * f });
  }

  /** Moves the view by (dx, dy) CSS pixels of content. */
  panBy(dx: number, dy: number): void {
    const v = this.view,
      ux = ((v.x1 - v.x0) / this.width) * dx,
      uy = ((v.y1 - v.y0) / this.height) * dy;
    this.setView({ x0: v.x0 - ux, x1: v.x1 - ux, y0: v.y0 + uy, y1: v.y1 + uy });
  }

  toScreen(a: number, b: number): [number, number] {
    const v = this.view;
    return [((a - v.x0) / (v.x1 - v.x0)) * this.width, ((v.y1 - b) / (v.y1 - v.y0)) * this.height];
  }

  toPlane(x: number, y: number): [number, number] {
    const v = this.view;
    return [v.x0 + (x / this.width) * (v.x1 - v.x0), v.y1 - (y / this.height) * (v.y1 - v.y0)];
  }

  /** The visible point nearest to screen (x, y) within maxPx CSS pixels, or null. */
  nearestOnScreen(x: number, y: number, maxPx = Infinity): number | null {
    let best = -1,
      bd = maxPx * maxPx;
    this.visible(); // refreshes this.screen for the current view
    const s = this.screen;
    for (let i = 0; i < this.labels.length; i++) {
      if (this.hidden.has(this.labels[i]!)) continue;
      const d = (s[2 * i]! - x) ** 2 + (s[2 * i + 1]! - y) ** 2;
      if (d < bd) {
        bd = d;
        best = i;
      }
    }
    return best < 0 ? null : best;
  }

  /** Screen coordinates of every point (one pass, no allocation per point). */
  private screen = new Float32Array(0);

  private visible(): number[] {
    const v = this.view,
      kx = this.width / (v.x1 - v.x0),
      ky = this.height / (v.y1 - v.y0);
    if (this.screen.length !== this.points.length) this.screen = new Float32Array(this.points.length);
    const out: number[] = [],
      s = this.screen,
      p = this.points;
    for (let i = 0; i < this.labels.length; i++) {
      const x = (p[2 * i]! - v.x0) * kx,
        y = (v.y1 - p[2 * i + 1]!) * ky;
      s[2 * i] = x;
      s[2 * i + 1] = y;
      if (this.hidden.has(this.labels[i]!)) continue;
      if (x >= -14 && y >= -14 && x <= this.width + 14 && y <= this.height + 14) out.push(i);
    }
    return out;
  }

  draw(): void {
    const { ctx, width: w, height: h } = this;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    this.drawAxes();
    const vis = this.visible();
    // Thumbnails instead of dots when few points are in view and their images are here.
    const thumbs = vis.length <= 250 && this.zoom >= 4;
    const size = Math.max(2.5, Math.min(5, 2 + this.zoom * 0.15));
    let drawn = 0,
      thumbsDrawn = 0;
    const faded = this.highlight !== null;
    // One path per class: 10 fills instead of 10,000.
    const classes = this.meta.classNames.length,
      byClass: number[][] = Array.from({ length: classes }, () => []);
    for (const i of vis) byClass[this.labels[i]!]?.push(i);
    const sc = this.screen;
    for (let c = 0; c < classes; c++) {
      if (this.hidden.has(c) || c === this.highlight) continue;
      ctx.globalAlpha = faded ? 0.15 : 0.65;
      ctx.fillStyle = this.meta.colors[c]!;
      ctx.beginPath();
      for (const i of byClass[c]!) {
        ctx.rect(sc[2 * i]! - size / 2, sc[2 * i + 1]! - size / 2, size, size);
        drawn++;
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    if (this.highlight !== null && !this.hidden.has(this.highlight)) {
      // The second cue besides colour: larger round markers with a dark outline.
      const c = this.highlight;
      ctx.fillStyle = this.meta.colors[c]!;
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 0.8;
      ctx.beginPath();
      for (const i of vis) {
        if (this.labels[i] !== c) continue;
        const [x, y] = this.toScreen(this.points[2 * i]!, this.points[2 * i + 1]!);
        ctx.moveTo(x + size, y);
        ctx.arc(x, y, size, 0, 2 * Math.PI);
        drawn++;
      }
      ctx.fill();
      ctx.stroke();
    }
    if (thumbs) {
      const t = Math.min(36, Math.max(20, 8 * Math.sqrt(this.zoom)));
      ctx.imageSmoothingEnabled = false;
      for (const i of vis) {
        const img = this.thumbCanvas(i);
        if (!img) continue;
        const [x, y] = this.toScreen(this.points[2 * i]!, this.points[2 * i + 1]!);
        ctx.drawImage(img, x - t / 2, y - t / 2, t, t);
        ctx.strokeStyle = this.meta.colors[this.labels[i]!]!;
        ctx.lineWidth = 2;
        ctx.strokeRect(x - t / 2, y - t / 2, t, t);
        thumbsDrawn++;
      }
    }
    this.pointsDrawn = drawn;
    this.thumbsDrawn = thumbsDrawn;
    if (this.walk.length === 2) {
      const [[a0, b0], [a1, b1]] = this.walk as [[number, number], [number, number]];
      const [x0, y0] = this.toScreen(a0, b0),
        [x1, y1] = this.toScreen(a1, b1);
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    for (const m of this.markers) {
      const [x, y] = this.toScreen(m.a, m.b);
      ctx.fillStyle = '#000';
      ctx.strokeStyle = '#ff0';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 8, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
    for (const [i, colour] of [
      [this.selected, '#000'],
      [this.hover, '#555'],
    ] as const) {
      if (i === null) continue;
      const [x, y] = this.toScreen(this.points[2 * i]!, this.points[2 * i + 1]!);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(x, y, 9, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (this.cursor) {
      const [x, y] = this.cursor;
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.arc(x, y, 6, 0, 2 * Math.PI);
      ctx.moveTo(x - 10, y);
      ctx.lineTo(x - 7, y);
      ctx.moveTo(x + 7, y);
      ctx.lineTo(x + 10, y);
      ctx.stroke();
    }
    this.onDraw();
  }

  private thumbCanvas(i: number): HTMLCanvasElement | null {
    const cached = this.thumbCache.get(i);
    if (cached) return cached;
    const px = this.images.peek(i);
    if (!px) {
      // One redraw per arriving chunk, coalesced into the next frame.
      const k = Math.floor(i / this.meta.imageChunk);
      if (!this.awaited.has(k)) {
        this.awaited.add(k);
        void this.images.load(i).then(
          () => {
            if (!this.redrawQueued) {
              this.redrawQueued = true;
              requestAnimationFrame(() => {
                this.redrawQueued = false;
                this.draw();
              });
            }
          },
          () => this.awaited.delete(k),
        );
      }
      return null;
    }
    const c = document.createElement('canvas');
    c.width = 28;
    c.height = 28;
    const cx = c.getContext('2d')!,
      img = cx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = px[p]!;
      img.data[4 * p + 3] = 255;
    }
    cx.putImageData(img, 0, 0);
    this.thumbCache.set(i, c);
    return c;
  }

  private drawAxes(): void {
    const { ctx, width: w, height: h, view: v } = this;
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    const xs = niceTicks(v.x0, v.x1, Math.max(3, Math.round(w / 110))),
      ys = niceTicks(v.y0, v.y1, Math.max(3, Math.round(h / 90)));
    const fmt = (t: number, step: number) => t.toFixed(Math.max(0, Math.min(6, -Math.floor(Math.log10(step || 1)))));
    ctx.strokeStyle = '#eef0f3';
    ctx.beginPath();
    for (const t of xs) {
      const [x] = this.toScreen(t, 0);
      ctx.moveTo(Math.round(x) + 0.5, 0);
      ctx.lineTo(Math.round(x) + 0.5, h);
    }
    for (const t of ys) {
      const [, y] = this.toScreen(0, t);
      ctx.moveTo(0, Math.round(y) + 0.5);
      ctx.lineTo(w, Math.round(y) + 0.5);
    }
    ctx.stroke();
    ctx.fillStyle = '#6b7280';
    const sx = (xs[1] ?? 1) - (xs[0] ?? 0),
      sy = (ys[1] ?? 1) - (ys[0] ?? 0);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    for (const t of xs) {
      const [x] = this.toScreen(t, 0);
      ctx.fillText(fmt(t, sx), x, h - 2);
    }
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const t of ys) {
      const [, y] = this.toScreen(0, t);
      if (y > 10 && y < h - 16) ctx.fillText(fmt(t, sy), 3, y);
    }
  }
}

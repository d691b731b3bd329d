// PNG pictures drawn with @napi-rs/canvas: a class-coloured scatter, image grids, loss curves.
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { IMAGE_SIZE, PIXELS } from '../data/fashion-mnist.js';

/** Ten distinguishable class colours. */
export const CLASS_COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const FONT = 'DejaVu Sans, sans-serif';

function niceTicks(lo: number, hi: number, count = 6): number[] {
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) ticks.push(Number(t.toPrecision(6)));
  return ticks;
}

interface Frame {
  x0: number;
  y0: number;
  w: number;
  h: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

function axes(
  ctx: SKRSContext2D,
  f: Frame,
  xLabel: string,
  yLabel: string,
): { px: (x: number) => number; py: (y: number) => number } {
  const px = (x: number) => f.x0 + ((x - f.xMin) / (f.xMax - f.xMin)) * f.w;
  const py = (y: number) => f.y0 + f.h - ((y - f.yMin) / (f.yMax - f.yMin)) * f.h;
  ctx.strokeStyle = '#333';
  ctx.lineWidth = 1;
  ctx.strokeRect(f.x0, f.y0, f.w, f.h);
  ctx.fillStyle = '#333';
  ctx.font = `13px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of niceTicks(f.xMin, f.xMax)) {
    ctx.fillText(String(t), px(t), f.y0 + f.h + 6);
    ctx.beginPath();
    ctx.moveTo(px(t), f.y0 + f.h);
    ctx.lineTo(px(t), f.y0 + f.h + 4);
    ctx.stroke();
  }
  ctx.fillText(xLabel, f.x0 + f.w / 2, f.y0 + f.h + 26);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of niceTicks(f.yMin, f.yMax)) {
    ctx.fillText(String(t), f.x0 - 8, py(t));
    ctx.beginPath();
    ctx.moveTo(f.x0 - 4, py(t));
    ctx.lineTo(f.x0, py(t));
    ctx.stroke();
  }
  ctx.save();
  ctx.translate(f.x0 - 52, f.y0 + f.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(yLabel, 0, 0);
  ctx.restore();
  return { px, py };
}

function title(ctx: SKRSContext2D, text: string, x: number, y: number): void {
  ctx.fillStyle = '#111';
  ctx.font = `bold 17px ${FONT}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(text, x, y);
}

/** Scatter of 2-D points coloured by class, with a legend of class names. */
export function scatterPng(
  points: Float32Array,
  labels: ArrayLike<number>,
  classNames: readonly string[],
  heading: string,
  axisNames: [string, string],
): Buffer {
  const W = 1000,
    H = 780;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  title(ctx, heading, 20, 14);
  const xs = points.filter((_, i) => i % 2 === 0),
    ys = points.filter((_, i) => i % 2 === 1);
  const pad = (lo: number, hi: number) => [lo - (hi - lo) * 0.03, hi + (hi - lo) * 0.03] as const;
  const [xMin, xMax] = pad(Math.min(...xs), Math.max(...xs));
  const [yMin, yMax] = pad(Math.min(...ys), Math.max(...ys));
  const f: Frame = { x0: 80, y0: 50, w: 680, h: 660, xMin, xMax, yMin, yMax };
  const { px, py } = axes(ctx, f, axisNames[0], axisNames[1]);
  ctx.globalAlpha = 0.55;
  for (let i = 0; i < labels.length; i++) {
    ctx.fillStyle = CLASS_COLORS[labels[i]!]!;
    ctx.beginPath();
    ctx.arc(px(xs[i]!), py(ys[i]!), 2.2, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  ctx.font = `14px ${FONT}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  classNames.forEach((name, c) => {
    const y = 70 + c * 26;
    ctx.fillStyle = CLASS_COLORS[c]!;
    ctx.beginPath();
    ctx.arc(790, y, 7, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#222';
    ctx.fillText(`${c} ${name}`, 805, y);
  });
  return canvas.toBuffer('image/png');
}

/** Draws one 28x28 grey image (values in [0, 1]) at (x, y) scaled by `scale`. */
export function drawDigit(ctx: SKRSContext2D, pixels: Float32Array, x: number, y: number, scale: number): void {
  const img = ctx.createImageData(IMAGE_SIZE, IMAGE_SIZE);
  for (let i = 0; i < PIXELS; i++) {
    const v = Math.max(0, Math.min(255, Math.round(pixels[i]! * 255)));
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  const tile = createCanvas(IMAGE_SIZE, IMAGE_SIZE);
  tile.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, x, y, IMAGE_SIZE * scale, IMAGE_SIZE * scale);
}

/** A grid of images [rows*cols, 28*28] with optional row labels on the left. */
export interface ImageGridOptions {
  scale?: number;
  heading?: string;
  rowLabels?: string[];
  gap?: number;
}

/** The pixel size of the PNG that imageGridPng draws, so callers can bound it before drawing. */
export function imageGridSize(
  rows: number,
  cols: number,
  opts: ImageGridOptions = {},
): { width: number; height: number } {
  const scale = opts.scale ?? 2,
    gap = opts.gap ?? 2,
    side = IMAGE_SIZE * scale;
  const left = opts.rowLabels ? 150 : 0,
    top = opts.heading ? 44 : 0;
  return { width: left + cols * (side + gap) + gap, height: top + rows * (side + gap) + gap };
}

export function imageGridPng(images: Float32Array, rows: number, cols: number, opts: ImageGridOptions = {}): Buffer {
  const scale = opts.scale ?? 2,
    gap = opts.gap ?? 2,
    side = IMAGE_SIZE * scale;
  const left = opts.rowLabels ? 150 : 0,
    top = opts.heading ? 44 : 0;
  const { width: W, height: H } = imageGridSize(rows, cols, opts);
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  if (opts.heading) title(ctx, opts.heading, 10, 12);
  for (let r = 0; r < rows; r++) {
    if (opts.rowLabels) {
      ctx.fillStyle = '#222';
      ctx.font = `13px ${FONT}`;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(opts.rowLabels[r] ?? '', left - 8, top + r * (side + gap) + gap + side / 2);
    }
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      if ((i + 1) * PIXELS > images.length) continue;
      drawDigit(
        ctx,
        images.subarray(i * PIXELS, (i + 1) * PIXELS),
        left + gap + c * (side + gap),
        top + gap + r * (side + gap),
        scale,
      );
    }
  }
  return canvas.toBuffer('image/png');
}

/** Line chart of named series over epochs. */
export function lossCurvesPng(
  series: { name: string; values: number[]; color: string }[],
  heading: string,
  yLabel: string,
): Buffer {
  const W = 900,
    H = 520;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  title(ctx, heading, 20, 14);
  const all = series.flatMap((s) => s.values);
  const n = Math.max(...series.map((s) => s.values.length));
  const lo = Math.min(...all),
    hi = Math.max(...all),
    m = (hi - lo) * 0.08 || 0.01;
  const f: Frame = {
    x0: 90,
    y0: 50,
    w: 620,
    h: 400,
    xMin: n > 1 ? 1 : 0,
    xMax: Math.max(n, 2),
    yMin: lo - m,
    yMax: hi + m,
  };
  const { px, py } = axes(ctx, f, 'epoch', yLabel);
  series.forEach((s, k) => {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    s.values.forEach((v, i) => (i === 0 ? ctx.moveTo(px(i + 1), py(v)) : ctx.lineTo(px(i + 1), py(v))));
    ctx.stroke();
    s.values.forEach((v, i) => {
      ctx.beginPath();
      ctx.arc(px(i + 1), py(v), 4, 0, 2 * Math.PI);
      ctx.fill();
    });
    ctx.font = `14px ${FONT}`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillRect(735, 70 + k * 26 - 2, 24, 4);
    ctx.fillStyle = '#222';
    ctx.fillText(s.name, 766, 70 + k * 26);
  });
  return canvas.toBuffer('image/png');
}

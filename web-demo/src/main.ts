// The web demo: runs encoder.onnx and decoder.onnx with onnxruntime-web and draws the code space.
// Reads (beside index.html): meta.json, codes.f32, labels.u8, images.u8, encoder.onnx, decoder.onnx,
// and onnxruntime-web's files under ort/.
// Resolved at build time to the copy of onnxruntime-web served beside the page (ort/ort.wasm.min.mjs).
import * as ort from 'onnxruntime-web/wasm';
// The project's one image normalisation (grey, polarity), shared with the encode CLI.
import { greyOf, isDarkOnLight } from '../../src/data/pixels.js';

interface Meta {
  latent: number;
  count: number;
  classNames: string[];
  colors: string[];
  /** For latent > 2: the plane is the top-2 principal components of the test codes. */
  projection: { mean: number[]; components: [number[], number[]] } | null;
  /** The plane's extent: [[x0, x1], [y0, y1]]. */
  range: [[number, number], [number, number]];
  facts: Record<string, string>;
}

const SIDE = 28, PIXELS = SIDE * SIDE;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function showError(message: string): void {
  const box = $('error');
  box.hidden = false;
  box.textContent = message;
  $('status').textContent = '';
}

/** Turns the failures users hit most into an explanation instead of a blank page. */
function explain(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/magic word|expected magic|CompileError|Incorrect response MIME type/i.test(msg)) {
    return `The WebAssembly runtime could not be loaded: the server answered something that is not WebAssembly for ort/ort-wasm-simd-threaded.wasm (often an HTML "not found" page).\n` +
      `Serve the whole web-demo/dist folder, including its ort/ folder, and make sure .wasm files are sent as application/wasm.\n\nDetails: ${msg}`;
  }
  if (/no available backend/i.test(msg)) {
    return `onnxruntime-web found no backend it could start in this browser (it needs WebAssembly).\nCheck that ort/ort-wasm-simd-threaded.mjs and .wasm are served beside the page.\n\nDetails: ${msg}`;
  }
  if (/404|Failed to fetch|NetworkError/i.test(msg)) return `A file of the demo could not be downloaded: ${msg}`;
  return `The demo failed to start: ${msg}`;
}

async function fetchBytes(name: string): Promise<ArrayBuffer> {
  const res = await fetch(name);
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status} (404 means the file is missing from the served folder)`);
  return res.arrayBuffer();
}

class Models {
  lastEncodeMs = 0;
  lastDecodeMs = 0;
  constructor(private readonly encoder: ort.InferenceSession, private readonly decoder: ort.InferenceSession, readonly latent: number) {}

  static async load(latent: number): Promise<Models> {
    ort.env.wasm.wasmPaths = new URL('ort/', location.href).href;
    // Threads need a cross-origin-isolated page (COOP/COEP headers); without them, run on one.
    ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    const opts: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'] };
    const [e, d] = await Promise.all([fetchBytes('encoder.onnx'), fetchBytes('decoder.onnx')]);
    return new Models(await ort.InferenceSession.create(new Uint8Array(e), opts), await ort.InferenceSession.create(new Uint8Array(d), opts), latent);
  }

  async encode(images: Float32Array, n: number): Promise<Float32Array> {
    const t = performance.now();
    const out = await this.encoder.run({ [this.encoder.inputNames[0]!]: new ort.Tensor('float32', images, [n, SIDE, SIDE, 1]) });
    this.lastEncodeMs = performance.now() - t;
    return out[this.encoder.outputNames[0]!]!.data as Float32Array;
  }

  async decode(codes: Float32Array, n: number): Promise<Float32Array> {
    const t = performance.now();
    const out = await this.decoder.run({ [this.decoder.inputNames[0]!]: new ort.Tensor('float32', codes, [n, this.latent]) });
    this.lastDecodeMs = performance.now() - t;
    return out[this.decoder.outputNames[0]!]!.data as Float32Array;
  }
}

function drawImage(canvas: HTMLCanvasElement, pixels: Float32Array | Uint8Array, scale255 = pixels instanceof Float32Array): void {
  const small = document.createElement('canvas');
  small.width = SIDE; small.height = SIDE;
  const sctx = small.getContext('2d')!;
  const img = sctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < PIXELS; i++) {
    const v = scale255 ? Math.round(Math.min(1, Math.max(0, pixels[i]!)) * 255) : pixels[i]!;
    img.data[4 * i] = v; img.data[4 * i + 1] = v; img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255;
  }
  sctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function thumb(pixels: Float32Array | Uint8Array, size = 56, title = ''): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = size; c.height = size; c.className = 'thumb'; c.title = title;
  drawImage(c, pixels);
  return c;
}

class Plane {
  /** Plane coordinates of each test code, [count, 2]. */
  readonly points: Float32Array;
  constructor(private readonly meta: Meta, codes: Float32Array) {
    this.points = new Float32Array(meta.count * 2);
    for (let i = 0; i < meta.count; i++) {
      const [a, b] = this.toPlane(codes.subarray(i * meta.latent, (i + 1) * meta.latent));
      this.points[2 * i] = a; this.points[2 * i + 1] = b;
    }
  }

  toPlane(code: ArrayLike<number>): [number, number] {
    const p = this.meta.projection;
    if (!p) return [code[0]!, code[1]!];
    let a = 0, b = 0;
    for (let d = 0; d < this.meta.latent; d++) { const c = code[d]! - p.mean[d]!; a += c * p.components[0][d]!; b += c * p.components[1][d]!; }
    return [a, b];
  }

  /** The code at a plane point (through the projection's inverse for latent > 2). */
  toCode(a: number, b: number): Float32Array {
    const p = this.meta.projection;
    if (!p) return Float32Array.of(a, b);
    return Float32Array.from(p.mean, (m, d) => m + a * p.components[0][d]! + b * p.components[1][d]!);
  }
}

class Scatter {
  view: { x0: number; x1: number; y0: number; y1: number };
  markers: { a: number; b: number }[] = [];
  pointsDrawn = 0;
  private readonly ctx: CanvasRenderingContext2D;
  constructor(private readonly canvas: HTMLCanvasElement, private readonly plane: Plane, private readonly labels: Uint8Array, private readonly meta: Meta) {
    this.ctx = canvas.getContext('2d')!;
    this.view = this.home();
  }

  home() {
    const [[x0, x1], [y0, y1]] = this.meta.range;
    const px = (x1 - x0) * 0.08, py = (y1 - y0) * 0.08;
    return { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
  }

  toScreen(a: number, b: number): [number, number] {
    const v = this.view;
    return [((a - v.x0) / (v.x1 - v.x0)) * this.canvas.width, ((v.y1 - b) / (v.y1 - v.y0)) * this.canvas.height];
  }

  toPlane(x: number, y: number): [number, number] {
    const v = this.view;
    return [v.x0 + (x / this.canvas.width) * (v.x1 - v.x0), v.y1 - (y / this.canvas.height) * (v.y1 - v.y0)];
  }

  draw(cursor?: [number, number]): void {
    const { ctx, canvas } = this;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.globalAlpha = 0.6;
    let drawn = 0;
    // One path per class: 10 fills instead of 10,000.
    for (let c = 0; c < this.meta.classNames.length; c++) {
      ctx.fillStyle = this.meta.colors[c]!;
      ctx.beginPath();
      for (let i = 0; i < this.labels.length; i++) {
        if (this.labels[i] !== c) continue;
        const [x, y] = this.toScreen(this.plane.points[2 * i]!, this.plane.points[2 * i + 1]!);
        if (x < -3 || y < -3 || x > canvas.width + 3 || y > canvas.height + 3) continue;
        ctx.rect(x - 1.5, y - 1.5, 3, 3);
        drawn++;
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    this.pointsDrawn = drawn;
    for (const m of this.markers) {
      const [x, y] = this.toScreen(m.a, m.b);
      ctx.fillStyle = '#000'; ctx.strokeStyle = '#ff0'; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    }
    if (cursor) {
      ctx.strokeStyle = '#000'; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.arc(cursor[0], cursor[1], 6, 0, 2 * Math.PI); ctx.stroke();
    }
  }
}

async function main(): Promise<void> {
  const meta = (await (await fetch('meta.json')).json()) as Meta;
  const [codesBuf, labelsBuf, imagesBuf] = await Promise.all(['codes.f32', 'labels.u8', 'images.u8'].map(fetchBytes));
  const codes = new Float32Array(codesBuf!), labels = new Uint8Array(labelsBuf!), images = new Uint8Array(imagesBuf!);
  $('latent-size').textContent = String(meta.latent);
  if (meta.projection) $('projection-note').textContent = `(${meta.latent}-D codes shown by their top-2 principal components; decoding goes through the projection's inverse)`;
  $('legend').innerHTML = meta.classNames.map((n, i) => `<li><span style="background:${meta.colors[i]}"></span>${n}</li>`).join('');

  const models = await Models.load(meta.latent);
  const plane = new Plane(meta, codes);
  const scatterCanvas = $<HTMLCanvasElement>('scatter');
  const scatter = new Scatter(scatterCanvas, plane, labels, meta);
  scatter.draw();

  const facts = () => {
    const rows = { ...meta.facts, 'threads': String(ort.env.wasm.numThreads), 'last encode': `${models.lastEncodeMs.toFixed(1)} ms`, 'last decode': `${models.lastDecodeMs.toFixed(1)} ms` };
    $('facts').innerHTML = Object.entries(rows).map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('');
  };

  // Live decoding under the cursor; only the latest request is drawn.
  let pending = 0;
  const decodeAtPlane = async (a: number, b: number) => {
    const ticket = ++pending;
    const img = await models.decode(plane.toCode(a, b), 1);
    if (ticket === pending) {
      drawImage($<HTMLCanvasElement>('decoded'), img);
      $('cursor-code').textContent = `(${a.toFixed(2)}, ${b.toFixed(2)}) · ${models.lastDecodeMs.toFixed(1)} ms`;
      facts();
    }
    return img;
  };
  let drag: { x: number; y: number; view: Scatter['view'] } | null = null;
  const local = (e: MouseEvent): [number, number] => {
    const r = scatterCanvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * scatterCanvas.width, ((e.clientY - r.top) / r.height) * scatterCanvas.height];
  };
  scatterCanvas.addEventListener('mousedown', (e) => { const [x, y] = local(e); drag = { x, y, view: { ...scatter.view } }; });
  window.addEventListener('mouseup', () => { drag = null; });
  scatterCanvas.addEventListener('mousemove', (e) => {
    const [x, y] = local(e);
    if (drag) {
      const v = drag.view, dx = ((x - drag.x) / scatterCanvas.width) * (v.x1 - v.x0), dy = ((y - drag.y) / scatterCanvas.height) * (v.y1 - v.y0);
      scatter.view = { x0: v.x0 - dx, x1: v.x1 - dx, y0: v.y0 + dy, y1: v.y1 + dy };
    }
    scatter.draw([x, y]);
    const [a, b] = scatter.toPlane(x, y);
    void decodeAtPlane(a, b);
  });
  scatterCanvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const [x, y] = local(e);
    const [a, b] = scatter.toPlane(x, y);
    const f = Math.exp(e.deltaY * 0.0015), v = scatter.view;
    scatter.view = { x0: a + (v.x0 - a) * f, x1: a + (v.x1 - a) * f, y0: b + (v.y0 - b) * f, y1: b + (v.y1 - b) * f };
    scatter.draw([x, y]);
  }, { passive: false });
  scatterCanvas.addEventListener('dblclick', () => { scatter.view = scatter.home(); scatter.draw(); });

  // Drawing pad: white strokes on black, like the dataset.
  const pad = $<HTMLCanvasElement>('pad');
  const pctx = pad.getContext('2d')!;
  const clearPad = () => { pctx.fillStyle = '#000'; pctx.fillRect(0, 0, pad.width, pad.height); };
  clearPad();
  const padPixels = (): Float32Array => {
    const small = document.createElement('canvas');
    small.width = SIDE; small.height = SIDE;
    const sctx = small.getContext('2d')!;
    sctx.imageSmoothingEnabled = true; sctx.imageSmoothingQuality = 'high';
    sctx.drawImage(pad, 0, 0, SIDE, SIDE);
    const d = sctx.getImageData(0, 0, SIDE, SIDE).data;
    return Float32Array.from({ length: PIXELS }, (_, i) => Math.round(0.299 * d[4 * i]! + 0.587 * d[4 * i + 1]! + 0.114 * d[4 * i + 2]!) / 255);
  };
  const encodePad = async () => {
    const x = padPixels();
    const code = await models.encode(x, 1);
    const [a, b] = plane.toPlane(code);
    scatter.markers = [{ a, b }];
    scatter.draw();
    drawImage($<HTMLCanvasElement>('pad-recon'), await models.decode(code, 1));
    // The nearest test images by code distance.
    const best: [number, number][] = [];
    for (let i = 0; i < meta.count; i++) {
      let d = 0;
      for (let t = 0; t < meta.latent; t++) { const u = codes[i * meta.latent + t]! - code[t]!; d += u * u; }
      if (best.length < 5 || d < best[best.length - 1]![0]) { best.push([d, i]); best.sort((p, q) => p[0] - q[0]); if (best.length > 5) best.pop(); }
    }
    const box = $('neighbours');
    box.replaceChildren(...best.map(([, i]) => thumb(images.subarray(i * PIXELS, (i + 1) * PIXELS), 48, meta.classNames[labels[i]!])));
    $('pad-code').textContent = `code (${Array.from(code, (v) => v.toFixed(2)).join(', ')}) · encode ${models.lastEncodeMs.toFixed(1)} ms`;
    facts();
  };
  let drawing = false;
  const padPoint = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
  };
  pad.addEventListener('pointerdown', (e) => { drawing = true; const [x, y] = padPoint(e); pctx.beginPath(); pctx.moveTo(x, y); });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const [x, y] = padPoint(e);
    pctx.strokeStyle = '#fff'; pctx.lineWidth = 14; pctx.lineCap = 'round'; pctx.lineJoin = 'round';
    pctx.lineTo(x, y); pctx.stroke();
  });
  const endStroke = () => { if (drawing) { drawing = false; void encodePad(); } };
  pad.addEventListener('pointerup', endStroke);
  pad.addEventListener('pointerleave', endStroke);
  $('clear').addEventListener('click', () => { clearPad(); scatter.markers = []; scatter.draw(); });
  $<HTMLInputElement>('upload').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const bmp = await createImageBitmap(file);
    clearPad();
    const s = Math.min(pad.width / bmp.width, pad.height / bmp.height);
    pctx.drawImage(bmp, (pad.width - bmp.width * s) / 2, (pad.height - bmp.height * s) / 2, bmp.width * s, bmp.height * s);
    // Photos are usually dark on light; the dataset is light on dark.
    const d = pctx.getImageData(0, 0, pad.width, pad.height);
    const grey = Float32Array.from({ length: pad.width * pad.height }, (_, i) => greyOf(d.data[4 * i]!, d.data[4 * i + 1]!, d.data[4 * i + 2]!));
    if (isDarkOnLight(grey, pad.width, pad.height)) { for (let i = 0; i < d.data.length; i += 4) { d.data[i] = 255 - d.data[i]!; d.data[i + 1] = 255 - d.data[i + 1]!; d.data[i + 2] = 255 - d.data[i + 2]!; } pctx.putImageData(d, 0, 0); }
    await encodePad();
  });

  // Reconstructions of random test images, encoded and decoded here.
  const strip = async () => {
    const n = 10, picks = Array.from({ length: n }, () => Math.floor(Math.random() * meta.count));
    const x = new Float32Array(n * PIXELS);
    picks.forEach((idx, k) => { for (let p = 0; p < PIXELS; p++) x[k * PIXELS + p] = images[idx * PIXELS + p]! / 255; });
    const rec = await models.decode(await models.encode(x, n), n);
    $('recon-strip').replaceChildren(...picks.map((idx, k) => {
      const fig = document.createElement('figure');
      fig.append(thumb(images.subarray(idx * PIXELS, (idx + 1) * PIXELS), 64), thumb(rec.subarray(k * PIXELS, (k + 1) * PIXELS), 64));
      const cap = document.createElement('figcaption'); cap.className = 'caption'; cap.textContent = meta.classNames[labels[idx]!]!;
      fig.append(cap);
      return fig;
    }));
    facts();
  };
  $('shuffle').addEventListener('click', () => void strip());
  await strip();

  // The manifold: the decoder over a grid of the plane.
  const steps = 18, [[x0, x1], [y0, y1]] = meta.range;
  const grid = new Float32Array(steps * steps * meta.latent);
  for (let r = 0; r < steps; r++) for (let c = 0; c < steps; c++) {
    grid.set(plane.toCode(x0 + ((x1 - x0) * c) / (steps - 1), y1 - ((y1 - y0) * r) / (steps - 1)), (r * steps + c) * meta.latent);
  }
  const tiles = await models.decode(grid, steps * steps);
  const man = $<HTMLCanvasElement>('manifold'), mctx = man.getContext('2d')!, cell = man.width / steps;
  for (let k = 0; k < steps * steps; k++) {
    const t = thumb(tiles.subarray(k * PIXELS, (k + 1) * PIXELS), SIDE);
    mctx.imageSmoothingEnabled = false;
    mctx.drawImage(t, (k % steps) * cell, Math.floor(k / steps) * cell, cell, cell);
  }
  facts();
  $('status').textContent = `Ready: ${meta.count} test codes, onnxruntime-web ${ort.env.versions?.web ?? ''} on ${ort.env.wasm.numThreads} thread(s)${self.crossOriginIsolated ? ' (cross-origin isolated)' : ''}.`;

  // A small API for automated tests and the curious (window.demo in the console).
  Object.assign(window, { demo: {
    ready: true, meta,
    decode: async (code: number[]) => Array.from(await models.decode(Float32Array.from(code), 1)),
    encode: async (pixels: number[]) => Array.from(await models.encode(Float32Array.from(pixels), 1)),
    scatter: { get pointsDrawn() { return scatter.pointsDrawn; }, get markers() { return scatter.markers.length; }, toScreen: (a: number, b: number) => scatter.toScreen(a, b) },
  } });
}

main().catch((err: unknown) => {
  console.error(err);
  showError(explain(err));
  Object.assign(window, { demo: { ready: false, error: explain(err) } });
});

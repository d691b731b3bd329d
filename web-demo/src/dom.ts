// Small DOM helpers shared by the page's modules: element lookup, 28x28 images into canvases, messages.
export const SIDE = 28,
  PIXELS = SIDE * SIDE;

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
};

/** Draws one 28x28 grey image (floats in [0, 1], or bytes) into a 28x28 canvas; CSS scales it, pixelated. */
export function drawImage(canvas: HTMLCanvasElement, pixels: Float32Array | Uint8Array): void {
  canvas.width = SIDE;
  canvas.height = SIDE;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(SIDE, SIDE);
  const floats = pixels instanceof Float32Array;
  for (let i = 0; i < PIXELS; i++) {
    const v = floats ? Math.round(Math.min(1, Math.max(0, pixels[i]!)) * 255) : pixels[i]!;
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** A small image canvas with an accessible name. */
export function thumb(pixels: Float32Array | Uint8Array, label: string, cssSize = 56): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.className = 'thumb';
  c.style.width = c.style.height = `${cssSize}px`;
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', label);
  c.title = label;
  drawImage(c, pixels);
  return c;
}

export function blankImage(canvas: HTMLCanvasElement): void {
  drawImage(canvas, new Uint8Array(PIXELS));
}

export function setStatus(text: string, progress?: number): void {
  $('status').textContent = text;
  const bar = $<HTMLProgressElement>('progress');
  bar.hidden = progress === undefined;
  if (progress !== undefined) bar.value = progress;
}

export function showError(message: string): void {
  const box = $('error');
  box.hidden = false;
  box.textContent = message;
  setStatus('');
}

/** Turns the failures users hit most into an explanation instead of a blank page. */
export function explain(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/magic word|expected magic|CompileError|Incorrect response MIME type/i.test(msg)) {
    return (
      `The WebAssembly runtime could not be loaded: the server answered something that is not WebAssembly for ort/ort-wasm-simd-threaded.wasm (often an HTML "not found" page).\n` +
      `Serve the whole web-demo/dist folder, including its ort/ folder, and make sure .wasm files are sent as application/wasm.\n\nDetails: ${msg}`
    );
  }
  if (/no available backend/i.test(msg)) {
    return `onnxruntime-web found no backend it could start in this browser (it needs WebAssembly).\nCheck that ort/ort-wasm-simd-threaded.mjs and .wasm are served beside the page.\n\nDetails: ${msg}`;
  }
  if (/404|Failed to fetch|NetworkError|network error/i.test(msg))
    return `A file of the demo could not be downloaded: ${msg}`;
  return `The demo failed to start: ${msg}`;
}

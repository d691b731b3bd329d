// The drawing pad: white strokes on black like the dataset, drawn with mouse, pen or finger (pointer
// capture keeps a stroke going when it leaves the pad and comes back), or an uploaded image.
import { PIXELS, SIDE } from './dom.js';
// The project's one image normalisation (grey, polarity), shared with the encode CLI.
import { greyOf, isDarkOnLight } from '../../src/data/pixels.js';

export class Pad {
  private readonly ctx: CanvasRenderingContext2D;
  private drawing = false;
  onStroke: () => void = () => undefined;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d')!;
    this.clear();
    const at = (e: PointerEvent): [number, number] => {
      const r = canvas.getBoundingClientRect();
      return [((e.clientX - r.left) / r.width) * canvas.width, ((e.clientY - r.top) / r.height) * canvas.height];
    };
    canvas.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      const [x, y] = at(e);
      this.ctx.beginPath();
      this.ctx.moveTo(x, y);
      this.ctx.lineTo(x + 0.1, y);
      this.stroke();
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      const [x, y] = at(e);
      this.ctx.lineTo(x, y);
      this.stroke();
    });
    const end = () => {
      if (this.drawing) {
        this.drawing = false;
        this.onStroke();
      }
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  private stroke(): void {
    const c = this.ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = this.canvas.width / 12;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.stroke();
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Draws an uploaded image centred on the pad; photos (dark on light) are inverted to the dataset's light on dark. */
  async load(file: File): Promise<void> {
    let bmp: ImageBitmap;
    try {
      bmp = await createImageBitmap(file);
    } catch {
      throw new Error(`"${file.name}" is not an image this browser can read (try PNG, JPEG, GIF, WebP or BMP).`);
    }
    const { canvas: pad, ctx } = this;
    this.clear();
    const s = Math.min(pad.width / bmp.width, pad.height / bmp.height);
    ctx.drawImage(
      bmp,
      (pad.width - bmp.width * s) / 2,
      (pad.height - bmp.height * s) / 2,
      bmp.width * s,
      bmp.height * s,
    );
    const d = ctx.getImageData(0, 0, pad.width, pad.height);
    const grey = Float32Array.from({ length: pad.width * pad.height }, (_, i) =>
      greyOf(d.data[4 * i]!, d.data[4 * i + 1]!, d.data[4 * i + 2]!),
    );
    if (isDarkOnLight(grey, pad.width, pad.height)) {
      for (let i = 0; i < d.data.length; i += 4) {
        d.data[i] = 255 - d.data[i]!;
        d.data[i + 1] = 255 - d.data[i + 1]!;
        d.data[i + 2] = 255 - d.data[i + 2]!;
      }
      ctx.putImageData(d, 0, 0);
    }
  }

  /** The pad as the encoder's input: 28x28 grey floats in [0, 1]. */
  pixels(): Float32Array {
    const small = document.createElement('canvas');
    small.width = SIDE;
    small.height = SIDE;
    const sctx = small.getContext('2d')!;
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = 'high';
    sctx.drawImage(this.canvas, 0, 0, SIDE, SIDE);
    const d = sctx.getImageData(0, 0, SIDE, SIDE).data;
    return Float32Array.from({ length: PIXELS }, (_, i) => greyOf(d[4 * i]!, d[4 * i + 1]!, d[4 * i + 2]!));
  }
}

// The page's panels as DOM builders: the legend, neighbour and reconstruction figures, the walk strip,
// the decoder's grid over a view, and the model facts. main.ts wires them to the state.
import { PIXELS, SIDE, thumb } from './dom.js';
import type { Models } from './models.js';
import type { Plane, Scatter, View } from './plot.js';

/** Legend buttons: toggle a class, show only one, highlight on hover or focus (the second cue besides colour). Returns a function that syncs aria-pressed. */
export function renderLegend(
  list: HTMLElement,
  o: { names: string[]; colors: string[]; counts: number[]; scatter: Scatter; onChange: () => void },
): () => void {
  const { names, scatter } = o;
  const toggles = names.map((n, c) => {
    const b = document.createElement('button');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = o.colors[c]!;
    const count = document.createElement('small');
    count.textContent = String(o.counts[c]);
    b.append(sw, `${n} `, count);
    b.setAttribute('aria-label', `${n}, ${o.counts[c]} points`);
    b.addEventListener('click', () => {
      if (scatter.hidden.has(c)) scatter.hidden.delete(c);
      else scatter.hidden.add(c);
      o.onChange();
    });
    return b;
  });
  list.replaceChildren(
    ...names.map((n, c) => {
      const only = document.createElement('button');
      only.className = 'only';
      only.textContent = 'only';
      only.setAttribute('aria-label', `show only ${n}`);
      only.addEventListener('click', () => {
        scatter.hidden = new Set(names.map((_, k) => k).filter((k) => k !== c));
        o.onChange();
      });
      for (const el of [toggles[c]!, only]) {
        const on = () => {
            scatter.highlight = c;
            scatter.draw();
          },
          off = () => {
            scatter.highlight = null;
            scatter.draw();
          };
        el.addEventListener('pointerenter', on);
        el.addEventListener('focus', on);
        el.addEventListener('pointerleave', off);
        el.addEventListener('blur', off);
      }
      const li = document.createElement('li');
      li.append(toggles[c]!, only);
      return li;
    }),
  );
  return () => toggles.forEach((b, c) => b.setAttribute('aria-pressed', String(!scatter.hidden.has(c))));
}

/** Thumbnails of test images with class and distance, each a button that picks its image. */
export function neighbourList(
  list: { index: number; distance: number }[],
  imgs: Uint8Array[],
  names: string[],
  labels: Uint8Array,
  onPick: (i: number) => void,
): HTMLElement[] {
  return list.map((n, k) => {
    const fig = document.createElement('figure');
    fig.className = 'nb';
    const name = names[labels[n.index]!]!,
      label = `${name} #${n.index}, distance ${n.distance.toFixed(3)}`;
    const b = document.createElement('button');
    b.className = 'thumb-button';
    b.setAttribute('aria-label', `select ${label}`);
    b.append(thumb(imgs[k]!, label, 56));
    b.addEventListener('click', () => onPick(n.index));
    const cap = document.createElement('figcaption');
    cap.className = 'caption';
    cap.textContent = `${name} · ${n.distance.toFixed(2)}`;
    fig.append(b, cap);
    return fig;
  });
}

/** Test images over their reconstructions, captioned with the class. */
export function reconstructionFigures(
  picks: number[],
  imgs: Uint8Array[],
  rec: Float32Array,
  names: string[],
  labels: Uint8Array,
): HTMLElement[] {
  return picks.map((i, j) => {
    const fig = document.createElement('figure');
    const name = names[labels[i]!]!;
    fig.append(
      thumb(imgs[j]!, `test image #${i}, ${name}`, 64),
      thumb(rec.subarray(j * PIXELS, (j + 1) * PIXELS), `reconstruction of #${i}`, 64),
    );
    const cap = document.createElement('figcaption');
    cap.className = 'caption';
    cap.textContent = name;
    fig.append(cap);
    return fig;
  });
}

/** `steps` codes evenly spaced on the straight line from a to b (both included), [steps, latent]. */
export function lineCodes(a: Float32Array, b: Float32Array, steps: number): Float32Array {
  const latent = a.length,
    out = new Float32Array(steps * latent);
  for (let s = 0; s < steps; s++)
    for (let d = 0; d < latent; d++) out[s * latent + d] = a[d]! + ((b[d]! - a[d]!) * s) / (steps - 1);
  return out;
}

export function walkFigures(images: Float32Array, steps: number): HTMLElement[] {
  return Array.from({ length: steps }, (_, s) => {
    const fig = document.createElement('figure');
    const cap = document.createElement('figcaption');
    cap.className = 'caption';
    cap.textContent = `t = ${(s / (steps - 1)).toFixed(2)}`;
    fig.append(thumb(images.subarray(s * PIXELS, (s + 1) * PIXELS), `walk step ${s + 1} of ${steps}`, 64), cap);
    return fig;
  });
}

/** Codes at the centres of a steps x steps grid over the view, row by row from the top, [steps², latent]. */
export function viewGrid(plane: Plane, v: View, steps: number, latent: number): Float32Array {
  const grid = new Float32Array(steps * steps * latent);
  for (let r = 0; r < steps; r++)
    for (let c = 0; c < steps; c++) {
      grid.set(
        plane.toCode(v.x0 + ((v.x1 - v.x0) * (c + 0.5)) / steps, v.y1 - ((v.y1 - v.y0) * (r + 0.5)) / steps),
        (r * steps + c) * latent,
      );
    }
  return grid;
}

/** Paints steps x steps decoded 28x28 tiles into one canvas of steps·28 pixels a side. */
export function paintTiles(canvas: HTMLCanvasElement, tiles: Float32Array, steps: number): void {
  canvas.width = steps * SIDE;
  canvas.height = steps * SIDE;
  const ctx = canvas.getContext('2d')!,
    img = ctx.createImageData(canvas.width, canvas.height);
  for (let k = 0; k < steps * steps; k++) {
    const ox = (k % steps) * SIDE,
      oy = Math.floor(k / steps) * SIDE;
    for (let p = 0; p < PIXELS; p++) {
      const v = Math.round(Math.min(1, Math.max(0, tiles[k * PIXELS + p]!)) * 255),
        at = 4 * ((oy + Math.floor(p / SIDE)) * canvas.width + ox + (p % SIDE));
      img.data[at] = img.data[at + 1] = img.data[at + 2] = v;
      img.data[at + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

export function renderFacts(list: HTMLElement, facts: Record<string, string>, models: Models | null): void {
  const rows: Record<string, string> = { ...facts };
  if (models)
    Object.assign(rows, {
      threads: String(models.threads),
      'last encode': `${models.lastEncodeMs.toFixed(1)} ms`,
      'last decode': `${models.lastDecodeMs.toFixed(1)} ms`,
    });
  list.replaceChildren(
    ...Object.entries(rows).flatMap(([k, v]) => {
      const dt = document.createElement('dt'),
        dd = document.createElement('dd');
      dt.textContent = k;
      dd.textContent = v;
      return [dt, dd];
    }),
  );
}

// The web demo's entry: draws the scatter from the test codes and labels first, then loads onnxruntime-web
// and the models (with progress) and wires the panels: the decoded cursor, a test image with its
// reconstruction and neighbours, the legend and search, the drawing pad, a walk, the manifold of the view,
// reconstructions, and the view in the URL. Reads the built site's files (see data.ts).
import { $, PIXELS, blankImage, drawImage, explain, setStatus, showError } from './dom.js';
import { Images, fetchBytes, nearest, type Meta } from './data.js';
import { Models } from './models.js';
import { Plane, Scatter } from './plot.js';
import { attachGestures } from './gestures.js';
import { Pad } from './pad.js';
import { readUrlState, writeUrlState } from './url-state.js';
import {
  lineCodes,
  neighbourList,
  paintTiles,
  reconstructionFigures,
  renderFacts,
  renderLegend,
  viewGrid,
  walkFigures,
} from './panels.js';

const NEIGHBOURS = 6,
  WALK_STEPS = 10;

async function main(): Promise<void> {
  if (location.protocol === 'file:') return; // index.html's own script has said how to serve the page
  // All three at once (index.html preloads them): the scatter waits for one round trip, not two.
  const [metaBytes, planeBytes, labels] = await Promise.all([
    fetchBytes('meta.json'),
    fetchBytes('plane.f32'),
    fetchBytes('labels.u8'),
  ]);
  const meta = JSON.parse(new TextDecoder().decode(metaBytes)) as Meta;
  const points = new Float32Array(planeBytes.buffer, planeBytes.byteOffset, meta.count * 2);
  const images = new Images(meta);
  const plane = new Plane(meta);
  const canvas = $<HTMLCanvasElement>('scatter');
  const scatter = new Scatter(canvas, points, labels, meta, images);
  const names = meta.classNames;

  // State from the URL, then the first drawing.
  const url = readUrlState();
  for (const c of url.hide ?? []) if (c >= 0 && c < names.length) scatter.hidden.add(c);
  if (url.cx !== undefined && url.cy !== undefined && url.zoom !== undefined) {
    const h = scatter.home(),
      w = (h.x1 - h.x0) / url.zoom / 2,
      hh = (h.y1 - h.y0) / url.zoom / 2;
    scatter.setView({ x0: url.cx - w, x1: url.cx + w, y0: url.cy - hh, y1: url.cy + hh });
  }
  $('latent-size').textContent = String(meta.latent);
  if (meta.projection)
    $('projection-note').textContent =
      `(${meta.latent}-D codes shown by their top-2 principal components; decoding goes through the projection's inverse)`;
  scatter.draw();
  performance.mark('scatter-drawn');
  setStatus('Scatter ready; loading the runtime and models…', 0);

  let models: Models | null = null;
  let codes: Float32Array | null = null;
  let walkEnds: [number | null, number | null] = url.walk ?? [null, null];
  const gridSelect = $<HTMLSelectElement>('grid-size');
  if (url.grid && [...gridSelect.options].some((o) => Number(o.value) === url.grid))
    gridSelect.value = String(url.grid);

  const saveUrl = () => {
    const v = scatter.view;
    writeUrlState({
      cx: (v.x0 + v.x1) / 2,
      cy: (v.y0 + v.y1) / 2,
      zoom: scatter.zoom,
      sel: scatter.selected ?? undefined,
      hide: [...scatter.hidden].sort((a, b) => a - b),
      grid: Number(gridSelect.value),
      walk: walkEnds[0] !== null && walkEnds[1] !== null ? [walkEnds[0], walkEnds[1]] : undefined,
    });
  };
  const codeOf = (i: number): Float32Array => codes!.subarray(i * meta.latent, (i + 1) * meta.latent);
  const fmtCode = (c: ArrayLike<number>) => `(${Array.from(c, (v) => v.toFixed(2)).join(', ')})`;

  const facts = () => renderFacts($('facts'), meta.facts, models);
  facts();

  const neighbourFigures = async (list: { index: number; distance: number }[]) =>
    neighbourList(list, await Promise.all(list.map((n) => images.get(n.index))), names, labels, (i) => select(i, true));

  // The test-image panel: the hovered point while hovering, else the selected one.
  let pointTicket = 0;
  const showPoint = async (i: number | null, withNeighbours: boolean) => {
    const ticket = ++pointTicket;
    $('point-empty').hidden = i !== null;
    $('point-body').hidden = i === null;
    if (i === null) return;
    const name = names[labels[i]!]!;
    $('point-label').textContent = `${name} · test image #${i}`;
    const img = await images.get(i);
    if (ticket !== pointTicket) return;
    const imageCanvas = $<HTMLCanvasElement>('point-image');
    drawImage(imageCanvas, img);
    imageCanvas.setAttribute('aria-label', `test image #${i}, ${name}`);
    if (!models || !codes) {
      $('point-code').textContent = 'the decoder is still loading…';
      return;
    }
    const code = codeOf(i);
    const rec = await models.decode(Float32Array.from(code), 1);
    if (ticket !== pointTicket) return;
    drawImage($<HTMLCanvasElement>('point-recon'), rec);
    $<HTMLCanvasElement>('point-recon').setAttribute('aria-label', `reconstruction of test image #${i}`);
    $('point-code').textContent = `code ${fmtCode(code)}`;
    if (withNeighbours) {
      const figs = await neighbourFigures(nearest(codes, meta.latent, code, NEIGHBOURS, i));
      if (ticket !== pointTicket) return;
      $('point-neighbours').replaceChildren(...figs);
      // A hover preview keeps the selected point's neighbours, so the heading names whose they are.
      $('point-nb-title').textContent = `Nearest test codes to #${i}`;
    }
  };

  const select = (i: number | null, centre = false) => {
    scatter.selected = i;
    if (i !== null && centre) {
      const v = scatter.view,
        a = points[2 * i]!,
        b = points[2 * i + 1]!,
        w = (v.x1 - v.x0) / 2,
        h = (v.y1 - v.y0) / 2;
      scatter.setView({ x0: a - w, x1: a + w, y0: b - h, y1: b + h });
      if (scatter.hidden.has(labels[i]!)) {
        scatter.hidden.delete(labels[i]!);
        legendSync();
      }
      scheduleManifold();
    }
    scatter.draw();
    void showPoint(i, true);
    saveUrl();
  };

  // Live decoding under the cursor; only the latest request is drawn.
  let pending = 0;
  const decodeTimes: number[] = [];
  const decodeAt = async (x: number, y: number) => {
    if (!models) {
      $('cursor-code').textContent = 'the decoder is still loading…';
      return;
    }
    const ticket = ++pending;
    const [a, b] = scatter.toPlane(x, y);
    const img = await models.decode(plane.toCode(a, b), 1);
    decodeTimes.push(models.lastDecodeMs);
    if (ticket !== pending) return;
    drawImage($<HTMLCanvasElement>('decoded'), img);
    // On narrow screens the decoded panel is below the plot: a preview in the plot's corner follows the finger.
    const preview = $<HTMLCanvasElement>('plot-preview');
    if (scatter.cursor) {
      drawImage(preview, img);
      preview.hidden = false;
    }
    $<HTMLCanvasElement>('decoded').setAttribute('aria-label', `decoded image at (${a.toFixed(2)}, ${b.toFixed(2)})`);
    $('cursor-code').textContent = `(${a.toFixed(2)}, ${b.toFixed(2)}) · ${models.lastDecodeMs.toFixed(1)} ms`;
  };

  attachGestures(scatter, {
    probe(at) {
      scatter.cursor = at;
      if (!at) $('plot-preview').hidden = true;
      const hover = at ? scatter.nearestOnScreen(at[0], at[1], 10) : null;
      const hoverChanged = hover !== scatter.hover;
      scatter.hover = hover;
      scatter.draw();
      if (at) void decodeAt(at[0], at[1]);
      if (hoverChanged) void showPoint(hover ?? scatter.selected, hover === null);
    },
    pick(x, y) {
      const i = scatter.nearestOnScreen(
        x,
        y,
        document.activeElement === canvas && x === scatter.width / 2 ? Infinity : 24,
      );
      if (i !== null) select(i);
    },
    viewChanged() {
      scheduleManifold();
      saveUrl();
    },
    wheelHint(show) {
      $('wheel-hint').hidden = !show;
    },
  });
  new ResizeObserver(() => {
    scatter.resize();
    scatter.draw();
  }).observe(canvas);
  const zoomBy = (f: number) => {
    scatter.zoomAt(f);
    scatter.draw();
    scheduleManifold();
    saveUrl();
  };
  $('zoom-in').addEventListener('click', () => zoomBy(1.5));
  $('zoom-out').addEventListener('click', () => zoomBy(1 / 1.5));
  $('zoom-reset').addEventListener('click', () => {
    scatter.reset();
    scatter.draw();
    scheduleManifold();
    saveUrl();
  });

  // Legend: toggle a class, show only one, highlight on hover or focus (the second cue besides colour).
  const counts = names.map((_, c) => labels.reduce((s, l) => s + (l === c ? 1 : 0), 0));
  const legendSync = renderLegend($('legend'), {
    names,
    colors: meta.colors,
    counts,
    scatter,
    onChange: () => legendChanged(),
  });
  const legendChanged = () => {
    legendSync();
    scatter.draw();
    saveUrl();
  };
  legendSync();
  $('legend-all').addEventListener('click', () => {
    scatter.hidden.clear();
    legendChanged();
  });

  // Search: a test index selects and centres that image; a class name shows only that class.
  $('search').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $<HTMLInputElement>('search-input').value.trim();
    const msg = $('search-msg');
    if (/^#?\d+$/.test(q)) {
      const i = Number(q.replace('#', ''));
      if (i >= meta.count) {
        msg.textContent = `No test image #${i}: indices run from 0 to ${meta.count - 1}.`;
        return;
      }
      select(i, true);
      msg.textContent = `Test image #${i}: ${names[labels[i]!]}.`;
      return;
    }
    const c = names.findIndex((n) => n.toLowerCase().includes(q.toLowerCase()));
    if (!q || c < 0) {
      msg.textContent = `No class matches “${q}”; classes: ${names.join(', ')}.`;
      return;
    }
    scatter.hidden = new Set(names.map((_, k) => k).filter((k) => k !== c));
    legendChanged();
    msg.textContent = `Showing only ${names[c]} (${counts[c]} points); “Show all” brings the rest back.`;
  });

  // The manifold: the decoder over a grid covering the current view, redrawn after the view settles.
  let manifoldTimer = 0,
    manifoldTicket = 0;
  const drawManifold = async () => {
    if (!models) return;
    const ticket = ++manifoldTicket;
    const steps = Number(gridSelect.value);
    const tiles = await models.decode(viewGrid(plane, scatter.view, steps, meta.latent), steps * steps);
    if (ticket !== manifoldTicket) return;
    const man = $<HTMLCanvasElement>('manifold');
    paintTiles(man, tiles, steps);
    man.setAttribute('aria-label', `decoded images on a ${steps} by ${steps} grid over the plot's view`);
    facts();
  };
  function scheduleManifold(): void {
    clearTimeout(manifoldTimer);
    manifoldTimer = window.setTimeout(() => void drawManifold(), 200);
  }
  gridSelect.addEventListener('change', () => {
    void drawManifold();
    saveUrl();
  });

  // A walk: decoded images along the straight line between two test codes.
  const drawWalk = async () => {
    const [a, b] = walkEnds;
    scatter.walk = [a, b].filter((i): i is number => i !== null).map((i) => [points[2 * i]!, points[2 * i + 1]!]);
    scatter.draw();
    if (a === null || b === null || !models || !codes) {
      if (a !== null && b === null)
        $('walk-msg').textContent = `From ${names[labels[a]!]} #${a}: now pick another point and press “Walk to here”.`;
      return;
    }
    const out = await models.decode(lineCodes(codeOf(a), codeOf(b), WALK_STEPS), WALK_STEPS);
    $('walk-msg').textContent = `From ${names[labels[a]!]} #${a} to ${names[labels[b]!]} #${b}, ${WALK_STEPS} steps.`;
    $('walk-strip').replaceChildren(...walkFigures(out, WALK_STEPS));
    saveUrl();
  };
  $('walk-from').addEventListener('click', () => {
    if (scatter.selected !== null) {
      walkEnds = [scatter.selected, walkEnds[1]];
      void drawWalk();
    }
  });
  $('walk-to').addEventListener('click', () => {
    if (scatter.selected !== null) {
      walkEnds = [walkEnds[0] ?? scatter.selected, scatter.selected];
      void drawWalk();
    }
  });

  // The drawing pad.
  const pad = new Pad($<HTMLCanvasElement>('pad'));
  const padMsg = $('pad-msg');
  const clearPadResults = () => {
    scatter.markers = [];
    scatter.draw();
    blankImage($<HTMLCanvasElement>('pad-recon'));
    $('neighbours').replaceChildren();
    $('pad-code').textContent = '';
  };
  const encodePad = async () => {
    if (!models || !codes) {
      padMsg.textContent = 'The encoder is still loading; your drawing will be encoded when it is ready.';
      return;
    }
    padMsg.textContent = '';
    const code = await models.encode(pad.pixels(), 1);
    const [a, b] = plane.toPlane(code);
    scatter.markers = [{ a, b }];
    scatter.draw();
    drawImage($<HTMLCanvasElement>('pad-recon'), await models.decode(code, 1));
    $('neighbours').replaceChildren(...(await neighbourFigures(nearest(codes, meta.latent, code, NEIGHBOURS))));
    $('pad-code').textContent = `code ${fmtCode(code)} · encode ${models.lastEncodeMs.toFixed(1)} ms`;
    facts();
  };
  let padDirty = false;
  pad.onStroke = () => {
    padDirty = true;
    void encodePad();
  };
  blankImage($<HTMLCanvasElement>('pad-recon'));
  $('clear').addEventListener('click', () => {
    pad.clear();
    padDirty = false;
    clearPadResults();
    padMsg.textContent = '';
  });
  $<HTMLInputElement>('upload').addEventListener('change', async (e) => {
    const input = e.target as HTMLInputElement,
      file = input.files?.[0];
    input.value = '';
    if (!file) return;
    try {
      await pad.load(file);
    } catch (err) {
      pad.clear();
      clearPadResults();
      padMsg.textContent = (err as Error).message;
      return;
    }
    padDirty = true;
    await encodePad();
  });

  // Reconstructions of test images from one image chunk (one small download), encoded and decoded here.
  // The first strip comes from chunk 0, so a reload finds it in the cache; "New images" picks any chunk.
  const strip = async (k = Math.floor(Math.random() * Math.ceil(meta.count / meta.imageChunk))) => {
    if (!models) return;
    const lo = k * meta.imageChunk,
      hi = Math.min(meta.count, lo + meta.imageChunk),
      n = Math.min(10, hi - lo);
    const picks = Array.from({ length: n }, () => lo + Math.floor(Math.random() * (hi - lo)));
    const imgs = await Promise.all(picks.map((i) => images.get(i)));
    const x = new Float32Array(n * PIXELS);
    imgs.forEach((img, j) => {
      for (let p = 0; p < PIXELS; p++) x[j * PIXELS + p] = img[p]! / 255;
    });
    const rec = await models.decode(await models.encode(x, n), n);
    $('recon-strip').replaceChildren(...reconstructionFigures(picks, imgs, rec, names, labels));
    facts();
  };
  $('shuffle').addEventListener('click', () => void strip());

  // Now the heavy part, with progress: the runtime, the models and the full codes.
  const progress = (what: string, f: number) =>
    setStatus(`Scatter ready; loading the ${what}: ${Math.round(f * 100)} %`, f);
  [models, codes] = await Promise.all([
    Models.load(meta.latent, meta.sizes, progress),
    // With 2-D codes the plane is the codes themselves: no second download.
    meta.projection
      ? fetchBytes('codes.f32').then((b) => new Float32Array(b.buffer, b.byteOffset, meta.count * meta.latent))
      : Promise.resolve(points),
  ]);
  setStatus(
    `Ready: ${meta.count} test codes, onnxruntime-web ${models.version} on ${models.threads} thread(s)${self.crossOriginIsolated ? ' (cross-origin isolated)' : ''}.`,
  );
  if (url.sel !== undefined && url.sel >= 0 && url.sel < meta.count) select(url.sel);
  if (padDirty) void encodePad();
  await Promise.all([drawManifold(), strip(0), drawWalk()]);
  facts();

  // A small API for automated tests and the curious (window.demo in the console).
  const m = models;
  Object.assign(window, {
    demo: {
      ready: true,
      meta,
      decodeTimes,
      decode: async (code: number[]) => Array.from(await m.decode(Float32Array.from(code), 1)),
      encode: async (pixels: number[]) => Array.from(await m.encode(Float32Array.from(pixels), 1)),
      scatter: {
        get pointsDrawn() {
          return scatter.pointsDrawn;
        },
        get thumbsDrawn() {
          return scatter.thumbsDrawn;
        },
        get markers() {
          return scatter.markers.length;
        },
        get zoom() {
          return scatter.zoom;
        },
        get selected() {
          return scatter.selected;
        },
        get hidden() {
          return [...scatter.hidden];
        },
        get cursor() {
          return scatter.cursor;
        },
        toScreen: (a: number, b: number) => scatter.toScreen(a, b),
        point: (i: number) => [points[2 * i]!, points[2 * i + 1]!],
      },
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  showError(explain(err));
  Object.assign(window, { demo: { ready: false, error: explain(err) } });
});

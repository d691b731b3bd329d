// Pointer, wheel and keyboard input on the scatter. Mouse and pen: hover decodes, drag pans, click selects.
// Touch: one finger decodes under it (tap selects), two fingers pan and pinch-zoom. The wheel zooms only
// with Ctrl/Cmd (a trackpad pinch) or once the plot has focus, so it never traps page scrolling.
// Keyboard on the focused plot: arrows pan, +/- zoom, 0 resets, Enter selects the point nearest the centre.
import type { Scatter } from './plot.js';

export interface PlotHandlers {
  /** The cursor (or finger, or keyboard centre) is at screen point (x, y); null when it left. */
  probe(at: [number, number] | null): void;
  /** A click, tap or Enter at (x, y). */
  pick(x: number, y: number): void;
  /** The view changed. */
  viewChanged(): void;
  /** Shown briefly when the wheel scrolls the page instead of zooming. */
  wheelHint(show: boolean): void;
}

export function attachGestures(scatter: Scatter, h: PlotHandlers): void {
  const el = scatter.canvas;
  const pointers = new Map<number, { x: number; y: number; type: string }>();
  let moved = 0,
    downAt: [number, number] | null = null,
    pinch: { dist: number; mid: [number, number] } | null = null;
  const local = (e: PointerEvent | WheelEvent | MouseEvent): [number, number] => {
    const r = el.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const twoFinger = () => {
    const [p, q] = [...pointers.values()] as unknown as [{ x: number; y: number }, { x: number; y: number }];
    return { dist: Math.hypot(p.x - q.x, p.y - q.y), mid: [(p.x + q.x) / 2, (p.y + q.y) / 2] as [number, number] };
  };
  const changed = () => {
    scatter.draw();
    h.viewChanged();
  };

  el.addEventListener('pointerdown', (e) => {
    const [x, y] = local(e);
    pointers.set(e.pointerId, { x, y, type: e.pointerType });
    el.setPointerCapture(e.pointerId);
    moved = 0;
    downAt = [x, y];
    if (pointers.size === 2) pinch = twoFinger();
    if (e.pointerType === 'touch' && pointers.size === 1) h.probe([x, y]);
  });
  el.addEventListener('pointermove', (e) => {
    const [x, y] = local(e);
    const p = pointers.get(e.pointerId);
    if (!p) {
      if (e.pointerType !== 'touch') h.probe([x, y]);
      return;
    }
    const dx = x - p.x,
      dy = y - p.y;
    p.x = x;
    p.y = y;
    moved += Math.abs(dx) + Math.abs(dy);
    if (pointers.size >= 2 && pinch) {
      const now = twoFinger();
      scatter.panBy(now.mid[0] - pinch.mid[0], now.mid[1] - pinch.mid[1]);
      if (pinch.dist > 0 && now.dist > 0) scatter.zoomAt(now.dist / pinch.dist, now.mid[0], now.mid[1]);
      pinch = now;
      changed();
    } else if (p.type === 'touch') {
      h.probe([x, y]);
    } else {
      scatter.panBy(dx, dy);
      scatter.cursor = [x, y];
      changed();
      h.probe([x, y]);
    }
  });
  const end = (e: PointerEvent) => {
    const p = pointers.get(e.pointerId);
    if (!p) return;
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
    if (e.type === 'pointerup' && pointers.size === 0 && moved < 6 && downAt) h.pick(downAt[0], downAt[1]);
    if (p.type === 'touch' && pointers.size === 0) h.probe(null);
  };
  el.addEventListener('pointerup', end);
  el.addEventListener('pointercancel', end);
  el.addEventListener('pointerleave', (e) => {
    if (e.pointerType !== 'touch' && !pointers.size) h.probe(null);
  });
  el.addEventListener('dblclick', () => {
    scatter.reset();
    changed();
  });

  let hintTimer = 0;
  el.addEventListener(
    'wheel',
    (e) => {
      if (!(e.ctrlKey || e.metaKey || document.activeElement === el)) {
        h.wheelHint(true);
        clearTimeout(hintTimer);
        hintTimer = window.setTimeout(() => h.wheelHint(false), 1500);
        return;
      }
      e.preventDefault();
      const [x, y] = local(e);
      scatter.zoomAt(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), x, y);
      changed();
    },
    { passive: false },
  );

  el.addEventListener('keydown', (e) => {
    const step = 0.1,
      w = scatter.width,
      hh = scatter.height;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => scatter.panBy(w * step, 0),
      ArrowRight: () => scatter.panBy(-w * step, 0),
      ArrowUp: () => scatter.panBy(0, hh * step),
      ArrowDown: () => scatter.panBy(0, -hh * step),
      '+': () => scatter.zoomAt(1.25),
      '=': () => scatter.zoomAt(1.25),
      '-': () => scatter.zoomAt(0.8),
      _: () => scatter.zoomAt(0.8),
      '0': () => scatter.reset(),
      Home: () => scatter.reset(),
    };
    const centre: [number, number] = [w / 2, hh / 2];
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      h.pick(...centre);
      return;
    }
    const act = keys[e.key];
    if (!act) return;
    e.preventDefault();
    act();
    scatter.cursor = centre;
    changed();
    h.probe(centre);
  });
  el.addEventListener('focus', () => {
    if (!scatter.cursor) {
      scatter.cursor = [scatter.width / 2, scatter.height / 2];
      scatter.draw();
    }
  });
}

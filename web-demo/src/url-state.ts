// The shareable part of the page's state, kept in the URL's hash: view centre and zoom, selected point,
// hidden classes, manifold resolution, and the two ends of a walk.
export interface UrlState {
  cx?: number;
  cy?: number;
  zoom?: number;
  sel?: number;
  hide?: number[];
  grid?: number;
  walk?: [number, number];
}

export function readUrlState(hash = location.hash): UrlState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const nums = (k: string) =>
    (q.get(k) ?? '')
      .split(',')
      .filter((s) => s !== '')
      .map(Number)
      .filter(Number.isFinite);
  const s: UrlState = {};
  const v = nums('v');
  if (v.length === 3 && v[2]! > 0) {
    s.cx = v[0];
    s.cy = v[1];
    s.zoom = v[2];
  }
  const sel = nums('sel');
  if (sel.length === 1 && Number.isInteger(sel[0])) s.sel = sel[0];
  const hide = nums('hide').filter(Number.isInteger);
  if (hide.length) s.hide = hide;
  const grid = nums('grid');
  if (grid.length === 1) s.grid = grid[0];
  const walk = nums('walk').filter(Number.isInteger);
  if (walk.length === 2) s.walk = [walk[0]!, walk[1]!];
  return s;
}

let timer = 0;
/** Writes the state into the hash (debounced; replaceState, so the back button is not flooded). */
export function writeUrlState(s: UrlState): void {
  clearTimeout(timer);
  timer = window.setTimeout(() => {
    const parts: string[] = [];
    if (s.cx !== undefined && s.cy !== undefined && s.zoom !== undefined)
      parts.push(`v=${s.cx.toPrecision(4)},${s.cy.toPrecision(4)},${s.zoom.toPrecision(3)}`);
    if (s.sel !== undefined) parts.push(`sel=${s.sel}`);
    if (s.hide?.length) parts.push(`hide=${s.hide.join(',')}`);
    if (s.grid !== undefined) parts.push(`grid=${s.grid}`);
    if (s.walk) parts.push(`walk=${s.walk.join(',')}`);
    history.replaceState(
      null,
      '',
      `${location.pathname}${location.search}${parts.length ? `#${parts.join('&')}` : ''}`,
    );
  }, 200);
}

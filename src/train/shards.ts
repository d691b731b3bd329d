// How data-parallel work is split: contiguous ranges whose sizes differ by at most one.

/** Splits `n` items into `parts` contiguous [start, end) ranges whose sizes differ by at most one. */
export function shardBounds(n: number, parts: number): [number, number][] {
  const bounds: [number, number][] = [];
  for (let r = 0; r < parts; r++) bounds.push([Math.floor((r * n) / parts), Math.floor(((r + 1) * n) / parts)]);
  return bounds;
}

/**
 * Where a new node goes: the free spot nearest a wanted point, so that it
 * does not land on top of another node. Pure: node boxes come in.
 */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const overlaps = (a: Box, b: Box, gap: number) =>
  a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;

/**
 * The top-left corner nearest `near` (the wanted centre) where a box of `size` overlaps none of `taken`
 * (with `gap` around each), searched on rings of a grid around it.
 */
export function freeSpot(
  near: { x: number; y: number },
  taken: readonly Box[],
  size = { width: 180, height: 80 },
  gap = 20,
): { x: number; y: number } {
  const step = 40;
  const at = (dx: number, dy: number): Box => ({
    x: Math.round(near.x - size.width / 2 + dx * step),
    y: Math.round(near.y - size.height / 2 + dy * step),
    ...size,
  });
  for (let r = 0; r < 200; r++) {
    // The ring at distance r, nearest points first.
    const ring: [number, number][] = [];
    for (let dx = -r; dx <= r; dx++)
      for (let dy = -r; dy <= r; dy++) if (Math.max(Math.abs(dx), Math.abs(dy)) === r) ring.push([dx, dy]);
    ring.sort((a, b) => Math.hypot(a[0], a[1]) - Math.hypot(b[0], b[1]));
    for (const [dx, dy] of ring) {
      const b = at(dx, dy);
      if (!taken.some((t) => overlaps(b, t, gap))) return { x: b.x, y: b.y };
    }
  }
  return at(0, 0);
}

/**
 * Where a threshold line's label goes so it does not sit on the data: beside the line at its
 * right or left end, above or below it, whichever spot the drawn lines cross least; on a chart
 * too narrow for the whole "Overheating 40" clear of the data, only the value ("40").
 */

export interface Pt {
  readonly x: number;
  readonly y: number;
}

export interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export type Side = 'above' | 'below';

export interface LabelInput {
  /** The plot area (Chart.js's chartArea). */
  readonly area: Box;
  /** The pixel row the label is beside: the threshold's line, or the plot's edge for a limit off the axis. */
  readonly anchorY: number;
  /** The sides of `anchorY` it may go: both for a line, only inwards for an edge. */
  readonly sides: readonly Side[];
  /** "Overheating 40", then the shorter "40" for when that does not fit clear of the data. */
  readonly texts: readonly string[];
  readonly measure: (text: string) => number;
  /** The text's height in pixels. */
  readonly height: number;
  /** The drawn lines in pixels, null at a gap. */
  readonly lines: readonly (readonly (Pt | null)[])[];
}

export interface LabelSpot {
  readonly text: string;
  /** The text's anchor: its right end for `align: 'right'`, its left end for `'left'`. */
  readonly x: number;
  /** Its bottom for `baseline: 'bottom'`, its top for `'top'`. */
  readonly y: number;
  readonly align: 'left' | 'right';
  readonly baseline: 'top' | 'bottom';
  /** The box it covers, for a backdrop. */
  readonly box: Box;
  /** How many segments of the data cross it (0 when it is clear). */
  readonly crossings: number;
}

const PAD = 4;
const GAP = 2;

export function placeLabel(input: LabelInput): LabelSpot {
  const { area, anchorY, height } = input;
  let best: LabelSpot | null = null;
  for (const text of input.texts) {
    const width = input.measure(text);
    if (width + 2 * PAD > area.right - area.left && text !== input.texts.at(-1)) continue;
    for (const side of input.sides) {
      const top = side === 'above' ? anchorY - GAP - height : anchorY + GAP;
      for (const align of ['right', 'left'] as const) {
        const left = align === 'right' ? area.right - PAD - width : area.left + PAD;
        const box = { left: left - 1, right: left + width + 1, top, bottom: top + height };
        const spot: LabelSpot = {
          text,
          x: align === 'right' ? area.right - PAD : area.left + PAD,
          y: side === 'above' ? anchorY - GAP : anchorY + GAP,
          align,
          baseline: side === 'above' ? 'bottom' : 'top',
          box,
          crossings: crossings(box, input.lines) + (inside(box, area) ? 0 : 1_000),
        };
        if (spot.crossings === 0) return spot;
        if (!best || spot.crossings < best.crossings) best = spot;
      }
    }
  }
  // Unreachable with at least one text and one side; the right end above is the old default.
  return (
    best ?? {
      text: input.texts[0] ?? '',
      x: area.right - PAD,
      y: anchorY - GAP,
      align: 'right',
      baseline: 'bottom',
      box: area,
      crossings: 0,
    }
  );
}

function inside(box: Box, area: Box): boolean {
  return box.top >= area.top - 1 && box.bottom <= area.bottom + 1;
}

/** The number of the lines' segments (and lone points) that touch the box. */
export function crossings(box: Box, lines: readonly (readonly (Pt | null)[])[]): number {
  let n = 0;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const p = line[i];
      if (!p) continue;
      const q = line[i + 1];
      if (q ? segmentTouches(box, p, q) : line[i - 1] == null && pointIn(box, p)) n++;
    }
  }
  return n;
}

function pointIn(box: Box, p: Pt): boolean {
  return p.x >= box.left && p.x <= box.right && p.y >= box.top && p.y <= box.bottom;
}

/** Liang–Barsky: does the segment p→q pass through the box? */
function segmentTouches(box: Box, p: Pt, q: Pt): boolean {
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, p.x - box.left],
    [dx, box.right - p.x],
    [-dy, p.y - box.top],
    [dy, box.bottom - p.y],
  ];
  for (const [d, r] of edges) {
    if (d === 0) {
      if (r < 0) return false;
      continue;
    }
    const t = r / d;
    if (d < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

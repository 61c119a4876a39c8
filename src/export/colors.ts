/**
 * Colours for the charts: a categorical palette for jobs (stable: a job's colour comes from a hash
 * of its id), a sequential scale for priorities, and the fixed colours of states. All chosen to be
 * read on white; red and grey are kept out of the job palette because they mean "failed" and
 * "canceled".
 */

/**
 * Twelve categorical colours (from Tableau 20, without its reds and greys), each distinct on white.
 * The lighter ones get a darker outline where they are drawn.
 */
export const JOB_PALETTE: readonly string[] = [
  '#4e79a7', // blue
  '#f28e2b', // orange
  '#59a14f', // green
  '#b07aa1', // purple
  '#499894', // teal
  '#9c755f', // brown
  '#b6992d', // olive
  '#d37295', // rose
  '#a0cbe8', // light blue
  '#ffbe7d', // light orange
  '#8cd17d', // light green
  '#86bcb6', // light teal
];

/** Colour of a failed (`Error`) bar's outline and hatching. */
export const FAILED_COLOR = '#d62728';
/** Fill of a canceled bar. */
export const CANCELED_COLOR = '#c7c7c7';
/** Fill of the "other jobs" band when jobs are grouped. */
export const OTHER_COLOR = '#9e9e9e';
/** Axis, grid and label colours. */
export const INK = '#222222';
export const INK_MUTED = '#666666';
export const GRID = '#e4e4e4';

/** FNV-1a over UTF-16 code units: a small, stable string hash. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Colours for a set of jobs. Each job starts at the palette entry its id hashes to; when two jobs of
 * the set land on the same entry, the later one (in id order) takes the next free entry, so up to
 * 12 jobs always get 12 different colours. Beyond 24 jobs (the palette and a darker shade of it),
 * colours repeat, still by hash. The same set of ids always gives the same colours, whatever their
 * order, so the runs of one report agree when they share their jobs.
 *
 * @param jobIds - The job ids to colour; duplicates are ignored.
 * @returns A map from job id to `#rrggbb`.
 * @example
 * ```ts
 * const colors = assignJobColors(['ingest', 'encode']);
 * colors.get('encode'); // e.g. '#59a14f'
 * ```
 */
export function assignJobColors(jobIds: Iterable<string>): Map<string, string> {
  const ids = [...new Set(jobIds)].sort(compareStrings);
  const size = JOB_PALETTE.length;
  const extended = ids.length > size ? [...JOB_PALETTE, ...JOB_PALETTE.map((c) => mix(c, '#000000', 0.3))] : JOB_PALETTE;
  const out = new Map<string, string>();
  const taken = new Uint8Array(extended.length);
  let free = extended.length;
  for (const id of ids) {
    let k = hashString(id) % extended.length;
    if (free > 0) {
      while (taken[k] === 1) k = (k + 1) % extended.length;
      taken[k] = 1;
      free--;
    }
    out.set(id, extended[k]!);
  }
  return out;
}

// Viridis at 9 evenly spaced points: perceptually uniform and readable in grey and by most
// colour-blind readers.
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/**
 * The sequential colour of a priority between `min` and `max`: viridis, darkest for the highest
 * priority, and stopping short of its pale yellow end so the lowest priority still shows on white.
 * A single priority (`min === max`) gets the middle colour.
 */
export function priorityColor(priority: number, min: number, max: number): string {
  const t = max > min ? Math.min(1, Math.max(0, (priority - min) / (max - min))) : 0.5;
  return viridis(0.85 * (1 - t));
}

/** Viridis at `t` in `[0, 1]`, interpolated in sRGB between 9 stops. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return rgbHex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
}

/** Mixes two `#rrggbb` colours: `t = 0` gives `a`, `t = 1` gives `b`. */
export function mix(a: string, b: string, t: number): string {
  const [r1, g1, b1] = parseHex(a);
  const [r2, g2, b2] = parseHex(b);
  return rgbHex(r1 + (r2 - r1) * t, g1 + (g2 - g1) * t, b1 + (b2 - b1) * t);
}

/** A darker shade for the outline of a fill. */
export function outlineOf(fill: string): string {
  return mix(fill, '#000000', 0.35);
}

/** Near-black or white, whichever reads better on `fill` (WCAG relative luminance). */
export function textColorOn(fill: string): string {
  return relativeLuminance(fill) > 0.4 ? '#1a1a1a' : '#ffffff';
}

/** WCAG relative luminance of `#rrggbb`, 0 (black) to 1 (white). */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function parseHex(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (m === null) return [0, 0, 0];
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

function rgbHex(r: number, g: number, b: number): string {
  const h = (v: number): string => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** Code-unit order, not locale order: the same everywhere. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

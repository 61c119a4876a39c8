/**
 * Small helpers for writing SVG and HTML as strings: escaping, number formatting that never prints
 * `NaN`, and the time axis (display unit and 1-2-5 ticks). Everything here is deterministic: no
 * locale, no clock.
 */

import { showInvisible } from './visible-text.js';

// Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). A task
// name is user text; one stray control character would make the whole SVG unparsable.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPECIAL = /[&<>"']/g;
const ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for XML/HTML content and attribute values (both quote kinds), replaces
 * characters XML cannot hold with U+FFFD, and shows bidi controls and invisible format characters
 * as a visible `\u202e` (see {@link showInvisible}): a name must not reorder a tooltip.
 *
 * @param text - Any string.
 * @returns The text, safe between tags and inside `"…"` or `'…'`.
 * @example
 * ```ts
 * escapeXml(`a<b & "c"`); // 'a&lt;b &amp; &quot;c&quot;'
 * ```
 */
export function escapeXml(text: string): string {
  return showInvisible(text.replace(INVALID_XML_CHARS, '\uFFFD')).replace(SPECIAL, (c) => ENTITY[c]!);
}

/**
 * A coordinate for an SVG attribute: at most 2 decimals, no `-0`, and `0` for a non-finite value
 * (so a degenerate input draws something wrong-but-valid rather than an unparsable file).
 */
export function n(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const r = Math.round(value * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** A coordinate with at most 1 decimal, for long path data where size matters. */
export function n1(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const r = Math.round(value * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Shortens text to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  if (max === 1) return '…';
  return text.slice(0, max - 1) + '…';
}

/** Decimals that suit a magnitude: 0 from 100 up, 1 from 10, 2 from 1, else 3 significant digits. */
export function decimalsForMagnitude(value: number): number {
  const abs = Math.abs(value);
  if (!Number.isFinite(abs) || abs >= 100 || abs === 0) return 0;
  return abs >= 10 ? 1 : abs >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(abs)));
}

/** Decimals to print `value` with: none for an integer, else {@link decimalsForMagnitude}. */
export function decimalsFor(value: number): number {
  return Number.isInteger(value) ? 0 : decimalsForMagnitude(value);
}

/**
 * Formats a number for people, without locale: thousands separated by commas, and a precision
 * that suits the magnitude (`12,345`, `12.3`, `0.0123`).
 *
 * @param value - The number.
 * @param maxDecimals - Decimals to round to. @defaultValue {@link decimalsFor}(value)
 * @param keepZeros - Keep trailing zeros (`7.50`), for columns that line up. @defaultValue false
 */
export function formatNumber(value: number, maxDecimals?: number, keepZeros = false): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  const abs = Math.abs(value);
  const decimals = maxDecimals ?? decimalsFor(value);
  let text = abs.toFixed(decimals);
  if (!keepZeros && text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  const [int, frac] = text.split('.') as [string, string | undefined];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = value < 0 && Number(text) !== 0 ? '−' : '';
  return sign + grouped + (frac !== undefined ? '.' + frac : '');
}

/** The unit of the numbers in a chart's input. */
export type TimeUnit = 'ms' | 's' | 'min';

const MS_PER: Readonly<Record<TimeUnit | 'h', number>> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };

/** A unit to show times in, and the factor from input units to it. */
export interface DisplayUnit {
  unit: TimeUnit | 'h';
  /** Multiply an input value by this to get display units. */
  factor: number;
}

/**
 * Picks the unit in which a span reads best: ms under 2 s, s under 2 min, min under 2 h, else h.
 */
export function displayUnitFor(span: number, inputUnit: TimeUnit): DisplayUnit {
  const ms = Math.abs(span) * MS_PER[inputUnit];
  const unit: DisplayUnit['unit'] = ms < 2000 ? 'ms' : ms < 120_000 ? 's' : ms < 7_200_000 ? 'min' : 'h';
  return { unit, factor: MS_PER[inputUnit] / MS_PER[unit] };
}

/** Formats a duration or instant given in input units, in the unit that suits it (`1.5 min`). */
export function formatTime(value: number, inputUnit: TimeUnit, unit?: DisplayUnit): string {
  const u = unit ?? displayUnitFor(value, inputUnit);
  return `${formatNumber(value * u.factor)} ${u.unit}`;
}

/**
 * The step of a "nice" axis: 1, 2 or 5 times a power of ten, the smallest not below `span / target`.
 */
export function niceStep(span: number, target: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, target);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * pow >= raw * (1 - 1e-9)) return m * pow;
  }
  return 10 * pow;
}

/** Ticks of an axis over a domain, and the domain widened to whole steps. */
export interface Ticks {
  /** The domain start, rounded down to a step. */
  start: number;
  /** The domain end, rounded up to a step (always > start). */
  end: number;
  step: number;
  values: number[];
  /** Decimals needed to print a tick value. */
  decimals: number;
}

/**
 * Nice ticks (1-2-5 steps) covering `[lo, hi]`, about `target` of them. A zero-width domain
 * becomes one step wide, so a chart of zero-duration bars still has an axis.
 *
 * @example
 * ```ts
 * niceTicks(0, 97, 5); // { start: 0, end: 100, step: 20, values: [0, 20, 40, 60, 80, 100], decimals: 0 }
 * ```
 */
export function niceTicks(lo: number, hi: number, target: number): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi < lo) [lo, hi] = [hi, lo];
  target = Math.max(1, Math.min(1000, Math.floor(target) || 1));
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  // A span a double can hardly step through at this magnitude is a point: widen it. (Steps near
  // the subnormal range would make `lo / step` infinite and the tick loop endless.)
  const step = hi - lo > Math.max(magnitude * 1e-9, 1e-200) ? niceStep(hi - lo, target) : niceStep(magnitude > 1e-200 ? magnitude : 1, target);
  const first = Math.floor(lo / step + 1e-9);
  let last = Math.ceil(hi / step - 1e-9);
  if (last <= first) last = first + 1;
  if (!(last - first <= 10 * target + 10)) {
    return { start: lo, end: hi > lo ? hi : lo + 1, step: hi > lo ? hi - lo : 1, values: [lo, hi > lo ? hi : lo + 1], decimals: 0 };
  }
  const round = (v: number): number => Number(v.toPrecision(12));
  const values: number[] = [];
  for (let k = first; k <= last; k++) values.push(round(k * step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { start: round(first * step), end: round(last * step), step, values, decimals };
}

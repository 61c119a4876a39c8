/**
 * ISO 8601 date-times as AMS writes and reads them: `2020-04-15T18:45:24.54Z`, with an offset, or
 * with no zone at all (read as UTC, as the reference §9 says). Shared by `$filter`'s `datetime'…'`
 * literal and the wire-date parser.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|z|[+-]\d{2}:\d{2})?$/;

/** The largest |ms| a JavaScript Date holds. */
export const MAX_EPOCH_MS = 8.64e15;

/**
 * Reads an ISO 8601 date-time to epoch milliseconds, or `undefined` when it is not one.
 * Accepts a date alone (midnight), minutes without seconds, 1–7 fraction digits (beyond the
 * millisecond they are dropped, not rounded: the tick a .NET service stored is never moved to the
 * next millisecond), `Z`, `±hh:mm`, or no zone (UTC).
 */
export function parseIsoDateTime(text: string): number | undefined {
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number((m[7] + '00').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  const value = d.getTime() - offsetMinutes * 60_000;
  return Number.isFinite(value) && Math.abs(value) <= MAX_EPOCH_MS ? value : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Writes epoch milliseconds as ISO 8601 UTC the way the service does: `Z`, and the fraction
 * without trailing zeros (`…24.54Z`, `…24Z`), or `undefined` if `ms` is no valid date.
 */
export function isoFromEpochMs(ms: number): string | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_EPOCH_MS) return undefined;
  const iso = new Date(ms).toISOString(); // …T18:45:24.540Z
  const dot = iso.lastIndexOf('.');
  let end = iso.length - 1; // at 'Z'
  while (end > dot + 1 && iso.charCodeAt(end - 1) === 0x30) end--;
  return end === dot + 1 ? iso.slice(0, dot) + 'Z' : iso.slice(0, end) + 'Z';
}

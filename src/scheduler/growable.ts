/**
 * Growth for typed arrays: the scheduler appends tasks job by job. A quarter more each time, not
 * twice: what is held after submit is what the benchmarks count per task, and doubling could leave
 * half of every per-task array unused (the copies cost a little more at submit).
 */

function grown(length: number, min: number): number {
  return Math.max(min, length + (length >> 2), 16);
}

/**
 * Old arrays smaller than this (bytes) are left to the collector: freeing one costs 3–10 µs, and
 * all of them together stay far below the 64 MB that start a collection.
 */
const RELEASE_FROM = 1 << 14;

/**
 * Frees the memory of an array that was just copied into a bigger one: its buffer is detached
 * (moved into a clone nobody keeps, which the next scavenge frees). Why: V8 starts a full
 * collection for every 64 MB of new off-heap memory, and an old table has usually lived through
 * the scavenges while it filled, so only such a collection would free it. Tables grown a quarter
 * at a time allocate five times what they end at: at a million six-task jobs that was four full
 * collections of the whole heap (the caller's definitions too) during the submit, about 450 ms each.
 * Only for arrays that own their whole buffer, and only the scheduler's tables: nothing else holds
 * them (a detached array reads as empty).
 */
export function release(a: Int32Array | Uint8Array | Float64Array): void {
  if (a.byteLength < RELEASE_FROM || a.byteOffset !== 0) return;
  const buffer = a.buffer;
  if (!(buffer instanceof ArrayBuffer) || a.byteLength !== buffer.byteLength) return;
  try {
    structuredClone(buffer, { transfer: [buffer] });
  } catch {
    // The collector frees it later, as before.
  }
}

export function growInt32(a: Int32Array, min: number, fill = 0): Int32Array<ArrayBuffer> {
  if (a.length >= min) return a as never;
  const b = new Int32Array(grown(a.length, min));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  release(a);
  return b;
}

export function growUint8(a: Uint8Array, min: number): Uint8Array<ArrayBuffer> {
  if (a.length >= min) return a as never;
  const b = new Uint8Array(grown(a.length, min));
  b.set(a);
  release(a);
  return b;
}

export function growFloat64(a: Float64Array, min: number, fill = 0): Float64Array<ArrayBuffer> {
  if (a.length >= min) return a as never;
  const b = new Float64Array(grown(a.length, min));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  release(a);
  return b;
}

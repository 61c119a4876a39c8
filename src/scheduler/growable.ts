/**
 * Growth for typed arrays: the scheduler appends tasks job by job. A quarter more each time, not
 * twice: what is held after submit is what the benchmarks count per task, and doubling could leave
 * half of every per-task array unused (the copies cost a little more at submit).
 */

function grown(length: number, min: number): number {
  return Math.max(min, length + (length >> 2), 16);
}

export function growInt32(a: Int32Array, min: number, fill = 0): Int32Array<ArrayBuffer> {
  if (a.length >= min) return a as never;
  const b = new Int32Array(grown(a.length, min));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growUint8(a: Uint8Array, min: number): Uint8Array<ArrayBuffer> {
  if (a.length >= min) return a as never;
  const b = new Uint8Array(grown(a.length, min));
  b.set(a);
  return b;
}

export function growFloat64(a: Float64Array, min: number, fill = 0): Float64Array<ArrayBuffer> {
  if (a.length >= min) return a as never;
  const b = new Float64Array(grown(a.length, min));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

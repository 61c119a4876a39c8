/** Doubling growth for typed arrays: the scheduler appends tasks job by job. */

export function growInt32(a: Int32Array, min: number, fill = 0): Int32Array<ArrayBuffer> {
  if (a.length >= min) return a as never;
  const b = new Int32Array(Math.max(min, a.length * 2, 16));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growUint8(a: Uint8Array, min: number): Uint8Array<ArrayBuffer> {
  if (a.length >= min) return a as never;
  const b = new Uint8Array(Math.max(min, a.length * 2, 16));
  b.set(a);
  return b;
}

export function growFloat64(a: Float64Array, min: number, fill = 0): Float64Array<ArrayBuffer> {
  if (a.length >= min) return a as never;
  const b = new Float64Array(Math.max(min, a.length * 2, 16));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

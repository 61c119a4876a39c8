/**
 * The limit for the online scheduler: the same loop as a real orchestrator (keep `concurrency`
 * tasks running, complete the oldest, start the best ready), on bare typed arrays — a CSR, an
 * indegree array and a binary heap keyed by priority, ties to the lower index. No states, no
 * pools, no events: what any online scheduler must at least do.
 */
import { bareCsr } from './reference.js';

export function onlineHeapReference(n: number, from: Int32Array, to: Int32Array, priority: Int32Array, concurrency: number): number {
  const { offsets, targets, indegree } = bareCsr(n, from, to);
  const heap = new Int32Array(n);
  let size = 0;
  const before = (a: number, b: number): boolean => {
    const pa = priority[a]!;
    const pb = priority[b]!;
    return pa !== pb ? pa > pb : a < b;
  };
  const push = (v: number): void => {
    let hole = size++;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const p = heap[parent]!;
      if (!before(v, p)) break;
      heap[hole] = p;
      hole = parent;
    }
    heap[hole] = v;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap[--size]!;
    let hole = 0;
    const half = size >> 1;
    while (hole < half) {
      let child = 2 * hole + 1;
      let c = heap[child]!;
      const right = child + 1;
      if (right < size && before(heap[right]!, c)) {
        child = right;
        c = heap[right]!;
      }
      if (!before(c, last)) break;
      heap[hole] = c;
      hole = child;
    }
    if (size > 0) heap[hole] = last;
    return top;
  };
  for (let v = 0; v < n; v++) if (indegree[v] === 0) push(v);
  // Running tasks in a ring, completed oldest first.
  const ring = new Int32Array(concurrency);
  let head = 0;
  let running = 0;
  let done = 0;
  while (done < n) {
    while (running < concurrency && size > 0) {
      ring[(head + running) % concurrency] = pop();
      running++;
    }
    if (running === 0) throw new Error('onlineHeapReference: cycle');
    const u = ring[head]!;
    head = (head + 1) % concurrency;
    running--;
    done++;
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (--indegree[v]! === 0) push(v);
    }
  }
  return done;
}

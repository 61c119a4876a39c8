/**
 * A pool's chart rows (slots) for the simulator: which row a starting task is drawn in.
 *
 * The order rows are handed out in is that of a stack of freed rows: a task of one slot takes the
 * row freed last (a task of weight w frees its rows last to first, so its first row is on top);
 * a task of weight w > 1 takes the lowest run of w free rows, else the run of free rows that ends
 * at the last row in use finished with new ones, else w new rows; and after such a take the free
 * rows are in ascending order (the first row freed after it on top of them, the highest below).
 *
 * Kept as that stack's two parts: the rows freed since the last weighted take (`stack`, in the
 * order freed), and below them the rows left from it, ascending (`sorted`, a segment tree over
 * the rows of their free runs). A weighted take moves the stack into the tree and finds its run in
 * O(log rows); a task of one slot pops the stack, or the tree's highest row. Without weights the
 * tree is never made.
 */
export class PoolSlots {
  /** Rows freed since the last weighted take, in the order freed. */
  readonly #stack: number[] = [];
  /** The rows below them, ascending; null until a weighted take. */
  #sorted: RunTree | null = null;
  /** Rows in use so far: rows [0, next) exist. */
  next = 0;

  /** The first of the `w` rows a starting task of weight `w` takes. */
  take(w: number): number {
    if (w === 1) {
      if (this.#stack.length > 0) return this.#stack.pop()!;
      const t = this.#sorted;
      if (t !== null && t.count > 0) {
        const r = t.highest();
        t.set(r, 0);
        return r;
      }
      return this.next++;
    }
    let t = this.#sorted;
    if (t === null) t = this.#sorted = new RunTree(Math.max(64, this.next));
    t.ensure(this.next + w);
    const stack = this.#stack;
    for (let i = 0; i < stack.length; i++) t.set(stack[i]!, 1);
    stack.length = 0;
    let first = t.lowestRun(w);
    if (first === -1) {
      // The run of free rows that ends at the last row in use, finished with new rows.
      first = this.next - t.runEndingAt(this.next);
      this.next = first + w;
    }
    for (let k = 0; k < w && first + k < t.size; k++) t.set(first + k, 0);
    return first;
  }

  /** A task of weight `w` in rows [first, first + w) ended. */
  free(first: number, w: number): void {
    for (let k = w - 1; k >= 0; k--) this.#stack.push(first + k);
  }
}

/**
 * Rows 0..size-1, each free (1) or not (0), in a segment tree keeping per node the length of its
 * free prefix, free suffix and longest free run, and its free rows.
 */
class RunTree {
  size = 0;
  #pre = new Int32Array(0);
  #suf = new Int32Array(0);
  #best = new Int32Array(0);
  #cnt = new Int32Array(0);

  constructor(size: number) {
    this.#build(size, null);
  }

  get count(): number {
    return this.#cnt[1]!;
  }

  ensure(rows: number): void {
    if (rows <= this.size) return;
    let n = this.size;
    while (n < rows) n *= 2;
    const free: number[] = [];
    for (let r = 0; r < this.size; r++) if (this.#cnt[this.size + r] === 1) free.push(r);
    this.#build(n, free);
  }

  #build(n: number, free: number[] | null): void {
    let size = 1;
    while (size < n) size *= 2;
    this.size = size;
    this.#pre = new Int32Array(2 * size);
    this.#suf = new Int32Array(2 * size);
    this.#best = new Int32Array(2 * size);
    this.#cnt = new Int32Array(2 * size);
    if (free !== null) for (const r of free) this.set(r, 1);
  }

  set(row: number, v: number): void {
    let i = this.size + row;
    this.#pre[i] = this.#suf[i] = this.#best[i] = this.#cnt[i] = v;
    let len = 1;
    while (i > 1) {
      i >>= 1;
      const l = 2 * i;
      const r = l + 1;
      const pl = this.#pre[l]!;
      const sr = this.#suf[r]!;
      this.#pre[i] = pl === len ? len + this.#pre[r]! : pl;
      this.#suf[i] = sr === len ? len + this.#suf[l]! : sr;
      this.#best[i] = Math.max(this.#best[l]!, this.#best[r]!, this.#suf[l]! + this.#pre[r]!);
      this.#cnt[i] = this.#cnt[l]! + this.#cnt[r]!;
      len *= 2;
    }
  }

  /** The highest free row (there is one). */
  highest(): number {
    let i = 1;
    while (i < this.size) i = this.#cnt[2 * i + 1]! > 0 ? 2 * i + 1 : 2 * i;
    return i - this.size;
  }

  /** The first row of the lowest run of `w` free rows, or -1. */
  lowestRun(w: number): number {
    if (this.#best[1]! < w) return -1;
    let i = 1;
    let lo = 0;
    let len = this.size;
    while (i < this.size) {
      const l = 2 * i;
      const half = len >> 1;
      if (this.#best[l]! >= w) {
        i = l;
      } else if (this.#suf[l]! + this.#pre[l + 1]! >= w) {
        return lo + half - this.#suf[l]!;
      } else {
        i = l + 1;
        lo += half;
      }
      len = half;
    }
    return lo;
  }

  /** How many free rows run up to row `end - 1` (0 if it is not free). */
  runEndingAt(end: number): number {
    // Walk down to the leaf end - 1, then back up over the free rows before it.
    let run = 0;
    let row = end - 1;
    while (row >= 0) {
      // The largest aligned block ending at `row`.
      let i = this.size + row;
      let len = 1;
      while ((i & 1) === 1 && i > 1 && this.#cnt[i >> 1] === 2 * len) {
        i >>= 1;
        len *= 2;
      }
      if (this.#cnt[i] === len) {
        run += len;
        row -= len;
        continue;
      }
      return run + this.#suf[i]!;
    }
    return run;
  }
}

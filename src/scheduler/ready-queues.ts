import type { ReadyOrder } from './ready-order.js';

/**
 * The ready tasks of every pool, and which pool goes next.
 *
 * Each pool keeps a binary heap of its ready task indices; a second, small heap orders the pools
 * that have a free slot and a ready task by their best task. `next()` looks at the best pool only,
 * so a full pool never blocks the others and nothing scans the pools or the ready set: O(log n).
 *
 * The order between tasks is the {@link ReadyOrder}'s: the two keys, then the task serial, so the
 * order is total and deterministic.
 *
 * Deletion is lazy: a ready task that is canceled stays in its heap until it surfaces and is skipped
 * (`isReady` says so). A stale pool key can only be better than the pool's real best, so the pool
 * heap is checked at its top and re-sifted when the key moved.
 *
 * With one pool (the default pool alone: no `poolOf`, or no task named a pool yet) there is nothing
 * to choose between, so the pool heap is not kept at all and a claim is one pop of the task heap.
 * It is built when a second pool is added.
 *
 * Weights (a jobgraph extension): a task may take several slots of its pool. The order is kept
 * strictly: a pool gives its best ready task or nothing, so a heavy task at the head of its pool
 * waits until enough of the running tasks end, and lighter tasks behind it wait with it (they are
 * not let past, which could starve it for ever). The wait of the lighter tasks is bounded by the
 * running tasks' ends. Without weights (`weights` null) a task takes one slot and nothing is read.
 *
 * Blocking (for rate limits): a blocked pool gives nothing until it is unblocked.
 */
export class ReadyQueues {
  readonly #order: ReadyOrder;

  // Per pool: heap storage (serials, and beside them their order keys, so a sift reads the heap
  // alone and never the key array at random), size, slots, running.
  #heaps: Int32Array[] = [];
  #heapKeys: Float64Array[] = [];
  #sizes: number[] = [];
  #slots: number[] = [];
  #running: number[] = [];

  // Heap of pools that have a free slot and a (possibly stale) ready task, keyed by #key[pool].
  #top = new Int32Array(0);
  #topSize = 0;
  #pos: number[] = []; // pool → position in #top, -1 when out
  #key: number[] = []; // pool → task index its place in #top was keyed by

  // Per pool: tasks that became ready while the pool had a free slot, whose wait (if one comes) is
  // not logged yet; see the Scheduler's WaitingForFreeResources.
  #unlogged: Int32Array[] = [];
  #unloggedSize: number[] = [];

  /** True while there is one pool: the pool heap (#top, #pos, #key) is not kept. */
  #single = true;

  /** Slots each task takes, by serial; null while every task takes one. Set by the scheduler. */
  weights: Int32Array | null = null;
  /** Per pool: 1 while blocked (a rate limit reached). */
  #blocked: number[] = [];
  /** Tells live entries from stale ones where no caller passes a test (weighted pools only). */
  #isReady: ((task: number) => boolean) | null = null;

  constructor(order: ReadyOrder) {
    this.#order = order;
  }

  /**
   * The test of a live entry, for weighted pools: whether a pool can give depends on its best task's
   * weight, so a stale head must be dropped first.
   */
  setReadyTest(isReady: (task: number) => boolean): void {
    this.#isReady = isReady;
  }

  /** Whether `pool` can give its best ready task now: not blocked, and its weight fits. */
  #canGive(pool: number): boolean {
    if (this.#blocked[pool] !== 0) return false;
    const w = this.weights;
    if (w === null) return this.#running[pool]! < this.#slots[pool]!;
    const head = this.#isReady !== null ? this.#cleanTop(pool, this.#isReady) : this.#sizes[pool]! > 0 ? this.#heaps[pool]![0]! : -1;
    return head !== -1 && this.#running[pool]! + w[head]! <= this.#slots[pool]!;
  }

  /** Blocks a pool: it gives nothing until {@link unblock}. */
  block(pool: number): void {
    this.#blocked[pool] = 1;
    const pos = this.#pos[pool]!;
    if (pos !== -1) this.#topRemoveAt(pos);
  }

  unblock(pool: number): void {
    if (this.#blocked[pool] === 0) return;
    this.#blocked[pool] = 0;
    if (!this.#single && this.#pos[pool] === -1 && this.#sizes[pool]! > 0 && this.#canGive(pool)) {
      this.#key[pool] = this.#heaps[pool]![0]!;
      this.#topInsert(pool);
    }
  }

  /**
   * A task of `pool` left the ready set without a claim (canceled, say): if it headed a weighted
   * pool that could not give it, a lighter task behind it may fit now.
   */
  recheck(pool: number): void {
    if (!this.#single && this.#pos[pool] === -1 && this.#sizes[pool]! > 0 && this.#canGive(pool)) {
      this.#key[pool] = this.#heaps[pool]![0]!;
      this.#topInsert(pool);
    }
  }

  isBlocked(pool: number): boolean {
    return this.#blocked[pool] !== 0;
  }

  /** Adds a pool with `slots` slots (Infinity for none) and returns its index. */
  addPool(slots: number): number {
    const p = this.#heaps.length;
    this.#heaps.push(new Int32Array(16));
    this.#heapKeys.push(new Float64Array(16));
    this.#sizes.push(0);
    this.#slots.push(slots);
    this.#running.push(0);
    this.#pos.push(-1);
    this.#key.push(-1);
    this.#unlogged.push(new Int32Array(16));
    this.#unloggedSize.push(0);
    this.#kept.push(0);
    this.#blocked.push(0);
    if (this.#top.length < p + 1) {
      const t = new Int32Array(Math.max(8, (p + 1) * 2));
      t.set(this.#top);
      this.#top = t;
    }
    if (p === 1) {
      // Leaving the one-pool path: pool 0 enters the pool heap if it could give a task.
      this.#single = false;
      if (this.#sizes[0]! > 0 && this.#running[0]! < this.#slots[0]!) {
        this.#key[0] = this.#heaps[0]![0]!;
        this.#topInsert(0);
      }
    }
    return p;
  }

  get poolCount(): number {
    return this.#heaps.length;
  }

  slotsOf(pool: number): number {
    return this.#slots[pool]!;
  }

  runningIn(pool: number): number {
    return this.#running[pool]!;
  }

  readyIn(pool: number): number {
    return this.#sizes[pool]!;
  }

  /** The (possibly stale) ready tasks of a pool, in heap order; for explain() and snapshots. */
  heapOf(pool: number): Int32Array {
    return this.#heaps[pool]!.subarray(0, this.#sizes[pool]!);
  }

  #before(a: number, b: number): boolean {
    return this.#order.before(a, b);
  }

  /** True when task `a` goes before task `b`. */
  before(a: number, b: number): boolean {
    return this.#order.before(a, b);
  }

  /** True when `pool` has no free slot (for a weighted pool: not enough for its best ready task; or it is blocked). */
  isFull(pool: number): boolean {
    const running = this.#running[pool]!;
    const slots = this.#slots[pool]!;
    if (running >= slots) return true;
    if (this.#blocked[pool] !== 0) return true;
    const w = this.weights;
    return w !== null && this.#sizes[pool]! > 0 && running + w[this.#heaps[pool]![0]!]! > slots;
  }

  /** True when `task` of `pool` could not start now for want of slots (or a blocked pool). */
  mustWait(pool: number, task: number): boolean {
    const w = this.weights;
    return this.#blocked[pool] !== 0 || this.#running[pool]! + (w === null ? 1 : w[task]!) > this.#slots[pool]!;
  }

  /** Notes a task that became ready in `pool` while a slot was free: its wait is not logged yet. */
  noteUnlogged(pool: number, task: number): void {
    let list = this.#unlogged[pool]!;
    const n = this.#unloggedSize[pool]!;
    if (n === list.length) {
      const bigger = new Int32Array(n * 2);
      bigger.set(list);
      this.#unlogged[pool] = list = bigger;
    }
    list[n] = task;
    this.#unloggedSize[pool] = n + 1;
  }

  /** How many tasks are noted in `pool`. */
  unloggedCount(pool: number): number {
    return this.#unloggedSize[pool]!;
  }

  /**
   * Takes the tasks noted in `pool` (some of them no longer ready: the caller checks): the first
   * {@link unloggedCount} entries of the array returned, valid until the next {@link noteUnlogged}.
   */
  takeUnlogged(pool: number): Int32Array {
    this.#unloggedSize[pool] = 0;
    this.#kept[pool] = 0;
    return this.#unlogged[pool]!;
  }

  /**
   * Forgets the noted tasks of every pool: called when no pool with a free slot has a task to give,
   * so none of them is waiting for a slot now. But a task a job's cap keeps in its job's heap, or
   * one behind a heavier task (with weights), is still ready, and waits for a slot when the pool
   * fills later: such notes are kept. They are sorted out only once a pool's notes have doubled
   * since, so a big job kept back costs no scan at every call.
   */
  clearUnlogged(): void {
    const sizes = this.#unloggedSize;
    const test = this.weights !== null || this.hidesTasks ? this.#stillUnlogged : null;
    for (let p = 0; p < sizes.length; p++) {
      if (test === null) {
        sizes[p] = 0;
        continue;
      }
      const n = sizes[p]!;
      if (n === 0 || n < 2 * this.#kept[p]!) continue;
      const list = this.#unlogged[p]!;
      let m = 0;
      for (let i = 0; i < n; i++) if (test(list[i]!)) list[m++] = list[i]!;
      sizes[p] = this.#kept[p] = m;
    }
  }

  /** Some job has a cap: its ready tasks may be kept from the claims (see {@link clearUnlogged}). */
  hidesTasks = false;
  /** Whether a noted task is still ready with its wait not logged (see {@link setNoteTest}). */
  #stillUnlogged: ((task: number) => boolean) | null = null;
  /** Per pool: notes kept by the last {@link clearUnlogged} that sorted them. */
  #kept: number[] = [];

  /** The test {@link clearUnlogged} keeps a note by: the task is still ready and its wait not logged. */
  setNoteTest(test: (task: number) => boolean): void {
    this.#stillUnlogged = test;
  }

  /**
   * Tasks `list[0, k)` became ready in pool 0 of a one-pool scheduler: as {@link push} for each, in
   * one loop (see the Scheduler's bulk release).
   */
  pushMany(list: Int32Array, k: number): void {
    let heap = this.#heaps[0]!;
    let keys = this.#heapKeys[0]!;
    const size = this.#sizes[0]!;
    if (size + k > heap.length) {
      const length = Math.max(heap.length * 2, size + k);
      const bigger = new Int32Array(length);
      bigger.set(heap);
      this.#heaps[0] = heap = bigger;
      const biggerKeys = new Float64Array(length);
      biggerKeys.set(keys);
      this.#heapKeys[0] = keys = biggerKeys;
    }
    const order = this.#order;
    const key = order.key;
    for (let n = 0; n < k; n++) {
      const task = list[n]!;
      const tk = key[task]!;
      let i = size + n;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        const p = heap[parent]!;
        const pk = keys[parent]!;
        if (tk !== pk ? tk < pk : !order.beforeKeyed(tk, task, pk, p)) break;
        heap[i] = p;
        keys[i] = pk;
        i = parent;
      }
      heap[i] = task;
      keys[i] = tk;
    }
    this.#sizes[0] = size + k;
  }

  /** As {@link noteUnlogged} for each of `list[0, k)`. */
  noteUnloggedMany(pool: number, list: Int32Array, k: number): void {
    let notes = this.#unlogged[pool]!;
    const n = this.#unloggedSize[pool]!;
    if (n + k > notes.length) {
      const bigger = new Int32Array(Math.max(notes.length * 2, n + k));
      bigger.set(notes.subarray(0, n));
      this.#unlogged[pool] = notes = bigger;
    }
    notes.set(list.subarray(0, k), n);
    this.#unloggedSize[pool] = n + k;
  }

  /**
   * The order's keys changed form (packed keys unpacked, see ReadyOrder.addJob) without changing
   * the order: the keys kept beside the heaps' entries are read again, or they would be compared
   * with keys of the other form.
   */
  rekey(): void {
    const key = this.#order.key;
    for (let p = 0; p < this.#heaps.length; p++) {
      const heap = this.#heaps[p]!;
      const keys = this.#heapKeys[p]!;
      for (let i = 0, n = this.#sizes[p]!; i < n; i++) keys[i] = key[heap[i]!]!;
    }
  }

  /** A task became ready in `pool`. */
  push(pool: number, task: number): void {
    let heap = this.#heaps[pool]!;
    let keys = this.#heapKeys[pool]!;
    let i = this.#sizes[pool]!;
    if (i === heap.length) {
      const bigger = new Int32Array(heap.length * 2);
      bigger.set(heap);
      this.#heaps[pool] = heap = bigger;
      const biggerKeys = new Float64Array(keys.length * 2);
      biggerKeys.set(keys);
      this.#heapKeys[pool] = keys = biggerKeys;
    }
    const order = this.#order;
    const key = order.key[task]!;
    // Sift up, moving the hole instead of swapping.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      const pk = keys[parent]!;
      if (key !== pk ? key < pk : order.secondary === null ? task > p : !order.beforeKeyed(key, task, pk, p)) break;
      heap[i] = p;
      keys[i] = pk;
      i = parent;
    }
    heap[i] = task;
    keys[i] = key;
    this.#sizes[pool]!++;
    if (this.#single) return;
    const pos = this.#pos[pool]!;
    if (pos !== -1) {
      if (this.#before(task, this.#key[pool]!)) {
        this.#key[pool] = task;
        // A heavier task now heads the pool: it may not fit where its predecessor did.
        if (this.weights !== null && !this.#canGive(pool)) this.#topRemoveAt(pos);
        else this.#topUp(pos);
      }
    } else if (this.#canGive(pool)) {
      this.#key[pool] = this.#heaps[pool]![0]!;
      this.#topInsert(pool);
    }
  }

  /**
   * Claims the best ready task over all pools with a free slot, or -1. `isReady(task)` tells stale
   * entries (tasks no longer ready) from live ones.
   */
  pop(isReady: (task: number) => boolean): number {
    if (this.#single) {
      const best = this.#cleanTop(0, isReady);
      if (best === -1) return -1;
      this.#heapPop(0);
      const w = this.weights;
      this.#running[0]! += w === null ? 1 : w[best]!;
      return best;
    }
    const best = this.peek(isReady);
    if (best === -1) return -1;
    // peek() left the best pool at the top of the pool heap, keyed by `best`.
    const pool = this.#top[0]!;
    this.#heapPop(pool);
    const w = this.weights;
    this.#running[pool]! += w === null ? 1 : w[best]!;
    if (this.#sizes[pool] === 0 || !this.#canGive(pool)) {
      this.#topRemoveAt(0);
    } else {
      this.#key[pool] = this.#heaps[pool]![0]!;
      this.#topDown(0);
    }
    return best;
  }

  /**
   * The best ready task over all pools with a free slot, without claiming it (-1 for none). Stale
   * entries met on the way are dropped, as in {@link pop}.
   */
  peek(isReady: (task: number) => boolean): number {
    if (this.#single) return this.#cleanTop(0, isReady);
    while (this.#topSize > 0) {
      const pool = this.#top[0]!;
      const best = this.#cleanTop(pool, isReady);
      if (best === -1) {
        this.#topRemoveAt(0);
        continue;
      }
      if (best !== this.#key[pool]) {
        this.#key[pool] = best;
        if (this.weights !== null && !this.#canGive(pool)) this.#topRemoveAt(0);
        else this.#topDown(0);
        continue;
      }
      return best;
    }
    return -1;
  }

  /** A task of `pool` stopped running: its slots (`weight`, 1 without weights) are free again. */
  release(pool: number, weight = 1): void {
    this.#running[pool]! -= weight;
    if (this.#single) return;
    if (this.#pos[pool] === -1 && this.#sizes[pool]! > 0 && this.#canGive(pool)) {
      this.#key[pool] = this.#heaps[pool]![0]!;
      this.#topInsert(pool);
    }
  }

  /** Marks `weight` slots of `pool` taken without popping (restoring a running task). */
  occupy(pool: number, weight = 1): void {
    this.#running[pool]! += weight;
    if (this.#single) return;
    const pos = this.#pos[pool]!;
    if (pos !== -1 && !this.#canGive(pool)) this.#topRemoveAt(this.#pos[pool]!);
  }

  #cleanTop(pool: number, isReady: (task: number) => boolean): number {
    const heap = this.#heaps[pool]!;
    while (this.#sizes[pool]! > 0) {
      const t = heap[0]!;
      if (isReady(t)) return t;
      this.#heapPop(pool);
    }
    return -1;
  }

  /**
   * Removes the top of a pool's heap. Bottom-up: the hole left at the top sinks along the path of
   * better children to a leaf (one comparison a level), then the heap's last entry rises from there
   * (it came from the bottom, so usually by a level or none). The usual sift-down compares twice a
   * level all the way down. Keys that differ are compared here; a tie calls the order only when it
   * has a secondary key. Why it matters: a process meets the heap cold, where each comparison was a
   * call.
   */
  #heapPop(pool: number): void {
    const heap = this.#heaps[pool]!;
    const keys = this.#heapKeys[pool]!;
    const n = --this.#sizes[pool]!;
    if (n === 0) return;
    const order = this.#order;
    const packed = order.secondary === null;
    const last = heap[n]!;
    const lastKey = keys[n]!;
    let i = 0;
    for (let child = 1; child < n; child = 2 * i + 1) {
      let c = heap[child]!;
      let ck = keys[child]!;
      const right = child + 1;
      if (right < n) {
        const r = heap[right]!;
        const rk = keys[right]!;
        if (rk !== ck ? rk > ck : packed ? r < c : order.beforeKeyed(rk, r, ck, c)) {
          child = right;
          c = r;
          ck = rk;
        }
      }
      heap[i] = c;
      keys[i] = ck;
      i = child;
    }
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      const pk = keys[parent]!;
      if (lastKey !== pk ? lastKey < pk : packed ? last > p : !order.beforeKeyed(lastKey, last, pk, p)) break;
      heap[i] = p;
      keys[i] = pk;
      i = parent;
    }
    heap[i] = last;
    keys[i] = lastKey;
  }


  #topInsert(pool: number): void {
    const i = this.#topSize++;
    this.#top[i] = pool;
    this.#pos[pool] = i;
    this.#topUp(i);
  }

  #topRemoveAt(i: number): void {
    const pool = this.#top[i]!;
    this.#pos[pool] = -1;
    const n = --this.#topSize;
    if (i === n) return;
    const last = this.#top[n]!;
    this.#top[i] = last;
    this.#pos[last] = i;
    this.#topDown(i);
    this.#topUp(this.#pos[last]!);
  }

  #topUp(i: number): void {
    const top = this.#top;
    const pool = top[i]!;
    const key = this.#key[pool]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = top[parent]!;
      if (!this.#before(key, this.#key[p]!)) break;
      top[i] = p;
      this.#pos[p] = i;
      i = parent;
    }
    top[i] = pool;
    this.#pos[pool] = i;
  }

  #topDown(i: number): void {
    const top = this.#top;
    const n = this.#topSize;
    const pool = top[i]!;
    const key = this.#key[pool]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.#before(this.#key[top[right]!]!, this.#key[top[child]!]!)) child = right;
      const c = top[child]!;
      if (!this.#before(this.#key[c]!, key)) break;
      top[i] = c;
      this.#pos[c] = i;
      i = child;
    }
    top[i] = pool;
    this.#pos[pool] = i;
  }
}

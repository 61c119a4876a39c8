import type { ReadyOrder } from '../scheduler/ready-order.js';
import { ReadyQueues } from '../scheduler/ready-queues.js';

/**
 * The simulator's shadow of the ready set in the AMS order (task, then job priority), by which it
 * counts priority inversions: `peek()` is the best ready task that could start now, a task of a
 * job at its cap (`maxRunning`) aside.
 *
 * The shadow is a {@link ReadyQueues} fed lazily: entries stay until they surface at a pool's top
 * (a task that started is dropped then; one of a job at its cap is set aside, "held", until a task
 * of its job ends). Every reported figure depends on that laziness only through the pools' heads
 * (with weights, whether a pool can give is read off its raw head), so what is kept here gives the
 * same heads as holding every task would:
 *
 * - an uncapped job's tasks go to the pool heaps as they become ready;
 * - a capped job's tasks of a pool are kept by the job ({@link CapQueue}): `U` its ready tasks not
 *   started, `S` those started whose entry has not surfaced yet, the held ones being a prefix of `U`
 *   (below `theta`) but those made ready since (`X`). Only the best of what a full shadow would
 *   hold for it is in the pool heap (and, while the job is below its cap, its best ready task), so
 *   the heads are the same; a job at its cap no longer puts all its waiting tasks back and drops
 *   them again at every start and end (that was quadratic in the job's size).
 *
 * After each peek the capped jobs met on the way settle: what the full shadow would have dropped
 * (their entries before the pool's new head) is dropped or held, by moving `theta`, in O(log n).
 */
export interface ShadowContext {
  order: ReadyOrder;
  /** By serial: when it became ready (-1 before), when it started (-1 before). */
  ready: Float64Array;
  start: Float64Array;
  jobOf: Int32Array;
  poolOf: Int32Array;
  /** By job: its cap on running tasks (0 for none), its tasks running. */
  capOf: Int32Array;
  runningOf: Int32Array;
  /** Room for serials [0, capacity). */
  capacity: number;
}

/** Held: none (-1), every ready task of the job in the pool (-2), else those before this serial. */
const NONE = -1;
const ALL = -2;

/** One capped job's tasks in one pool. */
interface CapQueue {
  job: number;
  pool: number;
  /** Ready tasks not started: a treap root (-1 for none). */
  u: number;
  /** Started tasks whose entry a full shadow would still hold. */
  s: SmallHeap;
  /** Tasks of `u` made ready before `theta` while some were held: not held. */
  x: SmallHeap;
  theta: number;
  /** Met by the current peek: settles after it. */
  touched: boolean;
}

export class InversionShadow {
  readonly #q: ReadyQueues;
  readonly #ctx: ShadowContext;
  readonly #isReady: (serial: number) => boolean;
  /** Per capped job: its queues, one per pool. */
  readonly #queues = new Map<number, CapQueue[]>();
  readonly #touched: CapQueue[] = [];
  #inHeap: Uint8Array | null = null;
  #tree: Treap | null = null;

  constructor(ctx: ShadowContext) {
    this.#ctx = ctx;
    this.#q = new ReadyQueues(ctx.order);
    const { ready, start, jobOf, capOf, runningOf } = ctx;
    this.#isReady = (serial) => {
      const j = jobOf[serial]!;
      const cap = capOf[j]!;
      if (ready[serial]! >= 0 && start[serial]! < 0 && (cap === 0 || runningOf[j]! < cap)) return true;
      if (cap !== 0) this.#popped(serial, j);
      return false;
    };
  }

  addPool(slots: number): number {
    return this.#q.addPool(slots);
  }

  set weights(w: Int32Array | null) {
    this.#q.weights = w;
  }

  /** The order's keys changed form (see ReadyOrder.addJob): the pool heaps' copies are read again. */
  rekey(): void {
    this.#q.rekey();
  }

  /** A task became ready in `pool`. */
  push(pool: number, serial: number): void {
    const j = this.#ctx.jobOf[serial]!;
    if (this.#ctx.capOf[j] === 0) {
      this.#q.push(pool, serial);
      return;
    }
    const c = this.#queue(j, pool);
    const tree = this.#tree!;
    c.u = tree.insert(c.u, serial);
    const order = this.#ctx.order;
    if (c.theta === ALL || (c.theta !== NONE && order.before(serial, c.theta))) c.x.push(serial);
    this.#heads(j, c);
  }

  /** The best ready task that could start now (-1 for none): a full shadow's peek. */
  peek(): number {
    const best = this.#q.peek(this.#isReady);
    const touched = this.#touched;
    for (let i = 0; i < touched.length; i++) this.#settle(touched[i]!);
    touched.length = 0;
    return best;
  }

  /** A task started in `pool`, taking `weight` slots. */
  started(serial: number, pool: number, weight: number): void {
    const { jobOf, capOf, runningOf } = this.#ctx;
    const j = jobOf[serial]!;
    runningOf[j]!++;
    this.#q.occupy(pool, weight);
    if (capOf[j] === 0) return;
    const c = this.#queue(j, pool);
    c.u = this.#tree!.remove(c.u, serial);
    c.s.push(serial);
    this.#heads(j, c);
  }

  /** A task of `pool` ended: its slots are free (before the scheduler hears of it). */
  release(pool: number, weight: number): void {
    this.#q.release(pool, weight);
  }

  /** A task of job `j` ended (after the scheduler made its successors ready): held tasks are back. */
  ended(j: number): void {
    this.#ctx.runningOf[j]!--;
    if (this.#ctx.capOf[j] === 0) return;
    const list = this.#queues.get(j);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (c.theta !== NONE) {
        c.theta = NONE;
        c.x.clear();
      }
      this.#heads(j, c);
    }
  }

  #queue(j: number, pool: number): CapQueue {
    let list = this.#queues.get(j);
    if (list === undefined) {
      if (this.#tree === null) {
        this.#tree = new Treap(this.#ctx.capacity, this.#ctx.order);
        this.#inHeap = new Uint8Array(this.#ctx.capacity);
      }
      list = [];
      this.#queues.set(j, list);
    }
    for (let i = 0; i < list.length; i++) if (list[i]!.pool === pool) return list[i]!;
    const order = this.#ctx.order;
    const c: CapQueue = { job: j, pool, u: -1, s: new SmallHeap(order), x: new SmallHeap(order), theta: NONE, touched: false };
    list.push(c);
    return c;
  }

  /** A capped job's entry left its pool heap (started, or held). */
  #popped(serial: number, j: number): void {
    this.#inHeap![serial] = 0;
    const c = this.#queue(j, this.#ctx.poolOf[serial]!);
    if (!c.touched) {
      c.touched = true;
      this.#touched.push(c);
    }
  }

  /**
   * After a peek that met the job's entries: a full shadow dropped every entry of the job before the
   * pool's head (the started ones go, the others are held); the job's heads go back to the pool.
   */
  #settle(c: CapQueue): void {
    c.touched = false;
    const p = c.pool;
    const head = this.#q.readyIn(p) > 0 ? this.#q.heapOf(p)[0]! : -1;
    const order = this.#ctx.order;
    while (c.s.size > 0 && (head === -1 || order.before(c.s.peek(), head))) c.s.pop();
    const job = c.job;
    const { capOf, runningOf } = this.#ctx;
    if (runningOf[job]! >= capOf[job]!) {
      while (c.x.size > 0 && (head === -1 || order.before(c.x.peek(), head))) c.x.pop();
      if (head === -1) {
        c.theta = ALL;
        c.x.clear();
      } else if (c.theta === NONE || (c.theta !== ALL && order.before(c.theta, head))) c.theta = head;
    }
    this.#heads(job, c);
  }

  /** Puts into the pool heap what a full shadow's best of the job there is, and (below its cap) its best ready task. */
  #heads(j: number, c: CapQueue): void {
    const tree = this.#tree!;
    const order = this.#ctx.order;
    const inHeap = this.#inHeap!;
    // Best not held: the best of X, or the first of U from theta.
    let e = c.theta === NONE ? tree.min(c.u) : c.theta === ALL ? -1 : tree.ceiling(c.u, c.theta);
    if (c.x.size > 0 && (e === -1 || order.before(c.x.peek(), e))) e = c.x.peek();
    if (c.s.size > 0 && (e === -1 || order.before(c.s.peek(), e))) e = c.s.peek();
    if (e !== -1 && inHeap[e] === 0) {
      inHeap[e] = 1;
      this.#q.push(c.pool, e);
    }
    const { capOf, runningOf } = this.#ctx;
    if (runningOf[j]! < capOf[j]!) {
      const u = tree.min(c.u);
      if (u !== -1 && inHeap[u] === 0) {
        inHeap[u] = 1;
        this.#q.push(c.pool, u);
      }
    }
  }
}

/** A binary min-heap of serials by the order; small (a capped job's few started or late tasks). */
class SmallHeap {
  readonly #order: ReadyOrder;
  #a: number[] = [];
  constructor(order: ReadyOrder) {
    this.#order = order;
  }
  get size(): number {
    return this.#a.length;
  }
  peek(): number {
    return this.#a[0]!;
  }
  clear(): void {
    this.#a.length = 0;
  }
  push(v: number): void {
    const a = this.#a;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#order.before(v, a[parent]!)) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.#a;
    const top = a[0]!;
    const last = a.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && this.#order.before(a[child + 1]!, a[child]!)) child++;
        if (!this.#order.before(a[child]!, last)) break;
        a[i] = a[child]!;
        i = child;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * Treaps of serials by the order, sharing their nodes' arrays (a serial is in one tree at a time):
 * insert, remove, min and ceiling in O(log n) expected. Priorities come from a fixed generator, so
 * a run is deterministic (the shapes do not change any result anyway).
 */
class Treap {
  readonly #left: Int32Array;
  readonly #right: Int32Array;
  readonly #prio: Int32Array;
  readonly #order: ReadyOrder;
  #seed = 0x2545f491;

  constructor(capacity: number, order: ReadyOrder) {
    this.#left = new Int32Array(capacity);
    this.#right = new Int32Array(capacity);
    this.#prio = new Int32Array(capacity);
    this.#order = order;
  }

  /** Splits `t` into [before `key`) and [`key` on): the roots are left in #splitL, #splitR. */
  #splitL = -1;
  #splitR = -1;
  #split(t: number, key: number): void {
    if (t === -1) {
      this.#splitL = this.#splitR = -1;
      return;
    }
    if (this.#order.before(t, key)) {
      this.#split(this.#right[t]!, key);
      this.#right[t] = this.#splitL;
      this.#splitL = t;
    } else {
      this.#split(this.#left[t]!, key);
      this.#left[t] = this.#splitR;
      this.#splitR = t;
    }
  }

  #merge(a: number, b: number): number {
    if (a === -1) return b;
    if (b === -1) return a;
    if (this.#prio[a]! > this.#prio[b]!) {
      this.#right[a] = this.#merge(this.#right[a]!, b);
      return a;
    }
    this.#left[b] = this.#merge(a, this.#left[b]!);
    return b;
  }

  insert(root: number, v: number): number {
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x;
    this.#prio[v] = x;
    this.#left[v] = this.#right[v] = -1;
    this.#split(root, v);
    const r = this.#splitR;
    return this.#merge(this.#merge(this.#splitL, v), r);
  }

  remove(root: number, v: number): number {
    if (root === -1) return -1;
    if (root === v) return this.#merge(this.#left[v]!, this.#right[v]!);
    if (this.#order.before(v, root)) this.#left[root] = this.remove(this.#left[root]!, v);
    else this.#right[root] = this.remove(this.#right[root]!, v);
    return root;
  }

  min(root: number): number {
    if (root === -1) return -1;
    while (this.#left[root] !== -1) root = this.#left[root]!;
    return root;
  }

  /** The first serial of the tree not before `key` (-1 for none). */
  ceiling(root: number, key: number): number {
    let best = -1;
    while (root !== -1) {
      if (this.#order.before(root, key)) root = this.#right[root]!;
      else {
        best = root;
        root = this.#left[root]!;
      }
    }
    return best;
  }
}

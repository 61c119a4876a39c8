/**
 * BullMQ serves the waiting job with the smallest priority number first (1..2^21 − 1, equal numbers
 * FIFO), while our scheduler ranks a task by the pair (taskPriority, jobPriority), both int32,
 * higher = more urgent. The pair space is far larger than BullMQ's, and a job's number is fixed
 * when it is added (changing it later costs a Redis round trip per job), so we cannot use a fixed
 * formula: instead we hand out numbers only to the keys that are actually waiting, in order, and
 * leave gaps so a newcomer almost always fits between its neighbours without moving anyone.
 */

/**
 * BullMQ rejects priorities above 2^21 − 1 (it packs the priority and a counter into one score),
 * so this is the widest range we can spread keys across.
 */
export const BULL_PRIORITY_MAX = 2_097_151;

/**
 * A key whose BullMQ number moved to make room for another: the caller must re-prioritise its
 * waiting jobs (job.changePriority) or they will be served out of order.
 */
export interface Renumbered {
  task: number;
  job: number;
  priority: number;
}

interface Entry {
  task: number;
  job: number;
  priority: number;
  /** Jobs waiting with this key: the number must outlive all of them, not just the first. */
  refs: number;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

function describe(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  return typeof value;
}

function checkInt32(method: string, what: 'task' | 'job', value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw new RangeError(`PriorityMap.${method}: expected ${what} priority to be a 32-bit integer, got ${describe(value)}`);
  }
}

/**
 * Negative when (ta, ja) is more urgent than (tb, jb): the entries are kept most urgent first, so
 * array order and BullMQ number order are the same direction and a neighbour check is enough to
 * keep the whole map ordered.
 */
function compare(ta: number, ja: number, tb: number, jb: number): number {
  if (ta !== tb) return tb - ta;
  return jb - ja;
}

/**
 * Order-preserving assignment of BullMQ priority numbers to the (taskPriority, jobPriority) keys
 * held by one queue's waiting jobs: a more urgent key always has a strictly smaller number, as long
 * as at most `max` distinct keys are held at once.
 *
 * What is lost above 2,097,151 distinct priorities waiting (more generally, above `max`): there are
 * no numbers left to keep every key apart, so a new key that finds no free number between its
 * neighbours shares the number of its nearest less-urgent neighbour (the more-urgent one if it has
 * none) and is served FIFO with it. The order is never inverted (a more urgent key never gets a
 * larger number), only ties appear. Release cannot report renumbering (it returns nothing), so the
 * ties are undone only at the next acquire of a new key once the count is back within `max`: that
 * acquire spreads every key again and reports the moves in `renumbered`.
 */
export class PriorityMap {
  readonly #max: number;
  /** Most urgent first; numbers are non-decreasing along the array (strictly, unless over capacity). */
  readonly #entries: Entry[] = [];
  /** Keys per number, so we know whether ties from an overflow are still outstanding. */
  readonly #users = new Map<number, number>();

  /**
   * @param max the largest BullMQ number to hand out. Tests pass tiny values to force the rare
   *   renumbering and overflow paths; above BULL_PRIORITY_MAX BullMQ would reject the job.
   */
  constructor(max: number = BULL_PRIORITY_MAX) {
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > BULL_PRIORITY_MAX) {
      throw new RangeError(`PriorityMap: expected max to be an integer from 1 to ${BULL_PRIORITY_MAX}, got ${describe(max)}`);
    }
    this.#max = max;
  }

  /** Distinct keys held: the figure to compare with `max` to know whether order is still strict. */
  get size(): number {
    return this.#entries.length;
  }

  /**
   * Takes a reference on key (task, job); returns its BullMQ number and the keys whose numbers had
   * to change to make room (empty almost always). The caller must apply `renumbered` to the jobs
   * already waiting in Redis, or they keep their stale numbers and are served out of order.
   * `renumbered` never includes the key being acquired, and is most urgent first.
   */
  acquire(task: number, job: number): { priority: number; renumbered: Renumbered[] } {
    checkInt32('acquire', 'task', task);
    checkInt32('acquire', 'job', job);
    const { index, found } = this.#search(task, job);
    if (found) {
      const entry = this.#entries[index]!;
      entry.refs += 1;
      return { priority: entry.priority, renumbered: [] };
    }

    const prev = this.#entries[index - 1];
    const next = this.#entries[index];
    // Range ends act as virtual neighbours 0 and max + 1, so a key at either end still leaves room
    // beyond it for a later, even more extreme key.
    const lo = prev ? prev.priority : 0;
    const hi = next ? next.priority : this.#max + 1;
    const fits = this.#entries.length + 1 <= this.#max;
    const tied = this.#users.size < this.#entries.length;

    if (fits && (hi - lo < 2 || tied)) {
      const entry: Entry = { task, job, priority: 0, refs: 1 };
      this.#entries.splice(index, 0, entry);
      // No room between the neighbours: renumber the smallest block of numbers around them that is
      // sparse enough, not everything. Spreading all n keys at each shortage cost O(n) renumbered
      // keys (each a changePriority in Redis) every ~log2(max / n) inserts when keys come in order
      // (the scheduler hands tasks out most urgent first): 10,000 distinct keys renumbered 5 million.
      const local = tied ? undefined : this.#respace(index, lo >= 1 ? lo : hi);
      if (local !== undefined) return { priority: entry.priority, renumbered: local };
      // Spreading everything is O(n) and touches jobs in Redis, but it leaves even gaps so that
      // later inserts are cheap again; it is also the only moment ties from an overflow can be undone.
      const renumbered = this.#spread(entry);
      return { priority: entry.priority, renumbered };
    }

    let priority: number;
    if (hi - lo >= 2) {
      // Midpoint: halves the room on both sides, so neither direction runs out first. Over capacity
      // a free number between the neighbours can still exist (ties elsewhere freed it): taking it
      // keeps this key apart from both neighbours, which is strictly better than a tie.
      priority = lo + Math.floor((hi - lo) / 2);
    } else {
      // Over capacity: share a neighbour's number (ties, never inversions). The less-urgent one, so
      // the cost of the tie falls on the newcomer (it may wait behind jobs less urgent than itself)
      // rather than on more urgent work, whose later jobs would otherwise queue behind it.
      priority = (next ?? prev)!.priority;
    }
    this.#entries.splice(index, 0, { task, job, priority, refs: 1 });
    this.#users.set(priority, (this.#users.get(priority) ?? 0) + 1);
    return { priority, renumbered: [] };
  }

  /**
   * Drops one reference; the key's number is freed when none is left. Unknown keys: no-op, so a
   * caller that releases on every job completion need not remember which keys it acquired. A number
   * shared by several keys (over capacity) stays in use until the last of them is released.
   */
  release(task: number, job: number): void {
    checkInt32('release', 'task', task);
    checkInt32('release', 'job', job);
    const { index, found } = this.#search(task, job);
    if (!found) return;
    const entry = this.#entries[index]!;
    entry.refs -= 1;
    if (entry.refs > 0) return;
    this.#entries.splice(index, 1);
    const users = (this.#users.get(entry.priority) ?? 1) - 1;
    if (users > 0) this.#users.set(entry.priority, users);
    else this.#users.delete(entry.priority);
  }

  /** The number a job with this key should be added with now, if the key is held. */
  priorityOf(task: number, job: number): number | undefined {
    checkInt32('priorityOf', 'task', task);
    checkInt32('priorityOf', 'job', job);
    const { index, found } = this.#search(task, job);
    return found ? this.#entries[index]!.priority : undefined;
  }

  /** Binary search: where (task, job) is, or where it would be inserted to keep the order. */
  #search(task: number, job: number): { index: number; found: boolean } {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const entry = this.#entries[mid]!;
      const c = compare(entry.task, entry.job, task, job);
      if (c === 0) return { index: mid, found: true };
      if (c < 0) low = mid + 1;
      else high = mid;
    }
    return { index: low, found: false };
  }

  /**
   * Makes room for the key just inserted at `index` (its priority still unset; no ties held) by
   * spreading evenly the keys of the smallest aligned block of numbers around `near` (a number next
   * to the gap) that, with the new key, is at most as dense as its level allows (list labelling with
   * density thresholds, as in Itai, Konheim and Rodeh). Measured, keys always less urgent (or always
   * more) than all held: 10,000 keys renumber 117,000 (5.1 million when every shortage spread all),
   * 100,000 keys 2.7 million (768 million). Undefined when no block below the whole range
   * qualifies, or the map is half full: the caller spreads everything.
   */
  #respace(index: number, near: number): Renumbered[] | undefined {
    const span = this.#max + 1;
    const levels = Math.ceil(Math.log2(span));
    // The densest a block may be after the spread: 1 for the smallest blocks, falling geometrically
    // to twice the map's overall density for the whole range, so blocks are left about as sparse as
    // the map can afford (with few keys, sparse: long runs of inserts fit before the next spread).
    const sparsest = (2 * this.#entries.length) / this.#max;
    // Half full or more (tiny maps, or a million keys waiting): spread everything, as always.
    if (sparsest >= 1) return undefined;
    for (let level = 1, width = 2; width < span; level++, width *= 2) {
      const start = Math.max(1, Math.floor(near / width) * width);
      const end = Math.min(this.#max, Math.floor(near / width) * width + width - 1);
      const room = end - start + 1;
      // Keys numbered in [start, end], and the new key: a contiguous run of the array (in number order).
      const a = this.#firstAtLeast(start, index, near);
      const b = this.#firstAtLeast(end + 1, index, near);
      const keys = b - a; // the new key included
      if (keys > room * sparsest ** (level / levels)) continue;
      const renumbered: Renumbered[] = [];
      // No ties are held (each number has one key), and the block's numbers are only its own keys'.
      for (let i = a; i < b; i++) if (i !== index) this.#users.delete(this.#entries[i]!.priority);
      for (let k = 0; k < keys; k++) {
        const entry = this.#entries[a + k]!;
        const priority = start - 1 + Math.floor(((k + 1) * (room + 1)) / (keys + 1));
        if (a + k !== index && entry.priority !== priority) renumbered.push({ task: entry.task, job: entry.job, priority });
        entry.priority = priority;
        this.#users.set(priority, 1);
      }
      return renumbered;
    }
    return undefined;
  }

  /**
   * The first index whose number is >= `p`, the new key at `index` (number unset) counted as having
   * number `near`, next to which it is inserted (the array stays in number order).
   */
  #firstAtLeast(p: number, index: number, near: number): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((mid === index ? near : this.#entries[mid]!.priority) < p) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /**
   * Gives the k-th of n keys floor((k + 1)(max + 1) / (n + 1)): equal gaps between keys and at both
   * ends, strictly increasing because n <= max makes the step at least 1. Reports every key but
   * `fresh` whose number changed.
   */
  #spread(fresh: Entry): Renumbered[] {
    const n = this.#entries.length;
    const span = this.#max + 1;
    const renumbered: Renumbered[] = [];
    this.#users.clear();
    for (let k = 0; k < n; k++) {
      const entry = this.#entries[k]!;
      const priority = Math.floor(((k + 1) * span) / (n + 1));
      if (entry !== fresh && entry.priority !== priority) {
        renumbered.push({ task: entry.task, job: entry.job, priority });
      }
      entry.priority = priority;
      this.#users.set(priority, 1);
    }
    return renumbered;
  }
}

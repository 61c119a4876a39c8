/**
 * A FIFO on a power-of-two ring that grows by doubling: O(1) push and shift, and memory that follows
 * what is waiting rather than the limit (a limit of 1000 per endpoint costs nothing while idle).
 */
export class Ring<T> {
  #items: Array<T | undefined> = new Array<T | undefined>(4);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = item;
    this.#size++;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let it be collected
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return item;
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}

/** What an outbox holds: anything with its place in the hub's order. */
export interface Sequenced {
  readonly seq: number;
}

/**
 * The messages waiting for one endpoint, at most `limit` of them, handed out in the order they came.
 *
 * Two lanes, state changes and progress, each a FIFO; `shift` takes whichever head came first (by
 * `seq`), so the endpoint sees one ordered stream. When full, the message dropped is the oldest
 * progress message, or else the oldest state change: progress is superseded by the next progress
 * message anyway, while a lost state change (above all a final one) is lost for good. A progress
 * message arriving at an outbox full of state changes is itself the one dropped.
 */
export class Outbox<T extends Sequenced> {
  readonly #states = new Ring<T>();
  readonly #progress = new Ring<T>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#states.size + this.#progress.size;
  }

  /**
   * Adds a message.
   * @returns the message dropped to make room (possibly `item` itself), or `undefined`
   */
  push(item: T, isProgress: boolean): T | undefined {
    let dropped: T | undefined;
    if (this.size >= this.#limit) {
      if (this.#progress.size > 0) dropped = this.#progress.shift();
      else if (isProgress) return item;
      else dropped = this.#states.shift();
    }
    (isProgress ? this.#progress : this.#states).push(item);
    return dropped;
  }

  /** Takes the message that came first. */
  shift(): T | undefined {
    const s = this.#states.peek();
    const p = this.#progress.peek();
    if (s === undefined) return this.#progress.shift();
    if (p === undefined || s.seq < p.seq) return this.#states.shift();
    return this.#progress.shift();
  }
}

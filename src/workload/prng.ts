/**
 * The deterministic generator every benchmark workload uses (docs/workloads.md): mulberry32.
 */

/** The seed every workload shape starts from. */
export const WORKLOAD_SEED = 20240601;

/**
 * mulberry32, exactly as specified in docs/workloads.md: a 32-bit state advanced by a Weyl
 * sequence and scrambled, giving doubles in `[0, 1)` with 32 random bits.
 *
 * @example
 * ```ts
 * const rng = new Mulberry32(WORKLOAD_SEED);
 * rng.next();       // a double in [0, 1)
 * rng.randInt(100); // an integer in [0, 100)
 * ```
 */
export class Mulberry32 {
  private a: number;

  /**
   * @param seed - Any number; only its int32 value (`seed | 0`) matters.
   * @defaultValue {@link WORKLOAD_SEED}
   */
  constructor(seed: number = WORKLOAD_SEED) {
    this.a = seed | 0;
  }

  /**
   * The next double in `[0, 1)`.
   *
   * @returns A multiple of 2^-32 in `[0, 1)`.
   * @example
   * ```ts
   * if (rng.next() < 0.2) farBack();
   * ```
   */
  next(): number {
    const a = (this.a = (this.a + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * `floor(next() * k)`: an integer in `[0, k)` for a positive integer `k`.
   *
   * @param k - The bound.
   * @returns An integer in `[0, k)`.
   * @example
   * ```ts
   * const priority = rng.randInt(100);
   * ```
   */
  randInt(k: number): number {
    return Math.floor(this.next() * k);
  }
}

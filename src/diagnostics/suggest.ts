/**
 * "Did you mean …?": the edit distance every suggestion is measured with (the CLI's options and
 * commands, the OData layer's names), the CLI's choice of the closest candidate, and the same choice
 * within a budget for names that come from the input ({@link BoundedSuggestions}).
 */

/**
 * Edit distance with adjacent transpositions (optimal string alignment): "valdiate" is one slip
 * from "validate", as a typist sees it, not two.
 */
export function editDistance(a: string, b: string): number {
  // Three rows suffice: a transposition looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `word`, when it is close enough to be a slip rather than another word:
 * at most one edit in three letters (at least one). Ties go to the earlier candidate.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const lower = c.toLowerCase();
    // An edit distance is at least the difference of the lengths: a property name of a megabyte is
    // no slip of any known one, and measuring it against each took seconds.
    if (Math.abs(lower.length - w.length) >= bestDistance) continue;
    const d = editDistance(w, lower);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/**
 * "Did you mean" among names that come from the input (a graph's task ids, a template's TaskTemplate
 * Ids), as {@link closest} picks, within a budget of edit-distance work in proportion to those
 * names' total length. Each unknown name is compared with every candidate, up to the diagnostics
 * cap (1,000) times: unbounded, 20,000 task ids took 20 s and a template of 2,000 TaskTemplates 34 s.
 * Past the budget a name gets no suggestion (the caller's plain hint); names are asked in order, so
 * the answer is deterministic.
 */
export class BoundedSuggestions {
  /** Work left, in edit-distance cells (about 25 ns each); -1 until the first question. */
  #left = -1;
  readonly #names: () => Iterable<string>;

  /** @param names every candidate the questions may range over, to size the budget (read once, at the first question). */
  constructor(names: () => Iterable<string>) {
    this.#names = names;
  }

  /** The candidate of `among` closest to `word`, or undefined (none close enough, or the budget spent). */
  near(word: string, among: Iterable<string>): string | undefined {
    if (this.#left === -1) {
      let chars = 0;
      for (const name of this.#names()) chars += name.length + 1;
      this.#left = 1_000_000 + 32 * chars;
    }
    const w = word.toLowerCase();
    const limit = Math.max(1, Math.floor(word.length / 3));
    let best: string | undefined;
    let bestDistance = limit + 1;
    for (const c of among) {
      let cost = 1;
      // Lower-casing never shortens and at most doubles a string: the lengths alone rule most out
      // (an edit distance is at least the difference of the lengths).
      let lower: string | undefined;
      if (c.length <= w.length + limit && 2 * c.length >= w.length - limit) {
        lower = c.toLowerCase();
        cost += c.length;
        if (Math.abs(lower.length - w.length) <= limit) cost += 16 + (w.length + 1) * (lower.length + 1);
        else lower = undefined;
      }
      if ((this.#left -= cost) < 0) {
        this.#left = 0;
        return undefined;
      }
      if (lower === undefined) continue;
      const d = editDistance(w, lower);
      if (d < bestDistance) [best, bestDistance] = [c, d];
    }
    return best;
  }
}

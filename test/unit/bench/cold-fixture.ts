/** Cases for cold-protocol.test.ts: run by bench/child.ts --cold, never by the bench driver (not in bench/). */
import type { BenchCase } from '../../../bench/protocol.js';

let setups = 0;

export const cases: BenchCase[] = [
  {
    id: 'fixture/held',
    table: 'fixture',
    row: 'r',
    impl: 'ours',
    role: 'ours',
    n: 1000,
    protocol: 'cold',
    setup: () => ({ setups: ++setups }),
    fresh: (input: { setups: number }) => input.setups,
    run: (_input: unknown, fresh: number) => ({ fresh, bytes: new Float64Array(1_000_000) }),
    check: (r: { fresh: number }) => {
      if (r.fresh !== 1) throw new Error(`setup ran ${r.fresh} times before the run`);
    },
    hold: (_input: unknown, r: { bytes: Float64Array }) => r.bytes,
  },
  {
    id: 'fixture/wrong',
    table: 'fixture',
    row: 'r',
    impl: 'anchor',
    role: 'reference',
    n: 1000,
    protocol: 'cold',
    setup: () => 0,
    run: () => 41,
    check: (r: number) => {
      if (r !== 42) throw new Error(`got ${r}`);
    },
    hold: () => new Float64Array(1_000_000),
  },
];

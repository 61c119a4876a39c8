/**
 * Hostile arguments to the typed-array entry points: every one is a typed error with a stable code,
 * or the answer the arrays' real contents give; never a raw TypeError or a silently wrong order.
 */
import { describe, expect, it } from 'vitest';
import { buildCsr } from '../../../src/core/csr.js';
import { coveringCycles, findCycles } from '../../../src/core/cycles.js';
import { topologicalGenerations, topologicalLevels } from '../../../src/core/generations.js';
import { topologicalOrder } from '../../../src/core/topological-order.js';
import { ArgumentRangeError, ArgumentTypeError } from '../../../src/errors.js';
import { thrown } from '../../helpers/thrown.js';

const i32 = (...xs: number[]): Int32Array => Int32Array.from(xs);

/** An Int32Array whose buffer was transferred away: its length reads 0. */
function detached(...xs: number[]): Int32Array {
  const a = i32(...xs);
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  return a;
}

/** A fixed-length view of a resizable buffer that was then shrunk under it: its length reads 0. */
function outOfBounds(...xs: number[]): Int32Array {
  // Resizable buffers are in Node 20, not in this project's `lib`.
  type Resizable = ArrayBuffer & { resize(byteLength: number): void };
  const buffer = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable)(4 * xs.length, { maxByteLength: 4 * xs.length });
  const a = new Int32Array(buffer, 0, xs.length);
  a.set(xs);
  buffer.resize(0);
  return a;
}

type Call = (input: never) => unknown;
const CALLS: Array<[string, Call]> = [
  ['topologicalOrder', topologicalOrder as Call],
  ['topologicalGenerations', topologicalGenerations as Call],
  ['topologicalLevels', topologicalLevels as Call],
  ['findCycles', findCycles as Call],
  ['coveringCycles', ((input: never) => coveringCycles(input, 20)) as Call],
  ['buildCsr', ((input: never) => buildCsr(input)) as Call],
];

describe('typed-array entry points: arrays that cannot be read as they look', () => {
  it.each(CALLS)('%s refuses edge arrays whose buffer was detached, instead of reading no edges', (name, call) => {
    // 0 → 1 and 1 → 0: a cycle, that a detached pair would silently turn into no edges at all.
    const err = thrown(() => call({ nodeCount: 2, from: detached(0, 1), to: detached(1, 0) } as never));
    expect(err).toBeInstanceOf(ArgumentRangeError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect((err as Error).message).toMatch(new RegExp(`^${name}: \`from\` .*detached`));
  });

  it('refuses a detached `to` and a detached `priority` the same way', () => {
    const to = thrown(() => topologicalOrder({ nodeCount: 2, from: i32(), to: detached() }));
    expect(to).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/`to` .*detached/) });
    const priority = thrown(() => topologicalOrder({ nodeCount: 0, from: i32(), to: i32(), priority: detached(1) }));
    expect(priority).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/`priority` .*detached/) });
  });

  it('refuses a view that lies outside its shrunk resizable buffer', () => {
    const err = thrown(() => topologicalOrder({ nodeCount: 2, from: outOfBounds(0, 1), to: outOfBounds(1, 0) }));
    expect(err).toBeInstanceOf(ArgumentRangeError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('still takes genuinely empty arrays, and views into a larger buffer', () => {
    expect(Array.from(topologicalOrder({ nodeCount: 2, from: i32(), to: i32() }))).toEqual([0, 1]);
    const buffer = new Int32Array([9, 1, 0, 9]).buffer;
    const from = new Int32Array(buffer, 4, 1); // [1]
    const to = new Int32Array(buffer, 8, 1); // [0]
    expect(Array.from(topologicalOrder({ nodeCount: 2, from, to }))).toEqual([1, 0]);
  });

  it.each(CALLS)('%s gives a typed error, not a raw TypeError, for an object that only poses as an Int32Array', (name, call) => {
    const fake = Object.create(Int32Array.prototype) as Int32Array;
    const err = thrown(() => call({ nodeCount: 1, from: fake, to: i32() } as never));
    expect(err).toBeInstanceOf(ArgumentTypeError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect((err as Error).message).toMatch(new RegExp(`^${name}: expected \`from\` to be an Int32Array`));
  });

  it('reads a subclass by its elements, not by a `length` it overrides', () => {
    class Lying extends Int32Array {
      override get length(): number {
        return 0;
      }
    }
    // One edge 1 → 0, that the lie would hide.
    const from = new Lying(1);
    const to = new Lying(1);
    from[0] = 1;
    expect(Array.from(topologicalOrder({ nodeCount: 2, from, to }))).toEqual([1, 0]);
    expect(findCycles({ nodeCount: 1, from: new Lying(1), to: new Lying(1) })).toEqual([[0]]);
  });

  it('reads an Int32Array from another realm', async () => {
    const { runInNewContext } = await import('node:vm');
    const from = runInNewContext('Int32Array.of(1)') as Int32Array;
    const to = runInNewContext('Int32Array.of(0)') as Int32Array;
    expect(Array.from(topologicalOrder({ nodeCount: 2, from, to }))).toEqual([1, 0]);
  });
});

describe('typed-array entry points: argument objects that do not hold still', () => {
  it.each(CALLS)('%s gives a typed error, not a raw TypeError, for a revoked Proxy', (name, call) => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const err = thrown(() => call(proxy as never));
    expect(err).toBeInstanceOf(ArgumentTypeError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect((err as Error).message).toMatch(new RegExp(`^${name}: `));
  });

  it('turns a getter that throws into a typed error naming the property, with what it threw as the cause', () => {
    const boom = new Error('boom');
    const input = {
      nodeCount: 1,
      get from(): Int32Array {
        throw boom;
      },
      to: i32(),
    };
    const err = thrown(() => topologicalOrder(input));
    expect(err).toBeInstanceOf(ArgumentTypeError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', cause: boom });
    expect((err as Error).message).toMatch(/^topologicalOrder: `from` could not be read: .*boom/);
  });

  it('reads each property once: a nodeCount that changes between reads cannot outgrow `priority`', () => {
    let reads = 0;
    const input = {
      get nodeCount(): number {
        return reads++ === 0 ? 3 : 4;
      },
      from: i32(),
      to: i32(),
      priority: i32(1, 2, 3),
    };
    // Three nodes, highest priority first; a second read would have ordered a fourth node of priority `undefined`.
    expect(Array.from(topologicalOrder(input))).toEqual([2, 1, 0]);
    expect(reads).toBe(1);
  });

  it.each(CALLS)('%s reads nodeCount once', (_, call) => {
    let reads = 0;
    const input = {
      get nodeCount(): number {
        return reads++ === 0 ? 2 : 2.5;
      },
      from: i32(0),
      to: i32(1),
    };
    call(input as never);
    expect(reads).toBe(1);
  });
});

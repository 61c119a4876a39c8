import { describe, expect, it } from 'vitest';
import { buildCsr } from '../../../src/core/csr.js';
import { ArgumentRangeError, ArgumentTypeError } from '../../../src/errors.js';

const i32 = (...xs: number[]): Int32Array => Int32Array.from(xs);

describe('buildCsr()', () => {
  it('groups successors by tail in edge order and counts in-degrees', () => {
    const csr = buildCsr({ nodeCount: 4, from: i32(2, 0, 2, 0, 3), to: i32(1, 3, 0, 1, 3) });
    expect(Array.from(csr.offsets)).toEqual([0, 2, 2, 4, 5]);
    expect(Array.from(csr.targets)).toEqual([3, 1, 1, 0, 3]);
    expect(Array.from(csr.indegree)).toEqual([1, 2, 0, 2]);
    expect(csr.nodeCount).toBe(4);
  });

  it('accepts an empty graph and isolated nodes', () => {
    expect(Array.from(buildCsr({ nodeCount: 0, from: i32(), to: i32() }).offsets)).toEqual([0]);
    const csr = buildCsr({ nodeCount: 3, from: i32(), to: i32() });
    expect(Array.from(csr.offsets)).toEqual([0, 0, 0, 0]);
    expect(csr.targets.length).toBe(0);
  });

  it('keeps parallel edges and self-loops', () => {
    const csr = buildCsr({ nodeCount: 2, from: i32(0, 0, 1), to: i32(1, 1, 1) });
    expect(Array.from(csr.targets)).toEqual([1, 1, 1]);
    expect(Array.from(csr.indegree)).toEqual([0, 3]);
  });

  it('rejects a non-object input with ERR_INVALID_ARG_TYPE', () => {
    expect(() => buildCsr(null as never)).toThrow(ArgumentTypeError);
    expect(() => buildCsr(42 as never)).toThrow(/buildCsr: expected an object `\{ nodeCount, from, to \}`, got `42` \(number\)/);
  });

  it.each([
    ['a string', '3', ArgumentTypeError, 'ERR_INVALID_ARG_TYPE'],
    ['undefined', undefined, ArgumentTypeError, 'ERR_INVALID_ARG_TYPE'],
    ['negative', -1, ArgumentRangeError, 'ERR_OUT_OF_RANGE'],
    ['fractional', 2.5, ArgumentRangeError, 'ERR_OUT_OF_RANGE'],
    ['NaN', Number.NaN, ArgumentRangeError, 'ERR_OUT_OF_RANGE'],
    ['too large', 2 ** 31, ArgumentRangeError, 'ERR_OUT_OF_RANGE'],
  ])('rejects a nodeCount that is %s', (_, nodeCount, type, code) => {
    const call = (): unknown => buildCsr({ nodeCount: nodeCount as number, from: i32(), to: i32() });
    expect(call).toThrow(type);
    expect(call).toThrow(expect.objectContaining({ code }));
    expect(call).toThrow(/`nodeCount`/);
  });

  it('rejects edge arrays that are not Int32Arrays, saying how to convert them', () => {
    const call = (): unknown => buildCsr({ nodeCount: 2, from: [0] as never, to: i32(1) });
    expect(call).toThrow(ArgumentTypeError);
    expect(call).toThrow('buildCsr: expected `from` to be an Int32Array, got an array of length 1: convert it with Int32Array.from(from)');
    expect(() => buildCsr({ nodeCount: 2, from: i32(0), to: Float64Array.of(1) as never })).toThrow(
      'expected `to` to be an Int32Array, got Float64Array(1)',
    );
    expect(() => buildCsr({ nodeCount: 2, from: i32(0), to: undefined as never })).toThrow(/`to`.*`undefined` \(undefined\)/);
  });

  it('rejects from and to of different lengths with ERR_INVALID_ARG_VALUE', () => {
    const call = (): unknown => buildCsr({ nodeCount: 3, from: i32(0, 1), to: i32(1) });
    expect(call).toThrow(ArgumentRangeError);
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(call).toThrow('buildCsr: `from` has 2 entries but `to` has 1: give one entry per edge in each');
  });

  it('names the first edge index out of range, the value and nodeCount', () => {
    const from = i32(0, 1, 2, 12);
    const to = i32(1, 2, 3, 4);
    const call = (): unknown => buildCsr({ nodeCount: 10, from, to }, 'topologicalOrder');
    expect(call).toThrow(ArgumentRangeError);
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(call).toThrow('topologicalOrder: `from[3]` is 12 but nodeCount is 10: every node index must be in [0, nodeCount)');
    expect(() => buildCsr({ nodeCount: 3, from: i32(0, 1), to: i32(1, -1) })).toThrow('`to[1]` is -1 but nodeCount is 3');
    expect(() => buildCsr({ nodeCount: 0, from: i32(0), to: i32(0) })).toThrow('`from[0]` is 0 but nodeCount is 0');
  });
});

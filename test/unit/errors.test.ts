import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, CycleError, JobGraphError, checkObject, describeValue } from '../../src/errors.js';

describe('errors', () => {
  it('CycleError carries code CYCLE and the cycle, and says where it closes', () => {
    const err = new CycleError([3, 1, 2]);
    expect(err).toBeInstanceOf(JobGraphError);
    expect(err.code).toBe('CYCLE');
    expect(err.cycle).toEqual([3, 1, 2]);
    expect(err.message).toContain('3 → 1 → 2 → 3');
    expect(err.name).toBe('CycleError');
  });

  it('describeValue names the value and its type', () => {
    expect(describeValue(0)).toBe('`0` (number)');
    expect(describeValue(null)).toBe('`null` (null)');
    expect(describeValue('x')).toBe('`"x"` (string)');
  });

  it('checkObject refuses null and non-objects with one wording, and lets objects, arrays and functions through', () => {
    for (const [value, shown] of [[null, '`null` (null)'], [undefined, '`undefined` (undefined)'], [3, '`3` (number)'], ['x', '`"x"` (string)']] as const) {
      let thrown: unknown;
      try {
        checkObject('thing.call', '`options`', value);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ArgumentTypeError);
      expect(thrown).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: `thing.call: expected \`options\` to be an object, got ${shown}` });
    }
    expect(() => checkObject('c', 'bar #2', null, '{ label }')).toThrow('c: expected bar #2 to be an object { label }, got `null` (null)');
    for (const value of [{}, [], Object.create(null)]) expect(() => checkObject('c', '`x`', value)).not.toThrow();
  });
});

describe('describeValue on values that resist', () => {
  it('never throws and stays short', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(describeValue(revoked.proxy)).toBe('a revoked Proxy (object)');
    expect(describeValue(5n)).toBe('`5n` (bigint)');
    expect(describeValue(Symbol('s'))).toBe('`Symbol(s)` (symbol)');
    expect(describeValue({ toString: () => { throw new Error('x'); } })).toBe('`[object Object]` (object)');
    expect(describeValue(new Array(1e6).fill(1))).toBe('`[array of length 1000000]` (array)');
  });

  it('shows what a plain object holds, shallowly and without calling its getters', () => {
    expect(describeValue({ max: 0, perMs: 5 })).toBe('`{ max: 0, perMs: 5 }` (object)');
    let called = false;
    const o = { a: 'x'.repeat(30), 'b-c': [1], d: {}, get e(): number { called = true; return 1; }, f: 2 };
    expect(describeValue(o)).toBe('`{ a: "xxxxxxxxxxxxxxxxx...", "b-c": […], d: {…}, e: (getter), … }` (object)');
    expect(called).toBe(false);
    expect(describeValue({})).toBe('`{}` (object)');
    expect(describeValue(new Date(0))).toMatch(/^`Thu Jan 01 1970/);
  });
});

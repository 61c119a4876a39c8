import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, CycleError, JobGraphError, ValidationError, checkObject, describeValue } from '../../src/errors.js';

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

describe('the public error classes, given odd arguments', () => {
  // Exported for `instanceof`, and some are built by callers (a processor throws a ProcessorError):
  // a wrong argument gets a typed error naming the class and the argument, never a TypeError from
  // inside the message's formatting.
  it('refuse them with a typed error that names the class, and still build from good ones', async () => {
    const api = await import('../../src/index.js');
    const good: Record<string, unknown[]> = {
      JobGraphError: ['SOME_CODE', 'what happened'],
      CycleError: [[2, 0, 1]],
      ValidationError: ['validateJob', [{ severity: 'error', code: 'X', message: 'm', task: 0, line: 1, column: 2 }]],
      SchedulerError: ['TASK_NOT_FOUND', 'no such task', { taskId: 't' }],
      StoreError: ['STORE_CORRUPT', '/tmp/x.db', 'bad'],
      ProcessorError: ['TransientError', 'try again', { retryable: true }],
      NotificationDeliveryError: [{ endpointId: 'e', etag: 'tag', eventType: 1, attempts: 2, status: 500, retryable: true, reason: 'down' }],
      NotificationEndPointNotFoundError: ['e'],
      HttpError: [404, 'ResourceNotFound', 'no such job'],
      ServerConfigError: ['SERVER_CONFIG_INVALID', 'bad port'],
    };
    const odd: unknown[][] = [[], [undefined], [null], [1], [{}], [Symbol('s')], ['x', null], ['x', 1], ['x', Symbol('t')], ['x', 'y', null], ['x', 'y', 1], [[1, 'a']], [Object.create(null)], ['x', [null]], ['x', 'y', 'z', 1]];
    let refused = 0;
    for (const [name, args] of Object.entries(good)) {
      const C = (api as unknown as Record<string, new (...a: unknown[]) => Error>)[name]!;
      const made = new C(...args);
      expect(made).toBeInstanceOf(api.JobGraphError);
      expect(made.name).toBe(name);
      for (const a of odd) {
        let thrown: unknown;
        try {
          void new C(...a).message;
        } catch (err) {
          thrown = err;
        }
        if (thrown === undefined) continue;
        refused++;
        expect(thrown instanceof ArgumentTypeError || thrown instanceof RangeError, `${name}(${a.map((v) => describeValue(v)).join(', ')}) threw ${String(thrown)}`).toBe(true);
        expect((thrown as { code?: string }).code).toMatch(/^ERR_/);
        expect((thrown as Error).message.startsWith(`${name}: expected \``)).toBe(true);
      }
    }
    // Most of the odd calls are refused (a few are well-formed for some class: `new CycleError([])`).
    expect(refused).toBeGreaterThan(120);
  });

  it('say which field of a hand-made diagnostic they could not write, rather than throw', () => {
    const err = new ValidationError('validateJob', [{ severity: 'error', code: Symbol('c'), message: 'm' } as never]);
    expect(err.message).toContain('the first is `Symbol(c)` (symbol): m');
  });
});

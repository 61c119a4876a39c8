import { describe, expect, it } from 'vitest';
import { ArgumentRangeError, ArgumentTypeError } from '../../src/errors.js';
import { demoDurations, fixedDurations, perProcessorDurations } from '../../src/simulate/durations.js';
import { demoProcessors } from '../../src/run/demo-processors.js';
import { randomIds, sequentialIds } from '../../src/job/ids.js';
import { escapeAttribute, serializeTaskBody } from '../../src/taskbody/serialize.js';
import { resolveDependencies } from '../../src/graph/dependencies.js';
import { validateJob } from '../../src/validate/validate.js';
import type { Job, Task } from '../../src/job/model.js';
import { thrown } from '../helpers/thrown.js';

// Regression: each of these took what it was given and let a raw TypeError out later (a Symbol made
// into text, `null` read as options), or made nonsense without a word (ids "undefined000…",
// durations "x" seconds that a simulation refused only once a task was sampled).
const odd: Array<[string, unknown]> = [
  ['a string', 'x'],
  ['NaN', NaN],
  ['a negative number', -1],
  ['Infinity', Infinity],
  ['a Symbol', Symbol('s')],
  ['null', null],
  ['an object without a prototype', Object.create(null)],
];

describe('duration models check their numbers when made', () => {
  for (const [what, v] of odd) {
    it(`fixedDurations(${what}) and demoDurations(${what}): ArgumentRangeError`, () => {
      for (const [call, make] of [
        ['fixedDurations', () => fixedDurations(v as number)],
        ['demoDurations', () => demoDurations(v as number)],
      ] as const) {
        const e = thrown(make);
        expect(e).toBeInstanceOf(ArgumentRangeError);
        expect(e.message).toContain(`${call}: expected`);
      }
    });
  }

  it('perProcessorDurations checks the table, each entry and the fallback', () => {
    expect(thrown(() => perProcessorDurations(null as never))).toBeInstanceOf(ArgumentTypeError);
    expect(thrown(() => perProcessorDurations({ a: { mean: -2 } })).message).toContain('`table["a"].mean` to be a finite number >= 0, got `-2` (number)');
    expect(thrown(() => perProcessorDurations({ a: { mean: 1, spread: NaN } })).message).toContain('`table["a"].spread`');
    expect(thrown(() => perProcessorDurations({ a: 5 as never })).message).toContain('`table["a"]`');
    expect(thrown(() => perProcessorDurations({}, { mean: 'x' as never })).message).toContain('`fallback.mean`');
  });

  it('perProcessorDurations reads the table once, and an id with no entry (or a prototype name) takes the fallback', () => {
    const table: Record<string, { mean: number; spread?: number }> = { enc: { mean: 3 }, skipped: undefined as never };
    const model = perProcessorDurations(table, { mean: 7 });
    table.enc = { mean: 100 };
    const task = (id: string): Task => ({ MediaProcessorId: id }) as Task;
    const job = {} as Job;
    expect(model.expected(task('enc'), job)).toBe(3);
    expect(model.expected(task('skipped'), job)).toBe(7);
    expect(model.expected(task('toString'), job)).toBe(7);
  });

  it('zero is a duration, and the defaults stand', () => {
    expect(fixedDurations(0).expected({} as Task, {} as Job)).toBe(0);
    expect(fixedDurations().name).toBe('fixed 1s');
    expect(demoDurations(0).name).toBe('demo');
  });
});

describe('demoProcessors checks its options', () => {
  it('null options: ArgumentTypeError; a bad timeScale: ArgumentRangeError with the value', () => {
    expect(thrown(() => demoProcessors(null as never))).toBeInstanceOf(ArgumentTypeError);
    const e = thrown(() => demoProcessors({ timeScale: Symbol('t') as never }));
    expect(e).toBeInstanceOf(ArgumentRangeError);
    expect(e.message).toContain('expected `timeScale` to be a number >= 0');
    expect(demoProcessors({ timeScale: 0 })).toHaveLength(3);
  });
});

describe('id factories check the kind they are asked for', () => {
  for (const [name, factory] of [
    ['randomIds', randomIds],
    ['sequentialIds', sequentialIds()],
  ] as const) {
    it(`${name}: "job" and "task" only`, () => {
      expect(factory('job')).toMatch(/^nb:jid:UUID:/);
      expect(factory('task')).toMatch(/^nb:tid:UUID:/);
      for (const kind of ['asset', undefined, Symbol('k'), Object.create(null)]) {
        const e = thrown(() => factory(kind as never));
        expect(e).toBeInstanceOf(ArgumentRangeError);
        expect(e.message).toContain(`${name}: expected \`kind\` to be "job" or "task"`);
      }
    });
  }

  it('sequentialIds refuses a start that is no integer >= 0', () => {
    for (const start of [-1, 1.5, 'x', NaN]) expect(thrown(() => sequentialIds(start as number))).toBeInstanceOf(ArgumentRangeError);
  });
});

describe('escapeAttribute', () => {
  it('refuses a name that is no string, as it refuses such a value', () => {
    expect(thrown(() => escapeAttribute('a', Symbol('w') as never))).toBeInstanceOf(ArgumentTypeError);
    expect(escapeAttribute('a&b', 'name')).toBe('a&amp;b');
  });
});

describe('serializeTaskBody and resolveDependencies', () => {
  it('serializeTaskBody refuses options that are no object', () => {
    const e = thrown(() => serializeTaskBody({ inputs: [], outputs: [] }, null as never));
    expect(e).toBeInstanceOf(ArgumentTypeError);
    expect(e.message).toContain('serializeTaskBody: expected `options` to be an object');
  });

  it('resolveDependencies takes the job alone: what else it is given does not reach the loader\'s road', () => {
    // It had a second parameter, the loader's packed references, which a caller could fill with anything.
    const job = validateJob({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }] }, { profile: 'relaxed' }).job!;
    const deps = resolveDependencies(...([job, null] as unknown as [typeof job]));
    expect([...deps.from, ...deps.to]).toEqual([0, 1]);
  });
});

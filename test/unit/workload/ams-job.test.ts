/**
 * jobFromGraph() with arguments a caller can get wrong: typed errors with stable codes, never a raw
 * TypeError/RangeError from inside, nor a TaskBody naming "JobOutputAsset(undefined)" or a NaN
 * Priority.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentRangeError, ArgumentTypeError } from '../../../src/errors.js';
import { jobFromGraph, type EdgeListGraph } from '../../../src/workload/ams-job.js';
import { chain } from '../../../src/workload/shapes.js';
import { validateJob } from '../../../src/validate/validate.js';
import { thrown } from '../../helpers/thrown.js';

const g = (over: Partial<Record<keyof EdgeListGraph, unknown>>): EdgeListGraph => ({ nodeCount: 2, from: [0], to: [1], ...over }) as EdgeListGraph;

describe('jobFromGraph: arguments', () => {
  it('makes a valid job of a good graph', () => {
    const def = jobFromGraph(chain(3), { priority: 5 });
    expect(validateJob(def).valid).toBe(true);
    expect(def.Priority).toBe(5);
  });

  it('refuses a graph that is not an object with ERR_INVALID_ARG_TYPE', () => {
    for (const bad of [undefined, null, 3, 'g']) {
      const e = thrown(() => jobFromGraph(bad as never));
      expect(e).toBeInstanceOf(ArgumentTypeError);
      expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/^jobFromGraph: expected `graph` to be/);
    }
  });

  it('refuses options that are not an object with ERR_INVALID_ARG_TYPE', () => {
    const e = thrown(() => jobFromGraph(g({}), null as never));
    expect(e).toBeInstanceOf(ArgumentTypeError);
    expect(e.message).toBe('jobFromGraph: expected `options` to be an object, got `null` (null)');
  });

  it('refuses a nodeCount that is missing, negative or not an integer with ERR_OUT_OF_RANGE', () => {
    for (const bad of [undefined, -1, 1.5, Number.NaN, '2']) {
      const e = thrown(() => jobFromGraph(g({ nodeCount: bad })));
      expect(e, String(bad)).toBeInstanceOf(ArgumentRangeError);
      expect(e.code).toBe('ERR_OUT_OF_RANGE');
      expect(e.message).toMatch(/^jobFromGraph: expected `nodeCount` to be an integer in \[0, 2147483647\], got /);
    }
  });

  it('refuses from/to that are missing or of different lengths', () => {
    expect(thrown(() => jobFromGraph(g({ from: undefined })))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: 'jobFromGraph: expected `from` to be an array of task indices, got `undefined` (undefined)' });
    expect(thrown(() => jobFromGraph(g({ to: 5 })))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    const e = thrown(() => jobFromGraph(g({ from: [0, 0], to: [1] })));
    expect(e).toBeInstanceOf(ArgumentRangeError);
    expect(e).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: 'jobFromGraph: expected `from` and `to` to have the same length, got 2 and 1' });
  });

  it('refuses an edge endpoint that names no task (was "JobOutputAsset(undefined)" in a TaskBody)', () => {
    for (const [from, to, name, value] of [[[0], [2], 'to[0]', '`2` (number)'], [[-1], [1], 'from[0]', '`-1` (number)'], [[0.5], [1], 'from[0]', '`0.5` (number)']] as const) {
      const e = thrown(() => jobFromGraph(g({ from, to })));
      expect(e).toBeInstanceOf(ArgumentRangeError);
      expect(e).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: `jobFromGraph: expected \`${name}\` to be a task index in [0, 2), got ${value}` });
    }
  });

  it('refuses a NaN or fractional priority (was a NaN Priority)', () => {
    expect(thrown(() => jobFromGraph(g({}), { priority: Number.NaN }))).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: 'jobFromGraph: expected `priority` to be an integer, got `NaN` (number)' });
    expect(thrown(() => jobFromGraph(g({ priority: [1, Number.NaN] })))).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: 'jobFromGraph: expected `priority[1]` to be an integer, got `NaN` (number)' });
    expect(thrown(() => jobFromGraph(g({ priority: [1] })))).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: 'jobFromGraph: expected `priority[1]` to be an integer, got `undefined` (undefined)' });
  });

  it('refuses inputs that are not an integer >= 1 (NaN made "JobInputAsset(NaN)")', () => {
    for (const bad of [Number.NaN, 0, 1.5]) {
      expect(thrown(() => jobFromGraph(g({}), { inputs: bad })), String(bad)).toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    }
  });
});

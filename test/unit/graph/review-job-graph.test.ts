/**
 * JobGraph with indices that name no task, and with cyclic jobs: typed errors with stable codes and
 * the data that goes with them.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentRangeError, ArgumentTypeError, CycleError } from '../../../src/errors.js';
import { validateJob } from '../../../src/validate/validate.js';
import { thrown } from '../../helpers/thrown.js';

const graphOf = (def: unknown) => validateJob(def as never, { profile: 'relaxed' }).graph!;

describe('JobGraph: an index that names no task', () => {
  const g = graphOf({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }] });
  const methods = ['dependenciesOf', 'dependentsOf', 'transitiveDependenciesOf', 'transitiveDependentsOf'] as const;

  it.each(methods)('%s(i) refuses i outside [0, order) with ERR_OUT_OF_RANGE, not a graphology error or a silent []', (m) => {
    for (const bad of [3, 99, -1, 1.5, Number.NaN, Infinity]) {
      const err = thrown(() => g[m](bad));
      expect(err, `${m}(${bad})`).toBeInstanceOf(ArgumentRangeError);
      expect(err).toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
      expect((err as Error).message).toContain(`JobGraph.${m}: expected a task index, an integer in [0, 3)`);
    }
  });

  it.each(methods)('%s(i) refuses a non-number with ERR_INVALID_ARG_TYPE', (m) => {
    for (const bad of ['1', undefined, null, 1n]) {
      const err = thrown(() => g[m](bad as never));
      expect(err, `${m}(${String(bad)})`).toBeInstanceOf(ArgumentTypeError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    }
  });

  it('still answers for every task index', () => {
    expect(g.dependenciesOf(1)).toEqual([0]);
    expect(g.dependentsOf(1)).toEqual([2]);
    expect(g.transitiveDependenciesOf(2)).toEqual([0, 1]);
    expect(g.transitiveDependentsOf(0)).toEqual([1, 2]);
  });
});

describe('JobGraph.generations() on a cyclic job', () => {
  it('throws a CycleError whose `cycle` names the tasks of a real cycle, as CycleError promises', () => {
    const g = graphOf({ tasks: [{ id: 'x' }, { id: 'a', dependsOn: ['x', 'c'] }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }] });
    const err = thrown(() => g.generations());
    expect(err).toBeInstanceOf(CycleError);
    expect(err).toMatchObject({ code: 'CYCLE', cycle: [1, 2, 3] });
    expect((err as Error).message).toMatch(/^JobGraph\.generations: .*1 → 2 → 3 → 1/);
  });

  it('names a task that depends on itself', () => {
    const err = thrown(() => graphOf({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['b'] }] }).generations());
    expect(err).toMatchObject({ code: 'CYCLE', cycle: [1] });
  });

  it('gives the same generations as before on a DAG', () => {
    const g = graphOf({ tasks: [{ id: 'd', dependsOn: ['b', 'c'] }, { id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['a'] }, { id: 'e' }] });
    expect(g.generations()).toEqual([[1, 4], [2, 3], [0]]);
  });
});

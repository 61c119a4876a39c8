/**
 * JobGraph with indices that name no task, and with cyclic jobs: typed errors with stable codes and
 * the data that goes with them.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentRangeError, ArgumentTypeError, CycleError } from '../../../src/errors.js';
import { validateJob } from '../../../src/validate/validate.js';
import { JobGraph } from '../../../src/graph/job-graph.js';
import { resolveDependencies } from '../../../src/graph/dependencies.js';
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

describe('JobGraph and resolveDependencies given a job definition instead of a loaded job', () => {
  const def = {
    Name: 'j',
    InputMediaAssets: [{ __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A00000000-0000-4000-8000-000000000000')" } }],
    Tasks: [
      { MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', TaskBody: '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>' },
      { MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', TaskBody: '<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(1)</outputAsset></taskBody>' },
    ],
  };
  const accepted = validateJob(def);

  it('accepts the loaded job (validateJob(def).job)', () => {
    expect(accepted.valid).toBe(true);
    const deps = resolveDependencies(accepted.job!);
    expect(new JobGraph(accepted.job!, deps).dependenciesOf(1)).toEqual([0]);
  });

  it('resolveDependencies(definition or undefined) refuses with ERR_INVALID_ARG_TYPE saying to pass validateJob(def).job (regression: a raw TypeError)', () => {
    for (const bad of [def, undefined, null, { tasks: [] }]) {
      const e = thrown(() => resolveDependencies(bad as never));
      expect(e).toBeInstanceOf(ArgumentTypeError);
      expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/^resolveDependencies: expected `job` to be a loaded job \(pass validateJob\(def\)\.job\), got /);
    }
  });

  it('new JobGraph(definition, deps) refuses with ERR_INVALID_ARG_TYPE (regression: a node "undefined", or a graphology error)', () => {
    const deps = resolveDependencies(accepted.job!);
    for (const bad of [def, undefined]) {
      const e = thrown(() => new JobGraph(bad as never, deps));
      expect(e).toBeInstanceOf(ArgumentTypeError);
      expect(e.message).toMatch(/^JobGraph: expected `job` to be a loaded job \(pass validateJob\(def\)\.job\), got /);
    }
  });

  it('new JobGraph(job, deps) refuses deps that are not the job\'s', () => {
    for (const bad of [undefined, {}, resolveDependencies(validateJob({ tasks: [{ id: 'a' }] }, { profile: 'relaxed' }).job!)]) {
      const e = thrown(() => new JobGraph(accepted.job!, bad as never));
      expect(e).toBeInstanceOf(ArgumentTypeError);
      expect(e.message).toMatch(/^JobGraph: expected `deps` to be the job's dependencies \(validateJob\(def\)\.dependencies\), got /);
    }
  });
});

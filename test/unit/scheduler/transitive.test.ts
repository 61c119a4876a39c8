import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { validateJob } from '../../../src/validate/validate.js';
import { dagJob } from '../../helpers/jobs.js';

// Transitive dependencies and dependents, from the graph model (JobGraph) and from the scheduler's
// tables (taskInfo), against reachability computed the slow way.

/** reach[a][b]: b is reachable from a over one or more edges. */
function closure(n: number, edges: Array<[number, number]>): boolean[][] {
  const reach = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (const [a, b] of edges) reach[a]![b] = true;
  for (let k = 0; k < n; k++) for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (reach[a]![k] && reach[k]![b]) reach[a]![b] = true;
  return reach;
}

const dag = fc.integer({ min: 1, max: 14 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 30 }).map((pairs) => pairs.filter(([a, b]) => a < b) as Array<[number, number]>),
  ),
);

describe('transitive dependencies and dependents', () => {
  it('are what can be reached over the edges, from JobGraph and from Scheduler.taskInfo alike', () => {
    fc.assert(
      fc.property(dag, ([n, edges]) => {
        const reach = closure(n, edges);
        const def = dagJob(n, edges);
        const graph = validateJob(def).graph!;
        const s = new Scheduler({ concurrency: 2 });
        // A first job, so that the second's serials do not start at 0.
        s.add(dagJob(3, [[0, 1]]));
        const id = s.add(def);
        const tasks = s.jobModel(id).Tasks;
        for (let t = 0; t < n; t++) {
          const up = [...Array(n).keys()].filter((a) => reach[a]![t]);
          const down = [...Array(n).keys()].filter((b) => reach[t]![b]);
          expect(graph.transitiveDependenciesOf(t)).toEqual(up);
          expect(graph.transitiveDependentsOf(t)).toEqual(down);
          const info = s.taskInfo(tasks[t]!.Id);
          expect(info.allDependencies).toEqual(up.map((a) => tasks[a]!.Id));
          expect(info.allDependents).toEqual(down.map((b) => tasks[b]!.Id));
          // The direct ones are among them.
          expect(info.allDependencies).toEqual(expect.arrayContaining(info.dependencies));
          expect(info.allDependents).toEqual(expect.arrayContaining(info.dependents));
        }
      }),
    );
  });

  it('include a task on a cycle among its own, and refuse an index that names no task', () => {
    const result = validateJob(dagJob(3, [[0, 1], [1, 2], [2, 1]]), { profile: 'relaxed' });
    const graph = result.graph!;
    expect(graph.transitiveDependenciesOf(1)).toEqual([0, 1, 2]);
    expect(graph.transitiveDependentsOf(0)).toEqual([1, 2]);
    expect(() => graph.transitiveDependentsOf(7)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

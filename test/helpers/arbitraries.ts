import fc from 'fast-check';
import { dagJob, MES, PACKAGER } from './jobs.js';
import type { JobDefinition } from '../../src/job/model.js';

export interface RandomJob {
  n: number;
  edges: Array<[number, number]>;
  priority: number[];
  processors: number[];
  jobPriority: number;
}

/** A random DAG job: edges go from lower to higher rank, ranks a random permutation of the indices. */
export const randomJob = (maxTasks = 8): fc.Arbitrary<RandomJob> =>
  fc
    .integer({ min: 1, max: maxTasks })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        perm: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
        pairs: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 2 }),
        priority: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
        processors: fc.array(fc.nat(2), { minLength: n, maxLength: n }),
        jobPriority: fc.integer({ min: 0, max: 2 }),
      }),
    )
    .map(({ n, perm, pairs, priority, processors, jobPriority }) => {
      const rank = new Array<number>(n);
      perm.forEach((v, i) => (rank[v] = i));
      const edges: Array<[number, number]> = [];
      const seen = new Set<string>();
      for (const [a, b] of pairs) {
        if (a === b) continue;
        const [u, v] = rank[a]! < rank[b]! ? [a, b] : [b, a];
        const key = `${u}>${v}`;
        if (!seen.has(key)) {
          seen.add(key);
          edges.push([u, v]);
        }
      }
      return { n, edges, priority, processors, jobPriority };
    });

export const PROCESSORS = [MES, PACKAGER, 'nb:mpid:UUID:1927f26d-0aa5-4ca1-95a3-1a3f95b0f706'];

export function toDefinition(j: RandomJob, name = 'J'): JobDefinition {
  return dagJob(j.n, j.edges, { priority: j.priority, processor: (i) => PROCESSORS[j.processors[i]!]!, name, jobPriority: j.jobPriority });
}

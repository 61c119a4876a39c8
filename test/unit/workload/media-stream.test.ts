import { describe, expect, it } from 'vitest';
import { generateWorkloadStream } from '../../../src/workload/stream.js';
import { media } from '../../../src/workload/shapes.js';

describe('generate media as a stream', () => {
  it('gives each job the priority media(n) draws for it, on every task, and the job priority too', () => {
    const n = 6 * 250 + 4;
    const w = media(n);
    const jobs = [...generateWorkloadStream('media', { tasks: n })];
    expect(jobs).toHaveLength(w.jobCount);
    jobs.forEach(({ definition }, j) => {
      expect(definition.Priority).toBe(w.jobPriority[j]);
      expect(definition.Tasks!.map((t) => t.Priority)).toEqual(Array.from(w.priority.subarray(6 * j, 6 * j + 6)));
    });
  });

  it('starts at once for the largest count, holding one job at a time (it built the whole graph first: an allocation failure near 2^31)', () => {
    const stream = generateWorkloadStream('media', { tasks: 2_147_483_647 });
    const first = [stream.next(), stream.next(), stream.next()];
    stream.return(undefined);
    const w = media(18);
    first.forEach((r, j) => {
      expect(r.done).toBe(false);
      expect(r.value!.definition.Name).toBe(`media(2147483647) job ${j}`);
      expect(r.value!.definition.Priority).toBe(w.jobPriority[j]);
    });
  });
});

import { jobFromGraph } from '../../src/workload/ams-job.js';
import type { JobDefinition } from '../../src/job/model.js';

export const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
export const PACKAGER = 'nb:mpid:UUID:a2f9afe9-7146-4882-a5f7-da4a85e06a93';

/** A job from an edge list: task i outputs JobOutputAsset(i). */
export function dagJob(n: number, edges: Array<[number, number]>, opts: { priority?: number[]; processor?: (i: number) => string; name?: string; jobPriority?: number } = {}): JobDefinition {
  const o: Parameters<typeof jobFromGraph>[1] = { name: opts.name ?? 'J' };
  if (opts.processor) o.processorOf = opts.processor;
  if (opts.jobPriority !== undefined) o.priority = opts.jobPriority;
  return jobFromGraph({ nodeCount: n, from: edges.map((e) => e[0]), to: edges.map((e) => e[1]), ...(opts.priority ? { priority: opts.priority } : {}) }, o);
}

/** A clock that moves one millisecond a call, from a fixed epoch. */
export function tickClock(start = Date.UTC(2026, 10, 28)): () => number {
  let t = start;
  return () => t++;
}

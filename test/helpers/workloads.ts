import { generateWorkload, type WorkloadContainer } from '../../src/workload/stream.js';

/**
 * media workloads of `jobs` 6-task jobs arriving every 10 s, job `broken` (if given) reading an
 * output no task makes: what the CLI tests feed the commands that take a workload.
 */
export function mediaWorkload(jobs: number, broken?: number): WorkloadContainer {
  const w = generateWorkload('media', { jobs });
  w.jobs.forEach((j, i) => (j.arrival = 10 * i));
  if (broken !== undefined) {
    const task = w.jobs[broken]!.definition.Tasks![5]!;
    task.TaskBody = task.TaskBody!.replace('JobOutputAsset(1)', 'JobOutputAsset(7)');
  }
  return w;
}

/** The container as 'jobgraph generate' writes it. */
export function containerText(w: WorkloadContainer): string {
  return JSON.stringify(w, null, 2) + '\n';
}

/** NDJSON as 'jobgraph generate --format ndjson' writes it. */
export function ndjsonText(w: WorkloadContainer): string {
  return w.jobs.map((j) => JSON.stringify({ arrival: j.arrival, definition: j.definition }) + '\n').join('');
}

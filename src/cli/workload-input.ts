/**
 * The commands' side of reading a workload (`../workload/read.ts`): its problems as CliErrors, and
 * `--job N` for the commands that take one job.
 */

import { readWorkloadFile, WorkloadFormatError, type WorkloadEntry, type WorkloadFile } from '../workload/read.js';
import { CliError, integer } from './io.js';

/** The workload in `text`, or undefined when it is a job definition. */
export function workloadOf(text: string, file: string): WorkloadFile | undefined {
  try {
    return readWorkloadFile(text);
  } catch (err) {
    if (err instanceof WorkloadFormatError) throw new CliError(`${file}: ${err.message}`);
    throw err;
  }
}

/** `--job N`: a 0-based index, or undefined when not given. */
export function jobFlag(value: string | undefined): number | undefined {
  return integer('--job', value, 0, 0x7fffffff);
}

/** The one job a command works on: the workload's only job, or job `index`. */
export function pickJob(workload: WorkloadFile, file: string, index: number | undefined): WorkloadEntry {
  const count = workload.count();
  if (count === 0) throw new CliError(`${file} is a workload with no jobs`);
  if (index === undefined && count > 1) throw new CliError(`${file} is a workload of ${count} jobs: pick one with --job N (0 to ${count - 1})`);
  if (index !== undefined && index >= count) throw new CliError(`--job ${index} is past the end: ${file} has ${count === 1 ? '1 job (--job 0)' : `${count} jobs (0 to ${count - 1})`}`);
  const entry = workload.job(index ?? 0)!;
  if (entry.malformed !== undefined) throw new CliError(`${file}: line ${entry.line} is not JSON (${entry.malformed})`);
  return entry;
}

export const ARRIVAL_HINT = 'give "arrival" in seconds from the start, or leave it out for 0';

/** A CliError for an entry whose `arrival` is given but is no number of seconds >= 0 (see WorkloadEntry.arrivalProblem). */
export function arrivalError(file: string, e: WorkloadEntry): CliError | undefined {
  if (e.arrivalProblem === undefined) return undefined;
  return new CliError(`${file}: job ${e.index}${e.line !== undefined ? ` (line ${e.line})` : ''}: ${e.arrivalProblem}; ${ARRIVAL_HINT}`);
}

/** A usage error for `--job` given with a file that is one job. */
export function notAWorkload(file: string): CliError {
  return new CliError(`--job picks a job of a workload; ${file} is one job definition`);
}

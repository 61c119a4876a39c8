/**
 * Reading the jobgraph extensions (Weight, DependencyAction, Pool, MaxRunningTasks; the plain
 * graph's weight, action, pool, maxRunning) into a job's {@link JobExtensions}. Shared by the AMS
 * loader and the plain-graph loader so that both accept the same values with the same messages.
 *
 * The arrays are made when a task first sets the property, filled with defaults up to it, and
 * padded to the job's task count at the end ({@link padExtensions}): a job that uses no extension
 * gets no `extensions` at all.
 */
import type { DiagnosticExtras, DiagnosticSink } from '../diagnostics/diagnostic.js';
import { DEPENDENCY_ACTION_NAMES, type DependencyAction } from './enums.js';
import type { Job, JobExtensions } from './model.js';
import { show } from './read.js';

/** Longest pool name accepted: the limit of the entity's other short strings (Name). */
export const POOL_NAME_LIMIT = 4000;

/** Defaults of the per-task arrays, for the tasks that do not set the property. */
const DEFAULTS = { weight: 1, action: 0, pool: null, label: null } as const;

type TaskArray = 'weight' | 'action' | 'pool' | 'label';

/** A use of an extension, for profile `ams` to refuse (EXTENSION_NOT_AMS) at its place. */
export interface ExtensionUse {
  /** The task's index; undefined for a job-level property. */
  task?: number;
  /** The property as written: `Weight`, `MaxRunningTasks`, `pool`… */
  property: string;
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

function invalid(sink: DiagnosticSink, message: string, at: DiagnosticExtras): void {
  if (sink.room('EXTENSION_INVALID')) sink.add('EXTENSION_INVALID', message, at);
}

/** Sets `extensions[key][index]`, making the array (defaults before it) when first set. */
export function setTaskExtension(job: Job, key: TaskArray, index: number, value: number | string): void {
  const ext = (job.extensions ??= {});
  const list = (ext[key] ??= []) as Array<number | string | null>;
  while (list.length < index) list.push(DEFAULTS[key]);
  list[index] = value;
}

/** The job's cap of running tasks: an integer >= 1, else EXTENSION_INVALID. */
export function readMaxRunning(job: Job, v: unknown, whose: string, at: DiagnosticExtras, sink: DiagnosticSink): void {
  if (v === undefined || v === null) return;
  if (isPositiveInteger(v)) (job.extensions ??= {}).maxRunning = v;
  else invalid(sink, `${whose} ${at.property} is ${show(v)}, not an integer >= 1`, { ...at, hint: `${at.property} is a whole number from 1: the most tasks of the job running at once` });
}

/** A task's weight (slots it takes in its pool): an integer >= 1. */
export function readWeight(job: Job, index: number, v: unknown, whose: string, at: DiagnosticExtras, sink: DiagnosticSink): void {
  if (v === undefined || v === null) return;
  if (isPositiveInteger(v)) setTaskExtension(job, 'weight', index, v);
  else invalid(sink, `${whose} ${at.property} is ${show(v)}, not an integer >= 1`, { ...at, hint: `${at.property} is a whole number from 1: the slots the task takes in its pool` });
}

/** A task's dependency action: "cancel", "run" or "skip" (kept as its number). */
export function readAction(job: Job, index: number, v: unknown, whose: string, at: DiagnosticExtras, sink: DiagnosticSink): void {
  if (v === undefined || v === null) return;
  const n = typeof v === 'string' ? (DEPENDENCY_ACTION_NAMES as readonly string[]).indexOf(v) : -1;
  if (n >= 0) {
    // The default is not stored: a job whose tasks all say "cancel" needs no array.
    if (n !== 0 || job.extensions?.action !== undefined) setTaskExtension(job, 'action', index, n as DependencyAction);
    return;
  }
  const lower = typeof v === 'string' ? (DEPENDENCY_ACTION_NAMES as readonly string[]).indexOf(v.trim().toLowerCase()) : -1;
  const hint = lower >= 0 ? `write it in lower case: "${DEPENDENCY_ACTION_NAMES[lower]}"` : `${at.property} is "cancel" (the default: the task is canceled when a task it depends on fails), "run" or "skip"`;
  invalid(sink, `${whose} ${at.property} is ${show(v)}, not "cancel", "run" or "skip"`, { ...at, hint });
}

/** A task's pool: a non-empty string of at most {@link POOL_NAME_LIMIT} characters. */
export function readPool(job: Job, index: number, v: unknown, whose: string, at: DiagnosticExtras, sink: DiagnosticSink): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'string' && v !== '' && v.length <= POOL_NAME_LIMIT) {
    setTaskExtension(job, 'pool', index, v);
    return;
  }
  const where = { ...at, hint: `${at.property} is a pool name: a non-empty string of at most ${POOL_NAME_LIMIT} characters` };
  if (typeof v === 'string') invalid(sink, v === '' ? `${whose} ${at.property} is empty` : `${whose} ${at.property} has ${v.length} characters; at most ${POOL_NAME_LIMIT} are allowed`, where);
  else invalid(sink, `${whose} ${at.property} is ${show(v)}, not a pool name (a string)`, where);
}

/** Pads each per-task array to `taskCount` with its default, once every task has been read. */
export function padExtensions(ext: JobExtensions | undefined, taskCount: number): void {
  if (ext === undefined) return;
  for (const key of ['weight', 'action', 'pool', 'label'] as const) {
    const list = ext[key] as Array<number | string | null> | undefined;
    if (list === undefined) continue;
    while (list.length < taskCount) list.push(DEFAULTS[key]);
  }
}

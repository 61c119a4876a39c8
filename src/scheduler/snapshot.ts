import type { AssetRef } from '../taskbody/types.js';
import type { Job, JobExtensions, Task, TaskOutputAsset } from '../job/model.js';
import type { ErrorDetail } from './views.js';

export const SNAPSHOT_FORMAT = 'jobgraph.scheduler/1';

/** A job as a snapshot keeps it: the normalised model without parser positions. */
export interface JobSnapshot {
  Id: string;
  Name: string;
  Priority: number;
  TemplateId: string | null;
  InputMediaAssets: Job['InputMediaAssets'];
  JobNotificationSubscriptions: Job['JobNotificationSubscriptions'];
  Tasks: Array<Omit<Task, 'inputEntries' | 'outputEntries' | 'index'>>;
  /** The job's extensions; absent when it has none (and in snapshots taken before they existed). */
  extensions?: JobExtensions;
}

/** Plain JSON of a whole scheduler (see `Scheduler.snapshot()`). */
export interface SchedulerSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  options: {
    concurrency: number | null;
    pools: Record<string, number>;
    failFast: boolean;
    maxAttempts: number | null;
    profile: 'ams' | 'relaxed';
    /** The policy's name (absent from snapshots taken before it was recorded). */
    policy?: string;
    /** Whether pools came from a `poolOf` function, which restore must be given again. */
    poolOf?: 'MediaProcessorId' | 'custom';
  };
  jobs: Array<{
    job: JobSnapshot;
    priority: number;
    failFast: boolean;
    state: number;
    created: number;
    lastModified: number;
    startTime: number | null;
    endTime: number | null;
    cancelRequested: boolean;
    /** The job's cap on running tasks (absent: none). */
    maxRunning?: number;
  }>;
  tasks: {
    state: number[];
    attempts: number[];
    progress: number[];
    start: Array<number | null>;
    end: Array<number | null>;
    errors: Record<string, ErrorDetail[]>;
    /** Tasks waiting out a retry backoff. */
    held?: number[];
  };
  /**
   * Present when a job gained tasks after it was submitted: the blocks of tasks in the order they
   * were numbered, as [index in `jobs`, count] (a job's first block is the tasks it was submitted
   * with). Tasks here are numbered in that order.
   */
  blocks?: Array<[number, number]>;
  /** Historical events as rows: [task, code, time, message?, custom code?]. */
  events: Array<[number, number, number] | [number, number, number, string] | [number, number, number, string, string]>;
}

export function jobToSnapshot(job: Job): JobSnapshot {
  const s: JobSnapshot = {
    Id: job.Id,
    Name: job.Name,
    Priority: job.Priority,
    TemplateId: job.TemplateId,
    InputMediaAssets: job.InputMediaAssets.map((a) => ({ ...a })),
    JobNotificationSubscriptions: job.JobNotificationSubscriptions.map((s) => ({ ...s })),
    // Field by field: a loaded task's parser entries are read from its TaskBody when asked for
    // (job/load.ts), so they are not even touched here.
    Tasks: job.Tasks.map((t) => ({
      Id: t.Id,
      Name: t.Name,
      MediaProcessorId: t.MediaProcessorId,
      Configuration: t.Configuration,
      TaskBody: t.TaskBody,
      Priority: t.Priority,
      Options: t.Options,
      EncryptionKeyId: t.EncryptionKeyId,
      EncryptionScheme: t.EncryptionScheme,
      EncryptionVersion: t.EncryptionVersion,
      InitializationVector: t.InitializationVector,
      TaskNotificationSubscriptions: t.TaskNotificationSubscriptions.map((s) => ({ ...s })),
      inputs: t.inputs.map((r) => ({ ...r })),
      outputs: t.outputs.map((o) => ({ ...o })),
    })),
  };
  if (job.extensions !== undefined) s.extensions = copyExtensions(job.extensions);
  return s;
}

/** A copy of the extensions (their arrays too): a snapshot shares nothing with the live model. */
function copyExtensions(e: JobExtensions): JobExtensions {
  const out: JobExtensions = {};
  if (e.maxRunning !== undefined) out.maxRunning = e.maxRunning;
  if (e.weight !== undefined) out.weight = [...e.weight];
  if (e.action !== undefined) out.action = [...e.action];
  if (e.pool !== undefined) out.pool = [...e.pool];
  if (e.label !== undefined) out.label = [...e.label];
  return out;
}

/** Rebuilds the model; the entries carry no source positions (line and column 0). */
export function jobFromSnapshot(s: JobSnapshot): Job {
  const job: Job = {
    Id: s.Id,
    Name: s.Name,
    Priority: s.Priority,
    TemplateId: s.TemplateId,
    InputMediaAssets: s.InputMediaAssets.map((a) => ({ ...a })),
    JobNotificationSubscriptions: s.JobNotificationSubscriptions.map((x) => ({ ...x })),
    Tasks: s.Tasks.map((t, index) => ({
      ...t,
      index,
      inputs: t.inputs.map((r: AssetRef) => ({ ...r })),
      outputs: t.outputs.map((o: TaskOutputAsset) => ({ ...o })),
      TaskNotificationSubscriptions: t.TaskNotificationSubscriptions.map((x) => ({ ...x })),
      inputEntries: t.inputs.map((r: AssetRef) => ({ ref: { ...r }, text: `${r.kind}(${r.index})`, line: 0, column: 0 })),
      outputEntries: t.outputs.map((o: TaskOutputAsset) => ({ ref: { kind: 'JobOutputAsset' as const, index: o.index }, text: `JobOutputAsset(${o.index})`, line: 0, column: 0 })),
    })),
  };
  if (s.extensions !== undefined) job.extensions = copyExtensions(s.extensions);
  return job;
}

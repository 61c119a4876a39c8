/**
 * The enums of the AMS v2 Job/Task model (reference §2, §3.2, §1). Task states use the JobState
 * numbers and names, as the service and its SDKs did on the wire; the REST Task page's names
 * (None, Active, Running, Completed) are aliases of 0–3.
 */

export const TaskState = {
  Queued: 0,
  Scheduled: 1,
  Processing: 2,
  Finished: 3,
  Error: 4,
  Canceled: 5,
  Canceling: 6,
  // The REST Task page's names for 0–3.
  None: 0,
  Active: 1,
  Running: 2,
  Completed: 3,
} as const;
export type TaskState = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** JobState names by number, as sent on the wire (notifications, REST). */
export const STATE_NAMES = ['Queued', 'Scheduled', 'Processing', 'Finished', 'Error', 'Canceled', 'Canceling'] as const;
export type StateName = (typeof STATE_NAMES)[number];

export const JobState = {
  Queued: 0,
  Scheduled: 1,
  Processing: 2,
  Finished: 3,
  Error: 4,
  Canceled: 5,
  Canceling: 6,
} as const;
export type JobState = TaskState;

/** Finished, Error and Canceled: nothing changes after these. */
export function isFinalState(state: number): boolean {
  return state === 3 || state === 4 || state === 5;
}

export const AssetCreationOptions = {
  None: 0,
  StorageEncrypted: 1,
  CommonEncryptionProtected: 2,
  EnvelopeEncryptionProtected: 4,
} as const;
export type AssetCreationOptions = 0 | 1 | 2 | 4;

/**
 * The default when an `<outputAsset>` has no assetCreationOptions. The REST Task page says
 * StorageEncrypted; the .NET SDK's enum default is None but its AddNew(name) uses StorageEncrypted.
 * We follow the REST page, whose shapes we model.
 */
export const DEFAULT_ASSET_CREATION_OPTIONS: AssetCreationOptions = 1;

export const AssetFormatOption = { None: 0, AdaptiveStreaming: 1 } as const;

export const TaskOptions = {
  None: 0,
  ProtectedConfiguration: 1,
  DoNotDeleteOutputAssetOnFailure: 2,
  DoNotCancelOnJobFailure: 4,
} as const;
/** Every TaskOptions flag together; any other bit is invalid. */
export const TASK_OPTIONS_MASK = 7;

export const TargetTaskState = { FinalStatesOnly: 1, AllStates: 2 } as const;
export const TargetJobState = { FinalStatesOnly: 1, AllStates: 2 } as const;

/**
 * What a task does when one of its producers fails or is canceled (a jobgraph extension, profile
 * `relaxed`; the service always cancels). By number, as the model and the store keep it.
 * - `cancel` (0, the default): the task is Canceled with a `DependencyFailed` ErrorDetail.
 * - `run` (1): the task runs once every producer has ended, whatever its state (Airflow's
 *   `all_done`, Azure Batch's `satisfy`).
 * - `skip` (2): the task does not run: it ends Finished at once with a `Skipped` event, so what
 *   depends on it goes on; the job's own state still shows the failure.
 */
export const DependencyAction = { cancel: 0, run: 1, skip: 2 } as const;
export type DependencyAction = 0 | 1 | 2;
export const DEPENDENCY_ACTION_NAMES = ['cancel', 'run', 'skip'] as const;
export type DependencyActionName = (typeof DEPENDENCY_ACTION_NAMES)[number];

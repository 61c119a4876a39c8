import type { AssetRef, OutputAssetEntry, InputAssetEntry } from '../taskbody/types.js';

/** A TaskNotificationSubscription (reference §6). */
export interface TaskNotificationSubscription {
  IncludeTaskProgress: boolean;
  NotificationEndPointId: string;
  /** FinalStatesOnly = 1, AllStates = 2. */
  TargetTaskState: number;
}

/** A JobNotificationSubscription (reference §6). */
export interface JobNotificationSubscription {
  NotificationEndPointId: string;
  /** FinalStatesOnly = 1, AllStates = 2. */
  TargetJobState: number;
}

/** One task of a Create-Job body, as a client sends it (reference §1). */
export interface TaskDefinition {
  Name?: string | null;
  MediaProcessorId: string;
  Configuration?: string | null;
  TaskBody: string;
  Priority?: number;
  Options?: number;
  EncryptionKeyId?: string | null;
  EncryptionScheme?: string | null;
  EncryptionVersion?: string | null;
  InitializationVector?: string | null;
  TaskNotificationSubscriptions?: TaskNotificationSubscription[];
}

/** An asset link in odata=verbose form. */
export interface AssetLink {
  __metadata: { uri: string };
}

/** A Create-Job body (POST /API/Jobs, reference §4), either odata=verbose or with @odata.bind. */
export interface JobDefinition {
  Name?: string | null;
  Priority?: number;
  InputMediaAssets?: AssetLink[];
  'InputMediaAssets@odata.bind'?: string[];
  Tasks?: TaskDefinition[];
  TemplateId?: string | null;
  JobNotificationSubscriptions?: JobNotificationSubscription[];
}

/** An input asset of a job: the link as given and the asset id decoded from it. */
export interface JobInputAsset {
  uri: string;
  /** `nb:cid:UUID:…`, decoded from the `Assets('…')` the uri ends with (a uri without one is refused: INPUT_ASSET_INVALID). */
  id: string;
}

/** An output of a task, with the defaults of the reference filled in (§3.2, §3.3 rule 6). */
export interface TaskOutputAsset {
  index: number;
  assetName: string;
  assetCreationOptions: number;
  storageAccountName: string | null;
  assetFormatOption: number;
}

/**
 * A task of a loaded job: the entity's properties, plus its parsed TaskBody. An entry of `Tasks`
 * that is not an object (reported as TASK_INVALID) is kept as a placeholder, so that indices stay
 * those of the definition: its `Id` is `''` and its arrays are shared, frozen and empty.
 */
export interface Task {
  /** Position in the job's `Tasks`. */
  readonly index: number;
  /** The task's id (given, or made by the id factory); `''` for a placeholder. */
  Id: string;
  Name: string;
  MediaProcessorId: string;
  Configuration: string | null;
  TaskBody: string;
  Priority: number;
  Options: number;
  EncryptionKeyId: string | null;
  EncryptionScheme: string | null;
  EncryptionVersion: string | null;
  InitializationVector: string | null;
  TaskNotificationSubscriptions: TaskNotificationSubscription[];
  /** Valid input references, in document order. */
  inputs: AssetRef[];
  /** Valid outputs, in document order. */
  outputs: TaskOutputAsset[];
  /** The parser's entries with their positions (including invalid ones, with `ref: null`). */
  inputEntries: InputAssetEntry[];
  outputEntries: OutputAssetEntry[];
}

/**
 * What a job asks beyond the AMS model (profile `relaxed`; `ams` refuses each with
 * EXTENSION_NOT_AMS). Kept apart from the tasks, as one array per property by task index, and only
 * when some task uses it: a job of AMS tasks carries nothing and pays nothing. Plain arrays (not
 * typed) so that a store and a snapshot keep them as JSON.
 */
export interface JobExtensions {
  /** Most tasks of the job running at once (Airflow's `max_active_tasks`). */
  maxRunning?: number;
  /** Slots each task takes in its pool, by task index (absent: 1 each). Integers >= 1. */
  weight?: number[];
  /** {@link DependencyAction} by task index (absent: `cancel` for every task). */
  action?: number[];
  /** The pool named by the definition, by task index (null: the scheduler's `poolOf` decides). */
  pool?: Array<string | null>;
  /**
   * A plain graph's task `name`, by task index (null: none given). Kept, not used: the task's
   * `Name` is its plain `id`, the handle dependsOn, messages and views use (src/job/plain.ts).
   */
  label?: Array<string | null>;
}

/** A loaded, normalised job. */
export interface Job {
  Id: string;
  Name: string;
  Priority: number;
  TemplateId: string | null;
  InputMediaAssets: JobInputAsset[];
  Tasks: Task[];
  JobNotificationSubscriptions: JobNotificationSubscription[];
  /** Extensions (profile `relaxed`); absent for a job that uses none. */
  extensions?: JobExtensions;
}

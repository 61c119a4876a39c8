/**
 * The entity sets the facade serves — Jobs, Tasks, MediaProcessors, and the Assets reached through
 * navigation — as the OData layer needs them: a schema per set (for `$filter`, `$orderby`,
 * `$select`), the properties in the order the service wrote them (reference §4, §9), and views
 * turned into entities whose dates are epoch milliseconds (what `$filter` compares) or already
 * written for the wire.
 */
import { createHash } from 'node:crypto';
import type { Job, Task } from '../job/model.js';
import type { MediaProcessorInfo } from '../run/processor.js';
import type { JobView, TaskView } from '../scheduler/views.js';
import { ID_PREFIX } from '../job/ids.js';
import { AMS_TYPES } from './odata/index.js';
import type { DateStyle, EntitySchema, ODataPropertyType, VerboseEntityMeta } from './odata/index.js';

/** The entity sets served, and what the facade knows of each. */
export interface EntitySetInfo {
  /** Entity set name, as in the path: `Jobs`. */
  readonly set: string;
  /** `__metadata.type`. */
  readonly type: string;
  readonly schema: EntitySchema;
  /** Navigation properties, in the order the service wrote them. */
  readonly navigation: readonly string[];
  /** Inline complex collections → element type. */
  readonly collections: Readonly<Record<string, string>>;
  /**
   * Properties whose value is the same for the entity's whole life and that the job model's objects
   * carry under the same name: a filter on them alone needs no view.
   */
  readonly fixed: ReadonlySet<string>;
}

/**
 * How an entity's dates are held: epoch ms (`ms`, what `$filter` and `$orderby` compare), or
 * already as the wire writes them (`iso`: `2020-04-15T18:45:24.54Z`; `msjson`: `/Date(ms)/`).
 */
export type DateMode = 'ms' | DateStyle;

/** A date of an entity, as its {@link DateMode} holds it. */
export type EntityDate = number | string;

/** The view an entity in `ms` mode was made from, to write the page for the wire without a second lookup. */
export const VIEW = Symbol('view');

/** A job on the wire. */
export interface JobEntity {
  Id: string;
  Name: string;
  Created: EntityDate;
  LastModified: EntityDate;
  EndTime: EntityDate | null;
  Priority: number;
  RunningDuration: number;
  StartTime: EntityDate | null;
  State: number;
  TemplateId: string | null;
  JobNotificationSubscriptions: JobView['JobNotificationSubscriptions'];
  [VIEW]?: JobView;
}

/** A task on the wire. In `ms` mode, HistoricalEvents keep the view's ISO text (no filter reads them). */
export interface TaskEntity {
  Id: string;
  Configuration: string | null;
  EndTime: EntityDate | null;
  ErrorDetails: TaskView['ErrorDetails'];
  HistoricalEvents: Array<{ Code: string; Message: string; TimeStamp: EntityDate }>;
  MediaProcessorId: string;
  Name: string;
  PerfMessage: string;
  Priority: number;
  Progress: number;
  RunningDuration: number;
  StartTime: EntityDate | null;
  State: number;
  TaskBody: string;
  Options: number;
  EncryptionKeyId: string | null;
  EncryptionScheme: string | null;
  EncryptionVersion: string | null;
  InitializationVector: string | null;
  TaskNotificationSubscriptions: TaskView['TaskNotificationSubscriptions'];
  [VIEW]?: TaskView;
}

/** An asset as the facade shows it: jobgraph stores no media, only the links and declared outputs. */
export interface AssetEntity {
  Id: string;
  Name: string;
  /** AssetCreationOptions (reference §3.2). */
  Options: number;
  /** AssetFormatOption: None=0, AdaptiveStreaming=1. */
  FormatOption: number;
  StorageAccountName: string | null;
  /** The link the job was created with (input assets); null for outputs. */
  Uri: string | null;
}

const nav = (...names: string[]): Record<string, ODataPropertyType> => Object.fromEntries(names.map((n) => [n, 'navigation' as const]));

export const JOBS: EntitySetInfo = {
  set: 'Jobs',
  type: AMS_TYPES.Job,
  schema: {
    Id: 'string',
    Name: 'string',
    Created: 'datetime',
    LastModified: 'datetime',
    EndTime: 'datetime',
    Priority: 'int',
    RunningDuration: 'double',
    StartTime: 'datetime',
    State: 'int',
    TemplateId: 'string',
    JobNotificationSubscriptions: 'collection',
    ...nav('Tasks', 'OutputMediaAssets', 'InputMediaAssets'),
  },
  navigation: ['Tasks', 'OutputMediaAssets', 'InputMediaAssets'],
  collections: { JobNotificationSubscriptions: AMS_TYPES.JobNotificationSubscription },
  fixed: new Set(['Id', 'Name', 'TemplateId']),
};

export const TASKS: EntitySetInfo = {
  set: 'Tasks',
  type: AMS_TYPES.Task,
  schema: {
    Id: 'string',
    Configuration: 'string',
    EndTime: 'datetime',
    ErrorDetails: 'collection',
    HistoricalEvents: 'collection',
    MediaProcessorId: 'string',
    Name: 'string',
    PerfMessage: 'string',
    Priority: 'int',
    Progress: 'double',
    RunningDuration: 'double',
    StartTime: 'datetime',
    State: 'int',
    TaskBody: 'string',
    Options: 'int',
    EncryptionKeyId: 'string',
    EncryptionScheme: 'string',
    EncryptionVersion: 'string',
    InitializationVector: 'string',
    TaskNotificationSubscriptions: 'collection',
    ...nav('OutputMediaAssets', 'InputMediaAssets'),
  },
  navigation: ['OutputMediaAssets', 'InputMediaAssets'],
  collections: {
    ErrorDetails: AMS_TYPES.ErrorDetail,
    HistoricalEvents: AMS_TYPES.TaskHistoricalEvent,
    TaskNotificationSubscriptions: AMS_TYPES.TaskNotificationSubscription,
  },
  fixed: new Set([
    'Id',
    'Configuration',
    'MediaProcessorId',
    'Name',
    'Priority',
    'TaskBody',
    'Options',
    'EncryptionKeyId',
    // Not EncryptionScheme: the model holds null where the wire says "None".
    'EncryptionVersion',
    'InitializationVector',
    'TaskNotificationSubscriptions',
  ]),
};

export const MEDIA_PROCESSORS: EntitySetInfo = {
  set: 'MediaProcessors',
  type: AMS_TYPES.MediaProcessor,
  schema: { Id: 'string', Description: 'string', Name: 'string', Sku: 'string', Vendor: 'string', Version: 'string' },
  navigation: [],
  collections: {},
  fixed: new Set(['Id', 'Description', 'Name', 'Sku', 'Vendor', 'Version']),
};

export const ASSETS: EntitySetInfo = {
  set: 'Assets',
  type: AMS_TYPES.Asset,
  schema: { Id: 'string', Name: 'string', Options: 'int', FormatOption: 'int', StorageAccountName: 'string', Uri: 'string' },
  navigation: [],
  collections: {},
  fixed: new Set(['Id', 'Name', 'Options', 'FormatOption', 'StorageAccountName', 'Uri']),
};

/**
 * The verbose-JSON description of an entity of `info`'s set; navigation limited to `$select`ed
 * names. No `dates`: entities reach the formatters with their dates already written.
 */
export function verboseMeta(info: EntitySetInfo, baseUri: string, key: string, select: readonly string[] | undefined): VerboseEntityMeta {
  return {
    baseUri,
    set: info.set,
    type: info.type,
    key,
    navigation: select === undefined ? info.navigation : info.navigation.filter((n) => select.includes(n)),
    collections: info.collections,
  };
}

/**
 * A view's date (ISO text from `toISOString`, or null) as `mode` holds it. The wire's ISO form is
 * the view's without trailing zeros in the fraction (`…24.540Z` → `…24.54Z`), as AMS writes it and
 * as `formatDateIso` does; trimming the text is a tenth of the cost of a Date round trip, and a page
 * of 100 tasks has some 600 dates.
 */
export function entityDate(iso: string, mode: DateMode): EntityDate {
  if (mode === 'iso') {
    const dot = iso.lastIndexOf('.');
    if (dot < 0 || iso.charCodeAt(iso.length - 1) !== 0x5a /* Z */) return iso;
    let end = iso.length - 1;
    while (end > dot + 1 && iso.charCodeAt(end - 1) === 0x30) end--;
    return end === dot + 1 ? iso.slice(0, dot) + 'Z' : iso.slice(0, end) + 'Z';
  }
  const ms = Date.parse(iso);
  return mode === 'ms' ? ms : `/Date(${ms})/`;
}

function date(iso: string | null, mode: DateMode): EntityDate | null {
  return iso === null ? null : entityDate(iso, mode);
}

/**
 * A job view as an entity: properties in the service's order, dates as `mode` says. In `ms` mode
 * the entity keeps its view under {@link VIEW}.
 */
export function jobEntity(v: JobView, mode: DateMode): JobEntity {
  const e: JobEntity = {
    Id: v.Id,
    Name: v.Name,
    Created: entityDate(v.Created, mode),
    LastModified: entityDate(v.LastModified, mode),
    EndTime: date(v.EndTime, mode),
    Priority: v.Priority,
    RunningDuration: v.RunningDuration,
    StartTime: date(v.StartTime, mode),
    State: v.State,
    TemplateId: v.TemplateId,
    JobNotificationSubscriptions: v.JobNotificationSubscriptions,
  };
  if (mode === 'ms') e[VIEW] = v;
  return e;
}

/**
 * The EncryptionScheme of a task whose configuration is not encrypted. The REST Task page lists
 * only "ConfigurationEncryption", but the service wrote "None" for plain tasks (a real task read
 * back in 2020, reference §1 and §9), so null in the model is "None" on the wire.
 */
export const NO_ENCRYPTION = 'None';

/**
 * A task view as an entity: properties in the service's order, dates as `mode` says. In `ms` mode
 * (for `$filter`/`$orderby`) HistoricalEvents are left as they are and the entity keeps its view
 * under {@link VIEW}.
 */
export function taskEntity(v: TaskView, mode: DateMode): TaskEntity {
  const e: TaskEntity = {
    Id: v.Id,
    Configuration: v.Configuration,
    EndTime: date(v.EndTime, mode),
    ErrorDetails: v.ErrorDetails,
    HistoricalEvents: mode === 'ms' ? v.HistoricalEvents : v.HistoricalEvents.map((h) => ({ Code: h.Code, Message: h.Message, TimeStamp: entityDate(h.TimeStamp, mode) })),
    MediaProcessorId: v.MediaProcessorId,
    Name: v.Name,
    PerfMessage: v.PerfMessage,
    Priority: v.Priority,
    Progress: v.Progress,
    RunningDuration: v.RunningDuration,
    StartTime: date(v.StartTime, mode),
    State: v.State,
    TaskBody: v.TaskBody,
    Options: v.Options,
    EncryptionKeyId: v.EncryptionKeyId,
    EncryptionScheme: v.EncryptionScheme ?? NO_ENCRYPTION,
    EncryptionVersion: v.EncryptionVersion,
    InitializationVector: v.InitializationVector,
    TaskNotificationSubscriptions: v.TaskNotificationSubscriptions,
  };
  if (mode === 'ms') e[VIEW] = v;
  return e;
}

/** A media processor as an entity (the engine's list is already REST-shaped). */
export function mediaProcessorEntity(p: MediaProcessorInfo): MediaProcessorInfo {
  return { Id: p.Id, Description: p.Description, Name: p.Name, Sku: p.Sku, Vendor: p.Vendor, Version: p.Version };
}

/**
 * The id of a job's output asset `JobOutputAsset(index)`. The service creates output assets with
 * fresh ids; jobgraph creates no assets, so the id is derived from the job id and the index: the
 * same asset always has the same id.
 */
export function outputAssetId(jobId: string, index: number): string {
  const h = createHash('sha256').update(`${jobId}/JobOutputAsset(${index})`).digest('hex');
  // A version-8 (custom) UUID: the variant bits say RFC 4122, the version nibble says "derived".
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${ID_PREFIX.asset}${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function inputAsset(job: Job, index: number): AssetEntity {
  const a = job.InputMediaAssets[index];
  return { Id: a?.id ?? '', Name: '', Options: 0, FormatOption: 0, StorageAccountName: null, Uri: a?.uri ?? null };
}

function outputAsset(job: Job, index: number): AssetEntity {
  for (const t of job.Tasks) {
    for (const o of t.outputs) {
      if (o.index === index) {
        return { Id: outputAssetId(job.Id, index), Name: o.assetName, Options: o.assetCreationOptions, FormatOption: o.assetFormatOption, StorageAccountName: o.storageAccountName, Uri: null };
      }
    }
  }
  return { Id: outputAssetId(job.Id, index), Name: '', Options: 0, FormatOption: 0, StorageAccountName: null, Uri: null };
}

/** A job's InputMediaAssets, in POST order. */
export function jobInputAssets(job: Job): AssetEntity[] {
  return job.InputMediaAssets.map((_, i) => inputAsset(job, i));
}

/** A job's OutputMediaAssets: every output its tasks declare, by output index. */
export function jobOutputAssets(job: Job): AssetEntity[] {
  const indices = [...new Set(job.Tasks.flatMap((t) => t.outputs.map((o) => o.index)))].sort((a, b) => a - b);
  return indices.map((i) => outputAsset(job, i));
}

/** A task's InputMediaAssets: job inputs and other tasks' outputs, in TaskBody order. */
export function taskInputAssets(job: Job, task: Task): AssetEntity[] {
  return task.inputs.map((ref) => (ref.kind === 'JobInputAsset' ? inputAsset(job, ref.index) : outputAsset(job, ref.index)));
}

/** A task's OutputMediaAssets, in TaskBody order. */
export function taskOutputAssets(job: Job, task: Task): AssetEntity[] {
  return task.outputs.map((o) => outputAsset(job, o.index));
}

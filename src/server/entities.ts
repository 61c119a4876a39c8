/**
 * The entity sets the facade serves — Jobs, Tasks, MediaProcessors and Assets — as the OData
 * layer needs them: a schema per set (for `$filter`, `$orderby`,
 * `$select`), the properties in the order the service wrote them (reference §4, §9), and views
 * turned into entities whose dates are epoch milliseconds (what `$filter` compares) or already
 * written for the wire.
 */
import type { MediaProcessorInfo } from '../run/processor.js';
import type { JobView, TaskView } from '../scheduler/views.js';
import { AMS_TYPES, formatDateIso } from './odata/index.js';
import { AssetState, assetUri } from './assets.js';
import type { AssetRecord } from './assets.js';
import type { JobTemplateRecord, TaskTemplateRecord } from './templates.js';
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

/** An asset on the wire (REST-Asset), in the order the service wrote its properties. */
export interface AssetEntity {
  Id: string;
  /** AssetState: always Initialized (0) here; see `assets.ts`. */
  State: number;
  Created: EntityDate;
  LastModified: EntityDate;
  AlternateId: string | null;
  Name: string;
  /** AssetCreationOptions (reference §3.2). */
  Options: number;
  /** The blob container; see `assetUri`. */
  Uri: string;
  StorageAccountName: string;
  /** AssetFormatOption: None=0, AdaptiveStreaming=1. */
  FormatOption: number;
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
  schema: {
    Id: 'string',
    State: 'int',
    Created: 'datetime',
    LastModified: 'datetime',
    AlternateId: 'string',
    Name: 'string',
    Options: 'int',
    Uri: 'string',
    StorageAccountName: 'string',
    FormatOption: 'int',
  },
  // The service linked Locators, ContentKeys, Files, ParentAssets, StorageAccount and
  // DeliveryPolicies; jobgraph serves none of them, so it writes no link that would answer 404.
  navigation: [],
  collections: {},
  fixed: new Set(['Id', 'State', 'Created', 'LastModified', 'AlternateId', 'Name', 'Options', 'Uri', 'StorageAccountName', 'FormatOption']),
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

/** An asset record as an entity, its dates as `mode` says. */
export function assetEntity(a: AssetRecord, mode: DateMode): AssetEntity {
  return {
    Id: a.Id,
    State: AssetState.Initialized,
    Created: dateOfMs(a.Created, mode),
    LastModified: dateOfMs(a.LastModified, mode),
    AlternateId: a.AlternateId,
    Name: a.Name,
    Options: a.Options,
    Uri: assetUri(a),
    StorageAccountName: a.StorageAccountName,
    FormatOption: a.FormatOption,
  };
}

function dateOfMs(ms: number, mode: DateMode): EntityDate {
  return mode === 'ms' ? ms : mode === 'iso' ? formatDateIso(ms) : `/Date(${Math.trunc(ms)})/`;
}

export const JOB_TEMPLATES: EntitySetInfo = {
  set: 'JobTemplates',
  type: AMS_TYPES.JobTemplate,
  schema: {
    Id: 'string',
    Name: 'string',
    Created: 'datetime',
    LastModified: 'datetime',
    JobTemplateBody: 'string',
    NumberofInputAssets: 'int',
    TemplateType: 'int',
    ...nav('TaskTemplates'),
  },
  navigation: ['TaskTemplates'],
  collections: {},
  fixed: new Set(['Id', 'Name', 'Created', 'LastModified', 'JobTemplateBody', 'NumberofInputAssets', 'TemplateType']),
};

export const TASK_TEMPLATES: EntitySetInfo = {
  set: 'TaskTemplates',
  type: AMS_TYPES.TaskTemplate,
  schema: {
    Id: 'string',
    Configuration: 'string',
    Created: 'datetime',
    Description: 'string',
    LastModified: 'datetime',
    MediaProcessorId: 'string',
    Name: 'string',
    NumberofInputAssets: 'int',
    NumberofOutputAssets: 'int',
    Options: 'int',
    EncryptionKeyId: 'string',
    EncryptionScheme: 'string',
    EncryptionVersion: 'string',
    InitializationVector: 'string',
  },
  navigation: [],
  collections: {},
  fixed: new Set(['Id', 'Configuration', 'Created', 'Description', 'LastModified', 'MediaProcessorId', 'Name', 'NumberofInputAssets', 'NumberofOutputAssets', 'Options', 'EncryptionKeyId', 'EncryptionScheme', 'EncryptionVersion', 'InitializationVector']),
};

/** A job template as an entity (REST-JobTemplate), its dates as `mode` says; TaskTemplates is a link. */
export function jobTemplateEntity(t: JobTemplateRecord, mode: DateMode): Record<string, unknown> {
  return {
    Id: t.Id,
    Name: t.Name,
    Created: dateOfMs(t.Created, mode),
    LastModified: dateOfMs(t.LastModified, mode),
    JobTemplateBody: t.JobTemplateBody,
    NumberofInputAssets: t.NumberofInputAssets,
    TemplateType: t.TemplateType,
  };
}

/** A task template as an entity (REST-TaskTemplate); it has its job template's dates. */
export function taskTemplateEntity(tt: TaskTemplateRecord, owner: JobTemplateRecord, mode: DateMode): Record<string, unknown> {
  return {
    Id: tt.Id,
    Configuration: tt.Configuration,
    Created: dateOfMs(owner.Created, mode),
    Description: tt.Description,
    LastModified: dateOfMs(owner.LastModified, mode),
    MediaProcessorId: tt.MediaProcessorId,
    Name: tt.Name,
    NumberofInputAssets: tt.NumberofInputAssets,
    NumberofOutputAssets: tt.NumberofOutputAssets,
    Options: tt.Options,
    EncryptionKeyId: tt.EncryptionKeyId,
    EncryptionScheme: tt.EncryptionScheme ?? NO_ENCRYPTION,
    EncryptionVersion: tt.EncryptionVersion,
    InitializationVector: tt.InitializationVector,
  };
}

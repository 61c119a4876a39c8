/**
 * The facade's entity data model and `GET /api/$metadata`. The entity types come from the set
 * descriptions the routes and formatters already use (`entities.ts`: each set's schema, navigation
 * and complex collections), so the document describes what the server writes and cannot drift
 * from it; this file adds only what those descriptions do not say: the complex types, where each
 * link leads, which properties may be null, and the `CancelJob` operation.
 */
import { AMS_NAMESPACE, AMS_TYPES, COMPLEX_TYPES, EDM_TYPES, writeEdmx } from './odata/index.js';
import type { EdmComplexType, EdmEntityType, EdmModel, EdmMultiplicity, EdmProperty, ODataPrimitiveType } from './odata/index.js';
import { ASSETS, JOBS, JOB_TEMPLATES, MEDIA_PROCESSORS, TASKS, TASK_TEMPLATES } from './entities.js';
import type { EntitySetInfo } from './entities.js';

/** Name of the entity container (the service's own is not published; this one is jobgraph's). */
export const CONTAINER_NAME = 'MediaContext';


/** The sets described, in the container's order; every entity type has one. */
const SETS: readonly EntitySetInfo[] = [JOBS, TASKS, MEDIA_PROCESSORS, ASSETS, JOB_TEMPLATES, TASK_TEMPLATES];

/**
 * Where each navigation property leads. A task belongs to one job; an asset may be the input of
 * many jobs and tasks, and an output asset is the output of its job and of the one task producing it.
 */
const LINKS: Readonly<Record<string, { readonly target: EntitySetInfo; readonly sourceMultiplicity: EdmMultiplicity }>> = {
  Tasks: { target: TASKS, sourceMultiplicity: '1' },
  InputMediaAssets: { target: ASSETS, sourceMultiplicity: '*' },
  OutputMediaAssets: { target: ASSETS, sourceMultiplicity: '*' },
  // A TaskTemplate is created inside one JobTemplate (reference §8).
  TaskTemplates: { target: TASK_TEMPLATES, sourceMultiplicity: '1' },
};

/**
 * Properties that are never null. Numbers and booleans always have a value (a view holds no null
 * number), and so do these strings and dates; every other string and date may be null.
 */
const NEVER_NULL: Readonly<Record<string, readonly string[]>> = {
  Jobs: ['Name', 'Created', 'LastModified'],
  Tasks: ['MediaProcessorId', 'Name', 'PerfMessage', 'TaskBody'],
  MediaProcessors: ['Description', 'Name', 'Sku', 'Vendor', 'Version'],
  Assets: ['Name', 'Created', 'LastModified', 'Uri', 'StorageAccountName'],
  JobTemplates: ['Name', 'Created', 'LastModified', 'JobTemplateBody'],
  TaskTemplates: ['Created', 'LastModified', 'MediaProcessorId', 'Name'],
};

/** Numbers that may be null: a JobTemplate's NumberofInputAssets is optional (reference §8). */
const NULLABLE_NUMBERS: Readonly<Record<string, readonly string[]>> = {
  JobTemplates: ['NumberofInputAssets'],
};

/** The key of every entity type. */
const KEY = 'Id';

const shortName = (fullName: string): string => fullName.slice(fullName.lastIndexOf('.') + 1);

function entityType(info: EntitySetInfo): EdmEntityType {
  const properties: EdmProperty[] = [];
  for (const [name, type] of Object.entries(info.schema)) {
    if (type === 'navigation') continue;
    if (type === 'collection') {
      const element = info.collections[name];
      if (element === undefined) throw new Error(`metadata: ${info.set}.${name} is a collection with no element type in \`collections\``);
      properties.push({ name, type: `Collection(${element})`, nullable: false });
      continue;
    }
    const nullable = (name !== KEY && (type === 'string' || type === 'datetime') && !(NEVER_NULL[info.set] ?? []).includes(name)) || (NULLABLE_NUMBERS[info.set] ?? []).includes(name);
    properties.push({ name, type: EDM_TYPES[type], nullable });
  }
  const navigation = info.navigation.map((name) => {
    const link = LINKS[name];
    if (link === undefined) throw new Error(`metadata: ${info.set}.${name} is a navigation property with no entry in LINKS`);
    return { name, target: shortName(link.target.type), targetMultiplicity: '*' as const, sourceMultiplicity: link.sourceMultiplicity };
  });
  return { name: shortName(info.type), key: [KEY], properties, navigation };
}

function complexTypes(): EdmComplexType[] {
  return Object.entries(COMPLEX_TYPES).map(([fullName, props]) => ({
    name: shortName(fullName),
    properties: Object.entries(props).map(([name, type]) => ({ name, type: EDM_TYPES[type], nullable: false })),
  }));
}

/** The model `$metadata` describes: Job, Task, MediaProcessor, Asset, their complex types and links, and CancelJob. */
export function serviceModel(): EdmModel {
  return {
    namespace: AMS_NAMESPACE,
    containerName: CONTAINER_NAME,
    entityTypes: SETS.map(entityType),
    complexTypes: complexTypes(),
    entitySets: SETS.map((s) => ({ name: s.set, entityType: shortName(s.type) })),
    // GET /api/CancelJob?jobid='…' answers 204 (reference §2.3); the handler reads jobid in any case.
    functionImports: [{ name: 'CancelJob', httpMethod: 'GET', parameters: [{ name: 'jobid', type: 'Edm.String' }] }],
  };
}

let document: string | undefined;

/** The `$metadata` document, written once. */
export function metadataDocument(): string {
  document ??= writeEdmx(serviceModel());
  return document;
}

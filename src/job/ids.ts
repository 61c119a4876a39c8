import { randomUUID } from 'node:crypto';

/** Entity id prefixes of AMS v2. */
export const ID_PREFIX = {
  job: 'nb:jid:UUID:',
  task: 'nb:tid:UUID:',
  asset: 'nb:cid:UUID:',
  mediaProcessor: 'nb:mpid:UUID:',
  contentKey: 'nb:kid:UUID:',
  notificationEndPoint: 'nb:nepid:UUID:',
} as const;

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
export const MEDIA_PROCESSOR_ID = new RegExp(`^nb:mpid:UUID:${GUID}$`);
export const CONTENT_KEY_ID = new RegExp(`^nb:kid:UUID:${GUID}$`);
export const JOB_ID = new RegExp(`^nb:jid:UUID:${GUID}$`);
export const TASK_ID = new RegExp(`^nb:tid:UUID:${GUID}$`);

/** Makes entity ids; injectable so tests, snapshots and simulations can be deterministic. */
export type IdFactory = (kind: 'job' | 'task') => string;

export const randomIds: IdFactory = (kind) => ID_PREFIX[kind] + randomUUID();

/**
 * Deterministic ids from a counter: `nb:jid:UUID:00000000-0000-4000-8000-000000000001`, … Each
 * factory counts on its own.
 */
export function sequentialIds(start = 1): IdFactory {
  let n = start;
  return (kind) => {
    const hex = (n++).toString(16).padStart(12, '0');
    return `${ID_PREFIX[kind]}00000000-0000-4000-8000-${hex}`;
  };
}

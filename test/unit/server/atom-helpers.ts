/**
 * Test helpers for the Atom writer and reader: an independent XML tree builder on saxes (namespace
 * aware), so writer output is checked by structure, not by string.
 */
import { SaxesParser } from 'saxes';
import { AMS_TYPES } from '../../../src/server/odata/format.js';
import { JOBS, TASKS, type JobEntity, type TaskEntity } from '../../../src/server/entities.js';

export { JOBS, TASKS };

export const ATOM = 'http://www.w3.org/2005/Atom';
export const D = 'http://schemas.microsoft.com/ado/2007/08/dataservices';
export const M = 'http://schemas.microsoft.com/ado/2007/08/dataservices/metadata';
export const BASE = 'https://media.windows.net/api';
export const UPDATED = Date.UTC(2026, 11, 4, 12, 0, 0, 456);

export interface XNode {
  ns: string;
  local: string;
  /** Attributes by `{uri}local` (no braces for unqualified ones). */
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
}

/** Parses well-formed XML (throws on the first error) into a tree; text is the concatenated character data. */
export function parseXml(xml: string): XNode {
  const p = new SaxesParser({ xmlns: true });
  const stack: XNode[] = [];
  let root: XNode | undefined;
  p.on('error', (e) => {
    throw e;
  });
  p.on('opentag', (t) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(t.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.uri === '' ? a.local : `{${a.uri}}${a.local}`] = a.value;
    }
    const node: XNode = { ns: t.uri, local: t.local, attrs, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
    else root = node;
    stack.push(node);
  });
  p.on('text', (t) => {
    if (stack.length > 0) stack[stack.length - 1]!.text += t;
  });
  p.on('closetag', () => {
    stack.pop();
  });
  p.write(xml).close();
  return root!;
}

/** The children of `node` named `{ns}local`. */
export function kids(node: XNode, ns: string, local: string): XNode[] {
  return node.children.filter((c) => c.ns === ns && c.local === local);
}

/** The one child named `{ns}local`; throws unless there is exactly one. */
export function kid(node: XNode, ns: string, local: string): XNode {
  const found = kids(node, ns, local);
  if (found.length !== 1) throw new Error(`expected one ${local} under ${node.local}, found ${found.length}`);
  return found[0]!;
}

export const JOB_ID = 'nb:jid:UUID:40dc7bef-6bd9-2247-9f3d-d80bc257d715';
export const TASK_ID = 'nb:tid:UUID:45547fae-f89c-406c-8202-773ce47f4ac8';
export const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
export const ASSET_URI = "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')";
export const TASK_BODY =
  '<?xml version="1.0" encoding="utf-16"?>\r\n<taskBody>\r\n  <inputAsset>JobInputAsset(0)</inputAsset>\r\n  <outputAsset assetCreationOptions="0" assetName="Out &amp; about">JobOutputAsset(0)</outputAsset>\r\n</taskBody>';

/** A job entity as the handler makes it in `iso` mode. */
export function sampleJob(): JobEntity {
  return {
    Id: JOB_ID,
    Name: 'NewTestJob',
    Created: '2020-04-15T18:45:24.54Z',
    LastModified: '2020-04-15T18:46:11.477Z',
    EndTime: null,
    Priority: 10,
    RunningDuration: 0,
    StartTime: null,
    State: 0,
    TemplateId: null,
    JobNotificationSubscriptions: [],
  };
}

/** A finished task entity as the handler makes it in `iso` mode. */
export function sampleTask(): TaskEntity {
  return {
    Id: TASK_ID,
    Configuration: 'H264 Adaptive Bitrate MP4 Set 720p',
    EndTime: '2020-04-15T18:46:11.477Z',
    ErrorDetails: [],
    HistoricalEvents: [
      { Code: 'Scheduled', Message: '', TimeStamp: '2020-04-15T18:45:24.54Z' },
      { Code: 'Finished', Message: 'done <ok>', TimeStamp: '2020-04-15T18:46:11.477Z' },
    ],
    MediaProcessorId: MES,
    Name: 'Encode',
    PerfMessage: '',
    Priority: 0,
    Progress: 100,
    RunningDuration: 39605.5,
    StartTime: '2020-04-15T18:45:24.54Z',
    State: 3,
    TaskBody: TASK_BODY,
    Options: 0,
    EncryptionKeyId: null,
    EncryptionScheme: 'None',
    EncryptionVersion: null,
    InitializationVector: null,
    TaskNotificationSubscriptions: [{ IncludeTaskProgress: true, NotificationEndPointId: 'nb:nepid:UUID:12ed9f0d-0000-4000-8000-000000000000', TargetTaskState: 2 }],
  } as TaskEntity;
}

export { AMS_TYPES };

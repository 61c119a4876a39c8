/**
 * Jobs built across a `$batch` change set, the way the Media Services SDKs create them: the Job
 * (`POST Jobs`, Content-ID 1), then each Task (`POST $1/Tasks`), then each input asset
 * (`POST $1/$links/InputMediaAssets`, the asset's URI in the body). Nothing is created while the
 * change set is read: each job is assembled into one definition, as if it had been posted inline,
 * and validated as a whole when the change set ends (handler.ts), so the set applies all or
 * nothing and every diagnostic comes back at once.
 *
 * A change set here creates jobs and nothing else: any other operation in one is refused with the
 * change set, rather than run where it could not be undone.
 */
import { parseJsonText } from '../job/json-text.js';
import { JOBS, TASKS } from './entities.js';
import { HttpError } from './errors.js';
import { atomRequestKind, readAtomEntry, readAtomLinks } from './odata/atom-read.js';
import type { BatchOperation } from './odata/batch-format.js';

/** What an operation of the change set does to the jobs being built. */
export type ChangeRole =
  | { readonly kind: 'job'; readonly job: number }
  | { readonly kind: 'task'; readonly job: number; /** Its index in the assembled job's Tasks. */ readonly task: number }
  | { readonly kind: 'input'; readonly job: number };

/** A job assembled from a change set. */
export interface AssembledJob {
  /** The Content-ID of its `POST Jobs` (undefined when it had none). */
  readonly contentId: string | undefined;
  /** Its definition, as one inline `POST Jobs` body would have given it. */
  readonly definition: Record<string, unknown>;
}

export interface ChangeSetPlan {
  readonly jobs: readonly AssembledJob[];
  /** One a change set operation, in order. */
  readonly roles: readonly ChangeRole[];
}

/**
 * A change set operation that cannot be applied: the whole change set is answered with this
 * error, under the operation's Content-ID.
 */
export class ChangeSetError extends Error {
  constructor(
    readonly operation: BatchOperation,
    /** An HttpError, or the AtomReadError of a body that is not Atom. */
    readonly error: Error,
  ) {
    super(error.message);
    this.name = 'ChangeSetError';
  }
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** The operation's target as a path under the service root: `Jobs`, `$1/Tasks`… (undefined: outside it). */
function relativeTarget(target: string, rootPath: string): string | undefined {
  let path = target;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(path);
  if (scheme !== null) path = path.slice(scheme[0].length) || '/';
  // The PHP SDK joins its base URI and path into `…/api//$1/Tasks`: repeated slashes are one.
  path = path.replace(/\/{2,}/g, '/');
  if (!path.startsWith('/')) return path;
  const root = rootPath.endsWith('/') ? rootPath : `${rootPath}/`;
  return path.toLowerCase().startsWith(root.toLowerCase()) ? path.slice(root.length) : undefined;
}

/** How an operation's body is written: JSON, or Atom/XML (as the PHP and Java SDKs send it). */
function bodyKind(op: BatchOperation): 'json' | 'atom' {
  const type = op.headers.get('content-type');
  if (type !== undefined && JSON_TYPE.test(type)) return 'json';
  const kind = atomRequestKind(type);
  if (kind === 'atom' || kind === 'xml') return 'atom';
  throw new ChangeSetError(
    op,
    new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `the operation on line ${op.line} of the batch has Content-Type ${JSON.stringify((type ?? '(none)').slice(0, 80))}; a change set's bodies are JSON or Atom (UTF-8)`, {
      details: { line: op.line },
    }),
  );
}

/** Reads an Atom body, its errors the change set's. */
function atom<T>(op: BatchOperation, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new ChangeSetError(op, err as Error);
  }
}

/** The entity an operation carries: a Job or a Task, in JSON or Atom. */
function bodyObject(op: BatchOperation, entity: 'job' | 'task'): Record<string, unknown> {
  if (bodyKind(op) === 'atom') return atom(op, () => (entity === 'job' ? readAtomEntry(op.body, JOBS, { related: { Tasks: TASKS } }) : readAtomEntry(op.body, TASKS)));
  return jsonObject(op);
}

/** The JSON object an operation carries. */
function jsonObject(op: BatchOperation): Record<string, unknown> {
  const parsed = parseJsonText(op.body);
  if (!parsed.ok) {
    const { message, line, column } = parsed.problem;
    throw new ChangeSetError(op, new HttpError(400, 'JSON_MALFORMED', `the body of the operation on line ${op.line} of the batch is not JSON: ${message} (its line ${line}, column ${column})`, { details: { line: op.line } }));
  }
  const v = parsed.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ChangeSetError(op, new HttpError(400, 'JSON_MALFORMED', `the body of the operation on line ${op.line} of the batch is not a JSON object`, { details: { line: op.line } }));
  }
  // OData verbose JSON may wrap an entity in "d".
  const d = (v as Record<string, unknown>).d;
  return typeof d === 'object' && d !== null && !Array.isArray(d) && Object.keys(v).length === 1 ? (d as Record<string, unknown>) : (v as Record<string, unknown>);
}

function unsupported(op: BatchOperation, what: string): ChangeSetError {
  return new ChangeSetError(
    op,
    new HttpError(501, 'NOT_IMPLEMENTED', `${op.method} ${op.target.slice(0, 200)} (line ${op.line} of the batch) ${what}: a change set here creates jobs (POST Jobs, POST $n/Tasks, POST $n/$links/InputMediaAssets); send other changes as requests of their own`, {
      details: { line: op.line },
    }),
  );
}

/**
 * Reads a change set's operations into the jobs they build.
 * @param rootPath the path of the service root (`/api`), against which targets are read
 * @throws ChangeSetError for the first operation that cannot be applied
 */
export function planChangeSet(operations: readonly BatchOperation[], rootPath: string): ChangeSetPlan {
  const jobs: Array<{ contentId: string | undefined; definition: Record<string, unknown> }> = [];
  const byContentId = new Map<string, number>();
  const roles: ChangeRole[] = [];
  for (const op of operations) {
    const path = relativeTarget(op.target, rootPath);
    if (path === undefined) throw unsupported(op, `is outside the service root ${rootPath}`);
    const [resource = '', ...rest] = path.split('?')[0]!.split('/');
    if (op.method !== 'POST') throw unsupported(op, 'is not a creation');
    if (resource.toLowerCase() === 'jobs' && rest.length === 0) {
      const definition = { ...bodyObject(op, 'job') };
      const j = jobs.length;
      jobs.push({ contentId: op.contentId, definition });
      if (op.contentId !== undefined) byContentId.set(op.contentId, j);
      roles.push({ kind: 'job', job: j });
      continue;
    }
    if (!resource.startsWith('$')) throw unsupported(op, 'is not part of creating a job');
    const ref = resource.slice(1);
    const j = byContentId.get(ref);
    if (j === undefined) {
      throw new ChangeSetError(
        op,
        new HttpError(400, 'BAD_REQUEST', `${op.method} ${op.target.slice(0, 200)} (line ${op.line} of the batch) refers to $${ref.slice(0, 40)}, which is no job created earlier in this change set`, {
          details: { line: op.line },
        }),
      );
    }
    const definition = jobs[j]!.definition;
    const nav = rest.join('/');
    if (nav.toLowerCase() === 'tasks') {
      // The definition is this change set's own copy: its arrays may grow in place.
      if (!Array.isArray(definition.Tasks)) definition.Tasks = [];
      const tasks = definition.Tasks as unknown[];
      tasks.push(bodyObject(op, 'task'));
      roles.push({ kind: 'task', job: j, task: tasks.length - 1 });
      continue;
    }
    if (nav.toLowerCase() === '$links/inputmediaassets') {
      let uri: unknown;
      if (bodyKind(op) === 'atom') {
        const uris = atom(op, () => readAtomLinks(op.body));
        uri = uris.length === 1 ? uris[0] : undefined;
      } else {
        const body = jsonObject(op);
        // Verbose JSON names the link "uri"; JSON light, "url".
        uri = typeof body.uri === 'string' ? body.uri : body.url;
      }
      if (typeof uri !== 'string') {
        throw new ChangeSetError(op, new HttpError(400, 'BAD_REQUEST', `the link on line ${op.line} of the batch names no one asset: send {"uri": "https://…/api/Assets('nb:cid:UUID:…')"}, or <uri>…</uri> in XML`, { details: { line: op.line } }));
      }
      // Linked as the job's body lists its inputs: bare URIs under the bind form, else entries.
      const bind = definition['InputMediaAssets@odata.bind'];
      if (Array.isArray(bind)) bind.push(uri);
      else {
        if (!Array.isArray(definition.InputMediaAssets)) definition.InputMediaAssets = [];
        (definition.InputMediaAssets as unknown[]).push({ __metadata: { uri } });
      }
      roles.push({ kind: 'input', job: j });
      continue;
    }
    throw unsupported(op, 'is not part of creating a job');
  }
  return { jobs, roles };
}

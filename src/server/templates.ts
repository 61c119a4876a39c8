/**
 * The JobTemplates (and their TaskTemplates) the facade serves, reference §8: created with
 * `POST /api/JobTemplates` (TaskTemplates inline), read, deleted, and named by a Create-Job body's
 * `TemplateId`.
 *
 * Kept as POSTed assets are (assets.ts): with the engine ({@link Engine.setRecord}), so in the store
 * when the server runs with `--data` and back after a restart. The engine keeps records without
 * removal, so a deleted template leaves an empty record behind (a tombstone), which is not served.
 * Templates cannot be updated (Doc-Encode): there is no PUT, PATCH or MERGE.
 */
import { randomUUID } from 'node:crypto';
import type { Engine } from '../run/engine.js';
import type { Profile } from '../validate/validate.js';
import { validateJobTemplate } from '../validate/template.js';
import { JOB_TEMPLATE_ID, type JobTemplate, type JobTemplateDefinition, type TaskTemplateDefinition } from '../job/template.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { HttpError } from './errors.js';
import { listDiagnostics } from './job-check.js';

/** Key prefix of templates among the engine's records. */
const RECORD_KEY = 'server.jobTemplate:';

/** A TaskTemplate as kept and served. */
export interface TaskTemplateRecord {
  readonly Id: string;
  readonly Configuration: string | null;
  readonly Description: string | null;
  readonly MediaProcessorId: string;
  readonly Name: string;
  readonly NumberofInputAssets: number;
  readonly NumberofOutputAssets: number;
  readonly Options: number;
  readonly EncryptionKeyId: string | null;
  readonly EncryptionScheme: string | null;
  readonly EncryptionVersion: string | null;
  readonly InitializationVector: string | null;
}

/** A JobTemplate as kept and served; dates in epoch ms. */
export interface JobTemplateRecord {
  readonly Id: string;
  readonly Name: string;
  readonly Created: number;
  readonly LastModified: number;
  readonly JobTemplateBody: string;
  readonly NumberofInputAssets: number | null;
  readonly TemplateType: number;
  readonly TaskTemplates: readonly TaskTemplateRecord[];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown, otherwise: number): number => (typeof v === 'number' && Number.isInteger(v) ? v : otherwise);

/** A valid template as a record. */
function recordOf(t: JobTemplate, id: string, now: number): JobTemplateRecord {
  return {
    Id: id,
    Name: t.Name,
    Created: now,
    LastModified: now,
    JobTemplateBody: t.JobTemplateBody,
    NumberofInputAssets: t.NumberofInputAssets,
    TemplateType: t.TemplateType,
    TaskTemplates: t.TaskTemplates.map((tt) => ({
      Id: tt.Id,
      Configuration: str(tt.Configuration),
      Description: tt.Description,
      MediaProcessorId: str(tt.MediaProcessorId) ?? '',
      Name: tt.Name,
      NumberofInputAssets: tt.NumberofInputAssets ?? 0,
      NumberofOutputAssets: tt.NumberofOutputAssets ?? 0,
      Options: int(tt.Options, 0),
      EncryptionKeyId: str(tt.EncryptionKeyId),
      EncryptionScheme: str(tt.EncryptionScheme),
      EncryptionVersion: str(tt.EncryptionVersion),
      InitializationVector: str(tt.InitializationVector),
    })),
  };
}

/** A record read back from the store; undefined when it is damaged. */
function readRecord(text: string): JobTemplateRecord | undefined {
  try {
    const v = JSON.parse(text) as JobTemplateRecord;
    if (typeof v !== 'object' || v === null || typeof v.Id !== 'string' || typeof v.JobTemplateBody !== 'string' || !Array.isArray(v.TaskTemplates)) return undefined;
    return v;
  } catch {
    return undefined;
  }
}

/** A record as the definition validateJob expands jobs from (what a client would have POSTed). */
export function definitionOf(r: JobTemplateRecord): JobTemplateDefinition {
  return {
    Id: r.Id,
    Name: r.Name,
    JobTemplateBody: r.JobTemplateBody,
    TemplateType: r.TemplateType,
    NumberofInputAssets: r.NumberofInputAssets,
    TaskTemplates: r.TaskTemplates.map((tt) => {
      const d: TaskTemplateDefinition = {
        Id: tt.Id,
        Name: tt.Name,
        MediaProcessorId: tt.MediaProcessorId,
        NumberofInputAssets: tt.NumberofInputAssets,
        NumberofOutputAssets: tt.NumberofOutputAssets,
        Options: tt.Options,
      };
      if (tt.Configuration !== null) d.Configuration = tt.Configuration;
      if (tt.Description !== null) d.Description = tt.Description;
      if (tt.EncryptionKeyId !== null) d.EncryptionKeyId = tt.EncryptionKeyId;
      if (tt.EncryptionScheme !== null) d.EncryptionScheme = tt.EncryptionScheme;
      if (tt.EncryptionVersion !== null) d.EncryptionVersion = tt.EncryptionVersion;
      if (tt.InitializationVector !== null) d.InitializationVector = tt.InitializationVector;
      return d;
    }),
  };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** What one template check takes; plain data, so it can be posted to a validation worker. */
export interface TemplateCheckRequest {
  readonly text: string;
  readonly profile: Profile;
  readonly maxDiagnostics: number;
}

/** The outcome of a template check: the refusal's parts (a few KiB at most), or valid. */
export type TemplateOutcome =
  | { readonly kind: 'valid' }
  | { readonly kind: 'refused'; readonly code: 'JSON_MALFORMED' | 'VALIDATION_FAILED'; readonly message: string; readonly details: Record<string, unknown> };

/** The refusal of an invalid template: its diagnostics, listed as a refused job's are. */
function refusalOf(diagnostics: readonly Diagnostic[], maxDiagnostics: number): Extract<TemplateOutcome, { kind: 'refused' }> {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const code = diagnostics.some((d) => d.code === 'JSON_MALFORMED') ? 'JSON_MALFORMED' : 'VALIDATION_FAILED';
  const { listed, lines, omitted } = listDiagnostics(diagnostics, maxDiagnostics);
  const tail = omitted > 0 ? `\n… and ${omitted.toLocaleString('en-US')} more` : '';
  return {
    kind: 'refused',
    code,
    message: `the job template has ${plural(errors, 'error')}; no template was created:\n${lines.join('\n')}${tail}`,
    details: { diagnostics: listed, omitted, problems: diagnostics.length, errors, warnings: diagnostics.length - errors },
  };
}

/** The 400 answer to a refused template. */
export function templateRefusal(outcome: Extract<TemplateOutcome, { kind: 'refused' }>): HttpError {
  return new HttpError(400, outcome.code, outcome.message, { details: outcome.details });
}

/**
 * Checks a JobTemplate body as {@link TemplateRegistry.create} does, for a validation worker:
 * a 1 MiB body can take a second or more, which must not stall the event loop.
 */
export function checkTemplate(request: TemplateCheckRequest): TemplateOutcome {
  const r = validateJobTemplate(request.text, { profile: request.profile, maxDiagnostics: request.maxDiagnostics });
  return r.valid && r.template !== undefined ? { kind: 'valid' } : refusalOf(r.diagnostics, request.maxDiagnostics);
}

export class TemplateRegistry {
  readonly #engine: Pick<Engine, 'records' | 'setRecord'>;
  readonly #byId = new Map<string, JobTemplateRecord>();

  /** @param engine - where templates are kept; those kept before (a store reopened) come back */
  constructor(engine: Pick<Engine, 'records' | 'setRecord'>) {
    this.#engine = engine;
    for (const [key, value] of engine.records(RECORD_KEY)) {
      if (value === '') continue; // deleted
      const record = readRecord(value);
      if (record === undefined || `${RECORD_KEY}${record.Id}` !== key) {
        process.emitWarning(`jobgraph server: the store holds a damaged job template record under ${JSON.stringify(key)}; it is not served`, { code: 'JOBGRAPH_TEMPLATE_RECORD' });
        continue;
      }
      this.#byId.set(record.Id, record);
    }
  }

  /** Every template, oldest first. */
  all(): JobTemplateRecord[] {
    return [...this.#byId.values()];
  }

  get(id: string): JobTemplateRecord | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Every TaskTemplate of every template, in template order. */
  taskTemplates(): TaskTemplateRecord[] {
    return this.all().flatMap((t) => t.TaskTemplates);
  }

  /** The templates as validateJob takes them (plain data: it may be posted to a validation worker). */
  definitions(): JobTemplateDefinition[] {
    return this.all().map(definitionOf);
  }

  /**
   * Validates and keeps a template (a POST body, already JSON-parsed or JSON text).
   * @throws HttpError 400 `VALIDATION_FAILED` with the diagnostics; 409 `CONFLICT` for an Id in use
   */
  create(body: unknown, profile: Profile, maxDiagnostics: number): JobTemplateRecord {
    const r = validateJobTemplate(body, { profile, maxDiagnostics });
    if (!r.valid || r.template === undefined) throw templateRefusal(refusalOf(r.diagnostics, maxDiagnostics));
    const given = r.template.Id;
    if (given !== '' && this.#byId.has(given)) throw new HttpError(409, 'CONFLICT', `a job template with Id ${given} exists already; templates cannot be updated: leave Id out to create a new one`);
    // TaskTemplate Ids are the client's (reference §8) and name one TaskTemplate in /api/TaskTemplates.
    const taken = new Set(this.taskTemplates().map((tt) => tt.Id));
    const reused = r.template.TaskTemplates.find((tt) => taken.has(tt.Id));
    if (reused !== undefined) throw new HttpError(409, 'CONFLICT', `TaskTemplate Id ${reused.Id} belongs to another job template already; invent a new GUID for each TaskTemplate`);
    const id = given !== '' && JOB_TEMPLATE_ID.test(given) ? given : `nb:jtid:UUID:${randomUUID()}`;
    const record = recordOf(r.template, id, Date.now());
    this.#engine.setRecord(`${RECORD_KEY}${id}`, JSON.stringify(record));
    this.#byId.set(id, record);
    return record;
  }

  /** Forgets a template; false when there is none with that Id. */
  delete(id: string): boolean {
    if (!this.#byId.has(id)) return false;
    this.#engine.setRecord(`${RECORD_KEY}${id}`, '');
    this.#byId.delete(id);
    return true;
  }
}

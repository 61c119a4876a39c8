/**
 * The Assets the facade serves (reference REST-Asset): those clients create with
 * `POST /api/Assets`, and those the jobs name, registered as the service would have them.
 *
 * jobgraph stores no media: an asset here is its record (name, options, storage account, dates),
 * never files. Where each comes from:
 * - a POSTed asset is kept with the engine ({@link Engine.setRecord}): in the store when the server
 *   runs with `--data`, so it survives a restart; in memory otherwise;
 * - an input asset a job names and nobody POSTed is registered when a job first names it, with that
 *   job's creation time (the service would have refused the job; the emulator takes the link on
 *   trust, as it always has);
 * - a job's output assets are registered when the job is accepted, as the service created them
 *   with the job (reference §4), with the name, options and storage account its TaskBody gives.
 * The last two are derived from the jobs, so they need no storage of their own, and they leave
 * with the job when it is deleted.
 *
 * State: every asset is Initialized (0), outputs included, whether their task has run or not. The
 * REST Asset page says an asset stays Initialized until it is deleted: Publish is deprecated, no
 * longer sets Published (1), and only Initialized and Deleted remain in use.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Engine } from '../run/engine.js';
import type { Job, Task } from '../job/model.js';
import { ID_PREFIX } from '../job/ids.js';
import { closestName } from './odata/errors.js';
import type { Catalog } from './catalog.js';
import { HttpError } from './errors.js';

/** AssetState (REST-Asset). Only Initialized and Deleted are in use; Published is deprecated. */
export const AssetState = { Initialized: 0, Published: 1, Deleted: 2 } as const;

/** AssetCreationOptions (reference §3.2): one value, never a combination (REST-Asset). */
export const AssetCreationOptions = { None: 0, StorageEncrypted: 1, CommonEncryptionProtected: 2, EnvelopeEncryptionProtected: 4 } as const;

/** AssetFormatOption (REST-Asset): None (the default) or AdaptiveStreaming. */
export const AssetFormatOption = { None: 0, AdaptiveStreaming: 1 } as const;

/** The storage account of an asset created without one (the service used the account's default). */
export const DEFAULT_STORAGE_ACCOUNT = 'jobgraph';

/**
 * The host suffix of an asset's `Uri`. The service wrote the asset's blob container,
 * `https://<account>.blob.core.windows.net/asset-<guid>`; jobgraph has no container, and a real
 * blob host under a name anyone may register would send a client's uploads to a stranger, so the
 * shape is kept under `.invalid`, which never resolves (RFC 2606).
 */
export const BLOB_HOST_SUFFIX = 'blob.jobgraph.invalid';

/** Longest Name and AlternateId (REST-Asset). */
export const MAX_ASSET_NAME = 512;
export const MAX_ALTERNATE_ID = 4000;

/** Key prefix of POSTed assets among the engine's records. */
const RECORD_KEY = 'server.asset:';

/** Azure storage account names: 3–24 lowercase letters and digits. */
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;

/** What the facade keeps of an asset; dates in epoch ms. */
export interface AssetRecord {
  readonly Id: string;
  readonly Name: string;
  readonly Options: number;
  readonly FormatOption: number;
  readonly StorageAccountName: string;
  readonly AlternateId: string | null;
  readonly Created: number;
  readonly LastModified: number;
}

/** The properties a client gives in `POST /api/Assets`. */
export type AssetFields = Pick<AssetRecord, 'Name' | 'Options' | 'FormatOption' | 'StorageAccountName' | 'AlternateId'>;

/**
 * The asset's blob container, as `Uri` shows it: `https://<account>.blob.jobgraph.invalid/asset-<guid>`.
 * An id that is not `nb:cid:UUID:<guid>` (a link without a key) is percent-encoded into the path.
 */
export function assetUri(a: Pick<AssetRecord, 'Id' | 'StorageAccountName'>): string {
  const account = STORAGE_ACCOUNT.test(a.StorageAccountName) ? a.StorageAccountName : DEFAULT_STORAGE_ACCOUNT;
  const guid = a.Id.startsWith(ID_PREFIX.asset) ? a.Id.slice(ID_PREFIX.asset.length) : encodeURIComponent(a.Id);
  return `https://${account}.${BLOB_HOST_SUFFIX}/asset-${guid}`;
}

/**
 * The id of a job's output asset `JobOutputAsset(index)`. The service made output assets with
 * fresh ids; here the id is derived from the job id and the index, so that the same asset has the
 * same id in every process (outputs are derived, never stored).
 */
export function outputAssetId(jobId: string, index: number): string {
  const h = createHash('sha256').update(`${jobId}/JobOutputAsset(${index})`).digest('hex');
  // A version-8 (custom) UUID: the variant bits say RFC 4122, the version nibble says "derived".
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${ID_PREFIX.asset}${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The assets one job registered or names. */
interface JobAssets {
  /** Its InputMediaAssets, in POST order (registered by this job or before it). */
  readonly inputs: readonly AssetRecord[];
  /** Its outputs, by output index. */
  readonly outputs: ReadonlyMap<number, AssetRecord>;
}

/**
 * Every asset the facade knows: POSTed ones and those derived from the catalog's jobs. The
 * derived ones are indexed as jobs arrive (in submission order, so that an input's first job is
 * the one that registers it): a request reads only the jobs that are new since the last, so
 * `GET /api/Tasks('…')/InputMediaAssets` does not walk every job. A deletion re-indexes them all.
 */
export class AssetRegistry {
  readonly #catalog: Catalog;
  readonly #engine: Pick<Engine, 'records' | 'setRecord'>;
  readonly #posted = new Map<string, AssetRecord>();
  readonly #byJob = new Map<string, JobAssets>();
  /** Derived assets by id. */
  readonly #derived = new Map<string, AssetRecord>();
  /** Every asset by creation time; undefined once an asset was added. */
  #sorted: AssetRecord[] | undefined;
  /** Jobs of the catalog's list indexed so far, and its count of deletions then. */
  #indexed = 0;
  #deletions = 0;

  /**
   * @param catalog - the jobs whose assets are derived
   * @param engine - where POSTed assets are kept; those kept before (a store reopened) come back
   */
  constructor(catalog: Catalog, engine: Pick<Engine, 'records' | 'setRecord'>) {
    this.#catalog = catalog;
    this.#engine = engine;
    for (const [key, value] of engine.records(RECORD_KEY)) {
      const record = readRecord(value);
      if (record === undefined || `${RECORD_KEY}${record.Id}` !== key) {
        process.emitWarning(`jobgraph server: the store holds a damaged asset record under ${JSON.stringify(key)}; it is not served`, { code: 'JOBGRAPH_ASSET_RECORD' });
        continue;
      }
      this.#posted.set(record.Id, record);
    }
  }

  /** Every asset, oldest first (ties in registration order). */
  all(): AssetRecord[] {
    this.#sync();
    if (this.#sorted === undefined) {
      // Array.prototype.sort is stable: POSTed assets first, then derived ones in submission order.
      this.#sorted = [...this.#posted.values(), ...this.#derived.values()].sort((a, b) => a.Created - b.Created);
    }
    return this.#sorted.slice();
  }

  /** The asset with this id, if any. */
  get(id: string): AssetRecord | undefined {
    const posted = this.#posted.get(id);
    if (posted !== undefined) return posted;
    this.#sync();
    return this.#derived.get(id);
  }

  /** A job's InputMediaAssets, in POST order. */
  jobInputs(job: Job): AssetRecord[] {
    return [...this.#of(job).inputs];
  }

  /** A job's OutputMediaAssets, by output index. */
  jobOutputs(job: Job): AssetRecord[] {
    const outputs = this.#of(job).outputs;
    return [...outputs.keys()].sort((a, b) => a - b).map((i) => outputs.get(i)!);
  }

  /** A task's InputMediaAssets: job inputs and other tasks' outputs, in TaskBody order. */
  taskInputs(job: Job, task: Task): AssetRecord[] {
    const { inputs, outputs } = this.#of(job);
    const out: AssetRecord[] = [];
    for (const ref of task.inputs) {
      const a = ref.kind === 'JobInputAsset' ? inputs[ref.index] : outputs.get(ref.index);
      if (a !== undefined) out.push(a);
    }
    return out;
  }

  /** A task's OutputMediaAssets, in TaskBody order. */
  taskOutputs(job: Job, task: Task): AssetRecord[] {
    const { outputs } = this.#of(job);
    return task.outputs.map((o) => outputs.get(o.index)!);
  }

  /**
   * Creates an empty asset, as `POST /api/Assets` does: kept before this returns.
   * @throws StoreError when the store cannot be written (the asset then does not exist)
   */
  create(fields: AssetFields, now = Date.now()): AssetRecord {
    const record: AssetRecord = { Id: `${ID_PREFIX.asset}${randomUUID()}`, ...fields, Created: now, LastModified: now };
    this.#engine.setRecord(`${RECORD_KEY}${record.Id}`, JSON.stringify(record));
    this.#posted.set(record.Id, record);
    this.#sorted = undefined;
    return record;
  }

  #of(job: Job): JobAssets {
    this.#sync();
    // A job the catalog has not listed yet (it lists a job from its first event): index it now.
    return this.#byJob.get(job.Id) ?? this.#add(job.Id) ?? this.#index(job, Date.now());
  }

  /**
   * Indexes the jobs that arrived since the last call, in submission order; re-indexes every job
   * after a deletion (rare), since an input the deleted job registered may be another's now.
   */
  #sync(): void {
    let { ids, deletions } = this.#catalog.jobIdsSince(this.#indexed);
    if (deletions !== this.#deletions) {
      this.#byJob.clear();
      this.#derived.clear();
      this.#deletions = deletions;
      this.#indexed = 0;
      ids = this.#catalog.jobIdsSince(0).ids;
    }
    if (ids.length === 0) return;
    for (const id of ids) if (!this.#byJob.has(id)) this.#add(id);
    this.#indexed += ids.length;
    this.#sorted = undefined;
  }

  /** Indexes a job of the catalog; undefined if it has none by that id (any more). */
  #add(jobId: string): JobAssets | undefined {
    const job = this.#catalog.jobModel(jobId);
    const view = this.#catalog.job(jobId);
    if (job === undefined || view === undefined) return undefined;
    const assets = this.#index(job, Date.parse(view.Created));
    this.#byJob.set(jobId, assets);
    return assets;
  }

  /** A job's assets, registering those it is the first to name, created at `created`. */
  #index(job: Job, created: number): JobAssets {
    const inputs = job.InputMediaAssets.map((link) => {
      const known = this.#posted.get(link.id) ?? this.#derived.get(link.id);
      if (known !== undefined) return known;
      const a: AssetRecord = { Id: link.id, Name: '', Options: AssetCreationOptions.None, FormatOption: AssetFormatOption.None, StorageAccountName: DEFAULT_STORAGE_ACCOUNT, AlternateId: null, Created: created, LastModified: created };
      this.#derived.set(a.Id, a);
      this.#sorted = undefined;
      return a;
    });
    const outputs = new Map<number, AssetRecord>();
    for (const t of job.Tasks) {
      for (const o of t.outputs) {
        if (outputs.has(o.index)) continue;
        const a: AssetRecord = {
          Id: outputAssetId(job.Id, o.index),
          Name: o.assetName,
          Options: o.assetCreationOptions,
          FormatOption: o.assetFormatOption,
          StorageAccountName: o.storageAccountName ?? DEFAULT_STORAGE_ACCOUNT,
          AlternateId: null,
          Created: created,
          LastModified: created,
        };
        outputs.set(o.index, a);
        this.#derived.set(a.Id, a);
        this.#sorted = undefined;
      }
    }
    return { inputs, outputs };
  }
}

/** A kept record read back, or undefined if it is not one. */
function readRecord(text: string): AssetRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const ok =
    typeof r.Id === 'string' &&
    typeof r.Name === 'string' &&
    Number.isInteger(r.Options) &&
    Number.isInteger(r.FormatOption) &&
    typeof r.StorageAccountName === 'string' &&
    (r.AlternateId === null || typeof r.AlternateId === 'string') &&
    Number.isFinite(r.Created) &&
    Number.isFinite(r.LastModified);
  if (!ok) return undefined;
  const { Id, Name, Options, FormatOption, StorageAccountName, AlternateId, Created, LastModified } = r as unknown as AssetRecord;
  return { Id, Name, Options, FormatOption, StorageAccountName, AlternateId, Created, LastModified };
}

/** Properties of the Asset entity the service sets itself: accepted in a POST body and ignored. */
const READ_ONLY = new Set(['Id', 'State', 'Created', 'LastModified', 'Uri']);
/** Properties a POST body may set. */
const WRITABLE = ['Name', 'Options', 'FormatOption', 'StorageAccountName', 'AlternateId'] as const;

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v));

/**
 * Reads a `POST /api/Assets` body: a JSON object with `Name`, `Options`, `FormatOption`,
 * `StorageAccountName` and `AlternateId`, each optional. Properties the service sets (Id, State,
 * Created, LastModified, Uri), `__metadata` and `odata.*` annotations are ignored, as clients that
 * serialize the whole entity send them; any other property is refused.
 *
 * @returns the fields, defaults filled in: Name `''`, Options None (0; REST-Asset calls it required,
 *   but its own sample omits it), FormatOption None (0), StorageAccountName {@link DEFAULT_STORAGE_ACCOUNT}
 * @throws HttpError `JSON_MALFORMED` (400) for text that is not JSON; `ASSET_INVALID` (400) listing
 *   every problem of a body that is not an Asset
 */
export function parseAssetBody(text: string): AssetFields {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'JSON_MALFORMED', `the request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'ASSET_INVALID', `the request body is ${Array.isArray(body) ? 'an array' : show(body)}, not an Asset: send an object such as {"Name":"MyInput","Options":0}`);
  }
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(b)) {
    if (READ_ONLY.has(key) || key === '__metadata' || key.startsWith('odata.') || (WRITABLE as readonly string[]).includes(key)) continue;
    const near = closestName(key, [...WRITABLE]);
    problems.push(`Assets have no property ${JSON.stringify(key)}${near !== undefined ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; a new asset takes ${WRITABLE.join(', ')}`);
  }
  const optionalString = (name: 'Name' | 'StorageAccountName' | 'AlternateId', max: number): string | null => {
    const v = b[name];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') {
      problems.push(`${name} is ${show(v)}; it is a string`);
      return null;
    }
    if (v.length > max) problems.push(`${name} is ${v.length.toLocaleString('en-US')} characters long; the limit is ${max.toLocaleString('en-US')}`);
    return v;
  };
  const Name = optionalString('Name', MAX_ASSET_NAME) ?? '';
  const AlternateId = optionalString('AlternateId', MAX_ALTERNATE_ID);
  const account = optionalString('StorageAccountName', 24);
  if (account !== null && !STORAGE_ACCOUNT.test(account)) problems.push(`StorageAccountName ${show(account)} is not a storage account name: 3 to 24 lowercase letters and digits`);
  const Options = b.Options ?? AssetCreationOptions.None;
  const allowed = Object.values(AssetCreationOptions) as number[];
  if (!allowed.includes(Options as number)) {
    const combination = Number.isInteger(Options) && (Options as number) > 0 && (Options as number) < 8;
    problems.push(
      `Options is ${show(Options)}; it is one AssetCreationOptions value${combination ? ', never a combination' : ''}: None (0), StorageEncrypted (1), CommonEncryptionProtected (2) or EnvelopeEncryptionProtected (4)`,
    );
  }
  const FormatOption = b.FormatOption ?? AssetFormatOption.None;
  if (FormatOption !== AssetFormatOption.None && FormatOption !== AssetFormatOption.AdaptiveStreaming) {
    problems.push(`FormatOption is ${show(FormatOption)}; it is None (0) or AdaptiveStreaming (1)`);
  }
  if (problems.length > 0) {
    throw new HttpError(400, 'ASSET_INVALID', `the request body is not a valid Asset; no asset was created: ${problems.join('; ')}`, { details: { problems } });
  }
  return { Name, Options: Options as number, FormatOption: FormatOption as number, StorageAccountName: account ?? DEFAULT_STORAGE_ACCOUNT, AlternateId };
}

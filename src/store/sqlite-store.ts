import Database from 'better-sqlite3';
import fs from 'node:fs';
import nodePath from 'node:path';
import { ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import { isEmptyBatch, StoreError, type RunBatch, type RunStore, type StoredJob, type StoredRun, type TaskValue } from './run-store.js';
import { APPLICATION_ID, migrate, SCHEMA_VERSION } from './schema.js';

export interface SqliteStoreOptions {
  /**
   * `normal` (the default): a written batch survives a crash of this process; one that a power cut
   * or a crash of the machine interrupts may be lost, never half-kept. `full`: it survives those
   * too, at the price of an fsync per write.
   */
  synchronous?: 'normal' | 'full';
}

/**
 * How long an open waits for a lock before it reports `STORE_LOCKED`. Short: the lock is held for
 * the whole life of the process that owns the store, so waiting longer would only delay the answer.
 */
const BUSY_TIMEOUT_MS = 100;

/**
 * Segments `load()` reads per query (see readSegments). Small enough that a chunk's bytes stay far
 * below SQLite's 1 GB limit on a value unless segments average over 100 kB.
 */
const SEGMENT_CHUNK = 8192;

type Db = Database.Database;
type Stmt = Database.Statement<unknown[], unknown>;

/** Statements prepared once per store: a write runs only `run()`s on them, a load only `all()`s. */
interface Statements {
  begin: Stmt;
  commit: Stmt;
  rollback: Stmt;
  insertJob: Stmt;
  insertModel: Stmt;
  updateStatus: Stmt;
  updateModel: Stmt;
  insertSegment: Stmt;
  upsertProgress: Stmt;
  upsertOutput: Stmt;
  upsertDue: Stmt;
  deleteDue: Stmt;
  insertOutbox: Stmt;
  deleteOutbox: Stmt;
  upsertMeta: Stmt;
  forgetJob: Stmt;
  forgetModel: Stmt;
  forgetSegments: Stmt;
  forgetProgress: Stmt;
  forgetDue: Stmt;
  forgetOutputs: Stmt;
  jobs: Stmt;
  segments: Stmt;
  segmentChunk: Stmt;
  progress: Stmt;
  due: Stmt;
  outputs: Stmt;
  outbox: Stmt;
  meta: Stmt;
}

/**
 * The durable {@link RunStore}: one SQLite file in WAL mode, held exclusively by one process for as
 * long as the store is open (the OS drops the lock if that process dies, even by SIGKILL).
 *
 * Opening never changes a file that is not ours: the store takes the lock, then reads the file's
 * `application_id`, `user_version` and whether it has any table, and writes nothing unless the file
 * is empty (new), or ours at this or an older schema version.
 */
export class SqliteStore implements RunStore {
  static readonly SCHEMA_VERSION = SCHEMA_VERSION;

  readonly location: string;
  #db: Db | undefined;
  #s: Statements | undefined;

  /** @throws StoreError `STORE_CORRUPT`, `STORE_FOREIGN`, `STORE_VERSION`, `STORE_LOCKED` or `STORE_UNAVAILABLE`. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (typeof path !== 'string' || path === '' || path === ':memory:') {
      throw new ArgumentTypeError(`SqliteStore: expected a file path, got ${describeValue(path)}; use MemoryStore for a store without a file`, 'ERR_INVALID_ARG_VALUE');
    }
    // SQLite would cut the path at a NUL and open (or create) another file: refuse it, as node:fs does.
    if (path.includes('\0')) {
      throw new ArgumentTypeError(`SqliteStore: expected a file path without null bytes, got ${describeValue(path)}`, 'ERR_INVALID_ARG_VALUE');
    }
    // SQLite drops a trailing separator and resolves `.` and `..` itself, so `run.db/` or `run.db/.`
    // would open run.db. The whole path is shown: describeValue would cut a long one before its end.
    const form = directoryForm(path);
    if (form !== undefined) {
      const fix = form === 'a separator' ? 'drop the trailing separator, or add a file name' : 'add a file name';
      throw new ArgumentTypeError(
        `SqliteStore: expected a file path, got ${JSON.stringify(path)}, which ends in ${form} and so names a directory; name a file, not a directory: ${fix}, e.g. ${JSON.stringify(nodePath.join(path, 'run.db'))}`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    checkObject('SqliteStore', '`options`', options);
    // Only undefined means the default, as in Engine.open: a null is a mistake, not a choice.
    const synchronous = options.synchronous === undefined ? 'normal' : options.synchronous;
    if (synchronous !== 'normal' && synchronous !== 'full') {
      throw new ArgumentTypeError(`SqliteStore: expected \`synchronous\` to be 'normal' or 'full', got ${describeValue(synchronous)}; leave it out for the default, 'normal'`, 'ERR_INVALID_ARG_VALUE');
    }
    this.location = path;

    if (hasContent(`${path}-wal`) || hasContent(`${path}-journal`)) probe(path);
    let db: Db;
    try {
      db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    } catch (err) {
      throw openError(path, err);
    }
    try {
      claim(db, path);
      db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      // A checkpoint copies the WAL into the file and syncs both: at SQLite's default (every 1000
      // pages, 4 MB) a big job's submit paid for several. 10,000 pages (40 MB) measured a third
      // faster for a 35 MB job; the WAL is checkpointed and removed on close anyway.
      db.pragma('wal_autocheckpoint = 10000');
      // A -shm file beside the store is stale: in EXCLUSIVE mode SQLite keeps the WAL index in
      // memory, and no other connection can have the file open while we hold the lock. One is
      // left by probe() after a crash, or by a read-only connection of some tool.
      removeQuietly(`${path}-shm`);
    } catch (err) {
      db.close();
      throw openError(path, err);
    }
    try {
      this.#s = prepare(db);
    } catch (err) {
      db.close();
      throw new StoreError(
        'STORE_CORRUPT',
        path,
        `${path}: its tables are not those of a jobgraph store at schema version ${SCHEMA_VERSION} (${messageOf(err)}); restore it from a backup, or move it away to start afresh`,
        { cause: err },
      );
    }
    this.#db = db;
  }

  write(batch: RunBatch): void {
    const s = this.#open();
    let empty: boolean;
    try {
      empty = isEmptyBatch(batch);
    } catch (err) {
      // Not a batch (its lists cannot be read): nothing was begun.
      throw writeError(this.location, err);
    }
    if (empty) return;
    try {
      s.begin.run();
      for (const j of batch.jobs) {
        s.insertJob.run(j.key, text(j.id), text(j.status));
        s.insertModel.run(j.key, text(j.model));
      }
      for (const u of batch.statuses) s.updateStatus.run(text(u.status), u.key);
      for (const u of batch.models) s.updateModel.run(text(u.model), u.key);
      for (const g of batch.segments) s.insertSegment.run(g.job, g.data);
      for (const p of batch.progress) s.upsertProgress.run(p.job, p.task, p.value);
      for (const o of batch.outputs) s.upsertOutput.run(o.job, o.task, o.value);
      for (const d of batch.due) {
        if (d.value === null) s.deleteDue.run(d.job, d.task);
        else s.upsertDue.run(d.job, d.task, d.value);
      }
      for (const m of batch.outboxAdd) s.insertOutbox.run(m.seq, text(m.data));
      for (const seq of batch.outboxDone) s.deleteOutbox.run(seq);
      for (const m of batch.meta) s.upsertMeta.run(text(m.key), text(m.value));
      for (const key of batch.forget) {
        s.forgetJob.run(key);
        s.forgetModel.run(key);
        s.forgetSegments.run(key);
        s.forgetProgress.run(key);
        s.forgetDue.run(key);
        s.forgetOutputs.run(key);
      }
      s.commit.run();
    } catch (err) {
      // SQLite rolls back by itself after some errors (a full disk, an I/O error): only roll back what is still open.
      if (this.#db!.inTransaction) {
        try {
          s.rollback.run();
        } catch {
          // The error that matters is the first one.
        }
      }
      throw writeError(this.location, err);
    }
  }

  load(): StoredRun {
    const s = this.#open();
    try {
      return readAll(s, this.location);
    } catch (err) {
      throw readError(this.location, err);
    }
  }

  /** The rows of `PRAGMA integrity_check`: `['ok']` when SQLite finds nothing wrong. */
  integrityCheck(): string[] {
    this.#open();
    try {
      return this.#db!.prepare('PRAGMA integrity_check').pluck().all() as string[];
    } catch (err) {
      throw readError(this.location, err);
    }
  }

  close(): void {
    const db = this.#db;
    if (db === undefined) return;
    this.#db = undefined;
    this.#s = undefined;
    // The last connection to a WAL database checkpoints it and deletes the -wal file.
    db.close();
  }

  #open(): Statements {
    if (this.#s === undefined) {
      throw new StoreError('STORE_CLOSED', this.location, `the store at ${this.location} was closed; open a new SqliteStore on it`);
    }
    return this.#s;
  }
}

/** What a file holds, read before anything is written to it. */
interface Found {
  applicationId: number;
  version: number;
  hasSchema: boolean;
}

function inspect(db: Db): Found {
  return {
    applicationId: db.pragma('application_id', { simple: true }) as number,
    version: db.pragma('user_version', { simple: true }) as number,
    hasSchema: db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get() !== undefined,
  };
}

/** What to do with a file: create our schema, migrate it, or just open it. Throws for a file that is not ours to open. */
function decide(path: string, f: Found): 'create' | 'migrate' | 'open' {
  if (f.applicationId === 0 && !f.hasSchema) return 'create';
  if (f.applicationId !== APPLICATION_ID) {
    throw new StoreError(
      'STORE_FOREIGN',
      path,
      `${path} is an SQLite database of another program (application_id ${f.applicationId}${f.hasSchema ? ', with tables of its own' : ''}), not a jobgraph store; it was left unchanged: pass another path`,
    );
  }
  if (f.version > SCHEMA_VERSION) {
    throw new StoreError(
      'STORE_VERSION',
      path,
      `${path} is a jobgraph store at schema version ${f.version}, written by a newer jobgraph; this one reads up to version ${SCHEMA_VERSION}. It was left unchanged: upgrade jobgraph to open it`,
    );
  }
  return f.version < SCHEMA_VERSION ? 'migrate' : 'open';
}

/** What makes the path, by its form alone, name a directory (its last segment is empty, `.` or `..`), or undefined. */
function directoryForm(path: string): 'a separator' | '`.`' | '`..`' | undefined {
  const last = path.split(process.platform === 'win32' ? /[\\/]/ : '/').pop();
  return last === '' ? 'a separator' : last === '.' ? '`.`' : last === '..' ? '`..`' : undefined;
}

function isDirectory(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function hasContent(file: string): boolean {
  // stat, not open: closing any descriptor of a file drops every POSIX lock this process holds on
  // it, including SQLite's (SQLite's own opens are safe, it shares one descriptor per file).
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

/**
 * Decides through a read-only connection, for a file with a -wal or rollback journal holding
 * something. A read-write connection would first complete the previous owner's crash recovery:
 * roll back the hot journal, or, when it closes, copy the WAL into the file and delete it. That is
 * fine for our store, but not for a file we are about to refuse. A read-only connection does
 * neither (it may create the -shm index beside a WAL file, which is transient by design).
 */
function probe(path: string): void {
  let db: Db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    // The generic "check that its directory exists" would send the user the wrong way.
    if (!fs.existsSync(path)) {
      const side = hasContent(`${path}-wal`) ? `${path}-wal` : `${path}-journal`;
      throw new StoreError(
        'STORE_UNAVAILABLE',
        path,
        `${path} does not exist, but ${side} beside it holds changes of a database: the database is missing (moved or deleted without it); ${side} was left as it was and nothing was created: put the database back, or move ${side} away to start afresh`,
        { cause: err },
      );
    }
    throw openError(path, err);
  }
  try {
    decide(path, inspect(db));
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_READONLY_ROLLBACK') {
      throw new StoreError(
        'STORE_FOREIGN',
        path,
        `${path} has an unfinished transaction in ${path}-journal, which a jobgraph store never has (it uses a WAL): it is another program's database, left unchanged; open it with that program first, or pass another path`,
        { cause: err },
      );
    }
    throw openError(path, err);
  } finally {
    db.close();
  }
}

/**
 * Takes the lock, decides from what the file holds, and creates or migrates our schema if (and only
 * if) the file is empty, or ours and older. For every other file it throws, having written nothing.
 */
function claim(db: Db, path: string): void {
  // In EXCLUSIVE mode SQLite keeps every lock it takes until the connection closes. BEGIN IMMEDIATE
  // takes the write lock before anything is read: RESERVED on a file in rollback mode, EXCLUSIVE at
  // once on a file in WAL mode (there, even a read takes EXCLUSIVE). A second connection or process
  // then gets SQLITE_BUSY. Neither statement writes to the file.
  db.pragma('locking_mode = EXCLUSIVE');
  db.exec('BEGIN IMMEDIATE');
  let found: Found;
  let action: 'create' | 'migrate' | 'open';
  try {
    found = inspect(db);
    action = decide(path, found);
    // Empty, so it writes nothing; in rollback mode it turns RESERVED into EXCLUSIVE, kept from now on.
    db.exec('COMMIT');
  } catch (err) {
    rollback(db);
    throw err;
  }
  // WAL before our schema, so that a store's schema is only ever written through the WAL: a file
  // with a hot rollback journal is then never ours (see probe()).
  if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') {
    throw new StoreError('STORE_UNAVAILABLE', path, `${path}: SQLite cannot put the store in WAL mode on this file system; use a path on a local disk`);
  }
  if (action === 'open') return;
  db.exec('BEGIN IMMEDIATE');
  try {
    upgrade(db, path, action === 'create' ? 0 : found.version);
    if (action === 'create') db.pragma(`application_id = ${APPLICATION_ID}`);
    db.exec('COMMIT');
  } catch (err) {
    rollback(db);
    throw err;
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Stale and harmless: not worth failing the open for.
  }
}

function rollback(db: Db): void {
  try {
    if (db.inTransaction) db.exec('ROLLBACK');
  } catch {
    // The error that matters is the one that led here.
  }
}

/**
 * Migrates to our version inside claim()'s transaction. A migration that fails for a reason other
 * than the disk or the lock met tables it did not expect: `STORE_CORRUPT`, and the rollback leaves
 * the file as it was.
 */
function upgrade(db: Db, path: string, from: number): void {
  try {
    migrate(db, from, SCHEMA_VERSION);
  } catch (err) {
    if (/^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|PERM|NOTADB|CORRUPT)/.test(sqliteCode(err))) throw err;
    throw new StoreError(
      'STORE_CORRUPT',
      path,
      `${path}: the jobgraph store cannot be migrated from schema version ${from} to ${SCHEMA_VERSION} (${messageOf(err)}); it was left unchanged at version ${from}: restore it from a backup, or report this to jobgraph`,
      { cause: err },
    );
  }
}

function prepare(db: Db): Statements {
  const p = (sql: string): Stmt => db.prepare<unknown[], unknown>(sql);
  const rows = (sql: string): Stmt => p(sql).raw(true);
  return {
    // The lock is already ours, so IMMEDIATE never waits; it only says this transaction writes.
    begin: p('BEGIN IMMEDIATE'),
    commit: p('COMMIT'),
    rollback: p('ROLLBACK'),
    insertJob: p('INSERT INTO jobs (key, id, status) VALUES (?, ?, ?)'),
    insertModel: p('INSERT INTO models (job, model) VALUES (?, ?)'),
    updateStatus: p('UPDATE jobs SET status = ? WHERE key = ?'),
    updateModel: p('UPDATE models SET model = ? WHERE job = ?'),
    insertSegment: p('INSERT INTO segments (job, data) VALUES (?, ?)'),
    upsertProgress: p('INSERT INTO progress (job, task, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
    upsertOutput: p('INSERT INTO outputs (job, task, data) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data'),
    upsertDue: p('INSERT INTO due (job, task, at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET at = excluded.at'),
    deleteDue: p('DELETE FROM due WHERE job = ? AND task = ?'),
    insertOutbox: p('INSERT INTO outbox (seq, data) VALUES (?, ?)'),
    deleteOutbox: p('DELETE FROM outbox WHERE seq = ?'),
    upsertMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
    forgetJob: p('DELETE FROM jobs WHERE key = ?'),
    forgetModel: p('DELETE FROM models WHERE job = ?'),
    forgetSegments: p('DELETE FROM segments WHERE job = ?'),
    forgetProgress: p('DELETE FROM progress WHERE job = ?'),
    forgetDue: p('DELETE FROM due WHERE job = ?'),
    forgetOutputs: p('DELETE FROM outputs WHERE job = ?'),
    jobs: rows('SELECT jobs.key, jobs.id, models.model, jobs.status FROM jobs JOIN models ON models.job = jobs.key ORDER BY jobs.key'),
    segments: rows('SELECT job, data FROM segments ORDER BY seq'),
    segmentChunk: rows(
      `SELECT count(*), max(seq), group_concat(seq), group_concat(job), group_concat(length(data)), CAST(group_concat(data, '') AS BLOB),
              sum(typeof(job) <> 'integer' OR typeof(data) <> 'blob')
       FROM (SELECT seq, job, data FROM segments WHERE seq > ? ORDER BY seq LIMIT ${SEGMENT_CHUNK})`,
    ),
    progress: rows('SELECT job, task, value FROM progress ORDER BY job, task'),
    due: rows('SELECT job, task, at FROM due ORDER BY job, task'),
    outputs: rows('SELECT job, task, data FROM outputs ORDER BY job, task'),
    outbox: rows('SELECT seq, data FROM outbox ORDER BY seq'),
    meta: rows('SELECT key, value FROM meta ORDER BY key'),
  };
}

/** Reads every table, checking each value's type: a wrong one is a `STORE_CORRUPT` naming its table. */
function readAll(s: Statements, path: string): StoredRun {
  const bad = (table: string, row: unknown[]): StoreError =>
    new StoreError(
      'STORE_CORRUPT',
      path,
      `${path}: table ${table} holds a row jobgraph never writes (${describeValue(row)}); restore the store from a backup, or move it away to start afresh`,
    );

  const jobs: StoredJob[] = [];
  for (const r of s.jobs.all() as unknown[][]) {
    const key = r[0];
    const id = r[1];
    const model = r[2];
    const status = r[3];
    if (!isInteger(key) || typeof id !== 'string' || typeof model !== 'string' || typeof status !== 'string') throw bad('jobs', r);
    jobs.push({ key, id, model, status });
  }

  const segments = readSegments(s, bad);

  const progress = taskValues(s.progress, 'progress', isNumber, bad);
  const due = taskValues(s.due, 'due', isNumber, bad);
  const outputs = taskValues(s.outputs, 'outputs', (v): v is Uint8Array => v instanceof Uint8Array, bad);

  const outbox: Array<{ seq: number; data: string }> = [];
  for (const r of s.outbox.all() as unknown[][]) {
    const seq = r[0];
    const data = r[1];
    if (!isInteger(seq) || typeof data !== 'string') throw bad('outbox', r);
    outbox.push({ seq, data });
  }

  const meta = new Map<string, string>();
  for (const r of s.meta.all() as unknown[][]) {
    const key = r[0];
    const value = r[1];
    if (typeof key !== 'string' || typeof value !== 'string') throw bad('meta', r);
    meta.set(key, value);
  }

  return { jobs, segments, progress, due, outputs, outbox, meta };
}

/**
 * Every job's segments, in writing order.
 *
 * The obvious query, a row per segment, costs better-sqlite3 a row array and a Buffer (with its own
 * ArrayBuffer) per segment, and is the bulk of `load()`: about 240 ms for 60k segments on the
 * machine this was measured on. Instead each chunk of segments comes back as one row: their seqs,
 * jobs and lengths as comma-separated integers and their bytes concatenated into one blob, which
 * is then cut into views (about 100 ms for the same 60k). The three lists come from the same
 * aggregate, so they line up; that the aggregate sees the rows in seq order is what SQLite does but
 * does not promise, so the seqs are checked, and any surprise (or a chunk too big for one SQLite
 * value) falls back to the row-per-segment query.
 */
function readSegments(s: Statements, bad: (table: string, row: unknown[]) => StoreError): Map<number, Uint8Array[]> {
  const segments = new Map<number, Uint8Array[]>();
  const list = (job: number): Uint8Array[] => {
    let l = segments.get(job);
    if (l === undefined) segments.set(job, (l = []));
    return l;
  };
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    let r: unknown[];
    try {
      r = s.segmentChunk.get(after) as unknown[];
    } catch (err) {
      if (sqliteCode(err) === 'SQLITE_TOOBIG') return readSegmentsByRow(s, bad);
      throw err;
    }
    const count = r[0];
    if (count === 0) return segments;
    const [, maxSeq, seqs, jobs, lengths, blob, badRows] = r;
    if (badRows !== 0) throw bad('segments', ['a job that is not an integer, or data that is not a blob']);
    if (!isInteger(count) || !isInteger(maxSeq) || typeof seqs !== 'string' || typeof jobs !== 'string' || typeof lengths !== 'string' || !(blob instanceof Uint8Array)) {
      return readSegmentsByRow(s, bad);
    }
    const seq = new IntList(seqs);
    const job = new IntList(jobs);
    const length = new IntList(lengths);
    let offset = blob.byteOffset;
    let previous = after;
    let lastJob = Number.NaN;
    let lastList: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const q = seq.next();
      const j = job.next();
      const n = length.next();
      if (!(q > previous) || Number.isNaN(j) || Number.isNaN(n)) return readSegmentsByRow(s, bad);
      previous = q;
      if (j !== lastJob) {
        lastJob = j;
        lastList = list(j);
      }
      lastList.push(new Uint8Array(blob.buffer, offset, n));
      offset += n;
    }
    if (offset !== blob.byteOffset + blob.byteLength || previous !== maxSeq) return readSegmentsByRow(s, bad);
    after = maxSeq;
  }
}

/** The plain way, a row per segment: the fallback of readSegments. */
function readSegmentsByRow(s: Statements, bad: (table: string, row: unknown[]) => StoreError): Map<number, Uint8Array[]> {
  const segments = new Map<number, Uint8Array[]>();
  for (const r of s.segments.all() as unknown[][]) {
    const job = r[0];
    const data = r[1];
    if (!isInteger(job) || !(data instanceof Uint8Array)) throw bad('segments', r);
    let list = segments.get(job);
    if (list === undefined) segments.set(job, (list = []));
    list.push(data);
  }
  return segments;
}

/** Reads the integers of a comma-separated list, such as group_concat makes, without allocating. */
class IntList {
  #text: string;
  #at = 0;
  constructor(text: string) {
    this.#text = text;
  }
  /** The next integer, or NaN if the next item is not one. */
  next(): number {
    const t = this.#text;
    let i = this.#at;
    const negative = t.charCodeAt(i) === 45; // '-'
    if (negative) i++;
    const start = i;
    let n = 0;
    for (; i < t.length; i++) {
      const d = t.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === start || (i < t.length && t.charCodeAt(i) !== 44) || n > Number.MAX_SAFE_INTEGER) return Number.NaN;
    this.#at = i + 1;
    return negative ? -n : n;
  }
}

function taskValues<T>(stmt: Stmt, table: string, is: (v: unknown) => v is T, bad: (table: string, row: unknown[]) => StoreError): Array<TaskValue<T>> {
  const out: Array<TaskValue<T>> = [];
  for (const r of stmt.all() as unknown[][]) {
    const job = r[0];
    const task = r[1];
    const value = r[2];
    if (!isInteger(job) || !isInteger(task) || !is(value)) throw bad(table, r);
    out.push({ job, task, value });
  }
  return out;
}

function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/**
 * A string SQLite can give back as it was: one with a lone surrogate would be stored as invalid
 * UTF-8 and read back as U+FFFD characters, so it is refused. Free for one-byte strings.
 */
function text(s: string): string {
  if (!s.isWellFormed()) throw new TypeError(`a string with a lone surrogate (${describeValue(s)}) cannot be stored as written`);
  return s;
}

function sqliteCode(err: unknown): string {
  return err instanceof Database.SqliteError ? err.code : '';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A StoreError for a failure while opening, from what SQLite (or better-sqlite3) said. */
function openError(path: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError('STORE_LOCKED', path, `${path}: another process has the store open; stop it, or use another file`, { cause: err });
  }
  if (code === 'SQLITE_NOTADB') {
    return new StoreError('STORE_CORRUPT', path, `${path} is not an SQLite database, so not a jobgraph store; it was left unchanged: pass another path, or move the file away`, { cause: err });
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError('STORE_CORRUPT', path, `${path} is a damaged SQLite database (${messageOf(err)}); it was left unchanged: restore it from a backup, or move it away to start afresh`, { cause: err });
  }
  // Asked only once the open has failed: SQLite's own words for a directory are "unable to open database file".
  if (isDirectory(path)) {
    return new StoreError('STORE_UNAVAILABLE', path, `${path} is a directory, so it cannot be a store; name a file, not a directory, e.g. ${nodePath.join(path, 'run.db')}`, { cause: err });
  }
  // A missing directory (better-sqlite3 says so itself, with a TypeError), no permission, a
  // read-only file system, a full disk: nothing we can fix from here.
  return new StoreError(
    'STORE_UNAVAILABLE',
    path,
    `${path} cannot be opened or created (${messageOf(err)}); check that its directory exists and is writable, and that the disk has room`,
    { cause: err },
  );
}

function writeError(path: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError('STORE_LOCKED', path, `${path}: the write waited for a lock that another connection holds; nothing of the batch was written`, { cause: err });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError('STORE_CORRUPT', path, `${path} turned out damaged while writing (${messageOf(err)}); nothing of the batch was written: restore the store from a backup`, { cause: err });
  }
  return new StoreError('STORE_WRITE_FAILED', path, `${path}: a write failed (${messageOf(err)}); nothing of the batch was written`, { cause: err });
}

function readError(path: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError('STORE_CORRUPT', path, `${path} is damaged (${messageOf(err)}); restore it from a backup, or move it away to start afresh`, { cause: err });
  }
  return new StoreError('STORE_UNAVAILABLE', path, `${path} cannot be read (${messageOf(err)}); check the disk and the file's permissions`, { cause: err });
}

import type Database from 'better-sqlite3';

/**
 * The SQLite store's schema and its migrations.
 *
 * The version lives in `PRAGMA user_version` (a header field, so it can be read before any table),
 * next to our `application_id`. A store is only ever moved forward: `MIGRATIONS[v]` turns version
 * `v` into `v + 1`, and `MIGRATIONS[0]` creates version 1 in an empty file.
 */

/** The schema version this jobgraph writes. Raise it only together with a new entry in MIGRATIONS. */
export const SCHEMA_VERSION = 2;

/**
 * 'jbgr' in ASCII (0x6a 0x62 0x67 0x72) as a big-endian 32-bit integer: our `PRAGMA application_id`,
 * which tells our files from other programs' SQLite files without looking at their tables.
 */
export const APPLICATION_ID = 0x6a626772;

type Db = Database.Database;

/**
 * Version 1. Every table is STRICT, so SQLite refuses a value of the wrong type at write time
 * (`1.5` as a key, a string as a blob) instead of storing something `load()` would then have to
 * reject; and NOT NULL, because SQLite stores a NaN as NULL.
 *
 * - `jobs` is keyed by the engine's key (a rowid alias: scanning it gives ascending keys for free).
 *   `id` is UNIQUE so that two jobs can never share an Id, whatever the engine does. A job's model
 *   (megabytes for a big job) lives in `models`, apart from its small, changing `status`: SQLite
 *   rewrites a whole row, overflow pages and all, to change one column of it, and an update of
 *   the status of a 10,000-task job cost 27 ms with the model in the same row.
 * - `segments` is an append-only rowid table: `seq` is the order of writing, so a scan in rowid
 *   order gives every job's segments in order without sorting. The index on `job` (whose entries
 *   end with the rowid, so it is in effect `(job, seq)`) serves `forget`.
 * - `progress`, `due` and `outputs` hold one value per task and are replaced in place: WITHOUT
 *   ROWID tables keyed by (job, task), one b-tree each, no separate index.
 * - `outbox` is keyed by the engine's `seq` (ascending, never reused).
 * - `meta` is a handful of small settings, and the small records an embedder keeps with
 *   `Engine.setRecord` under `record:` (the REST server's POSTed assets, a few hundred bytes each).
 */
function createV1(db: Db): void {
  db.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
    CREATE TABLE jobs (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, status TEXT NOT NULL) STRICT;
    CREATE TABLE models (job INTEGER PRIMARY KEY, model TEXT NOT NULL) STRICT;
    CREATE TABLE segments (seq INTEGER PRIMARY KEY, job INTEGER NOT NULL, data BLOB NOT NULL) STRICT;
    CREATE INDEX segments_by_job ON segments (job);
    CREATE TABLE progress (job INTEGER NOT NULL, task INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (job, task)) STRICT, WITHOUT ROWID;
    CREATE TABLE due (job INTEGER NOT NULL, task INTEGER NOT NULL, at REAL NOT NULL, PRIMARY KEY (job, task)) STRICT, WITHOUT ROWID;
    CREATE TABLE outputs (job INTEGER NOT NULL, task INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (job, task)) STRICT, WITHOUT ROWID;
    CREATE TABLE outbox (seq INTEGER PRIMARY KEY, data TEXT NOT NULL) STRICT;
  `);
}

/**
 * Version 2: a job's segments may hold the tasks added to it (`Engine.addTasks`) besides its
 * events (journal format 2), rather than its model being written again, grown, at each addition.
 * No table changes: the version only keeps a jobgraph of version 1, which would take such a
 * segment for damage, from opening the file (it refuses it: STORE_VERSION).
 */
function toV2(): void {}

/** `MIGRATIONS[v]` moves a store from version `v` to `v + 1`. Never edit a shipped entry: append. */
export const MIGRATIONS: ReadonlyArray<(db: Db) => void> = [createV1, toV2];

/**
 * Runs `migrations[from]` … `migrations[to - 1]` and records `to` in `user_version`. It must run
 * inside the caller's transaction, so that a failure leaves the file at `from`, untouched.
 */
export function migrate(db: Db, from: number, to: number, migrations: ReadonlyArray<(db: Db) => void> = MIGRATIONS): void {
  if (!db.inTransaction) throw new Error('migrate() must run inside a transaction, so that a failed migration changes nothing');
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to > migrations.length) {
    throw new RangeError(`cannot migrate a store from version ${from} to ${to}: migrations exist from 0 up to ${migrations.length}`);
  }
  for (let v = from; v < to; v++) migrations[v]!(db);
  // A pragma cannot take a bound parameter; `to` is a checked integer.
  db.pragma(`user_version = ${to}`);
}

import Database from 'better-sqlite3';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { StoreError, type RunBatch, type StoreErrorCode } from '../../../src/store/run-store.js';
import { APPLICATION_ID, migrate, MIGRATIONS, SCHEMA_VERSION } from '../../../src/store/schema.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { batch, bytes, catchError, describeRunStore, job, plain } from './conformance.js';

const HOLDER = fileURLToPath(new URL('./fixtures/hold-store.ts', import.meta.url));
const SIDECARS = ['-wal', '-shm', '-journal'];

let dir: string;
let count = 0;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobgraph-store-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A path for a new store file in the test directory. */
function fresh(): string {
  return path.join(dir, `store-${++count}.db`);
}

function hash(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function sidecars(file: string): string[] {
  return SIDECARS.filter((s) => fs.existsSync(file + s));
}

/** Opens `file`, expects a refusal with `code`, and checks that the file is byte for byte as it was, with no file of ours beside it. */
function expectRefused(file: string, code: StoreErrorCode, message: RegExp): StoreError {
  const before = hash(file);
  const sidecarsBefore = sidecars(file);
  const err = catchError(() => new SqliteStore(file));
  expect(err).toBeInstanceOf(StoreError);
  const e = err as StoreError;
  expect(e.code).toBe(code);
  expect(e.location).toBe(file);
  expect(e.message).toContain(file);
  expect(e.message).toMatch(message);
  expect(hash(file)).toBe(before);
  expect(sidecars(file)).toEqual(sidecarsBefore);
  return e;
}

/**
 * The files another program leaves when it dies in the middle of its work: `work` runs on a
 * connection to a new database, whose files are then copied, while that connection is still open,
 * to the path returned.
 */
function crashed(work: (db: Database.Database) => void, from?: string): string {
  const source = from ?? fresh();
  const db = new Database(source);
  try {
    work(db);
    const copy = fresh();
    for (const suffix of ['', ...SIDECARS]) if (fs.existsSync(source + suffix)) fs.copyFileSync(source + suffix, copy + suffix);
    return copy;
  } finally {
    db.close();
  }
}

function hashes(file: string): Record<string, string> {
  return Object.fromEntries(['', '-wal', '-journal'].filter((s) => fs.existsSync(file + s)).map((s) => [s, hash(file + s)]));
}

/** A store at `file` holding a few jobs, closed. */
function makeStore(file: string, jobs = 3): void {
  const store = new SqliteStore(file);
  for (let k = 1; k <= jobs; k++) store.write(batch({ jobs: [job(k)], segments: [{ job: k, data: new Uint8Array(500).fill(k) }] }));
  store.close();
}

/**
 * Runs `fn` on a plain better-sqlite3 connection to `file`, closed afterwards. Read-write even to
 * only read: a read-only connection leaves -wal and -shm files behind, which the tests count.
 */
function raw(file: string, fn: (db: Database.Database) => void): void {
  const db = new Database(file);
  try {
    fn(db);
  } finally {
    db.close();
  }
}

describeRunStore('SqliteStore', () => new SqliteStore(fresh()));

describe('SqliteStore', () => {
  it('creates a new file with our application_id and schema version, in WAL mode', () => {
    const file = fresh();
    const store = new SqliteStore(file);
    expect(store.location).toBe(file);
    expect(SqliteStore.SCHEMA_VERSION).toBe(SCHEMA_VERSION);
    expect(store.integrityCheck()).toEqual(['ok']);
    store.close();
    raw(
      file,
      (db) => {
        expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
        expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual([
          'due',
          'jobs',
          'meta',
          'models',
          'outbox',
          'outputs',
          'progress',
          'segments',
        ]);
      },
    );
  });

  it('keeps everything across close and reopen, and leaves no -wal file behind', () => {
    const file = fresh();
    const written = batch({
      jobs: [job(1), job(2)],
      segments: [{ job: 1, data: bytes(1) }, { job: 2, data: bytes(2) }, { job: 1, data: bytes(3) }],
      progress: [{ job: 1, task: 0, value: 0.5 }],
      due: [{ job: 2, task: 1, value: 123 }],
      outputs: [{ job: 2, task: 0, value: bytes(4) }],
      outboxAdd: [{ seq: 7, data: 'n' }],
      meta: [{ key: 'k', value: 'v' }],
    });
    const first = new SqliteStore(file);
    first.write(written);
    const before = plain(first.load());
    first.close();
    expect(sidecars(file)).toEqual([]);
    const second = new SqliteStore(file);
    expect(plain(second.load())).toEqual(before);
    second.write(batch({ segments: [{ job: 2, data: bytes(5) }] }));
    second.close();
    const third = new SqliteStore(file);
    expect(plain(third.load()).segments).toEqual([
      [1, [[1], [3]]],
      [2, [[2], [5]]],
    ]);
    third.close();
  });

  it("works with synchronous: 'full', and refuses an unknown setting or a path that is not a file", () => {
    const file = fresh();
    const store = new SqliteStore(file, { synchronous: 'full' });
    store.write(batch({ jobs: [job(1)] }));
    store.close();
    const again = new SqliteStore(file, { synchronous: 'normal' });
    expect(plain(again.load()).jobs).toEqual([job(1)]);
    again.close();
    expect(() => new SqliteStore(fresh(), { synchronous: 'off' as 'full' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => new SqliteStore(':memory:')).toThrow(/MemoryStore/);
    expect(() => new SqliteStore('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('refuses a path with a null byte (SQLite would open the file named by the part before it), creating nothing', () => {
    const before = fresh();
    expect(() => new SqliteStore(`${before}\0.other`)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/null bytes/) }));
    expect(fs.existsSync(before)).toBe(false);
  });

  it('refuses options that are not an object with ERR_INVALID_ARG_TYPE, not a bare TypeError', () => {
    const file = fresh();
    expect(() => new SqliteStore(file, null as unknown as {})).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/`options`/) }));
    expect(fs.existsSync(file)).toBe(false);
  });

  it('reads segments back across many load chunks, in order, including empty ones', () => {
    const store = new SqliteStore(fresh());
    const segments: RunBatch['segments'] = [];
    for (let i = 0; i < 20_000; i++) segments.push({ job: 1 + (i % 7), data: i % 5 === 0 ? bytes() : bytes(i & 255, (i >> 8) & 255) });
    store.write(batch({ segments }));
    const run = store.load();
    for (let job = 1; job <= 7; job++) {
      const expected = segments.filter((s) => s.job === job).map((s) => [...s.data]);
      expect(run.segments.get(job)!.map((d) => [...d])).toEqual(expected);
    }
    store.close();
  });

  it('reports a failed write as STORE_WRITE_FAILED with SQLite’s error as the cause', () => {
    const store = new SqliteStore(fresh());
    store.write(batch({ jobs: [job(1)] }));
    const err = catchError(() => store.write(batch({ jobs: [job(1)] }))) as StoreError;
    expect(err.code).toBe('STORE_WRITE_FAILED');
    expect(err.cause).toBeInstanceOf(Database.SqliteError);
    expect((err.cause as { code: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    store.close();
  });

  describe('never changes a file that is not ours', () => {
    it('refuses a file of random bytes: STORE_CORRUPT', () => {
      const file = fresh();
      fs.writeFileSync(file, randomBytes(8192));
      expectRefused(file, 'STORE_CORRUPT', /is not an SQLite database.*left unchanged/);
    });

    it('refuses a short text file: STORE_CORRUPT', () => {
      const file = fresh();
      fs.writeFileSync(file, 'hello\n');
      expectRefused(file, 'STORE_CORRUPT', /is not an SQLite database/);
    });

    it('refuses a truncated store: STORE_CORRUPT', () => {
      const file = fresh();
      makeStore(file, 20);
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2 / 4096) * 4096);
      expectRefused(file, 'STORE_CORRUPT', /damaged.*restore it from a backup/);
    });

    it('refuses a store cut inside its header: STORE_CORRUPT', () => {
      const file = fresh();
      makeStore(file);
      fs.truncateSync(file, 60);
      expectRefused(file, 'STORE_CORRUPT', /damaged/);
    });

    it('refuses another program’s database: STORE_FOREIGN', () => {
      const file = fresh();
      raw(file, (db) => {
        db.exec('CREATE TABLE jobs (a, b); INSERT INTO jobs VALUES (1, 2)');
      });
      expectRefused(file, 'STORE_FOREIGN', /another program \(application_id 0, with tables of its own\).*pass another path/);
    });

    it('refuses another program’s database in WAL mode: STORE_FOREIGN', () => {
      const file = fresh();
      raw(file, (db) => {
        db.pragma('journal_mode = WAL');
        db.exec('CREATE TABLE theirs (a)');
      });
      expectRefused(file, 'STORE_FOREIGN', /another program/);
    });

    it('refuses another program’s database left with a WAL to recover, leaving the database and its -wal as they were: STORE_FOREIGN', () => {
      const file = crashed((db) => {
        db.pragma('journal_mode = WAL');
        db.pragma('wal_autocheckpoint = 0');
        db.exec('CREATE TABLE theirs (a); INSERT INTO theirs VALUES (1)');
      });
      expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
      const before = hashes(file);
      expectRefused(file, 'STORE_FOREIGN', /another program/);
      expect(hashes(file)).toEqual(before);
    });

    it('refuses another program’s database with a hot rollback journal, without rolling it back: STORE_FOREIGN', () => {
      const file = crashed((db) => {
        db.exec('CREATE TABLE theirs (a)');
        // A small cache makes SQLite write pages to the file before the commit: the journal is hot.
        db.pragma('cache_size = 1');
        db.exec('BEGIN');
        const insert = db.prepare('INSERT INTO theirs VALUES (?)');
        for (let i = 0; i < 100; i++) insert.run('x'.repeat(2000));
      });
      expect(fs.statSync(`${file}-journal`).size).toBeGreaterThan(0);
      const before = hashes(file);
      expectRefused(file, 'STORE_FOREIGN', /unfinished transaction.*another program/);
      expect(hashes(file)).toEqual(before);
    });

    it('refuses a newer jobgraph’s store left with a WAL to recover, leaving it as it was: STORE_VERSION', () => {
      const store = fresh();
      makeStore(store);
      const file = crashed((db) => {
        db.pragma('wal_autocheckpoint = 0');
        db.pragma('user_version = 99');
      }, store);
      expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
      const before = hashes(file);
      expectRefused(file, 'STORE_VERSION', /schema version 99/);
      expect(hashes(file)).toEqual(before);
    });

    it('refuses an empty database with another application_id: STORE_FOREIGN', () => {
      const file = fresh();
      raw(file, (db) => {
        db.pragma('application_id = 305419896');
      });
      expectRefused(file, 'STORE_FOREIGN', /application_id 305419896\)/);
    });

    it('refuses a store written by a newer jobgraph: STORE_VERSION', () => {
      const file = fresh();
      raw(file, (db) => {
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma('user_version = 99');
        db.exec('CREATE TABLE from_the_future (a)');
      });
      const err = expectRefused(file, 'STORE_VERSION', new RegExp(`schema version 99.*newer jobgraph.*up to version ${SCHEMA_VERSION}\\b.*upgrade jobgraph`));
      expect(err.message).toContain(String(SCHEMA_VERSION));
    });

    it('refuses a real store whose version was raised (WAL mode): STORE_VERSION', () => {
      const file = fresh();
      makeStore(file);
      raw(file, (db) => {
        db.pragma('user_version = 99');
      });
      expectRefused(file, 'STORE_VERSION', /upgrade jobgraph/);
    });

    it('refuses a store whose tables are not ours: STORE_CORRUPT', () => {
      const file = fresh();
      makeStore(file);
      raw(file, (db) => {
        db.exec('DROP TABLE progress');
      });
      expectRefused(file, 'STORE_CORRUPT', /tables are not those of a jobgraph store/);
    });
  });

  it('reports a row of the wrong type as STORE_CORRUPT naming its table, and does not crash', () => {
    const file = fresh();
    makeStore(file);
    raw(file, (db) => {
      // STRICT tables refuse such a row, so the table is swapped for a lax one.
      db.exec('DROP TABLE outbox; CREATE TABLE outbox (seq INTEGER PRIMARY KEY, data TEXT NOT NULL); INSERT INTO outbox VALUES (1, x\'00\')');
    });
    const store = new SqliteStore(file);
    expect(() => store.load()).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT', message: expect.stringMatching(/table outbox/) }));
    store.close();
  });

  it('reports a segment of the wrong type as STORE_CORRUPT naming the segments table', () => {
    const file = fresh();
    makeStore(file);
    raw(file, (db) => {
      db.exec(`DROP TABLE segments;
        CREATE TABLE segments (seq INTEGER PRIMARY KEY, job INTEGER NOT NULL, data BLOB NOT NULL);
        CREATE INDEX segments_by_job ON segments (job);
        INSERT INTO segments (job, data) VALUES (1, x'01'), (1, 'text, not bytes')`);
    });
    const store = new SqliteStore(file);
    expect(() => store.load()).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT', message: expect.stringMatching(/table segments/) }));
    store.close();
  });

  describe('cannot open', () => {
    it('a path in a missing directory: STORE_UNAVAILABLE, and creates nothing', () => {
      const file = path.join(dir, 'no-such-dir', 'store.db');
      const err = catchError(() => new SqliteStore(file)) as StoreError;
      expect(err.code).toBe('STORE_UNAVAILABLE');
      expect(err.message).toContain(file);
      expect(err.message).toMatch(/check that its directory exists/);
      expect(fs.existsSync(path.dirname(file))).toBe(false);
    });

    it('a directory: STORE_UNAVAILABLE', () => {
      const sub = fs.mkdtempSync(path.join(dir, 'a-dir-'));
      expect(() => new SqliteStore(sub)).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
      expect(fs.readdirSync(sub)).toEqual([]);
    });

    const root = process.getuid?.() === 0;
    it.skipIf(root)('a file in a directory it may not write: STORE_UNAVAILABLE', () => {
      const sub = fs.mkdtempSync(path.join(dir, 'read-only-'));
      fs.chmodSync(sub, 0o500);
      try {
        expect(() => new SqliteStore(path.join(sub, 'store.db'))).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
      } finally {
        fs.chmodSync(sub, 0o700);
      }
    });

    it.skipIf(root)('a store it may read but not write: STORE_UNAVAILABLE, unchanged', () => {
      const file = fresh();
      makeStore(file);
      fs.chmodSync(file, 0o400);
      try {
        expectRefused(file, 'STORE_UNAVAILABLE', /cannot be opened/);
      } finally {
        fs.chmodSync(file, 0o600);
      }
    });
  });

  describe('exclusive access', () => {
    const children: ChildProcess[] = [];
    afterEach(() => {
      for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });

    /** A child process holding the store open, once it has said `ready`. */
    async function holder(file: string): Promise<ChildProcess> {
      const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, file, 'hold'], { stdio: ['pipe', 'pipe', 'inherit'] });
      children.push(child);
      await untilLine(child, 'ready');
      return child;
    }

    /** What a child process gets when it opens the store: `opened` or a StoreError code. */
    function tryInChild(file: string): Promise<string> {
      return new Promise((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', HOLDER, file, 'try'], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
      });
    }

    it('a second store on the same file in this process gets STORE_LOCKED, and does not loosen the first one’s lock', async () => {
      const file = fresh();
      const first = new SqliteStore(file);
      first.write(batch({ jobs: [job(1)] }));
      const err = catchError(() => new SqliteStore(file)) as StoreError;
      expect(err.code).toBe('STORE_LOCKED');
      expect(err.message).toMatch(/another process has the store open; stop it, or use another file/);
      expect(err.message).toContain(file);
      // A failed open closes its file descriptor; POSIX drops a process's locks when it closes any
      // descriptor of the file, so this checks that SQLite (not us) handled that close.
      expect(await tryInChild(file)).toBe('STORE_LOCKED');
      first.write(batch({ jobs: [job(2)] }));
      first.close();
      const second = new SqliteStore(file);
      expect(plain(second.load()).jobs).toEqual([job(1), job(2)]);
      second.close();
    });

    it('another process holding the store: STORE_LOCKED until it closes the store', async () => {
      const file = fresh();
      const child = await holder(file);
      expectRefused(file, 'STORE_LOCKED', /another process has the store open/);
      child.stdin!.write('close\n');
      await untilLine(child, 'closed');
      await once(child, 'exit');
      const store = new SqliteStore(file);
      expect(store.load().jobs.map((j) => j.id)).toEqual(['nb:jid:child']);
      store.close();
    });

    it('another process killed with SIGKILL while holding the store: the lock goes with it, and what it wrote is there', async () => {
      const file = fresh();
      const child = await holder(file);
      expectRefused(file, 'STORE_LOCKED', /another process has the store open/);
      child.kill('SIGKILL');
      await once(child, 'exit');
      expect(child.signalCode).toBe('SIGKILL');
      const store = new SqliteStore(file);
      const run = plain(store.load());
      expect(run.jobs.map((j) => j.id)).toEqual(['nb:jid:child']);
      expect(run.segments).toEqual([[1, [[1, 2, 3]]]]);
      expect(store.integrityCheck()).toEqual(['ok']);
      store.close();
      expect(sidecars(file)).toEqual([]);
    });
  });

  describe('migrations', () => {
    /** The current version; `v2` stands for the next one's step. */
    const V = SCHEMA_VERSION;
    const v2 = (db: Database.Database): void => {
      db.exec('CREATE TABLE extra (x INTEGER NOT NULL) STRICT; INSERT INTO extra VALUES (42)');
    };

    it('migrate() runs the missing steps and records the version, inside the caller’s transaction', () => {
      const db = new Database(':memory:');
      db.exec('BEGIN');
      migrate(db, 0, 1);
      db.exec('COMMIT');
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      db.exec('BEGIN');
      migrate(db, 1, V + 1, [...MIGRATIONS, v2]);
      db.exec('COMMIT');
      expect(db.pragma('user_version', { simple: true })).toBe(V + 1);
      expect(db.prepare('SELECT x FROM extra').pluck().get()).toBe(42);
      expect(() => migrate(db, V + 1, V + 2, [...MIGRATIONS, v2])).toThrow(/inside a transaction/);
      db.exec('BEGIN');
      expect(() => migrate(db, V + 1, V + 2, [...MIGRATIONS, v2])).toThrow(RangeError);
      expect(() => migrate(db, V + 1, V, [...MIGRATIONS, v2])).toThrow(RangeError);
      db.exec('ROLLBACK');
      db.close();
    });

    it('a failing migration leaves nothing of its steps once the transaction rolls back', () => {
      const db = new Database(':memory:');
      const broken = (d: Database.Database): void => {
        d.exec('CREATE TABLE half_done (a)');
        throw new Error('step failed');
      };
      db.exec('BEGIN');
      expect(() => migrate(db, 0, 2, [MIGRATIONS[0]!, broken])).toThrow('step failed');
      db.exec('ROLLBACK');
      expect(db.pragma('user_version', { simple: true })).toBe(0);
      expect(db.prepare('SELECT count(*) FROM sqlite_master').pluck().get()).toBe(0);
      db.close();
    });

    it('a file with our application_id at version 0 and no tables is brought to the current version', () => {
      const file = fresh();
      raw(file, (db) => {
        db.pragma(`application_id = ${APPLICATION_ID}`);
      });
      const store = new SqliteStore(file);
      store.write(batch({ jobs: [job(1)] }));
      store.close();
      raw(file, (db) => expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION));
    });

    it('a store of version 1 (before segments of added tasks) is brought to version 2 with its content', () => {
      const file = fresh();
      makeStore(file);
      raw(file, (db) => {
        db.pragma('user_version = 1');
      });
      const store = new SqliteStore(file);
      expect(plain(store.load()).jobs.map((j) => j.key)).toEqual([1, 2, 3]);
      store.close();
      raw(file, (db) => expect(db.pragma('user_version', { simple: true })).toBe(2));
    });

    /** SqliteStore as a jobgraph with one more migration would have it (a fresh module graph). */
    async function nextJobgraph(step: (db: Database.Database) => void): Promise<typeof SqliteStore> {
      vi.resetModules();
      vi.doMock('../../../src/store/schema.js', async (importOriginal) => {
        const real = await importOriginal<typeof import('../../../src/store/schema.js')>();
        const migrations = [...real.MIGRATIONS, step];
        return { ...real, SCHEMA_VERSION: real.SCHEMA_VERSION + 1, MIGRATIONS: migrations, migrate: (db: Database.Database, from: number, to: number) => real.migrate(db, from, to, migrations) };
      });
      try {
        return (await import('../../../src/store/sqlite-store.js')).SqliteStore;
      } finally {
        vi.doUnmock('../../../src/store/schema.js');
        vi.resetModules();
      }
    }

    it('a newer jobgraph migrates the store on open, keeping its content; this one then refuses it', async () => {
      const file = fresh();
      makeStore(file);
      const Next = await nextJobgraph(v2);
      const next = new Next(file);
      expect(plain(next.load()).jobs.map((j) => j.key)).toEqual([1, 2, 3]);
      next.close();
      raw(
        file,
        (db) => {
          expect(db.pragma('user_version', { simple: true })).toBe(V + 1);
          expect(db.prepare('SELECT x FROM extra').pluck().get()).toBe(42);
        },
      );
      expectRefused(file, 'STORE_VERSION', new RegExp(`schema version ${V + 1}.*up to version ${V}\\b`));
    });

    it('a migration that fails leaves the file unchanged: STORE_CORRUPT', async () => {
      const file = fresh();
      makeStore(file);
      const Next = await nextJobgraph((db) => {
        db.exec('CREATE TABLE extra (x); DROP TABLE jobs');
        db.exec('SELECT * FROM no_such_table');
      });
      const before = hash(file);
      const err = catchError(() => new Next(file)) as StoreError;
      // A fresh module graph has its own StoreError class: compare codes.
      expect(err.code).toBe('STORE_CORRUPT');
      expect(err.message).toMatch(new RegExp(`cannot be migrated from schema version ${V} to ${V + 1}.*left unchanged at version ${V}\\b`));
      expect(hash(file)).toBe(before);
      expect(sidecars(file)).toEqual([]);
      const store = new SqliteStore(file);
      expect(store.load().jobs).toHaveLength(3);
      store.close();
    });
  });

  it('gives the same load() as MemoryStore for any sequence of batches, before and after a reopen', () => {
    // Small ranges, so that batches meet each other's keys; values that make a batch fail are
    // rare, so that most batches are written.
    const key = fc.integer({ min: 1, max: 6 });
    const task = fc.integer({ min: 0, max: 3 });
    const rarely = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 40, arbitrary: usual }, { weight: 1, arbitrary: odd });
    const text = rarely(fc.string({ unit: 'binary', maxLength: 4 }), fc.constant('lone \uD800'));
    const data = fc.uint8Array({ maxLength: 6 });
    const value = rarely(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(-0, 0, 0.5, Infinity, -Infinity)), fc.constant(Number.NaN));
    const list = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(a, { maxLength: 3 });
    const anyBatch: fc.Arbitrary<RunBatch> = fc.record({
      // Mostly one Id per key, sometimes one Id for two keys.
      jobs: fc.array(fc.record({ key: fc.integer({ min: 1, max: 12 }), shared: rarely(fc.constant(false), fc.constant(true)), model: text, status: text }), { maxLength: 2 }).map((js) =>
        js.map(({ key, shared, model, status }) => ({ key, id: shared ? 'shared' : `id${key}`, model, status })),
      ),
      statuses: list(fc.record({ key, status: text })),
      models: list(fc.record({ key, model: text })),
      segments: list(fc.record({ job: key, data })),
      progress: list(fc.record({ job: key, task, value })),
      due: list(fc.record({ job: key, task, value: fc.option(value, { nil: null }) })),
      outputs: list(fc.record({ job: key, task, value: data })),
      outboxAdd: fc.array(fc.record({ seq: fc.integer({ min: 1, max: 30 }), data: text }), { maxLength: 2 }),
      outboxDone: list(fc.integer({ min: 1, max: 30 })),
      forget: fc.array(key, { maxLength: 2 }),
      meta: list(fc.record({ key: text, value: text })),
    });
    const outcome = (f: () => void): string => {
      try {
        f();
        return 'ok';
      } catch (err) {
        return err instanceof StoreError ? err.code : `not a StoreError: ${String(err)}`;
      }
    };
    fc.assert(
      fc.property(fc.array(anyBatch, { minLength: 1, maxLength: 8 }), (batches) => {
        const file = fresh();
        const sqlite = new SqliteStore(file);
        const memory = new MemoryStore();
        try {
          for (const b of batches) expect(outcome(() => sqlite.write(b))).toBe(outcome(() => memory.write(b)));
          const expected = plain(memory.load());
          expect(plain(sqlite.load())).toEqual(expected);
          sqlite.close();
          const reopened = new SqliteStore(file);
          expect(plain(reopened.load())).toEqual(expected);
          reopened.close();
        } finally {
          sqlite.close();
          fs.rmSync(file, { force: true });
        }
      }),
    );
  });
});

/** Resolves when the child prints `line` on stdout; rejects if it exits first. */
function untilLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      if (seen.split('\n').includes(line)) {
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`the child exited (${code}) before printing ${line}; it printed ${JSON.stringify(seen)}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyBatch, StoreError } from '../../../src/store/run-store.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';

/** Review of the SQLite store on files in odd states. */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function fresh(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobgraph-review-files-'));
  dirs.push(dir);
  return path.join(dir, 'runs.db');
}
const hash = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('review: a -wal file whose database is gone', () => {
  it('is refused with STORE_UNAVAILABLE saying the database is missing beside its WAL, and nothing is created or changed', () => {
    const file = fresh();
    const store = new SqliteStore(file);
    const b = emptyBatch();
    b.jobs.push({ key: 1, id: 'nb:jid:wal-only', model: '{}', status: '{}' });
    store.write(b);
    // What a process killed now leaves: the store's changes in its -wal, not yet in the file.
    const wal = fs.readFileSync(`${file}-wal`);
    expect(wal.length).toBeGreaterThan(0);
    store.close();
    // The database moved or deleted without its -wal.
    fs.rmSync(file);
    fs.writeFileSync(`${file}-wal`, wal);
    const before = hash(`${file}-wal`);
    let err: unknown;
    try {
      new SqliteStore(file).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('STORE_UNAVAILABLE');
    expect((err as StoreError).message).toMatch(/runs\.db-wal/);
    expect((err as StoreError).message).toMatch(/no database|database is missing|without its database/);
    expect(fs.existsSync(file)).toBe(false);
    expect(hash(`${file}-wal`)).toBe(before);
  });
});

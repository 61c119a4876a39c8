import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { StoreError } from '../../../src/store/run-store.js';
import { SqliteStore, type SqliteStoreOptions } from '../../../src/store/sqlite-store.js';
import { MES } from '../../helpers/jobs.js';
import { batch, catchError, job, plain } from './conformance.js';

// Options and paths SqliteStore must refuse before it opens (or creates) anything: an explicit null
// for an option, and a path whose form names a directory, which SQLite would otherwise normalise
// into the path of some other file.

let dir: string;
let count = 0;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobgraph-store-options-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function fresh(): string {
  return path.join(dir, `store-${++count}.db`);
}

/** A store file holding job 1, closed. */
function storeWithJob(): string {
  const file = fresh();
  const store = new SqliteStore(file);
  store.write(batch({ jobs: [job(1)] }));
  store.close();
  return file;
}

const processors: Processor[] = [{ id: MES, name: 'P', run: () => Promise.resolve([]) }];

describe('SqliteStore options', () => {
  it('refuses synchronous: null as Engine.open does (ERR_INVALID_ARG_VALUE), creating nothing', async () => {
    const file = fresh();
    const err = catchError(() => new SqliteStore(file, { synchronous: null } as unknown as SqliteStoreOptions));
    expect(err).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/`synchronous`.*got `null`.*leave it out/) });
    expect(fs.existsSync(file)).toBe(false);
    // Engine.open, which opens its store through SqliteStore, refuses it the same way.
    await expect(Engine.open({ processors, store: file, synchronous: null as unknown as 'full' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('takes synchronous left out, or explicitly undefined, as the default', () => {
    for (const options of [{}, { synchronous: undefined }, undefined]) {
      const file = storeWithJob();
      const store = new SqliteStore(file, options);
      expect(plain(store.load()).jobs).toEqual([job(1)]);
      store.close();
    }
  });
});

describe('SqliteStore paths that name a directory', () => {
  const forms: Array<[string, (file: string) => string]> = [
    ['a trailing slash', (f) => `${f}/`],
    ['two trailing slashes', (f) => `${f}//`],
    ['a last segment "."', (f) => `${f}/.`],
    ['a last segment ".."', (f) => path.join(f, 'x') + '/..'],
  ];

  for (const [what, form] of forms) {
    it(`refuses ${what} with ERR_INVALID_ARG_VALUE, not opening the file the path would be cut to`, () => {
      const file = storeWithJob();
      const before = fs.readFileSync(file);
      const bad = form(file);
      const err = catchError(() => new SqliteStore(bad));
      expect(err).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/name a file, not a directory/) });
      expect((err as Error).message).toContain(JSON.stringify(bad).slice(1, -1));
      expect(fs.readFileSync(file)).toEqual(before);
      expect(fs.readdirSync(dir).filter((n) => n.startsWith(path.basename(file)))).toEqual([path.basename(file)]);
    });
  }

  it('shows the whole path in the message, however long, so that its trailing slash is seen', () => {
    const bad = path.join(dir, `${'long-name-'.repeat(10)}.db`) + '/';
    const err = catchError(() => new SqliteStore(bad));
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect((err as Error).message).toContain(JSON.stringify(bad));
    expect(fs.existsSync(bad.slice(0, -1))).toBe(false);
  });

  it('refuses a trailing slash on a path that does not exist yet, creating nothing', () => {
    const file = fresh();
    expect(() => new SqliteStore(`${file}/`)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }));
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a trailing slash through Engine.open too, creating nothing', async () => {
    const file = fresh();
    await expect(Engine.open({ processors, store: `${file}/` })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/name a file, not a directory/) });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses an existing directory (no trailing slash) with a typed STORE_UNAVAILABLE that says it is a directory', () => {
    const sub = fs.mkdtempSync(path.join(dir, 'a-dir-'));
    const err = catchError(() => new SqliteStore(sub));
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    expect(e.code).toBe('STORE_UNAVAILABLE');
    expect(e.location).toBe(sub);
    expect(e.message).toContain(sub);
    expect(e.message).toMatch(/is a directory/);
    expect(e.message).toContain(path.join(sub, 'run.db'));
    expect(fs.readdirSync(sub)).toEqual([]);
  });
});

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { StoreError } from '../../../src/store/run-store.js';
import { dagJob, MES } from '../../helpers/jobs.js';

// Found by overwriting random bytes of a real store: SQLite keeps no checksum of a row, so a damaged
// value that still has the right type reaches the journal's decoders. A time no Date can hold made
// Engine.open throw a bare RangeError from a job view (and leave the engine's timers running);
// it must be STORE_CORRUPT like every other damaged value.

const processors: Processor[] = [{ id: MES, name: 'P', run: () => undefined }];
const dir = mkdtempSync(join(tmpdir(), 'jobgraph-journal-damaged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

/** A store holding one finished job, closed. */
async function storeWithJob(): Promise<string> {
  const file = join(dir, `s-${++count}.db`);
  const engine = await Engine.open({ processors, store: file });
  const { id } = engine.submit(dagJob(2, [[0, 1]]));
  await engine.done(id);
  await engine.close();
  return file;
}

async function openError(file: string): Promise<unknown> {
  try {
    const engine = await Engine.open({ processors, store: file });
    await engine.close();
  } catch (err) {
    return err;
  }
  throw new Error('Engine.open did not throw');
}

describe('a store whose values were damaged in place', () => {
  for (const time of [1e300, -9e15, Infinity, Number.NaN]) {
    it(`an event time of ${time}: STORE_CORRUPT naming the job, not a RangeError`, async () => {
      const file = await storeWithJob();
      const db = new Database(file);
      const [seq, data] = db.prepare('SELECT seq, data FROM segments ORDER BY seq LIMIT 1').raw().get() as [number, Buffer];
      data.writeDoubleLE(time, 16); // the first row's time, right after the 16-byte header
      db.prepare('UPDATE segments SET data = ? WHERE seq = ?').run(data, seq);
      db.close();
      const err = await openError(file);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringMatching(/event time that is not a date/) });
    });
  }

  for (const [field, value] of [['created', 1e300], ['priority', 1.5], ['priority', 2 ** 40]] as const) {
    it(`a job record with ${field} ${value}: STORE_CORRUPT`, async () => {
      const file = await storeWithJob();
      const db = new Database(file);
      const [key, status] = db.prepare('SELECT key, status FROM jobs').raw().get() as [number, string];
      db.prepare('UPDATE jobs SET status = ? WHERE key = ?').run(JSON.stringify({ ...JSON.parse(status), [field]: value }), key);
      db.close();
      const err = await openError(file);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringMatching(/damaged record of job/) });
    });
  }
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor, ProcessorContext } from '../../../src/run/processor.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { RunJournal } from '../../../src/run/durable.js';
import { NotificationHub } from '../../../src/run/notifications/hub.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { StoreError } from '../../../src/store/run-store.js';
import { dagJob, MES } from '../../helpers/jobs.js';

// Options given to Engine.open are checked as `new Engine` checks them: a bad one (or a function of
// the caller's that throws) is the caller's error, never a STORE_CORRUPT that tells them to restore
// a healthy store from a backup.

const never = (ctx: ProcessorContext): Promise<never> => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
const processors: Processor[] = [{ id: MES, name: 'P', run: never as Processor['run'] }];
/** The processor stops at once when aborted: a close need not wait out the default grace. */
const quick = { cancelGraceMs: 10 };

const dir = mkdtempSync(join(tmpdir(), 'jobgraph-store-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

/** A store (MemoryStore or SQLite file) holding one job that has not ended; task 1 has Weight 3 in pool "gpu". */
async function storeWithJob(kind: 'memory' | 'sqlite'): Promise<MemoryStore | string> {
  const store = kind === 'memory' ? new MemoryStore() : join(dir, `s-${++count}.db`);
  const def = dagJob(3, [[0, 1], [1, 2]]);
  Object.assign(def.Tasks![1]!, { Weight: 3, Pool: 'gpu' });
  const engine = await Engine.open({ processors, store, pools: { gpu: 4 }, ...quick });
  engine.submit(def);
  await engine.close();
  return store;
}

async function openError(options: Parameters<typeof Engine.open>[0]): Promise<unknown> {
  try {
    const engine = await Engine.open({ ...quick, ...options });
    await engine.close();
  } catch (err) {
    return err;
  }
  throw new Error('Engine.open did not throw');
}

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`Engine.open on a ${kind} store`, () => {
    it('reports a bad option as the option’s TypeError, not as a damaged store', async () => {
      const store = await storeWithJob(kind);
      const bad: Array<[Record<string, unknown>, RegExp]> = [
        [{ concurrency: 0 }, /`concurrency`/],
        [{ pools: { gpu: -1 } }, /`pools\["gpu"\]`/],
        [{ policy: 'nope' }, /unknown policy/],
        [{ profile: 'nope' }, /`profile`/],
        [{ rateLimits: { gpu: { max: 0, perMs: 1 } } }, /`rateLimits\["gpu"\]`/],
      ];
      for (const [options, message] of bad) {
        const err = await openError({ processors, store, pools: { gpu: 4 }, ...options });
        expect(err).not.toBeInstanceOf(StoreError);
        expect(err).toMatchObject({ code: expect.stringMatching(/^ERR_/), message: expect.stringMatching(message) });
      }
      // The store was fine all along.
      const engine = await Engine.open({ processors, store, pools: { gpu: 4 }, ...quick });
      expect(engine.recovery).toMatchObject({ jobs: 1, running: 1 });
      await engine.close();
    });

    it('reports processors that are not an array as Engine does: ERR_INVALID_ARG_TYPE, not a bare TypeError', async () => {
      const store = await storeWithJob(kind);
      const err = await openError({ processors: 5 as unknown as Processor[], store, pools: { gpu: 4 } });
      expect(err).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/`processors` to be an array/) });
    });

    it('passes on a poolOf that throws as CALLBACK_THREW, not STORE_CORRUPT', async () => {
      const store = await storeWithJob(kind);
      const err = await openError({ processors, store, pools: { gpu: 4 }, poolOf: () => { throw new Error('boom'); } });
      expect(err).toBeInstanceOf(SchedulerError);
      expect(err).toMatchObject({ code: 'CALLBACK_THREW', message: expect.stringMatching(/boom/) });
    });

    it('refuses a pool made smaller than a waiting task’s Weight (WEIGHT_EXCEEDS_POOL) rather than leaving its job waiting for ever', async () => {
      const store = await storeWithJob(kind);
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
      try {
        const err = await openError({ processors, store, pools: { gpu: 2 } });
        expect(err).toBeInstanceOf(SchedulerError);
        expect(err).toMatchObject({ code: 'WEIGHT_EXCEEDS_POOL', message: expect.stringMatching(/Weight 3 but its pool "gpu" now has 2 slots/) });
        // Nothing was changed: the store opens with the pool as it was, and the job goes on.
        const engine = await Engine.open({ processors, store, pools: { gpu: 3 }, ...quick });
        expect(engine.recovery).toMatchObject({ jobs: 1, running: 1 });
        await engine.close();
      } finally {
        warn.mockRestore();
      }
    });
  });
}

describe('Engine.open checks its options before it opens the store', () => {
  it('creates no store file for options it refuses', async () => {
    for (const bad of [{ processors: 5 }, { processors: [{ id: 'x', name: 'y', run: () => undefined }] }, { processors, cancelGraceMs: -1 }, { processors, retention: { endedJobsMs: -1 } }, { processors, policy: 'nope' }, { processors, concurrency: 0 }]) {
      const file = join(dir, `never-${++count}.db`);
      const err = await openError({ ...(bad as object), store: file } as never);
      expect(err, JSON.stringify(bad)).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      expect(existsSync(file), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('RunJournal.abandon', () => {
  it('leaves no flush to retry against a store closed after it (an engine that failed to come up)', async () => {
    const store = new MemoryStore();
    const scheduler = new Scheduler({});
    const hub = new NotificationHub({});
    const journal = new RunJournal(store, scheduler, hub, { keys: [], nextKey: 1, mark: 0, outboxSeq: 0 });
    scheduler.add(dagJob(2, [[0, 1]]));
    journal.schedule();
    journal.abandon();
    store.close();
    const warn = vi.spyOn(process, 'emitWarning');
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(timers()).toBe(before);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    await hub.close();
  });
});

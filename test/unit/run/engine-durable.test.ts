import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../../src/run/engine.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { ProcessorError, type Processor, type ProcessorContext } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { StoreError, type RunBatch, type RunStore, type StoredRun } from '../../../src/store/run-store.js';
import type { NotificationMessage } from '../../../src/run/notifications/message.js';
import { NotificationHub } from '../../../src/run/notifications/hub.js';
import { dagJob, MES } from '../../helpers/jobs.js';

/**
 * A store that can "die" with its process: after kill(), writes are dropped silently, as the
 * writes of a killed process never happen. The engine that wrote to it keeps running in memory
 * but nothing more of it reaches the store; a second engine opened on the same store sees what a
 * restarted process would.
 */
class CrashableStore implements RunStore {
  readonly location = ':memory:';
  dead = false;
  writes = 0;
  /** Throw on the next write (a full disk, say). */
  failNext: Error | undefined;
  constructor(readonly inner: RunStore = new MemoryStore()) {}
  load(): StoredRun {
    return this.inner.load();
  }
  write(batch: RunBatch): void {
    if (this.dead) return;
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    this.writes++;
    this.inner.write(batch);
  }
  close(): void {}
  kill(): void {
    this.dead = true;
  }
  /** A fresh handle on what was written, for the next "process". */
  restart(): CrashableStore {
    this.kill();
    return new CrashableStore(this.inner);
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
const never = (ctx: ProcessorContext): Promise<never> => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function proc(run: (ctx: ProcessorContext) => unknown): Processor {
  return { id: MES, name: 'P', run: run as Processor['run'] };
}

/** What a reopened run must show as it was: every view field but the running clock's. */
function portrait(engine: Engine): unknown {
  return {
    jobs: engine.scheduler.jobs().map(({ RunningDuration: _r, ...j }) => j),
    tasks: engine.scheduler.tasks().map(({ RunningDuration: _r, ...t }) => t),
  };
}

const engines: Engine[] = [];
function track(e: Engine): Engine {
  engines.push(e);
  return e;
}
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(engines.splice(0).map((e) => e.close().catch(() => undefined)));
});

describe('Engine with a store', () => {
  it('writes an accepted job before submit returns', async () => {
    const store = new CrashableStore();
    const engine = track(await Engine.open({ processors: [proc(never)], store }));
    const before = store.writes;
    const h = engine.submit(dagJob(3, [[0, 1]]));
    expect(store.writes).toBe(before + 1);
    expect(store.load().jobs.map((j) => j.id)).toEqual([h.id]);
  });

  it('gives back ended jobs exactly as they were: states, history, errors, times, progress', async () => {
    const store = new CrashableStore();
    const a = await Engine.open({
      processors: [
        proc(async (ctx) => {
          ctx.progress(40);
          ctx.log('Transcoding', 'half way');
          if (ctx.taskName === 'Task 2') throw new ProcessorError('ErrorEncodingTask', 'bad source');
          return [{ n: ctx.taskName }];
        }),
      ],
      store,
    });
    const ok = a.submit(dagJob(2, [[0, 1]]));
    const bad = a.submit(dagJob(4, [[2, 3]]));
    await Promise.all([ok.done, bad.done]);
    const canceled = a.submit(dagJob(2, [[0, 1]], { name: 'C' }));
    canceled.cancel();
    await canceled.done;
    await a.close();
    const b = track(await Engine.open({ processors: [proc(never)], store: store.restart() }));
    expect(portrait(b)).toEqual(portrait(a));
    expect(b.recovery).toMatchObject({ jobs: 3, running: 0, requeued: 0 });
    expect(b.scheduler.job(bad.id)!.State).toBe(TaskState.Error);
    expect(b.scheduler.tasks({ jobId: bad.id }).map((t) => t.ErrorDetails.map((d) => d.Code))).toEqual([[], [], ['ErrorEncodingTask'], ['DependencyFailed']]);
  });

  it('runs a task that was Processing when the process died again, without counting the lost attempt', async () => {
    const store = new CrashableStore();
    const a = track(await Engine.open({ processors: [proc(never)], store, retry: { maxAttempts: 1 } }));
    const h = a.submit(dagJob(2, [[0, 1]]));
    await turn();
    await turn();
    expect(a.scheduler.tasks({ jobId: h.id }).map((t) => t.State)).toEqual([TaskState.Processing, TaskState.Queued]);
    const attempts: number[] = [];
    const b = track(
      await Engine.open({
        processors: [
          proc((ctx) => {
            attempts.push(ctx.attempt);
          }),
        ],
        store: store.restart(),
        retry: { maxAttempts: 1 },
      }),
    );
    expect(b.recovery).toMatchObject({ requeued: 1, running: 1 });
    const final = await b.done(h.id);
    expect(final.State).toBe(TaskState.Finished);
    expect(attempts).toEqual([1, 1]);
    const codes = b.scheduler.tasks({ jobId: h.id })[0]!.HistoricalEvents.map((e) => e.Code);
    expect(codes).toEqual(['Scheduled', 'Processing', 'Requeued', 'Scheduled', 'Processing', 'Finished']);
  });

  it('keeps the output metadata a producer returned for its dependents after a restart', async () => {
    const store = new CrashableStore();
    const a = track(await Engine.open({ processors: [proc((ctx) => (ctx.taskName === 'Task 0' ? [{ at: new Date(5), sizes: new Map([[1, 2]]) }] : never(ctx)))], store }));
    const h = a.submit(dagJob(2, [[0, 1]]));
    while (a.scheduler.tasks({ jobId: h.id })[1]!.State !== TaskState.Processing) await turn();
    await turn();
    const seen: unknown[] = [];
    const b = track(
      await Engine.open({
        processors: [
          proc((ctx) => {
            seen.push(ctx.inputs[0]);
          }),
        ],
        store: store.restart(),
      }),
    );
    await b.done(h.id);
    expect(seen).toEqual([expect.objectContaining({ kind: 'JobOutputAsset', metadata: { at: new Date(5), sizes: new Map([[1, 2]]) } })]);
  });

  it('fails a task whose output metadata cannot be stored, saying why', async () => {
    const engine = track(await Engine.open({ processors: [proc(() => [{ callback: () => 1 }])], store: new CrashableStore() }));
    const final = await engine.submit(dagJob(1, [])).done;
    expect(final.State).toBe(TaskState.Error);
    expect(engine.scheduler.tasks()[0]!.ErrorDetails[0]!.Message).toMatch(/cannot be stored/);
  });

  it('resumes a retry backoff with its remaining delay', async () => {
    const store = new CrashableStore();
    const a = track(
      await Engine.open({
        processors: [
          proc(() => {
            throw new ProcessorError('ErrorProcessingTask', 'flaky', { retryable: true });
          }),
        ],
        store,
        retry: { maxAttempts: 3, baseDelayMs: 400, jitter: false },
      }),
    );
    const h = a.submit(dagJob(1, []));
    while (a.scheduler.explain(a.scheduler.tasks({ jobId: h.id })[0]!.Id).reason !== 'retry-backoff') await turn();
    await turn();
    const killedAt = Date.now();
    let startedAt = 0;
    const b = track(
      await Engine.open({
        processors: [
          proc((ctx) => {
            startedAt = Date.now();
            expect(ctx.attempt).toBe(2);
          }),
        ],
        store: store.restart(),
        retry: { maxAttempts: 3, baseDelayMs: 400, jitter: false },
      }),
    );
    expect(b.recovery!.backoffs).toBe(1);
    expect((await b.done(h.id)).State).toBe(TaskState.Finished);
    // Neither at once nor a whole new delay: what was left of 400 ms.
    expect(startedAt - killedAt).toBeGreaterThanOrEqual(250);
    expect(startedAt - killedAt).toBeLessThan(1000);
  });

  it('sends again a notification recorded but not delivered before the crash, with the same ETag', async () => {
    const store = new CrashableStore();
    const a = track(await Engine.open({ processors: [proc(() => undefined)], store, notifications: { closeTimeoutMs: 0 } }));
    const stuck: NotificationMessage[] = [];
    const ep = a.notifications.registerEndPoint({ Id: 'nb:nepid:UUID:00000000-0000-4000-8000-0000000000aa', Name: 'cb', EndPointType: 'Callback', callback: (m: NotificationMessage) => (stuck.push(m), new Promise<void>(() => undefined)) } as never);
    const def = dagJob(1, []);
    def.JobNotificationSubscriptions = [{ NotificationEndPointId: ep.Id, TargetJobState: 1 }];
    const h = a.submit(def);
    await h.done;
    while (stuck.length === 0) await turn();
    const got: NotificationMessage[] = [];
    const b = track(await Engine.open({ processors: [proc(() => undefined)], store: store.restart() }));
    b.notifications.registerEndPoint({ Id: ep.Id, Name: 'cb', EndPointType: 'Callback', callback: (m: NotificationMessage) => void got.push(m) } as never);
    expect(b.recovery!.resent).toBe(1);
    while (got.length === 0) await turn();
    expect(got.map((m) => m.ETag)).toEqual([stuck[0]!.ETag]);
    await b.notifications.flush();
    await turn();
    b.flush();
    // Delivered now: a third start sends nothing.
    const c = track(await Engine.open({ processors: [proc(() => undefined)], store: store.restart() }));
    expect(c.recovery!.resent).toBe(0);
  });

  it('ends a task that was being canceled when the process died as Canceled', async () => {
    const store = new CrashableStore();
    // Not tracked: its processor ignores the abort, and closing it would wait out the grace period.
    const a = await Engine.open({ processors: [proc(() => new Promise(() => undefined))], store, cancelGraceMs: 60_000 });
    const h = a.submit(dagJob(2, [[0, 1]]));
    await turn();
    h.cancel();
    await turn();
    expect(a.scheduler.tasks({ jobId: h.id })[0]!.State).toBe(TaskState.Canceling);
    const b = track(await Engine.open({ processors: [proc(never)], store: store.restart() }));
    expect(b.recovery!.canceled).toBe(1);
    expect((await b.done(h.id)).State).toBe(TaskState.Canceled);
  });

  it('uses the options given now and says which differ from the last run', async () => {
    const store = new CrashableStore();
    const a = await Engine.open({ processors: [proc(never)], store, concurrency: 2, policy: 'priority' });
    await a.close();
    const warnings: string[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => void warnings.push(String(w)));
    const b = track(await Engine.open({ processors: [proc(never)], store: store.restart(), concurrency: 4, policy: 'fifo' }));
    expect(b.recovery!.changedOptions).toEqual(['concurrency: 2 → 4', 'policy: "priority" → "fifo"']);
    expect(warnings.join('\n')).toMatch(/last run with other options \(concurrency: 2 → 4; policy/);
    expect(b.scheduler.concurrency).toBe(4);
  });

  it('stops rather than cancels on close: jobs go on at the next open', async () => {
    const store = new CrashableStore();
    const a = await Engine.open({ processors: [proc(never)], store });
    const h = a.submit(dagJob(3, [[0, 1], [1, 2]]));
    await turn();
    await a.close();
    expect(() => a.submit(dagJob(1, []))).toThrow(expect.objectContaining({ code: 'ENGINE_CLOSED' }));
    const b = track(await Engine.open({ processors: [proc(() => undefined)], store: store.restart() }));
    expect((await b.done(h.id)).State).toBe(TaskState.Finished);
  });

  it('refuses a submit whose job cannot be written, and keeps nothing of it', async () => {
    const store = new CrashableStore();
    const engine = track(await Engine.open({ processors: [proc(never)], store }));
    store.failNext = new StoreError('STORE_WRITE_FAILED', ':memory:', 'disk full');
    expect(() => engine.submit(dagJob(1, []))).toThrow(expect.objectContaining({ code: 'STORE_WRITE_FAILED' }));
    expect(engine.scheduler.jobs()).toEqual([]);
    const h = engine.submit(dagJob(1, []));
    expect(store.load().jobs.map((j) => j.id)).toEqual([h.id]);
  });

  it('keeps changes whose write failed and writes them with the next batch', async () => {
    const store = new CrashableStore();
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const engine = track(await Engine.open({ processors: [proc(() => undefined)], store }));
    const h = engine.submit(dagJob(2, [[0, 1]]));
    store.failNext = new StoreError('STORE_WRITE_FAILED', ':memory:', 'disk full');
    await h.done;
    await sleep(1200); // the retry
    const b = track(await Engine.open({ processors: [proc(never)], store: store.restart() }));
    expect(b.scheduler.job(h.id)!.State).toBe(TaskState.Finished);
  });

  it('refuses a job Id already in the store before writing anything', async () => {
    const store = new CrashableStore();
    const engine = track(await Engine.open({ processors: [proc(never)], store }));
    const def = { ...dagJob(1, []), Id: 'nb:jid:UUID:00000000-0000-4000-8000-000000000001' };
    engine.submit(def);
    const writes = store.writes;
    expect(() => engine.submit(def)).toThrow(expect.objectContaining({ code: 'JOB_EXISTS' }));
    expect(store.writes).toBe(writes);
  });

  it('forgets an ended job in memory and in the store, and only an ended one', async () => {
    const store = new CrashableStore();
    const a = await Engine.open({ processors: [proc(() => [{ m: 1 }])], store });
    const keep = a.submit(dagJob(2, [[0, 1]]));
    const drop = a.submit(dagJob(3, [[0, 1]]));
    await Promise.all([keep.done, drop.done]);
    const dropped = a.scheduler.tasks({ jobId: drop.id }).map((t) => t.Id);
    a.forget(drop.id);
    expect(a.scheduler.job(drop.id)).toBeUndefined();
    expect(a.scheduler.task(dropped[0]!)).toBeUndefined();
    expect(a.scheduler.jobs().map((j) => j.Id)).toEqual([keep.id]);
    expect(a.scheduler.tasks().length).toBe(2);
    expect(() => a.forget(drop.id)).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    // A snapshot leaves it out too, and restores.
    expect(Scheduler.restore(a.scheduler.snapshot()).tasks().map((t) => t.Id)).toEqual(a.scheduler.tasks().map((t) => t.Id));
    await a.close();
    const b = track(await Engine.open({ processors: [proc(never)], store: store.restart() }));
    expect(b.scheduler.jobs().map((j) => j.Id)).toEqual([keep.id]);
    const stored = store.inner.load();
    expect(stored.jobs.map((j) => j.id)).toEqual([keep.id]);
    expect(stored.outputs.map((o) => o.job)).toEqual([stored.jobs[0]!.key, stored.jobs[0]!.key]);
    expect(stored.segments.size).toBe(1);
    const running = b.submit(dagJob(1, []));
    expect(() => b.forget(running.id)).toThrow(expect.objectContaining({ code: 'JOB_NOT_ENDED' }));
  });

  it('forgets jobs ended longer ago than retention.endedJobsMs', async () => {
    const store = new CrashableStore();
    const engine = track(await Engine.open({ processors: [proc(() => undefined)], store, retention: { endedJobsMs: 50 } }));
    const h = engine.submit(dagJob(1, []));
    await h.done;
    expect(engine.scheduler.job(h.id)).toBeDefined();
    await sleep(200);
    expect(engine.scheduler.job(h.id)).toBeUndefined();
    await turn();
    expect(store.load().jobs).toEqual([]);
    await expect(Engine.open({ processors: [], retention: { endedJobsMs: -1 } })).rejects.toThrow(/retention.endedJobsMs/);
  });

  it('writes the first states of a job recovered without events, so a second crash cannot strand it', async () => {
    // Crash 1: the job is written by submit, its first states never are.
    let store = new CrashableStore();
    const a = await Engine.open({ processors: [proc(never)], store, concurrency: 1 });
    const h = a.submit(dagJob(6, []));
    store = store.restart();
    // Crash 2: one root runs and finishes, the others wait.
    const b = await Engine.open({ processors: [proc(async () => sleep(20))], store, concurrency: 1 });
    await sleep(30);
    expect(b.scheduler.tasks({ jobId: h.id }).filter((t) => t.State === TaskState.Finished).length).toBeLessThan(3);
    store = store.restart();
    const c = track(await Engine.open({ processors: [proc(() => undefined)], store, concurrency: 1 }));
    const final = await Promise.race([c.done(h.id), sleep(5000).then(() => c.scheduler.job(h.id)!)]);
    expect(c.scheduler.tasks({ jobId: h.id }).map((t) => t.State)).toEqual(new Array(6).fill(TaskState.Finished));
    expect(final.State).toBe(TaskState.Finished);
    await Promise.all([a.close(), b.close()]);
  });

  it('sends the notifications a store held unsent even when closed right after open', async () => {
    const store = new CrashableStore();
    const a = await Engine.open({ processors: [proc(() => undefined)], store, notifications: { closeTimeoutMs: 0 } });
    const id = 'nb:nepid:UUID:00000000-0000-4000-8000-0000000000bb';
    a.notifications.registerEndPoint({ Id: id, Name: 'cb', EndPointType: 'Callback', callback: () => new Promise<void>(() => undefined) } as never);
    const def = dagJob(1, []);
    def.JobNotificationSubscriptions = [{ NotificationEndPointId: id, TargetJobState: 1 }];
    await a.submit(def).done;
    await turn();
    const got: NotificationMessage[] = [];
    const hub = new NotificationHub();
    hub.registerEndPoint({ Id: id, Name: 'cb', EndPointType: 'Callback', callback: (m: NotificationMessage) => void got.push(m) } as never);
    const b = await Engine.open({ processors: [proc(() => undefined)], store: store.restart(), notifications: hub });
    expect(b.recovery!.resent).toBe(1);
    await b.close();
    await hub.flush();
    expect(got.length).toBe(1);
    const c = await Engine.open({ processors: [proc(() => undefined)], store: store.restart() });
    expect(c.recovery!.resent).toBe(0);
    await Promise.all([a.close(), c.close()]);
  });

  it('keeps writing the jobs it knows when one is handed to its scheduler directly, and says so', async () => {
    const store = new CrashableStore();
    const warnings: string[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => void warnings.push(String(w)));
    const engine = track(await Engine.open({ processors: [proc(() => [{ ok: 1 }])], store }));
    engine.scheduler.submit(dagJob(2, [[0, 1]]));
    const kept = engine.submit(dagJob(2, [[0, 1]]));
    await kept.done;
    await turn();
    engine.flush();
    expect(warnings.join('\n')).toMatch(/submitted to engine.scheduler directly/);
    const b = track(await Engine.open({ processors: [proc(never)], store: store.restart() }));
    expect(b.scheduler.jobs().map((j) => [j.Id, j.State])).toEqual([[kept.id, TaskState.Finished]]);
  });

  it('reaches the same end from any crash point as without a crash (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 12 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            edges: fc.uniqueArray(
              fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })).filter(([a, b]) => a < b),
              { maxLength: 2 * n, selector: ([a, b]) => `${a}-${b}` },
            ),
            // Per task: 0 succeeds, 1 fails once (retryable) then succeeds, 2 fails for good.
            fate: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
            crashAfterWrites: fc.integer({ min: 1, max: 30 }),
          }),
        ),
        async ({ n, edges, fate, crashAfterWrites }) => {
          const processor = proc(async (ctx) => {
            const i = Number(ctx.taskName.slice(5));
            await sleep(1);
            if (fate[i] === 2 || (fate[i] === 1 && ctx.attempt === 1)) throw new ProcessorError('ErrorProcessingTask', 'no', { retryable: fate[i] === 1 });
            return [{ i }];
          });
          const retry = { maxAttempts: 3, baseDelayMs: 2, jitter: false };
          const def = { ...dagJob(n, edges), Id: 'nb:jid:UUID:00000000-0000-4000-8000-000000000002' };
          const clean = await Engine.open({ processors: [processor], store: new CrashableStore(), retry });
          const want = (await clean.submit(def).done).State;
          const wantTasks = clean.scheduler.tasks().map((t) => t.State);
          await clean.close();

          let store = new CrashableStore();
          const first = await Engine.open({ processors: [processor], store, retry });
          first.submit(def);
          while (store.writes < crashAfterWrites && !(await Promise.race([first.idle().then(() => true), sleep(1).then(() => false)]))) {
            // run until the crash point or the end
          }
          store = store.restart();
          const second = await Engine.open({ processors: [processor], store, retry });
          const got = await second.done(def.Id);
          expect(got.State).toBe(want);
          expect(second.scheduler.tasks().map((t) => t.State)).toEqual(wantTasks);
          await second.close();
          await first.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('Engine.open on a file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('keeps a run in an SQLite file across close and open', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-durable-'));
    const path = join(dir, 'runs.db');
    const a = await Engine.open({ processors: [proc(() => [{ ok: true }])], store: path, synchronous: 'full' });
    const h = a.submit(dagJob(5, [[0, 1], [1, 2], [0, 3]]));
    await h.done;
    await a.close();
    const b = track(await Engine.open({ processors: [proc(never)], store: path }));
    expect(portrait(b)).toEqual(portrait(a));
    await b.close();
    const check = new SqliteStore(path);
    expect(check.integrityCheck()).toEqual(['ok']);
    check.close();
  });

  it('keeps names and TaskBodies beyond ASCII exactly', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-durable-'));
    const path = join(dir, 'runs.db');
    const def = dagJob(2, [[0, 1]], { name: 'Été 😀 — 日本' });
    def.Tasks![0]!.Name = 'Kodierung \u00fc \ud83c\udfac';
    def.Tasks![1]!.TaskBody = def.Tasks![1]!.TaskBody.replace('<taskBody>', '<taskBody><!-- Ω ✓ -->');
    const a = await Engine.open({ processors: [proc(() => undefined)], store: path });
    const h = a.submit(def);
    await h.done;
    await a.close();
    const b = track(await Engine.open({ processors: [proc(never)], store: path }));
    expect(portrait(b)).toEqual(portrait(a));
    expect(b.scheduler.jobModel(h.id).Tasks[1]!.outputs[0]!.assetName).toBe('JobOutputAsset(1)_Été 😀 — 日本');
  });

  it('refuses a file that is not a store and leaves it as it was', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-durable-'));
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    const hash = (): string => createHash('sha256').update(readFileSync(path)).digest('hex');
    const before = hash();
    await expect(Engine.open({ processors: [proc(never)], store: path })).rejects.toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    expect(hash()).toBe(before);
  });

  it('refuses a store another engine has open', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-durable-'));
    const path = join(dir, 'runs.db');
    track(await Engine.open({ processors: [proc(never)], store: path }));
    await expect(Engine.open({ processors: [proc(never)], store: path })).rejects.toThrow(expect.objectContaining({ code: 'STORE_LOCKED' }));
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import { ProcessorError, type Processor, type ProcessorContext } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { sequentialIds } from '../../../src/job/ids.js';
import type { JobExtensions } from '../../../src/job/model.js';
import { validateJob, type ValidationResult } from '../../../src/validate/validate.js';
import { dagJob, MES } from '../../helpers/jobs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ids = sequentialIds();
function job(n: number, edges: Array<[number, number]>, ext?: JobExtensions): ValidationResult {
  const r = validateJob(dagJob(n, edges), { profile: 'relaxed', ids });
  if (ext) r.job!.extensions = ext;
  return r;
}

function proc(run: (ctx: ProcessorContext) => unknown): Processor {
  return { id: MES, name: 'Encoder', run: async (ctx) => run(ctx) as never };
}

describe('Engine with the extensions', () => {
  it('reruns a failed task with its downstream; the job runs to Finished and done() gives its new end', async () => {
    let failing = true;
    const engine = new Engine({
      processors: [
        proc((ctx) => {
          if (ctx.taskName === 'Task 0' && failing) throw new ProcessorError('ErrorProcessingTask', 'boom');
          return undefined;
        }),
      ],
      retry: { maxAttempts: 1 },
    });
    const handle = engine.submit(job(3, [[0, 1], [1, 2]]));
    const first = await handle.done;
    expect(first.State).toBe(TaskState.Error);
    failing = false;
    const t0 = engine.scheduler.tasks({ jobId: handle.id })[0]!.Id;
    engine.rerun(t0, { downstream: true });
    const second = await engine.done(handle.id);
    expect(second.State).toBe(TaskState.Finished);
    expect(engine.scheduler.task(t0)!.HistoricalEvents.map((e) => e.Code)).toContain('Rerun');
    await engine.close();
  });

  it('gives a rerun task its retries again: maxAttempts counts from the rerun, as in the scheduler', async () => {
    let starts = 0;
    const engine = new Engine({
      processors: [
        proc(() => {
          starts++;
          throw new ProcessorError('ErrorProcessingTask', 'flaky', { retryable: true });
        }),
      ],
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const handle = engine.submit(job(1, []));
    expect((await handle.done).State).toBe(TaskState.Error);
    expect(starts).toBe(2);
    const t0 = engine.scheduler.tasks({ jobId: handle.id })[0]!.Id;
    engine.rerun(t0);
    expect((await engine.done(handle.id)).State).toBe(TaskState.Error);
    expect(starts).toBe(4);
    const failures = engine.scheduler.task(t0)!.HistoricalEvents.filter((e) => e.Code === 'Retrying').map((e) => e.Message);
    expect(failures).toHaveLength(2);
    expect(failures[1]).toContain('attempt 1 of 2');
    await engine.close();
  });

  it('runs a dependent whose action is run after its producer failed, and skips one whose action is skip', async () => {
    const ran: string[] = [];
    const engine = new Engine({
      processors: [
        proc((ctx) => {
          ran.push(ctx.taskName);
          if (ctx.taskName === 'Task 0') throw new ProcessorError('ErrorProcessingTask', 'boom');
          return undefined;
        }),
      ],
      retry: { maxAttempts: 1 },
    });
    const handle = engine.submit(job(3, [[0, 1], [0, 2]], { action: [0, 1, 2] }));
    const end = await handle.done;
    expect(end.State).toBe(TaskState.Error);
    expect(ran).toEqual(['Task 0', 'Task 1']);
    expect(engine.scheduler.tasks({ jobId: handle.id }).map((t) => t.State)).toEqual([TaskState.Error, TaskState.Finished, TaskState.Finished]);
    await engine.close();
  });

  it('keeps a job within its cap, and a pool within its rate limit (waking when the window moves on)', async () => {
    let running = 0;
    let most = 0;
    const starts: number[] = [];
    const engine = new Engine({
      processors: [
        proc(async () => {
          starts.push(Date.now());
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return undefined;
        }),
      ],
      rateLimits: { [MES]: { max: 2, perMs: 60 } },
    });
    const handle = engine.submit(job(6, []), { maxRunning: 2 });
    expect((await handle.done).State).toBe(TaskState.Finished);
    expect(most).toBeLessThanOrEqual(2);
    // Any three starts in a row span at least one window.
    for (let i = 2; i < starts.length; i++) expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(59);
    await engine.close();
  });

  it('a store keeps the cap, the actions and the reruns through a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-ext-'));
    dirs.push(dir);
    const store = join(dir, 'runs.db');
    const never = (): Promise<never> => new Promise(() => {});
    const a = await Engine.open({ processors: [proc((ctx) => (ctx.taskName === 'Task 0' ? Promise.reject(new ProcessorError('ErrorProcessingTask', 'boom')) : never()))], store, retry: { maxAttempts: 1 }, cancelGraceMs: 10 });
    const handle = a.submit(job(4, [[0, 1], [0, 2]], { action: [0, 1, 0, 0] }), { maxRunning: 1 });
    await new Promise((r) => setTimeout(r, 50));
    const [t0, t1, t2, t3] = a.scheduler.tasks({ jobId: handle.id });
    expect(a.scheduler.stateOf(t0!.Id)).toBe(TaskState.Error);
    expect(a.scheduler.stateOf(t2!.Id)).toBe(TaskState.Canceled);
    // Task 1 (action run) or Task 3 runs; the cap keeps the other waiting.
    expect(a.scheduler.tasks({ jobId: handle.id, state: TaskState.Processing })).toHaveLength(1);
    a.rerun(t0!.Id);
    await new Promise((r) => setTimeout(r, 50));
    await a.close();
    const b = await Engine.open({ processors: [proc(never)], store, retry: { maxAttempts: 1 }, cancelGraceMs: 10 });
    expect(b.scheduler.stateOf(t2!.Id)).toBe(TaskState.Canceled);
    expect(b.scheduler.task(t0!.Id)!.HistoricalEvents.map((e) => e.Code)).toContain('Rerun');
    expect(b.scheduler.tasks({ jobId: handle.id, state: TaskState.Processing })).toHaveLength(1);
    // Task 1 (action run) was not canceled by its producer's failure, before or after.
    expect(b.scheduler.stateOf(t1!.Id)).not.toBe(TaskState.Canceled);
    expect(b.scheduler.stateOf(t3!.Id)).not.toBe(TaskState.Canceled);
    await b.close();
  });
});

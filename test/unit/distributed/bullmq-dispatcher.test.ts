import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Engine } from '../../../src/run/engine.js';
import type { Processor, ProcessorContext } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { BullMQDispatcher } from '../../../src/distributed/bullmq-dispatcher.js';
import { createWorker } from '../../../src/distributed/worker.js';
import { jobIdOf, queueName } from '../../../src/distributed/wire.js';
import { dagJob, MES } from '../../helpers/jobs.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';
import { until as waitUntil } from '../../helpers/until.js';

const processorOf = (run: (ctx: ProcessorContext) => unknown): Processor => ({ id: MES, name: 'Media Encoder Standard', run: (ctx) => run(ctx) as never });
const catalogue = processorOf(() => undefined);

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> => waitUntil(check, what, ms);

let redis: TestRedis | undefined;
let n = 0;
const prefix = () => `bullmq${++n}`;

describe.skipIf(!haveRedis)(`BullMQDispatcher${haveRedis ? '' : ` (skipped: ${noRedisReason})`}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('keeps the scheduler’s order among tasks waiting in Redis: a later, more urgent task overtakes waiting ones', async () => {
    const p = prefix();
    const order: string[] = [];
    const first = gate();
    let started = 0;
    // One slot on the worker; the engine may dispatch without limit: tasks wait in Redis.
    const worker = createWorker({
      connection: redis!.url,
      prefix: p,
      concurrency: 1,
      processors: [
        processorOf(async (ctx) => {
          order.push(`${ctx.jobName}/${ctx.taskName}`);
          if (started++ === 0) await first.promise;
        }),
      ],
    });
    await worker.ready;
    const engine = new Engine({ processors: [catalogue], dispatcher: new BullMQDispatcher({ connection: redis!.url, prefix: p }) });
    try {
      const a = engine.submit(dagJob(3, [], { name: 'A', priority: [5, 1, 2] }));
      await until(() => started === 1, 'the first task to start');
      const queue = new Queue(queueName(MES), { connection: { path: redis!.path }, prefix: p });
      await until(async () => (await queue.getPrioritizedCount()) === 2, 'two tasks waiting in Redis');
      const b = engine.submit(dagJob(1, [], { name: 'B', priority: [9] }));
      const c = engine.submit(dagJob(1, [], { name: 'C', priority: [1], jobPriority: 7 }));
      await until(async () => (await queue.getPrioritizedCount()) === 4, 'four tasks waiting in Redis');
      await queue.close();
      first.open();
      await Promise.all([a.done, b.done, c.done]);
      // B's task 9 first; then A's 2; then C (task priority 1, job priority 7) before A's 1 (job priority 0).
      expect(order).toEqual(['A/Task 0', 'B/Task 0', 'A/Task 2', 'C/Task 0', 'A/Task 1']);
    } finally {
      first.open();
      await engine.close();
      await worker.close();
    }
  });

  it('takes up, after a restart, work that ran on while the engine was stopped: results that arrived are taken in, running work is waited for, nothing runs twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-reattach-'));
    const store = join(dir, 'run.db');
    const p = prefix();
    const runs = new Map<string, number>();
    const gates = new Map([['Task 0', gate()], ['Task 1', gate()]]);
    const started = new Set<string>();
    const worker = createWorker({
      connection: redis!.url,
      prefix: p,
      concurrency: 4,
      processors: [
        processorOf(async (ctx) => {
          runs.set(ctx.taskName, (runs.get(ctx.taskName) ?? 0) + 1);
          started.add(ctx.taskName);
          await gates.get(ctx.taskName)?.promise;
          return [{ by: ctx.taskName }];
        }),
      ],
    });
    await worker.ready;
    try {
      const first = await Engine.open({ processors: [catalogue], store, dispatcher: new BullMQDispatcher({ connection: redis!.url, prefix: p }) });
      // Task 2 takes both outputs: it can start only after both.
      const job = first.submit(dagJob(3, [[0, 2], [1, 2]]));
      await until(() => started.has('Task 0') && started.has('Task 1'), 'tasks 0 and 1 to start');
      await first.close(); // a durable engine stops: nothing is canceled, the worker goes on
      gates.get('Task 0')!.open(); // finishes while no engine listens

      const queue = new Queue(queueName(MES), { connection: { path: redis!.path }, prefix: p });
      const task0 = first.scheduler.tasks({ jobId: job.id })[0]!;
      await until(async () => (await queue.getJobState(jobIdOf(task0.Id, 1))) === 'completed', 'task 0 to complete in Redis');
      await queue.close();

      const second = await Engine.open({ processors: [catalogue], store, dispatcher: new BullMQDispatcher({ connection: redis!.url, prefix: p }) });
      try {
        expect(second.recovery).toMatchObject({ reattached: 2, requeued: 0 });
        gates.get('Task 1')!.open();
        const final = await second.done(job.id);
        expect(final.State).toBe(TaskState.Finished);
        expect(Object.fromEntries(runs)).toEqual({ 'Task 0': 1, 'Task 1': 1, 'Task 2': 1 });
        const tasks = second.scheduler.tasks({ jobId: job.id });
        expect(tasks.every((t) => t.HistoricalEvents.every((e) => e.Code !== 'Requeued'))).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      for (const g of gates.values()) g.open();
      await worker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options with a clear error', () => {
    expect(() => new BullMQDispatcher({ connection: 'http://localhost' })).toThrow(/not a Redis URL \(the scheme is http:\)/);
    expect(() => new BullMQDispatcher({ connection: 'redis://localhost', keepFinishedMs: 5 })).toThrow(/keepFinishedMs/);
    expect(() => new BullMQDispatcher(null as never)).toThrow(/^BullMQDispatcher: expected `options` to be an object, got `null` \(null\)$/);
    expect(() => createWorker({ connection: 'redis://localhost', processors: [] })).toThrow(/non-empty array/);
    expect(() => createWorker({ connection: 'redis://localhost', processors: [catalogue], concurrency: 0 })).toThrow(/concurrency/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { BullMQDispatcher } from '../../../src/distributed/bullmq-dispatcher.js';
import { createWorker } from '../../../src/distributed/worker.js';
import { jobIdOf, queueName } from '../../../src/distributed/wire.js';
import { Queue } from 'bullmq';
import { dagJob, MES } from '../../helpers/jobs.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis | undefined;

describe.skipIf(!haveRedis)(`review: a job id Redis still holds from an earlier run${haveRedis ? '' : ` (skipped: ${noRedisReason})`}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a definition with the same task Ids submitted again (after forget, or to a new engine without a store) runs again: it never takes the earlier run’s result', async () => {
    const p = 'review-stale';
    let runs = 0;
    const processor: Processor = { id: MES, name: 'Media Encoder Standard', run: () => [{ run: ++runs }] };
    const worker = createWorker({ connection: redis!.url, prefix: p, processors: [processor] });
    await worker.ready;
    const definition = dagJob(1, []);
    (definition.Tasks![0] as { Id?: string }).Id = 'nb:tid:UUID:1b7e5f6c-0000-4000-8000-000000000001';
    try {
      for (const round of [1, 2]) {
        const engine = new Engine({ processors: [processor], dispatcher: new BullMQDispatcher({ connection: redis!.url, prefix: p, checkIntervalMs: 100 }) });
        try {
          const job = engine.submit(definition);
          expect((await job.done).State).toBe(TaskState.Finished);
          expect(runs).toBe(round);
        } finally {
          await engine.close();
        }
      }
    } finally {
      await worker.close();
    }
  });

  it('an earlier run’s attempt with the same id still running on a worker: this attempt fails (retryable) and the next runs; the earlier result is never taken', async () => {
    const p = 'review-stale-running';
    const taskId = 'nb:tid:UUID:1b7e5f6c-0000-4000-8000-000000000002';
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let oldStarted = false;
    let seen: unknown;
    const processor: Processor = {
      id: MES,
      name: 'Media Encoder Standard',
      run: async (ctx) => {
        if (ctx.jobName === 'earlier') {
          oldStarted = true;
          await held;
          return [{ from: 'earlier' }];
        }
        if (ctx.taskName === 'Task 1') seen = ctx.inputs.find((i) => i.kind === 'JobOutputAsset')?.metadata;
        return [{ from: `attempt ${ctx.attempt}` }];
      },
    };
    const worker = createWorker({ connection: redis!.url, prefix: p, processors: [processor], concurrency: 4 });
    await worker.ready;
    // The earlier run's attempt 1, left running on a worker.
    const queue = new Queue(queueName(MES), { connection: { path: redis!.path }, prefix: p });
    await queue.add('task', { serial: 1, taskId, jobId: 'nb:jid:UUID:x', taskName: 'Task 0', jobName: 'earlier', attempt: 1, mediaProcessorId: MES, configuration: null, inputs: [], outputs: [{ index: 0, assetName: 'a' }] }, { jobId: jobIdOf(taskId, 1), priority: 1 });
    const deadline = Date.now() + 10_000;
    while (!oldStarted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const definition = dagJob(2, [[0, 1]]);
    (definition.Tasks![0] as { Id?: string }).Id = taskId;
    const engine = new Engine({ processors: [processor], retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10, jitter: false }, dispatcher: new BullMQDispatcher({ connection: redis!.url, prefix: p, checkIntervalMs: 100 }) });
    // Lets the earlier attempt end after a while: before the fix, its result was taken for this one's.
    const timer = setTimeout(release, 1500);
    try {
      const job = engine.submit(definition);
      const final = await job.done;
      expect(final.State).toBe(TaskState.Finished);
      expect(seen).toEqual({ from: 'attempt 2' });
      const task = engine.scheduler.tasks({ jobId: job.id })[0]!;
      expect(task.HistoricalEvents.find((e) => e.Code === 'Retrying')?.Message).toMatch(/already held a job with this attempt's id/);
    } finally {
      clearTimeout(timer);
      release();
      await queue.close();
      await engine.close();
      await worker.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { FailureReport, WorkItem, WorkReporter } from '../../../src/run/dispatcher.js';
import { Engine } from '../../../src/run/engine.js';
import { TaskState } from '../../../src/job/enums.js';
import { BullMQDispatcher } from '../../../src/distributed/bullmq-dispatcher.js';
import { jobIdOf, queueName } from '../../../src/distributed/wire.js';
import { dagJob, MES } from '../../helpers/jobs.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';
import { until as waitUntil } from '../../helpers/until.js';

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> => waitUntil(check, what, ms, 5);

function item(serial: number, attempt = 1): WorkItem {
  return { serial, taskId: `nb:tid:UUID:review-${serial}`, jobId: 'nb:jid:UUID:review', taskName: `T${serial}`, jobName: 'J', attempt, mediaProcessorId: MES, configuration: null, inputs: [], outputs: [], timeoutMs: undefined };
}

function recorder(): { reporter: WorkReporter; fails: Array<[number, number, FailureReport]> } {
  const fails: Array<[number, number, FailureReport]> = [];
  return {
    fails,
    reporter: { progress: () => undefined, log: () => undefined, complete: () => undefined, fail: (s, a, f) => fails.push([s, a, f]) },
  };
}

let redis: TestRedis | undefined;
let n = 0;

describe.skipIf(!haveRedis)(`review: cancel of a task waiting in Redis${haveRedis ? '' : ` (skipped: ${noRedisReason})`}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('reports a waiting job it removed itself as canceled, never as removed by someone else', async () => {
    const p = `review-cancel${++n}`;
    const d = new BullMQDispatcher({ connection: redis!.url, prefix: p });
    const { reporter, fails } = recorder();
    d.start(reporter, new Map());
    const queue = new Queue(queueName(MES), { connection: { path: redis!.path }, prefix: p });
    try {
      for (let s = 1; s <= 40; s++) {
        d.dispatch(item(s));
        await until(async () => (await queue.getJobState(jobIdOf(item(s).taskId, 1))) !== 'unknown', 'the job in Redis');
        d.abort(s, 1, 'canceled by the test');
        await until(() => fails.length === s, 'the cancel report');
      }
      // Events that came late must not add a second report either.
      await new Promise((r) => setTimeout(r, 100));
      expect(fails.length).toBe(40);
      expect(fails.filter(([, , f]) => f.code !== 'ErrorCancelingTask')).toEqual([]);
    } finally {
      await queue.close();
      await d.close();
    }
  });

  it('a job canceled while its task waits in Redis: the Canceled event says why it was canceled, not that someone removed the job', async () => {
    const p = `review-cancel${++n}`;
    const engine = new Engine({ processors: [{ id: MES, name: 'Media Encoder Standard', run: () => undefined }], dispatcher: new BullMQDispatcher({ connection: redis!.url, prefix: p }) });
    const queue = new Queue(queueName(MES), { connection: { path: redis!.path }, prefix: p });
    try {
      const job = engine.submit(dagJob(1, []));
      const taskId = engine.scheduler.tasks({ jobId: job.id })[0]!.Id;
      await until(async () => (await queue.getJobState(jobIdOf(taskId, 1))) !== 'unknown', 'the job in Redis');
      engine.cancel(job.id);
      expect((await job.done).State).toBe(TaskState.Canceled);
      const events = engine.scheduler.tasks({ jobId: job.id })[0]!.HistoricalEvents;
      const canceled = events.find((e) => e.Code === 'Canceled');
      expect(canceled?.Message).not.toMatch(/removed/);
    } finally {
      await queue.close();
      await engine.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { FailureReport, WorkItem, WorkReporter } from '../../../src/run/dispatcher.js';
import { BullMQDispatcher } from '../../../src/distributed/bullmq-dispatcher.js';
import { queueName } from '../../../src/distributed/wire.js';
import { MES } from '../../helpers/jobs.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';
import { until as waitUntil } from '../../helpers/until.js';

/**
 * Complexity review of the BullMQDispatcher: a renumbering of priorities scanned every attempt in
 * flight (quadratic for tasks of distinct priorities dispatched together), a cancel searched and
 * spliced the turn's batch (quadratic for a job canceled in the turn it was submitted), and the
 * periodic check looked up again attempts whose look-up Redis had not answered yet (unbounded
 * commands queued while Redis is away).
 */

function item(serial: number, priority = 0): WorkItem {
  return { serial, taskId: `nb:tid:UUID:cx-${serial}`, jobId: 'nb:jid:UUID:cx', taskName: `T${serial}`, jobName: 'J', attempt: 1, mediaProcessorId: MES, configuration: null, inputs: [], outputs: [], timeoutMs: undefined, priority, jobPriority: 0 };
}

function recorder(): { reporter: WorkReporter; fails: FailureReport[] } {
  const fails: FailureReport[] = [];
  return { fails, reporter: { progress: () => undefined, log: () => undefined, complete: () => undefined, fail: (_s, _a, f) => void fails.push(f) } };
}

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> => waitUntil(check, what, ms);

let redis: TestRedis | undefined;
let n = 0;

describe.skipIf(!haveRedis)(`review (complexity): BullMQDispatcher${haveRedis ? '' : ` (skipped: ${noRedisReason})`}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('dispatches 30,000 tasks of distinct priorities in one turn in well under the 25 s it took (renumbering scanned every attempt)', { timeout: 120_000 }, async () => {
    const d = new BullMQDispatcher({ connection: redis!.url, prefix: `review-cx${++n}` });
    const { reporter, fails } = recorder();
    d.start(reporter, new Map());
    try {
      const count = 30_000;
      const started = Date.now();
      // Each less urgent than the last, as the scheduler hands them out: renumbering all along.
      for (let s = 1; s <= count; s++) d.dispatch(item(s, -s));
      expect(Date.now() - started).toBeLessThan(4_000);
      // Canceled in the same turn: none reaches Redis, each reported canceled.
      for (let s = 1; s <= count; s++) d.abort(s, 1, 'canceled by the test');
      expect(fails).toHaveLength(count);
    } finally {
      await d.close();
    }
  });

  it('cancels 200,000 tasks in the turn they were dispatched in well under the 20 s it took (each searched and spliced the batch)', { timeout: 120_000 }, async () => {
    const d = new BullMQDispatcher({ connection: redis!.url, prefix: `review-cx${++n}` });
    const { reporter, fails } = recorder();
    d.start(reporter, new Map());
    const queue = new Queue(queueName(MES), { connection: { path: redis!.path }, prefix: `review-cx${n}` });
    try {
      const count = 200_000;
      for (let s = 1; s <= count; s++) d.dispatch(item(s));
      const started = Date.now();
      for (let s = 1; s <= count; s++) d.abort(s, 1, 'canceled by the test');
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(fails).toHaveLength(count);
      expect(fails.every((f) => f.code === 'ErrorCancelingTask' && !f.retryable)).toBe(true);
      // One more, not canceled, still goes out with the next flush; the canceled ones never do.
      d.dispatch(item(count + 1));
      await until(async () => {
        const c = await queue.getJobCounts('waiting', 'prioritized');
        return (c.waiting ?? 0) + (c.prioritized ?? 0) >= 1;
      }, 'the live job in Redis');
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed');
      expect(Object.values(counts).reduce((sum, v) => sum + v, 0)).toBe(1);
    } finally {
      await queue.close();
      await d.close();
    }
  });

  it('while Redis does not answer, the periodic check sends one look-up per attempt, not one per attempt per interval', { timeout: 120_000 }, async () => {
    const prefix = `review-cx${++n}`;
    const d = new BullMQDispatcher({ connection: redis!.url, prefix, checkIntervalMs: 10 });
    const { reporter } = recorder();
    d.start(reporter, new Map());
    const queue = new Queue(queueName(MES), { connection: { path: redis!.path }, prefix });
    const count = 100;
    let lookUps = 0;
    // Counts the look-ups the dispatcher sends (its queues are BullMQ Queues too).
    const original = Queue.prototype.getJobState;
    Queue.prototype.getJobState = async function (this: Queue, id: string) {
      lookUps++;
      return original.call(this, id);
    };
    let paused = false;
    try {
      for (let s = 1; s <= count; s++) d.dispatch(item(s));
      await until(async () => {
        const c = await queue.getJobCounts('waiting', 'prioritized');
        return (c.waiting ?? 0) + (c.prioritized ?? 0) === count;
      }, 'the jobs in Redis');
      // Let the checks settle into their rhythm while Redis answers.
      await new Promise((r) => setTimeout(r, 100));
      process.kill(redis!.pid, 'SIGSTOP');
      paused = true;
      const before = lookUps;
      await new Promise((r) => setTimeout(r, 600));
      const during = lookUps - before;
      // About 60 checks fire in the pause; each used to send a look-up for every attempt (~6,000).
      expect(during).toBeLessThanOrEqual(2 * count);
    } finally {
      if (paused) process.kill(redis!.pid, 'SIGCONT');
      Queue.prototype.getJobState = original;
      await queue.close();
      await d.close();
    }
  });
});

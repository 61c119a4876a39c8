import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { BullMQDispatcher } from '../../../src/distributed/bullmq-dispatcher.js';
import { createWorker } from '../../../src/distributed/worker.js';
import { dagJob, MES } from '../../helpers/jobs.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';
import { until as waitUntil } from '../../helpers/until.js';

const processor: Processor = { id: MES, name: 'Media Encoder Standard', run: () => undefined };

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> => waitUntil(check, what, ms, 5);

let redis: TestRedis | undefined;

describe.skipIf(!haveRedis)(`review: a pool's queue that failed to open${haveRedis ? '' : ` (skipped: ${noRedisReason})`}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('is opened again on the next dispatch: one Redis error (OOM) while opening does not refuse every later task of the pool', async () => {
    const p = 'review-reopen';
    const admin = new Redis({ path: redis!.path });
    const engine = new Engine({
      processors: [processor],
      pools: { [MES]: 2 },
      retry: { maxAttempts: 3, baseDelayMs: 300, maxDelayMs: 300, jitter: false },
      dispatcher: new BullMQDispatcher({ connection: redis!.url, prefix: p }),
    });
    const worker = createWorker({ connection: redis!.url, prefix: p, processors: [processor] });
    await worker.ready;
    try {
      // Redis refuses writes (setting the pool's slots) while the queue is being opened.
      await admin.config('SET', 'maxmemory', '1');
      const job = engine.submit(dagJob(1, []));
      const task = () => engine.scheduler.tasks({ jobId: job.id })[0]!;
      await until(() => task().HistoricalEvents.some((e) => e.Code === 'Retrying'), 'the first attempt to be refused');
      await admin.config('SET', 'maxmemory', '0');
      const final = await job.done;
      expect(task().ErrorDetails).toEqual([]);
      expect(final.State).toBe(TaskState.Finished);
    } finally {
      await admin.config('SET', 'maxmemory', '0').catch(() => undefined);
      admin.disconnect();
      await engine.close();
      await worker.close();
    }
  });
});

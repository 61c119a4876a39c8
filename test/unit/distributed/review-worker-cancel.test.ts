import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Processor } from '../../../src/run/processor.js';
import { createWorker } from '../../../src/distributed/worker.js';
import { cancelChannel, jobIdOf, queueName } from '../../../src/distributed/wire.js';
import { MES } from '../../helpers/jobs.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis | undefined;

describe.skipIf(!haveRedis)(`review: a cancel that reaches a worker before it tracks the job${haveRedis ? '' : ` (skipped: ${noRedisReason})`}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('is not lost: the job taken a moment later does not run its processor, and fails canceled', async () => {
    // The orchestrator's remove fails once a worker has moved the job to active; the worker tracks
    // it (and can abort it) only a round trip later. A cancel published in between came first here.
    const p = 'review-worker-cancel';
    let ran = 0;
    const processor: Processor = { id: MES, name: 'Media Encoder Standard', run: () => void ran++ };
    const worker = createWorker({ connection: redis!.url, prefix: p, processors: [processor] });
    await worker.ready;
    const taskId = 'nb:tid:UUID:00000000-0000-4000-8000-00000000c001';
    const id = jobIdOf(taskId, 1);
    const pub = new Redis({ path: redis!.path });
    const queue = new Queue(queueName(MES), { connection: { path: redis!.path }, prefix: p });
    const events = new QueueEvents(queueName(MES), { connection: { path: redis!.path }, prefix: p });
    await events.waitUntilReady();
    try {
      await pub.publish(cancelChannel(p), JSON.stringify({ id, reason: 'canceled by the test' }));
      await new Promise((r) => setTimeout(r, 50));
      const failed = new Promise<string>((resolve, reject) => {
        events.on('failed', ({ jobId, failedReason }) => jobId === id && resolve(failedReason));
        events.on('completed', ({ jobId }) => jobId === id && reject(new Error('the canceled job completed')));
      });
      await queue.add('task', { serial: 1, taskId, jobId: 'nb:jid:UUID:x', taskName: 'T', jobName: 'J', attempt: 1, mediaProcessorId: MES, configuration: null, inputs: [], outputs: [] }, { jobId: id });
      expect(await failed).toBe('ErrorCancelingTask: canceled by the test');
      expect(ran).toBe(0);
    } finally {
      pub.disconnect();
      await events.close();
      await queue.close();
      await worker.close();
    }
  });
});

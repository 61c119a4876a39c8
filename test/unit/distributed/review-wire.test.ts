import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker as BullWorker } from 'bullmq';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { BullMQDispatcher } from '../../../src/distributed/bullmq-dispatcher.js';
import { queueName } from '../../../src/distributed/wire.js';
import { dagJob, MES } from '../../helpers/jobs.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';

const catalogue: Processor = { id: MES, name: 'Media Encoder Standard', run: () => undefined };

let redis: TestRedis | undefined;
let n = 0;

/** Runs one job through a BullMQ worker that is not jobgraph's, returning `value` for every job. */
async function runForeign(value: unknown): Promise<{ state: number; errors: string[] }> {
  const p = `review-wire${++n}`;
  const foreign = new BullWorker(queueName(MES), async () => value, { connection: { path: redis!.path }, prefix: p });
  await foreign.waitUntilReady();
  const engine = new Engine({ processors: [catalogue], dispatcher: new BullMQDispatcher({ connection: redis!.url, prefix: p }) });
  try {
    const job = engine.submit(dagJob(1, []));
    const final = await job.done;
    const task = engine.scheduler.tasks({ jobId: job.id })[0]!;
    return { state: final.State, errors: task.ErrorDetails.map((e) => `${e.Code}: ${e.Message}`) };
  } finally {
    await engine.close();
    await foreign.close();
  }
}

describe.skipIf(!haveRedis)(`review: results a foreign worker puts in Redis${haveRedis ? '' : ` (skipped: ${noRedisReason})`}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('metadata for an output the task does not have is refused, as in-process', async () => {
    const r = await runForeign({ m: [[5, { bogus: true }]] });
    expect(r.state).toBe(TaskState.Error);
    expect(r.errors.join()).toMatch(/not one of the task's outputs/);
  });

  it('a result that is not ours is refused clearly', async () => {
    const r = await runForeign('hello');
    expect(r.state).toBe(TaskState.Error);
    expect(r.errors.join()).toMatch(/not a jobgraph result/);
  });

  it('metadata for the task’s own output is taken', async () => {
    const r = await runForeign({ m: [[0, { ok: true }]] });
    expect(r.state).toBe(TaskState.Finished);
  });
});

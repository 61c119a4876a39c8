import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineOptions } from '../../../src/run/engine.js';
import { ProcessorError, type Processor, type ProcessorContext } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { BullMQDispatcher } from '../../../src/distributed/bullmq-dispatcher.js';
import { createWorker, type TaskWorker } from '../../../src/distributed/worker.js';
import { dagJob, MES } from '../../helpers/jobs.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';

/**
 * The same behaviour, whichever dispatcher runs the tasks: the in-process one, or BullMQ on a real
 * Redis with a worker (in this process, so that the processors' closures are shared).
 */
type Behaviour = (ctx: ProcessorContext) => unknown;

interface Setup {
  name: string;
  engine(options: Omit<EngineOptions, 'processors' | 'dispatcher'>, behaviour: Behaviour): Promise<{ engine: Engine; close(): Promise<void> }>;
  where: RegExp;
}

const wait = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

const processorOf = (behaviour: Behaviour): Processor => ({ id: MES, name: 'Media Encoder Standard', run: (ctx) => behaviour(ctx) as never });

const inProcess: Setup = {
  name: 'InProcessDispatcher',
  where: /^this process \(/,
  async engine(options, behaviour) {
    const engine = new Engine({ ...options, processors: [processorOf(behaviour)] });
    return { engine, close: () => engine.close() };
  },
};

let redis: TestRedis | undefined;
let prefixes = 0;

const bullmq: Setup = {
  name: 'BullMQDispatcher',
  where: /^worker contract-worker$/,
  async engine(options, behaviour) {
    // A prefix of its own per test: no test sees another's queues.
    const prefix = `contract${++prefixes}`;
    const worker: TaskWorker = createWorker({ connection: redis!.url, processors: [processorOf(behaviour)], concurrency: 4, prefix, name: 'contract-worker' });
    await worker.ready;
    const engine = new Engine({ ...options, processors: [processorOf(() => undefined)], dispatcher: new BullMQDispatcher({ connection: redis!.url, prefix }) });
    return {
      engine,
      async close() {
        await engine.close();
        await worker.close({ timeoutMs: 1000 });
      },
    };
  },
};

const setups: Array<[Setup, boolean]> = [
  [inProcess, true],
  [bullmq, haveRedis],
];

beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

for (const [setup, runnable] of setups) {
  describe.skipIf(!runnable)(`dispatcher contract: ${setup.name}${runnable ? '' : ` (skipped: ${noRedisReason})`}`, () => {
    it('runs a DAG in dependency order and hands each task its producers’ output metadata', async () => {
      const order: string[] = [];
      const inputs = new Map<string, unknown[]>();
      const { engine, close } = await setup.engine({}, async (ctx) => {
        order.push(ctx.taskName);
        inputs.set(ctx.taskName, ctx.inputs.map((i) => (i.kind === 'JobOutputAsset' ? i.metadata : null)));
        await wait(5);
        return [{ made: ctx.taskName }];
      });
      try {
        const final = await engine.submit(dagJob(4, [[0, 2], [1, 2], [2, 3]])).done;
        expect(final.State).toBe(TaskState.Finished);
        expect(order.indexOf('Task 2')).toBeGreaterThan(Math.max(order.indexOf('Task 0'), order.indexOf('Task 1')));
        expect(order.indexOf('Task 3')).toBeGreaterThan(order.indexOf('Task 2'));
        expect(inputs.get('Task 2')).toEqual([{ made: 'Task 0' }, { made: 'Task 1' }]);
        expect(inputs.get('Task 3')).toEqual([{ made: 'Task 2' }]);
      } finally {
        await close();
      }
    });

    it('fails a task with the code and message its processor threw, and cancels what depends on it', async () => {
      const { engine, close } = await setup.engine({}, (ctx) => {
        if (ctx.taskName === 'Task 0') throw new ProcessorError('ErrorDownloadingInputAssetMalformedContent', 'the input is not an MP4');
      });
      try {
        const job = engine.submit(dagJob(2, [[0, 1]]));
        const final = await job.done;
        expect(final.State).toBe(TaskState.Error);
        const [t0, t1] = engine.scheduler.tasks({ jobId: job.id });
        expect(t0!.State).toBe(TaskState.Error);
        expect(t0!.ErrorDetails).toEqual([{ Code: 'ErrorDownloadingInputAssetMalformedContent', Message: 'the input is not an MP4' }]);
        expect(t1!.State).toBe(TaskState.Canceled);
      } finally {
        await close();
      }
    });

    it('retries a retryable failure as a new attempt', async () => {
      const attempts: number[] = [];
      const { engine, close } = await setup.engine({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } }, (ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) throw new ProcessorError('TransientError', 'the storage account did not answer', { retryable: true });
        return undefined;
      });
      try {
        const job = engine.submit(dagJob(1, []));
        expect((await job.done).State).toBe(TaskState.Finished);
        expect(attempts).toEqual([1, 2]);
        const [t] = engine.scheduler.tasks({ jobId: job.id });
        expect(t!.ErrorDetails).toEqual([]);
        expect(t!.HistoricalEvents.some((e) => e.Message.includes('the storage account did not answer'))).toBe(true);
      } finally {
        await close();
      }
    });

    it('brings progress and logged events back, in order, before completion', async () => {
      const { engine, close } = await setup.engine({}, async (ctx) => {
        ctx.log('Transcoding', 'pass 1 of 2');
        ctx.progress(50);
        await wait(20);
        ctx.log('Transcoding', 'pass 2 of 2');
        ctx.progress(100);
      });
      try {
        const job = engine.submit(dagJob(1, []));
        const progress: number[] = [];
        job.on('taskProgress', (e) => progress.push(e.progress));
        expect((await job.done).State).toBe(TaskState.Finished);
        const [t] = engine.scheduler.tasks({ jobId: job.id });
        const logged = t!.HistoricalEvents.filter((e) => e.Code === 'Transcoding').map((e) => e.Message);
        expect(logged).toEqual(['pass 1 of 2', 'pass 2 of 2']);
        expect(progress).toEqual([50, 100]);
      } finally {
        await close();
      }
    });

    it('reaches the processor’s AbortSignal when the job is canceled', async () => {
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      let aborted = false;
      const { engine, close } = await setup.engine({}, async (ctx) => {
        ctx.signal.addEventListener('abort', () => (aborted = true));
        started();
        await wait(60_000, ctx.signal);
      });
      try {
        const job = engine.submit(dagJob(2, [[0, 1]]));
        await running;
        expect(engine.cancel(job.id)).toBe(true);
        const final = await job.done;
        expect(final.State).toBe(TaskState.Canceled);
        expect(aborted).toBe(true);
        expect(engine.scheduler.tasks({ jobId: job.id }).map((t) => t.State)).toEqual([TaskState.Canceled, TaskState.Canceled]);
      } finally {
        await close();
      }
    });

    it('fails a task that runs past its time limit', async () => {
      const { engine, close } = await setup.engine({ timeoutMs: 200 }, async (ctx) => {
        await wait(60_000, ctx.signal);
      });
      try {
        const job = engine.submit(dagJob(1, []));
        expect((await job.done).State).toBe(TaskState.Error);
        const [t] = engine.scheduler.tasks({ jobId: job.id });
        expect(t!.ErrorDetails[0]!.Message).toMatch(/timed out after 200 ms/);
      } finally {
        await close();
      }
    });

    it('runs ready tasks highest priority first within a pool’s slots', async () => {
      const order: number[] = [];
      const { engine, close } = await setup.engine({ pools: { [MES]: 1 } }, async (ctx) => {
        order.push(Number(ctx.taskName.slice(5)));
        await wait(5);
      });
      try {
        const final = await engine.submit(dagJob(5, [], { priority: [1, 5, 3, 9, 7] })).done;
        expect(final.State).toBe(TaskState.Finished);
        expect(order).toEqual([3, 4, 1, 2, 0]);
      } finally {
        await close();
      }
    });

    it('says where a running task runs and since when', async () => {
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      let release!: () => void;
      const hold = new Promise<void>((r) => (release = r));
      const { engine, close } = await setup.engine({}, async () => {
        started();
        await hold;
      });
      try {
        const job = engine.submit(dagJob(1, []));
        await running;
        const [t] = engine.scheduler.tasks({ jobId: job.id });
        const before = Date.now();
        const e = await engine.explain(t!.Id);
        expect(e.reason).toBe('running');
        expect(e.runsOn?.running).toBe(true);
        expect(e.runsOn?.where).toMatch(setup.where);
        expect(Date.parse(e.runsOn!.since)).toBeLessThanOrEqual(before);
        expect(e.message).toContain(`on ${e.runsOn!.where} since`);
        release();
        expect((await job.done).State).toBe(TaskState.Finished);
        expect((await engine.explain(t!.Id)).runsOn).toBeUndefined();
      } finally {
        release();
        await close();
      }
    });
  });
}

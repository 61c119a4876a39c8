import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import { ProcessorError, type Processor, type ProcessorContext } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { ValidationError } from '../../../src/errors.js';
import type { Dispatcher, WorkReporter } from '../../../src/run/dispatcher.js';
import { dagJob, MES, PACKAGER } from '../../helpers/jobs.js';

type Behaviour = (ctx: ProcessorContext) => unknown;

function processor(id: string, name: string, behaviour: Behaviour, extra: Partial<Processor> = {}): Processor {
  return { id, name, run: (ctx) => behaviour(ctx) as never, ...extra };
}

const wait = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

describe('Engine', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a chained job end to end, handing each task its resolved inputs and outputs', async () => {
    const seen: ProcessorContext[] = [];
    const engine = new Engine({
      processors: [
        processor(MES, 'Encoder', async (ctx) => {
          seen.push(ctx);
          ctx.progress(50);
          ctx.log('Transcoding', 'half way');
          await wait(100);
          return [{ bitrate: 3000 }];
        }),
      ],
    });
    const handle = engine.submit(dagJob(2, [[0, 1]]));
    await vi.advanceTimersByTimeAsync(300);
    const final = await handle.done;
    expect(final.State).toBe(TaskState.Finished);
    expect(seen.map((c) => c.taskName)).toEqual(['Task 0', 'Task 1']);
    expect(seen[0]!.inputs).toEqual([{ kind: 'JobInputAsset', index: 0, asset: expect.objectContaining({ id: 'nb:cid:UUID:00000000-0000-4000-8000-000000000000' }) }]);
    expect(seen[1]!.inputs).toEqual([{ kind: 'JobOutputAsset', index: 0, producerTaskId: seen[0]!.taskId, assetName: 'JobOutputAsset(0)_J', metadata: { bitrate: 3000 } }]);
    expect(seen[1]!.outputs[0]!.assetName).toBe('JobOutputAsset(1)_J');
    const events = engine.scheduler.task(seen[0]!.taskId)!.HistoricalEvents.map((e) => e.Code);
    expect(events).toEqual(['Scheduled', 'Processing', 'Transcoding', 'Finished']);
  });

  it('hands a dispatcher work items that serialize to plain JSON with their inputs resolved', async () => {
    const sent: Array<Record<string, unknown>> = [];
    let reporter: WorkReporter | undefined;
    const dispatcher: Dispatcher = {
      start: (r) => void (reporter = r),
      // As a dispatcher that queues work for other machines would: only the JSON crosses.
      dispatch: (item) => {
        sent.push(JSON.parse(JSON.stringify(item)) as Record<string, unknown>);
        queueMicrotask(() => reporter!.complete(item.serial, item.attempt, new Map([[item.outputs[0]!.index, { size: item.serial + 1 }]])));
      },
      abort: () => undefined,
      abandon: () => undefined,
      close: async () => undefined,
    };
    const engine = new Engine({ processors: [processor(MES, 'Encoder', () => undefined)], dispatcher });
    const final = await engine.submit(dagJob(3, [[0, 2], [1, 2]])).done;
    expect(final.State).toBe(TaskState.Finished);
    // Every WorkItem field (timeoutMs is undefined here, so JSON leaves it out).
    const fields = ['attempt', 'configuration', 'inputs', 'jobId', 'jobName', 'jobPriority', 'mediaProcessorId', 'outputs', 'pool', 'priority', 'serial', 'taskId', 'taskName'];
    expect(sent.map((w) => Object.keys(w).sort())).toEqual([fields, fields, fields]);
    const last = sent[2]!;
    expect([last.pool, last.priority, last.jobPriority]).toEqual([MES, 0, 0]);
    expect(last.taskName).toBe('Task 2');
    expect(last.inputs).toEqual([
      { kind: 'JobOutputAsset', index: 0, producerTaskId: sent[0]!.taskId, assetName: 'JobOutputAsset(0)_J', metadata: { size: 1 } },
      { kind: 'JobOutputAsset', index: 1, producerTaskId: sent[1]!.taskId, assetName: 'JobOutputAsset(1)_J', metadata: { size: 2 } },
    ]);
  });

  it('never runs more than the concurrency and pool limits allow', async () => {
    let running = 0;
    let peak = 0;
    let peakMes = 0;
    let mes = 0;
    const busy = (isMes: boolean) => async () => {
      running++;
      if (isMes) mes++;
      peak = Math.max(peak, running);
      peakMes = Math.max(peakMes, mes);
      await wait(10);
      running--;
      if (isMes) mes--;
    };
    const engine = new Engine({ processors: [processor(MES, 'E', busy(true)), processor(PACKAGER, 'P', busy(false))], concurrency: 3, pools: { [MES]: 2 } });
    const h = engine.submit(dagJob(12, [], { processor: (i) => (i % 2 ? MES : PACKAGER) }));
    await vi.advanceTimersByTimeAsync(1000);
    expect((await h.done).State).toBe(TaskState.Finished);
    expect(peak).toBe(3);
    expect(peakMes).toBe(2);
  });

  it.each([
    ['a throw', () => { throw new Error('sync boom'); }, 'ErrorProcessingTask', 'sync boom'],
    ['a rejection', () => Promise.reject(new Error('async boom')), 'ErrorProcessingTask', 'async boom'],
    ['a thrown non-error', () => { throw 42; }, 'ErrorProcessingTask', 'the processor threw 42'],
    ['a typed processor error', () => { throw new ProcessorError('ErrorParsingConfiguration', 'bad preset'); }, 'ErrorParsingConfiguration', 'bad preset'],
    ['an invalid return value', () => 'done!', 'ErrorProcessingTask', 'the processor returned "done!"'],
    ['too many metadata values', () => [1, 2], 'ErrorProcessingTask', 'returned 2 metadata values for 1 output'],
  ])('fails the task on %s, with an ErrorDetail, and cancels its dependents', async (_name, behaviour, code, message) => {
    const engine = new Engine({ processors: [processor(MES, 'E', behaviour as Behaviour)] });
    const h = engine.submit(dagJob(2, [[0, 1]]));
    await vi.advanceTimersByTimeAsync(10);
    const final = await h.done;
    expect(final.State).toBe(TaskState.Error);
    const [t0, t1] = engine.scheduler.tasks({ jobId: h.id });
    expect(t0!.ErrorDetails[0]).toMatchObject({ Code: code });
    expect(t0!.ErrorDetails[0]!.Message).toContain(message);
    expect(t1!.State).toBe(TaskState.Canceled);
  });

  it('fails a task that runs past its timeout and aborts its signal', async () => {
    let aborted = false;
    const engine = new Engine({
      processors: [processor(MES, 'E', (ctx) => new Promise(() => ctx.signal.addEventListener('abort', () => (aborted = true))))],
      timeoutMs: 500,
    });
    const h = engine.submit(dagJob(1, []));
    await vi.advanceTimersByTimeAsync(499);
    expect(engine.scheduler.tasks()[0]!.State).toBe(TaskState.Processing);
    await vi.advanceTimersByTimeAsync(1);
    expect((await h.done).State).toBe(TaskState.Error);
    expect(aborted).toBe(true);
    expect(engine.scheduler.tasks()[0]!.ErrorDetails[0]!.Message).toBe('the task timed out after 500 ms');
  });

  it('retries transient failures with capped exponential backoff, recording every attempt', async () => {
    let calls = 0;
    const engine = new Engine({
      processors: [
        processor(MES, 'E', () => {
          calls++;
          if (calls < 3) throw new ProcessorError('TransientError', `node lost ${calls}`);
          return undefined;
        }),
      ],
      retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 150, jitter: false },
    });
    const h = engine.submit(dagJob(1, []));
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toBe(1);
    expect(engine.scheduler.explain(engine.scheduler.tasks()[0]!.Id).reason).toBe('retry-backoff');
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(149);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect((await h.done).State).toBe(TaskState.Finished);
    const t = engine.scheduler.tasks()[0]!;
    expect(t.HistoricalEvents.map((e) => e.Code)).toEqual(['Scheduled', 'Processing', 'Retrying', 'Scheduled', 'Processing', 'Retrying', 'Scheduled', 'Processing', 'Finished']);
    expect(engine.scheduler.taskInfo(t.Id).attempts).toBe(3);
  });

  it('gives up after maxAttempts', async () => {
    const engine = new Engine({ processors: [processor(MES, 'E', () => Promise.reject(new ProcessorError('TransientError', 'again')))], retry: { maxAttempts: 2, baseDelayMs: 10, jitter: false } });
    const h = engine.submit(dagJob(1, []));
    await vi.advanceTimersByTimeAsync(100);
    expect((await h.done).State).toBe(TaskState.Error);
    expect(engine.scheduler.taskInfo(engine.scheduler.tasks()[0]!.Id).attempts).toBe(2);
  });

  it('cancels a job: running processors see their signal, the job goes Canceling → Canceled', async () => {
    const states: number[] = [];
    const engine = new Engine({ processors: [processor(MES, 'E', (ctx) => wait(1000, ctx.signal))] });
    const h = engine.submit(dagJob(3, [[0, 2]]));
    h.on('jobStateChange', (e) => states.push(e.newState));
    await vi.advanceTimersByTimeAsync(10);
    h.cancel();
    expect(h.view().State).toBe(TaskState.Canceling);
    await vi.advanceTimersByTimeAsync(0);
    const final = await h.done;
    expect(final.State).toBe(TaskState.Canceled);
    // Scheduled and Processing happened inside submit: a listener attached right after it sees them.
    expect(states).toEqual([TaskState.Scheduled, TaskState.Processing, TaskState.Canceling, TaskState.Canceled]);
    h.cancel(); // a no-op once ended
  });

  it('abandons a processor that ignores its signal after the grace period and discards its late result', async () => {
    let finish!: () => void;
    const engine = new Engine({ processors: [processor(MES, 'E', () => new Promise<void>((r) => (finish = r)))], cancelGraceMs: 200 });
    const h = engine.submit(dagJob(2, [[0, 1]]));
    await vi.advanceTimersByTimeAsync(1);
    h.cancel();
    await vi.advanceTimersByTimeAsync(199);
    expect(h.view().State).toBe(TaskState.Canceling);
    await vi.advanceTimersByTimeAsync(1);
    expect((await h.done).State).toBe(TaskState.Canceled);
    finish();
    await vi.advanceTimersByTimeAsync(1);
    const t0 = engine.scheduler.tasks()[0]!;
    expect(t0.State).toBe(TaskState.Canceled);
    expect(t0.HistoricalEvents.map((e) => e.Code)).toContain('Abandoned');
  });

  it('close() cancels every job and settles every done promise', async () => {
    const engine = new Engine({ processors: [processor(MES, 'E', (ctx) => wait(10_000, ctx.signal))] });
    const a = engine.submit(dagJob(2, []));
    const b = engine.submit(dagJob(1, []));
    await vi.advanceTimersByTimeAsync(1);
    const closing = engine.close();
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect((await a.done).State).toBe(TaskState.Canceled);
    expect((await b.done).State).toBe(TaskState.Canceled);
    expect(() => engine.submit(dagJob(1, []))).toThrow(expect.objectContaining({ code: 'ENGINE_CLOSED' }));
  });

  it('refuses submit options that are not an object', async () => {
    const engine = new Engine({ processors: [processor(MES, 'E', () => undefined)] });
    for (const options of [null, 'x', 0]) {
      expect(() => engine.submit(dagJob(1, []), options as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^Engine\.submit: expected `options` to be an object, got /) }));
    }
    await engine.close();
  });

  it('refuses a job naming a processor it does not have', () => {
    const engine = new Engine({ processors: [processor(MES, 'E', () => undefined)] });
    expect(() => engine.submit(dagJob(1, [], { processor: () => PACKAGER }))).toThrow(ValidationError);
    try {
      engine.submit(dagJob(1, [], { processor: () => PACKAGER }));
    } catch (err) {
      expect((err as ValidationError).diagnostics[0]).toMatchObject({ code: 'MEDIA_PROCESSOR_UNKNOWN', task: 0 });
    }
  });

  it('runs several jobs at once, competing by priority', async () => {
    const order: string[] = [];
    const engine = new Engine({
      processors: [
        processor(MES, 'E', async (ctx) => {
          order.push(`${ctx.jobName}:${ctx.taskName}`);
          await wait(10);
        }),
      ],
      concurrency: 1,
    });
    const low = engine.submit(dagJob(2, [], { name: 'low' }));
    const high = engine.submit(dagJob(2, [], { name: 'high' }), { priority: 5 });
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([low.done, high.done]);
    // The first low task was already running when the high job arrived.
    expect(order).toEqual(['low:Task 0', 'high:Task 0', 'high:Task 1', 'low:Task 1']);
  });

  it('looks processors up by id or name and lists them in the REST shape', () => {
    const engine = new Engine({ processors: [processor(MES, 'Media Encoder Standard', () => undefined, { version: '1.1', vendor: 'Microsoft' })] });
    expect(engine.processor('Media Encoder Standard')).toEqual({ Id: MES, Name: 'Media Encoder Standard', Description: '', Sku: '', Vendor: 'Microsoft', Version: '1.1' });
    expect(engine.processor(MES)!.Name).toBe('Media Encoder Standard');
    expect(engine.processors()).toHaveLength(1);
    expect(() => new Engine({ processors: [processor('bad', 'x', () => undefined)] })).toThrow(TypeError);
  });
});

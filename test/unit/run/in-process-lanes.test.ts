import { afterEach, describe, expect, it, vi } from 'vitest';
import PQueue from 'p-queue';
import { InProcessDispatcher } from '../../../src/run/in-process-dispatcher.js';
import type { FailureReport, WorkItem, WorkReporter } from '../../../src/run/dispatcher.js';
import type { Processor } from '../../../src/run/processor.js';
import { Engine } from '../../../src/run/engine.js';
import { TaskState } from '../../../src/job/enums.js';
import { dagJob, MES } from '../../helpers/jobs.js';

/**
 * The in-process dispatcher runs attempts in lanes (p-queue entries that run one attempt, then
 * those handed over while it reported): what is dispatched inside a report starts in that lane.
 */

const item = (serial: number): WorkItem => ({
  serial,
  taskId: `t${serial}`,
  jobId: 'j',
  taskName: `task ${serial}`,
  jobName: 'job',
  attempt: 1,
  mediaProcessorId: MES,
  configuration: null,
  inputs: [],
  outputs: [],
  timeoutMs: undefined,
});

type Report = ['complete' | 'fail', number, string?];

/** A reporter that records reports and, on a report, runs `then(serial)` (a dispatch, say). */
function reporter(then: (serial: number) => void): { r: WorkReporter; reports: Report[] } {
  const reports: Report[] = [];
  const r: WorkReporter = {
    progress() {},
    log() {},
    complete(serial) {
      reports.push(['complete', serial]);
      then(serial);
    },
    fail(serial, _attempt, failure: FailureReport) {
      reports.push(['fail', serial, failure.code]);
      then(serial);
    },
  };
  return { r, reports };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const processors = (run: Processor['run']): ReadonlyMap<string, Processor> => new Map([[MES, { id: MES, name: 'MES', run }]]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('InProcessDispatcher lanes', () => {
  it('starts an attempt dispatched inside a report in the lane that reported: one p-queue entry for a run of them', async () => {
    const add = vi.spyOn(PQueue.prototype, 'add');
    const d = new InProcessDispatcher();
    const ran: number[] = [];
    const { r, reports } = reporter((serial) => {
      if (serial < 50) d.dispatch(item(serial + 1));
    });
    d.start(r, processors((ctx) => void ran.push(Number(ctx.taskId.slice(1)))));
    d.dispatch(item(0));
    await settle();
    expect(ran).toEqual(Array.from({ length: 51 }, (_, i) => i));
    expect(reports).toHaveLength(51);
    expect(add).toHaveBeenCalledTimes(1);
    expect(d.size).toBe(0);
  });

  it('gives a second attempt dispatched in the same report a lane of its own, and runs both', async () => {
    const add = vi.spyOn(PQueue.prototype, 'add');
    const d = new InProcessDispatcher();
    const ran: number[] = [];
    const { r } = reporter((serial) => {
      if (serial === 0) {
        d.dispatch(item(1));
        d.dispatch(item(2));
      }
    });
    d.start(r, processors((ctx) => void ran.push(Number(ctx.taskId.slice(1)))));
    d.dispatch(item(0));
    await settle();
    expect(ran.sort()).toEqual([0, 1, 2]);
    expect(add).toHaveBeenCalledTimes(2);
  });

  it('runs what was handed over even when the report throws, and after a failure report', async () => {
    const d = new InProcessDispatcher();
    const ran: number[] = [];
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { r, reports } = reporter((serial) => {
      if (serial < 3) d.dispatch(item(serial + 1));
      if (serial === 1) throw new Error('a listener threw');
    });
    d.start(
      r,
      processors((ctx) => {
        const serial = Number(ctx.taskId.slice(1));
        ran.push(serial);
        if (serial === 2) throw new Error('no');
      }),
    );
    d.dispatch(item(0));
    await settle();
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(reports).toEqual([['complete', 0], ['complete', 1], ['fail', 2, 'ErrorProcessingTask'], ['complete', 3]]);
    warn.mockRestore();
  });

  it('runs handed-over attempts at once, alongside the others: never more at a time than dispatched, never fewer', async () => {
    // An Engine of concurrency 4 over eight chains: each completion frees one slot and starts the
    // next task inside its report.
    let running = 0;
    let most = 0;
    const engine = new Engine({
      concurrency: 4,
      processors: [
        {
          id: MES,
          name: 'MES',
          run: async () => {
            running++;
            most = Math.max(most, running);
            await new Promise((resolve) => setTimeout(resolve, 1));
            running--;
          },
        },
      ],
    });
    const handles = Array.from({ length: 8 }, () => engine.submit(dagJob(5, [[0, 1], [1, 2], [2, 3], [3, 4]])));
    const views = await Promise.all(handles.map((h) => h.done));
    const tasks = engine.scheduler.tasks().map((t) => t.State);
    await engine.close();
    expect(views.map((v) => v.State)).toEqual(Array(8).fill(TaskState.Finished));
    expect(tasks).toEqual(Array(40).fill(TaskState.Finished));
    expect(most).toBe(4);
  });
  it('reports a synchronous processor one microtask after it starts, and awaits whatever may be a thenable', async () => {
    // Microtasks from the dispatch to the report: a processor that returns a plain value is read at
    // once; one that returns a promise or any other object (a thenable) is awaited first.
    const ticksToReport = async (run: Processor['run']): Promise<number> => {
      const d = new InProcessDispatcher();
      let reported = false;
      const { r } = reporter(() => {
        reported = true;
      });
      d.start(r, processors(run));
      d.dispatch(item(0));
      let ticks = 0;
      while (!reported && ticks < 50) {
        await undefined;
        ticks++;
      }
      return ticks;
    };
    const plain = await ticksToReport(() => undefined);
    const numbered = await ticksToReport(() => 7 as never);
    const promised = await ticksToReport(() => Promise.resolve());
    let thenRead = 0;
    const thenable = await ticksToReport(
      () =>
        ({
          then(resolve: (v: unknown) => void) {
            thenRead++;
            resolve(undefined);
          },
        }) as never,
    );
    expect(plain).toBe(1);
    expect(numbered).toBe(1);
    expect(promised).toBe(2);
    expect(thenable).toBeGreaterThan(1);
    expect(thenRead).toBe(1);
  });

  it('runs each attempt handed over to a lane one microtask after the report before it', async () => {
    const d = new InProcessDispatcher();
    let reports = 0;
    const { r } = reporter((serial) => {
      reports++;
      if (serial < 19) d.dispatch(item(serial + 1));
    });
    d.start(r, processors(() => undefined));
    d.dispatch(item(0));
    let ticks = 0;
    while (reports < 20 && ticks < 500) {
      await undefined;
      ticks++;
    }
    expect(reports).toBe(20);
    expect(ticks).toBe(20);
  });
});

import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ReadyQueues } from '../../src/scheduler/ready-queues.js';
import { sequentialIds } from '../../src/job/ids.js';
import { TaskState } from '../../src/job/enums.js';
import { EV } from '../../src/scheduler/event-log.js';
import { dagJob, tickClock } from '../helpers/jobs.js';

// A task with many dependents releases them in bulk (Scheduler.#releaseMany) when nothing needs a
// call per task; a taskStateChange listener forces the task-by-task loop. The two must be the same
// scheduler: same claims, same events in the same rows, same snapshot.

const ACTIONS = ['cancel', 'run', 'skip'] as const;

interface WideJob {
  hubs: number;
  leaves: number;
  /** Per leaf, the hubs it waits on (a bit set, never empty). */
  waits: number[];
  /** Per hub after the first, whether it waits on the hub before it. */
  chained: boolean[];
  priority: number[];
  action: number[];
}

const wideJob: fc.Arbitrary<WideJob> = fc
  .record({ hubs: fc.integer({ min: 1, max: 3 }), leaves: fc.integer({ min: 32, max: 70 }) })
  .chain(({ hubs, leaves }) =>
    fc.record({
      hubs: fc.constant(hubs),
      leaves: fc.constant(leaves),
      // Mostly one hub each, so a hub's completion releases most of its fan-out at once.
      waits: fc.array(fc.oneof({ weight: 4, arbitrary: fc.nat(hubs - 1).map((h) => 1 << h) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: (1 << hubs) - 1 }) }), { minLength: leaves, maxLength: leaves }),
      chained: fc.array(fc.boolean(), { minLength: hubs, maxLength: hubs }),
      priority: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: hubs + leaves, maxLength: hubs + leaves }),
      action: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.constant(2) }), { minLength: hubs + leaves, maxLength: hubs + leaves }),
    }),
  );

function definition(w: WideJob, name: string): ReturnType<typeof dagJob> {
  const edges: Array<[number, number]> = [];
  for (let h = 1; h < w.hubs; h++) if (w.chained[h]) edges.push([h - 1, h]);
  for (let l = 0; l < w.leaves; l++) for (let h = 0; h < w.hubs; h++) if (w.waits[l]! & (1 << h)) edges.push([h, w.hubs + l]);
  const def = dagJob(w.hubs + w.leaves, edges, { priority: w.priority, name });
  def.Tasks!.forEach((t, i) => {
    (t as { DependencyAction?: string }).DependencyAction = ACTIONS[w.action[i]!]!;
  });
  return def;
}

type Op = { kind: 'next' } | { kind: 'complete'; pick: number } | { kind: 'fail'; pick: number; retryable: boolean } | { kind: 'cancel'; job: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'next' } as Op) },
  { weight: 6, arbitrary: fc.nat(20).map((pick) => ({ kind: 'complete', pick }) as Op) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(20), retryable: fc.boolean() }).map((r) => ({ kind: 'fail', ...r }) as Op) },
  { weight: 1, arbitrary: fc.nat(2).map((job) => ({ kind: 'cancel', job }) as Op) },
);

const scenarioArb = fc.record({
  jobs: fc.array(wideJob, { minLength: 1, maxLength: 2 }),
  concurrency: fc.integer({ min: 1, max: 6 }),
  ops: fc.array(opArb, { maxLength: 120 }),
  // Restored part-way with its running tasks kept and a lower concurrency (as a scheduler recovered
  // while its workers still run tasks): a release may then find no slot free.
  shrink: fc.option(fc.record({ at: fc.nat(120), to: fc.integer({ min: 1, max: 3 }) }), { nil: undefined }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** Runs a scenario; returns what a caller sees, for comparing runs. */
function run(sc: Scenario, taskByTask: boolean, drain = true): { outcomes: string[]; scheduler: Scheduler } {
  const now = tickClock();
  const ids = sequentialIds();
  let s = new Scheduler({ concurrency: sc.concurrency, now, ids, maxAttempts: 2, profile: 'relaxed' });
  if (taskByTask) s.on('taskStateChange', () => undefined);
  const jobIds = sc.jobs.map((w, i) => s.submit(definition(w, `J${i}`)).Id);
  const outcomes: string[] = [];
  for (const [at, op] of sc.ops.entries()) {
    if (sc.shrink !== undefined && sc.shrink.at === at) {
      const snapshot = s.snapshot();
      s = Scheduler.restore({ ...snapshot, options: { ...snapshot.options, concurrency: sc.shrink.to } }, { processing: 'keep', now, ids });
      if (taskByTask) s.on('taskStateChange', () => undefined);
    }
    const active = [...s.tasks({ state: TaskState.Processing }), ...s.tasks({ state: TaskState.Canceling })];
    switch (op.kind) {
      case 'next': {
        const c = s.next();
        outcomes.push(c ? `next ${c.taskId}` : 'next none');
        break;
      }
      case 'complete':
        if (active.length === 0) break;
        s.complete(active[op.pick % active.length]!.Id);
        outcomes.push('complete');
        break;
      case 'fail':
        if (active.length === 0) break;
        s.fail(active[op.pick % active.length]!.Id, { retryable: op.retryable, code: 'TransientError' });
        outcomes.push('fail');
        break;
      case 'cancel':
        try {
          s.cancelJob(jobIds[op.job % jobIds.length]!);
          outcomes.push('cancel');
        } catch (e) {
          outcomes.push(`cancel ${(e as { code: string }).code}`);
        }
        break;
    }
  }
  // Then drain, so every release happens.
  for (let guard = 0; drain && guard < 1000; guard++) {
    for (let c = s.next(); c; c = s.next()) outcomes.push(`next ${c.taskId}`);
    const running = s.tasks({ state: TaskState.Processing });
    if (running.length === 0) break;
    s.complete(running[0]!.Id);
  }
  return { outcomes, scheduler: s };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('bulk release', () => {
  it('gives the same claims, events, rows and snapshot as releasing task by task', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const bulk = run(sc, false);
        const one = run(sc, true);
        expect(bulk.outcomes).toEqual(one.outcomes);
        const a = bulk.scheduler;
        const b = one.scheduler;
        a.enableJournal();
        b.enableJournal();
        expect(a.readJournal(0)).toEqual(b.readJournal(0));
        expect(a.tasks()).toEqual(b.tasks());
        expect(a.jobs()).toEqual(b.jobs());
        expect(a.snapshot()).toEqual(b.snapshot());
      }),
      { numRuns: 150 },
    );
  });

  it('logs the waits of a release that finds no slot free as the task-by-task loop does', () => {
    // Three hubs run; restored with one slot, each completion releases 40 tasks with none free.
    const hubs = 3;
    const leaves = 120;
    const sc: Scenario = {
      jobs: [{ hubs, leaves, waits: Array.from({ length: leaves }, (_, l) => 1 << l % hubs), chained: [false, false, false], priority: Array(hubs + leaves).fill(1).map((p, i) => (i < hubs ? 3 : p)), action: Array(hubs + leaves).fill(0) }],
      concurrency: 3,
      ops: [{ kind: 'next' }, { kind: 'next' }, { kind: 'next' }, { kind: 'complete', pick: 0 }, { kind: 'complete', pick: 0 }, { kind: 'next' }],
      shrink: { at: 3, to: 1 },
    };
    // Restored once more (their waits must stay logged once) and drained.
    const end = (taskByTask: boolean): Scheduler => {
      const s = Scheduler.restore(run(sc, taskByTask, false).scheduler.snapshot(), { processing: 'keep', now: tickClock(Date.UTC(2027, 0, 1)), ids: sequentialIds() });
      for (let guard = 0; guard < 1000; guard++) {
        while (s.next()) continue;
        const running = s.tasks({ state: TaskState.Processing });
        if (running.length === 0) break;
        s.complete(running[0]!.Id);
      }
      s.enableJournal();
      return s;
    };
    const bulk = end(false);
    const one = end(true);
    const rows = bulk.readJournal(0);
    expect(rows).toEqual(one.readJournal(0));
    // The case happened: tasks became ready with no slot free, and waited from then on.
    expect(rows.code.filter((c) => c === EV.WaitingForFreeResources).length).toBeGreaterThanOrEqual(80);
    expect(bulk.snapshot()).toEqual(one.snapshot());
  });

  it('takes the bulk path only without a listener, one pool and caps (so the property above compares two paths)', () => {
    const pushMany = vi.spyOn(ReadyQueues.prototype, 'pushMany');
    const sc: Scenario = { jobs: [{ hubs: 1, leaves: 40, waits: Array(40).fill(1), chained: [false], priority: Array(41).fill(1), action: Array(41).fill(0) }], concurrency: 2, ops: [], shrink: undefined };
    run(sc, true);
    expect(pushMany).not.toHaveBeenCalled();
    run(sc, false);
    expect(pushMany).toHaveBeenCalledTimes(1);
    expect(pushMany.mock.calls[0]![1]).toBe(40);
  });
});

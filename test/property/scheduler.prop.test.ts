import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../src/job/ids.js';
import { TaskState } from '../../src/job/enums.js';
import { PROCESSORS, randomJob, toDefinition, type RandomJob } from '../helpers/arbitraries.js';

type Op = { kind: 'next' } | { kind: 'complete'; pick: number } | { kind: 'fail'; pick: number; retryable: boolean } | { kind: 'cancel'; job: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'next' } as Op) },
  { weight: 5, arbitrary: fc.nat(20).map((pick) => ({ kind: 'complete', pick }) as Op) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(20), retryable: fc.boolean() }).map((r) => ({ kind: 'fail', ...r }) as Op) },
  { weight: 1, arbitrary: fc.nat(3).map((job) => ({ kind: 'cancel', job }) as Op) },
);

const scenarioArb = fc.record({
  jobs: fc.array(randomJob(7), { minLength: 1, maxLength: 3 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
  slots: fc.array(fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
  ops: fc.array(opArb, { maxLength: 60 }),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  failFast: fc.boolean(),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

class Clock {
  t = 1_000_000;
  now = (): number => this.t++;
}

function options(sc: Scenario, clock: Clock): SchedulerOptions {
  const pools: Record<string, number> = {};
  sc.slots.forEach((s, i) => {
    if (s !== undefined) pools[PROCESSORS[i]!] = s;
  });
  return { concurrency: sc.concurrency, pools, now: clock.now, ids: sequentialIds(), maxAttempts: sc.maxAttempts, failFast: sc.failFast };
}

function submitAll(s: Scheduler, jobs: RandomJob[]): string[] {
  return jobs.map((j, i) => s.submit(toDefinition(j, `J${i}`)).Id);
}

/** Applies one op; returns what happened, for comparing runs. */
function apply(s: Scheduler, jobIds: string[], op: Op): string {
  const running = s.tasks({ state: TaskState.Processing });
  const canceling = s.tasks({ state: TaskState.Canceling });
  const active = [...running, ...canceling];
  switch (op.kind) {
    case 'next': {
      const c = s.next();
      return c ? `next ${c.taskId}` : 'next none';
    }
    case 'complete':
      if (active.length === 0) return 'noop';
      s.complete(active[op.pick % active.length]!.Id);
      return 'complete';
    case 'fail':
      if (active.length === 0) return 'noop';
      s.fail(active[op.pick % active.length]!.Id, { retryable: op.retryable, code: 'TransientError' });
      return 'fail';
    case 'cancel': {
      const id = jobIds[op.job % jobIds.length]!;
      try {
        s.cancelJob(id);
        return 'cancel';
      } catch (e) {
        return `cancel ${(e as { code: string }).code}`;
      }
    }
  }
}

describe('Scheduler properties', () => {
  it('never exceeds a pool or concurrency, and never leaves a better task waiting when it had room', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const clock = new Clock();
        const opts = options(sc, clock);
        const s = new Scheduler(opts);
        const jobIds = submitAll(s, sc.jobs);
        const jobPriority = new Map(jobIds.map((id, i) => [id, sc.jobs[i]!.jobPriority]));
        for (const op of sc.ops) {
          if (op.kind === 'next') {
            // What the rule says before the call: the best ready task whose pool has room.
            const all = s.tasks();
            const jobOf = all.map((t) => s.taskInfo(t.Id).jobId);
            const busy = new Map<string, number>();
            let running = 0;
            all.forEach((t) => {
              if (t.State === TaskState.Processing || t.State === TaskState.Canceling) {
                running++;
                busy.set(t.MediaProcessorId, (busy.get(t.MediaProcessorId) ?? 0) + 1);
              }
            });
            let best = -1;
            if (running < sc.concurrency) {
              all.forEach((t, g) => {
                if (t.State !== TaskState.Scheduled) return;
                const slots = opts.pools![t.MediaProcessorId];
                if (slots !== undefined && (busy.get(t.MediaProcessorId) ?? 0) >= slots) return;
                if (best === -1) return void (best = g);
                const b = all[best]!;
                const jp = jobPriority.get(jobOf[g]!)!;
                const jb = jobPriority.get(jobOf[best]!)!;
                if (t.Priority > b.Priority || (t.Priority === b.Priority && jp > jb)) best = g;
              });
            }
            const c = s.next();
            expect(c?.taskId).toBe(best === -1 ? undefined : all[best]!.Id);
          } else {
            apply(s, jobIds, op);
          }
          // Limits hold after every step.
          const now = s.tasks();
          const active = now.filter((t) => t.State === TaskState.Processing || t.State === TaskState.Canceling);
          expect(active.length).toBeLessThanOrEqual(sc.concurrency);
          for (const [mp, slots] of Object.entries(opts.pools!)) {
            expect(active.filter((t) => t.MediaProcessorId === mp).length).toBeLessThanOrEqual(slots);
          }
          // No task runs before its dependencies finished.
          for (const t of active) {
            for (const d of s.taskInfo(t.Id).dependencies) expect(s.task(d)!.State).toBe(TaskState.Finished);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('logs each wait for a slot once, while the task is ready', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const s = new Scheduler(options(sc, new Clock()));
        const ids = submitAll(s, sc.jobs);
        for (const op of sc.ops) apply(s, ids, op);
        for (const t of s.tasks()) {
          const codes = t.HistoricalEvents.map((e) => e.Code).filter((c) => c !== 'Log');
          codes.forEach((c, i) => {
            // A wait follows the task becoming (or staying) ready, and is never logged twice in a row.
            if (c === 'WaitingForFreeResources') expect(['Scheduled', 'Requeued', 'Retrying']).toContain(codes[i - 1]);
          });
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same history for the same input', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const run = (): string => {
          const clock = new Clock();
          const s = new Scheduler(options(sc, clock));
          const ids = submitAll(s, sc.jobs);
          const log = sc.ops.map((op) => apply(s, ids, op));
          return JSON.stringify([log, s.snapshot()]);
        };
        expect(run()).toBe(run());
      }),
      { numRuns: 1000 },
    );
  });

  it('restore(snapshot()) at any step ends in the same history', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(60), (sc, cut) => {
        const clock = new Clock();
        const s = new Scheduler(options(sc, clock));
        const ids = submitAll(s, sc.jobs);
        const k = Math.min(cut, sc.ops.length);
        for (const op of sc.ops.slice(0, k)) apply(s, ids, op);
        const clock2 = new Clock();
        clock2.t = clock.t;
        const r = Scheduler.restore(JSON.parse(JSON.stringify(s.snapshot())), { now: clock2.now, processing: 'keep' });
        for (const op of sc.ops.slice(k)) expect(apply(r, ids, op)).toBe(apply(s, ids, op));
        expect(JSON.stringify(r.snapshot())).toBe(JSON.stringify(s.snapshot()));
      }),
      { numRuns: 1000 },
    );
  });

  it('a failure cancels exactly the transitive dependents that had not ended', () => {
    fc.assert(
      fc.property(randomJob(9), fc.array(fc.nat(20), { maxLength: 10 }), fc.nat(20), (j, completes, victim) => {
        const s = new Scheduler({ ids: sequentialIds(), now: new Clock().now });
        s.submit(toDefinition(j));
        for (const pick of completes) {
          s.next();
          const running = s.tasks({ state: TaskState.Processing });
          if (running.length > 0) s.complete(running[pick % running.length]!.Id);
        }
        s.next();
        const running = s.tasks({ state: TaskState.Processing });
        if (running.length === 0) return;
        const failed = running[victim % running.length]!.Id;
        const all = s.tasks().map((t) => t.Id);
        const g = all.indexOf(failed);
        // Reference: reachability over the edge list.
        const reach = new Set<number>();
        const stack = [g];
        while (stack.length) {
          const a = stack.pop()!;
          for (const [u, v] of j.edges) if (u === a && !reach.has(v)) (reach.add(v), stack.push(v));
        }
        const before = s.tasks().map((t) => t.State);
        s.fail(failed);
        const after = s.tasks().map((t) => t.State);
        after.forEach((st, i) => {
          if (i === g) expect(st).toBe(TaskState.Error);
          else if (reach.has(i) && (before[i] === TaskState.Queued || before[i] === TaskState.Scheduled)) expect(st).toBe(TaskState.Canceled);
          else expect(st).toBe(before[i]);
        });
      }),
      { numRuns: 1000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import { sequentialIds, type IdFactory } from '../../src/job/ids.js';
import { TaskState } from '../../src/job/enums.js';
import { validateJob } from '../../src/validate/validate.js';
import { PROCESSORS, randomJob, toDefinition, type RandomJob } from '../helpers/arbitraries.js';

/**
 * The extensions (dependency actions, rerun, weights, per-job caps, rate limits) against a model:
 * a scheduler written the slow, obvious way — every decision recomputed from the task states — that
 * must agree with the real one on every claim and every state after every step.
 */

const { Queued: Q, Scheduled: S, Processing: P, Finished: F, Error: E, Canceled: C, Canceling: CG } = TaskState;

type Op =
  | { kind: 'next' }
  | { kind: 'complete'; pick: number }
  | { kind: 'fail'; pick: number; retryable: boolean }
  | { kind: 'cancel'; job: number }
  | { kind: 'rerun'; pick: number; downstream: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'add'; job: number; tasks: AddedTask[] };

/** A task to add to a running job: producers are picks among the job's tasks so far (new ones included). */
interface AddedTask {
  producers: number[];
  priority: number;
  pool: number;
  weight: number;
  action: number;
}

const addedTaskArb: fc.Arbitrary<AddedTask> = fc.record({
  producers: fc.array(fc.nat(30), { maxLength: 3 }),
  priority: fc.integer({ min: 0, max: 3 }),
  pool: fc.nat(2),
  weight: fc.integer({ min: 1, max: 3 }),
  action: fc.integer({ min: 0, max: 2 }),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'next' } as Op) },
  { weight: 4, arbitrary: fc.nat(20).map((pick) => ({ kind: 'complete', pick }) as Op) },
  { weight: 3, arbitrary: fc.record({ pick: fc.nat(20), retryable: fc.boolean() }).map((r) => ({ kind: 'fail', ...r }) as Op) },
  { weight: 1, arbitrary: fc.nat(3).map((job) => ({ kind: 'cancel', job }) as Op) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(20), downstream: fc.boolean() }).map((r) => ({ kind: 'rerun', ...r }) as Op) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 15 }).map((ms) => ({ kind: 'advance', ms }) as Op) },
  { weight: 2, arbitrary: fc.record({ job: fc.nat(3), tasks: fc.array(addedTaskArb, { minLength: 1, maxLength: 3 }) }).map((r) => ({ kind: 'add', ...r }) as Op) },
);

const jobArb = fc.record({
  graph: randomJob(7),
  cap: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  actions: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 7, maxLength: 7 }),
  weights: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 7, maxLength: 7 }),
});

const scenarioArb = fc.record({
  jobs: fc.array(jobArb, { minLength: 1, maxLength: 3 }),
  concurrency: fc.integer({ min: 1, max: 5 }),
  slots: fc.array(fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
  rates: fc.array(fc.option(fc.record({ max: fc.integer({ min: 1, max: 2 }), perMs: fc.integer({ min: 5, max: 20 }) }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
  ops: fc.array(opArb, { maxLength: 70 }),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  failFast: fc.boolean(),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

interface ModelTask {
  job: number;
  pool: number;
  priority: number;
  jobPriority: number;
  weight: number;
  action: number;
  producers: number[];
  successors: number[];
  state: number;
  attempts: number;
  base: number;
}

/** The slow scheduler. Tasks by global number (jobs in order, tasks in order): the real serials. */
class Model {
  readonly tasks: ModelTask[] = [];
  readonly caps: Array<number | undefined> = [];
  readonly canceled: boolean[] = [];
  /** Jobs that have started a task (their StartTime is set): Processing from then on until they end. */
  readonly started: boolean[] = [];
  readonly starts: number[][] = [[], [], []];
  /** Each job's tasks (global numbers) in the job's order: added tasks at the end. */
  readonly jobTasks: number[][] = [];
  constructor(
    readonly sc: Scenario,
    readonly slots: Array<number | undefined>,
  ) {
    sc.jobs.forEach((j, k) => {
      const first = this.tasks.length;
      const g = j.graph;
      for (let i = 0; i < g.n; i++) {
        this.tasks.push({ job: k, pool: g.processors[i]!, priority: g.priority[i]!, jobPriority: g.jobPriority, weight: j.weights[i]!, action: j.actions[i]!, producers: [], successors: [], state: Q, attempts: 0, base: 0 });
      }
      for (const [u, v] of g.edges) {
        this.tasks[first + v]!.producers.push(first + u);
        this.tasks[first + u]!.successors.push(first + v);
      }
      this.jobTasks.push(Array.from({ length: g.n }, (_, i) => first + i));
      this.caps.push(j.cap);
      this.canceled.push(false);
      this.started.push(false);
    });
    this.settle();
  }

  #before(a: number, b: number): boolean {
    const x = this.tasks[a]!;
    const y = this.tasks[b]!;
    if (x.priority !== y.priority) return x.priority > y.priority;
    if (x.jobPriority !== y.jobPriority) return x.jobPriority > y.jobPriority;
    return a < b;
  }

  running(filter: (t: ModelTask) => boolean = () => true): ModelTask[] {
    return this.tasks.filter((t) => (t.state === P || t.state === CG) && filter(t));
  }

  /** What next() must claim at time `now`: the best head among pools that can give it. */
  expectedNext(now: number): number {
    if (this.running().length >= this.sc.concurrency) return -1;
    let best = -1;
    for (let p = 0; p < 3; p++) {
      const rate = this.sc.rates[p];
      if (rate !== undefined) {
        const s = this.starts[p]!;
        if (s.length >= rate.max && now < s[s.length - rate.max]! + rate.perMs) continue;
      }
      let head = -1;
      this.tasks.forEach((t, g) => {
        if (t.pool !== p || t.state !== S) return;
        const cap = this.caps[t.job];
        if (cap !== undefined && this.running((r) => r.job === t.job).length >= cap) return;
        if (head === -1 || this.#before(g, head)) head = g;
      });
      if (head === -1) continue;
      const slots = this.slots[p];
      if (slots !== undefined) {
        const used = this.running((r) => r.pool === p).reduce((sum, r) => sum + r.weight, 0);
        if (used + this.tasks[head]!.weight > slots) continue;
      }
      if (best === -1 || this.#before(head, best)) best = head;
    }
    return best;
  }

  start(g: number, now: number): void {
    const t = this.tasks[g]!;
    t.state = P;
    t.attempts++;
    this.started[t.job] = true;
    this.starts[t.pool]!.push(now);
  }

  complete(g: number): void {
    const t = this.tasks[g]!;
    t.state = t.state === CG ? C : F;
    this.settle();
  }

  fail(g: number, retryable: boolean): void {
    const t = this.tasks[g]!;
    if (t.state === CG) t.state = C;
    else if (retryable && t.attempts - t.base < this.sc.maxAttempts) t.state = S;
    else {
      t.state = E;
      this.settle();
      if (this.sc.failFast) this.cancelRest(t.job);
    }
    this.settle();
  }

  cancelRest(job: number): void {
    for (const t of this.tasks) {
      if (t.job !== job) continue;
      if (t.state === Q || t.state === S) t.state = C;
      else if (t.state === P) t.state = CG;
    }
  }

  cancel(job: number): boolean {
    const st = this.jobState(job);
    if (st === F || st === E || st === C || st === CG) return false;
    this.canceled[job] = true;
    this.cancelRest(job);
    return true;
  }

  /** @returns false when the rerun must be refused. */
  rerun(g: number, downstream: boolean): boolean {
    const t = this.tasks[g]!;
    if ((t.state !== E && t.state !== C) || this.canceled[t.job]) return false;
    const set = [g];
    if (downstream) {
      for (let k = 0; k < set.length; k++) {
        for (const s of this.tasks[set[k]!]!.successors) {
          if (set.includes(s)) continue;
          const st = this.tasks[s]!.state;
          if (st === P || st === CG) return false;
          set.push(s);
        }
      }
    }
    for (const k of set) {
      const u = this.tasks[k]!;
      if (u.state === F || u.state === E || u.state === C) {
        u.state = Q;
        u.base = u.attempts;
      }
    }
    // A ready task that now waits on a producer again goes back to Queued.
    for (const k of set) for (const s of this.tasks[k]!.successors) if (this.tasks[s]!.state === S) this.tasks[s]!.state = Q;
    for (const k of set) if (this.tasks[k]!.state === S) this.tasks[k]!.state = Q;
    this.settle();
    return true;
  }

  /**
   * Adds tasks to job k; `producers` are indices in the job (resolved by the caller). Refused when
   * the job has ended or is being canceled, or a producer failed or was canceled.
   */
  add(k: number, added: Array<AddedTask & { local: number[] }>): 'job-final' | 'input-ended' | 'ok' {
    const st = this.jobState(k);
    if (st === F || st === E || st === C || st === CG || this.canceled[k]) return 'job-final';
    const list = this.jobTasks[k]!;
    for (const a of added) for (const l of a.local) if (l < list.length && (this.tasks[list[l]!]!.state === E || this.tasks[list[l]!]!.state === C)) return 'input-ended';
    const first = this.tasks.length;
    const jobPriority = this.tasks[list[0]!]!.jobPriority;
    added.forEach((a) => {
      const g = this.tasks.length;
      this.tasks.push({ job: k, pool: a.pool, priority: a.priority, jobPriority, weight: a.weight, action: a.action, producers: [], successors: [], state: Q, attempts: 0, base: 0 });
      list.push(g);
    });
    added.forEach((a, i) => {
      for (const l of a.local) {
        const p = list[l]!;
        this.tasks[first + i]!.producers.push(p);
        this.tasks[p]!.successors.push(first + i);
      }
    });
    this.settle();
    return 'ok';
  }

  /** Applies the dependency rules until nothing moves. */
  settle(): void {
    for (let moved = true; moved; ) {
      moved = false;
      for (const t of this.tasks) {
        if (t.state !== Q && t.state !== S) continue;
        const failed = t.producers.some((p) => this.tasks[p]!.state === E || this.tasks[p]!.state === C);
        if (failed && t.action === 0) t.state = C;
        else if (failed && t.action === 2) t.state = F;
        else if (t.state === Q && t.producers.every((p) => { const s = this.tasks[p]!.state; return s === F || (t.action === 1 && (s === E || s === C)); })) t.state = S;
        else continue;
        moved = true;
      }
    }
  }

  jobState(job: number): number {
    const states = this.tasks.filter((t) => t.job === job).map((t) => t.state);
    const n = (s: number): number => states.filter((x) => x === s).length;
    if (n(Q) + n(S) + n(P) + n(CG) === 0) return this.canceled[job] ? C : n(E) > 0 ? E : n(C) > 0 ? C : F;
    if (n(CG) > 0 || this.canceled[job]) return CG;
    if (n(P) > 0 || n(F) + n(E) + n(C) > 0 || this.started[job]) return P;
    return n(S) > 0 ? S : Q;
  }
}

function build(sc: Scenario): { s: Scheduler; model: Model; clock: { t: number }; jobIds: string[]; taskIds: string[]; ids: IdFactory } {
  const pools: Record<string, number> = {};
  const rateLimits: Record<string, { max: number; perMs: number }> = {};
  sc.slots.forEach((n, i) => {
    if (n !== undefined) pools[PROCESSORS[i]!] = n;
  });
  sc.rates.forEach((r, i) => {
    if (r !== undefined) rateLimits[PROCESSORS[i]!] = r;
  });
  // Weights fit their pool (a heavier task is refused at submit: tested elsewhere).
  for (const j of sc.jobs) j.weights = j.weights.map((w, i) => Math.min(w, sc.slots[j.graph.processors[i] ?? 0] ?? w));
  const clock = { t: 1_000_000 };
  // Ids of added tasks are the scheduler's: deterministic, apart from the jobs', and one factory a
  // build, which a restore goes on with.
  const taskIdsMade = sequentialIds(1_000_000);
  const opts: SchedulerOptions = { concurrency: sc.concurrency, pools, rateLimits, now: () => clock.t, maxAttempts: sc.maxAttempts, failFast: sc.failFast, ids: taskIdsMade, profile: 'relaxed' };
  const s = new Scheduler(opts);
  const ids = sequentialIds();
  const jobIds = sc.jobs.map((j, k) => {
    const r = validateJob(toDefinition(j.graph as RandomJob, `J${k}`), { profile: 'relaxed', ids });
    const n = j.graph.n;
    r.job!.extensions = { action: j.actions.slice(0, n), weight: j.weights.slice(0, n), ...(j.cap !== undefined ? { maxRunning: j.cap } : {}) };
    return s.add(r);
  });
  const taskIds = s.tasks().map((t) => t.Id);
  return { s, model: new Model(sc, sc.slots), clock, jobIds, taskIds, ids: taskIdsMade };
}

/**
 * The addition `op` asks for, against a job of `count` tasks: each producer pick is an index among
 * the job's tasks and the new ones before it; task i of the job outputs JobOutputAsset(i), as the
 * generated jobs' do. Weights fit their pool.
 */
function addition(op: Extract<Op, { kind: 'add' }>, count: number, slots: Array<number | undefined>): { body: unknown; tasks: Array<AddedTask & { local: number[] }> } {
  const tasks = op.tasks.map((t, i) => {
    const local = [...new Set(t.producers.map((p) => p % (count + i)))];
    return { ...t, weight: Math.min(t.weight, slots[t.pool] ?? t.weight), local };
  });
  const body = {
    Tasks: tasks.map((t, i) => {
      const inputs = t.local.length === 0 ? '<inputAsset>JobInputAsset(0)</inputAsset>' : t.local.map((l) => `<inputAsset>JobOutputAsset(${l})</inputAsset>`).join('');
      return {
        Name: `added ${count + i}`,
        MediaProcessorId: PROCESSORS[t.pool]!,
        Priority: t.priority,
        TaskBody: `<taskBody>${inputs}<outputAsset>JobOutputAsset(${count + i})</outputAsset></taskBody>`,
        Weight: t.weight,
        DependencyAction: ['cancel', 'run', 'skip'][t.action],
      };
    }),
  };
  return { body, tasks };
}

describe('Scheduler extensions against a model', () => {
  it('claims and states agree with the model after every step', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const { s, model, clock, jobIds, taskIds } = build(sc);
        const codeOf = (f: () => void): string | undefined => {
          try {
            f();
            return undefined;
          } catch (e) {
            const err = e as { code?: string; diagnostics?: Array<{ code: string }> };
            return err.code === 'VALIDATION_FAILED' ? err.diagnostics!.map((d) => d.code).join(',') : err.code;
          }
        };
        const check = (): void => {
          expect(s.tasks().map((t) => t.State)).toEqual(model.tasks.map((t) => t.state));
          jobIds.forEach((id, k) => expect(s.job(id)!.State).toBe(model.jobState(k)));
        };
        check();
        for (const op of sc.ops) {
          const active = model.tasks.map((t, g) => [t, g] as const).filter(([t]) => t.state === P || t.state === CG);
          switch (op.kind) {
            case 'next': {
              const want = model.expectedNext(clock.t);
              const got = s.next();
              expect(got?.taskId).toBe(want === -1 ? undefined : taskIds[want]);
              if (want !== -1) model.start(want, clock.t);
              break;
            }
            case 'complete':
              if (active.length === 0) break;
              s.complete(taskIds[active[op.pick % active.length]![1]]!);
              model.complete(active[op.pick % active.length]![1]);
              break;
            case 'fail':
              if (active.length === 0) break;
              s.fail(taskIds[active[op.pick % active.length]![1]]!, { retryable: op.retryable });
              model.fail(active[op.pick % active.length]![1], op.retryable);
              break;
            case 'cancel': {
              const k = op.job % jobIds.length;
              const ok = model.cancel(k);
              if (ok) s.cancelJob(jobIds[k]!);
              else expect(() => s.cancelJob(jobIds[k]!)).toThrow();
              break;
            }
            case 'rerun': {
              const ended = model.tasks.map((t, g) => [t, g] as const).filter(([t]) => t.state === E || t.state === C);
              if (ended.length === 0) break;
              const g = ended[op.pick % ended.length]![1];
              const ok = model.rerun(g, op.downstream);
              if (ok) s.rerun(taskIds[g]!, { downstream: op.downstream });
              else expect(() => s.rerun(taskIds[g]!, { downstream: op.downstream })).toThrow();
              break;
            }
            case 'advance':
              clock.t += op.ms;
              break;
            case 'add': {
              const k = op.job % jobIds.length;
              const a = addition(op, model.jobTasks[k]!.length, sc.slots);
              const want = model.add(k, a.tasks);
              const got = codeOf(() => taskIds.push(...s.addTasks(jobIds[k]!, a.body).map((v) => v.Id)));
              if (want === 'ok') expect(got).toBeUndefined();
              else if (want === 'job-final') expect(got).toBe('JOB_FINAL');
              else expect(got?.split(',')).toContain('INPUT_ENDED');
              break;
            }
          }
          check();
          // Limits: weights within pools, caps within jobs, starts within rate windows.
          sc.slots.forEach((n, p) => {
            if (n !== undefined) expect(model.running((t) => t.pool === p).reduce((a, t) => a + t.weight, 0)).toBeLessThanOrEqual(n);
          });
          sc.jobs.forEach((j, k) => {
            if (j.cap !== undefined) expect(model.running((t) => t.job === k).length).toBeLessThanOrEqual(j.cap);
          });
        }
      }),
      { numRuns: 600 },
    );
  });

  it('restore(snapshot()) at any step goes on as the original', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(70), (given, cut) => {
        // Rate windows are not kept across a restore: these schedulers have none.
        const sc = { ...given, rates: given.rates.map(() => undefined) };
        const a = build(sc);
        const b = build(sc);
        const k = Math.min(cut, sc.ops.length);
        const run = (x: typeof a, op: Op): string => {
          const active = x.s.tasks().filter((t) => t.State === P || t.State === CG);
          try {
            switch (op.kind) {
              case 'next':
                return x.s.next()?.taskId ?? 'none';
              case 'complete':
                if (active.length > 0) x.s.complete(active[op.pick % active.length]!.Id);
                return 'c';
              case 'fail':
                if (active.length > 0) x.s.fail(active[op.pick % active.length]!.Id, { retryable: op.retryable });
                return 'f';
              case 'cancel':
                x.s.cancelJob(x.jobIds[op.job % x.jobIds.length]!);
                return 'x';
              case 'rerun': {
                const ended = x.s.tasks().filter((t) => t.State === E || t.State === C);
                if (ended.length > 0) x.s.rerun(ended[op.pick % ended.length]!.Id, { downstream: op.downstream });
                return 'r';
              }
              case 'advance':
                x.clock.t += op.ms;
                return 'a';
              case 'add': {
                const id = x.jobIds[op.job % x.jobIds.length]!;
                return x.s
                  .addTasks(id, addition(op, x.s.jobModel(id).Tasks.length, sc.slots).body)
                  .map((v) => v.Id)
                  .join();
              }
            }
          } catch (e) {
            return `throws ${(e as { code?: string }).code}`;
          }
        };
        for (const op of sc.ops.slice(0, k)) run(a, op);
        for (const op of sc.ops.slice(0, k)) run(b, op);
        const restored = { ...b, s: Scheduler.restore(JSON.parse(JSON.stringify(b.s.snapshot())), { now: () => b.clock.t, processing: 'keep', ids: b.ids }) };
        for (const op of sc.ops.slice(k)) expect(run(restored, op)).toBe(run(a, op));
        // Task by task, in the same order: added tasks kept their place among the others.
        expect(restored.s.tasks().map((t) => [t.Id, t.State])).toEqual(a.s.tasks().map((t) => [t.Id, t.State]));
      }),
      { numRuns: 300 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import type { Policy } from '../../src/scheduler/policy.js';
import { sequentialIds } from '../../src/job/ids.js';
import { TaskState } from '../../src/job/enums.js';

/**
 * A review's reference: at every next(), the task claimed is recomputed by brute force from what
 * the scheduler shows (task states, the caller's own record of holds, rate windows and the keys the
 * policy gives, critical paths by enumeration), under every policy, with pools of slots, weights,
 * rate limits, job caps, holds, requeues, reruns and additions; explain() must agree with it; and
 * every state change is logged once, in order, at non-decreasing times.
 */

const { Queued: Q, Scheduled: S, Processing: P, Finished: F, Error: E, Canceled: C, Canceling: CG } = TaskState;
const POOLS = ['A', 'B', 'C'] as const;

interface GenTask {
  deps: number[];
  pool: number; // 0..2 a pool of POOLS, 3 none
  weight: number;
  priority: number;
  action: number;
}
const taskArb: fc.Arbitrary<GenTask> = fc.record({
  deps: fc.array(fc.nat(40), { maxLength: 3 }),
  pool: fc.nat(3),
  weight: fc.integer({ min: 1, max: 3 }),
  priority: fc.integer({ min: 0, max: 2 }),
  action: fc.integer({ min: 0, max: 2 }),
});
const jobArb = fc.record({
  tasks: fc.array(taskArb, { minLength: 1, maxLength: 7 }),
  cap: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  priority: fc.integer({ min: 0, max: 2 }),
});

type Op =
  | { kind: 'next' }
  | { kind: 'complete'; pick: number }
  | { kind: 'fail'; pick: number; retryable: boolean; hold: boolean }
  | { kind: 'resume'; pick: number }
  | { kind: 'requeue'; pick: number }
  | { kind: 'cancel'; job: number }
  | { kind: 'rerun'; pick: number; downstream: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'add'; job: number; tasks: GenTask[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'next' } as Op) },
  { weight: 4, arbitrary: fc.nat(20).map((pick) => ({ kind: 'complete', pick }) as Op) },
  { weight: 3, arbitrary: fc.record({ pick: fc.nat(20), retryable: fc.boolean(), hold: fc.boolean() }).map((r) => ({ kind: 'fail', ...r }) as Op) },
  { weight: 2, arbitrary: fc.nat(20).map((pick) => ({ kind: 'resume', pick }) as Op) },
  { weight: 1, arbitrary: fc.nat(20).map((pick) => ({ kind: 'requeue', pick }) as Op) },
  { weight: 1, arbitrary: fc.nat(3).map((job) => ({ kind: 'cancel', job }) as Op) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(20), downstream: fc.boolean() }).map((r) => ({ kind: 'rerun', ...r }) as Op) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 15 }).map((ms) => ({ kind: 'advance', ms }) as Op) },
  { weight: 2, arbitrary: fc.record({ job: fc.nat(3), tasks: fc.array(taskArb, { minLength: 1, maxLength: 3 }) }).map((r) => ({ kind: 'add', ...r }) as Op) },
);

type PolicyKind = 'priority' | 'fifo' | 'critical-path' | 'critical-path-d' | 'shortest-first' | 'shortest-first-d' | 'key';
/** Values for durations and keys: small integers, halves (keys that do not pack), big ones. */
const valueArb = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 8 }).map((v) => v / 2), fc.constantFrom(2 ** 27, 2 ** 30 + 0.5));

const scenarioArb = fc.record({
  policy: fc.constantFrom<PolicyKind>('priority', 'fifo', 'critical-path', 'critical-path-d', 'shortest-first', 'shortest-first-d', 'key'),
  values: fc.array(valueArb, { minLength: 7, maxLength: 7 }),
  jobs: fc.array(jobArb, { minLength: 1, maxLength: 3 }),
  concurrency: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(Infinity)),
  slots: fc.array(fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
  rates: fc.array(fc.option(fc.record({ max: fc.integer({ min: 1, max: 3 }), perMs: fc.integer({ min: 5, max: 25 }) }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  ops: fc.array(opArb, { maxLength: 60 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** What the scheduler is given a task as, and what the reference knows of it. */
interface Ref {
  name: string;
  job: number;
  pool: number;
  weight: number;
  priority: number;
  /** Global numbers (serials) of the producers, and of the block (submission or addition) it came in. */
  producers: number[];
  block: number;
}

const ACTIONS = ['cancel', 'run', 'skip'] as const;

function valueOf(sc: Scenario, name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return sc.values[h % sc.values.length]!;
}

function policyOf(sc: Scenario): Policy {
  const v = (task: { Name: string }): number => valueOf(sc, task.Name);
  switch (sc.policy) {
    case 'critical-path-d':
      return { name: 'critical-path', duration: v };
    case 'shortest-first-d':
      return { name: 'shortest-first', duration: v };
    case 'key':
      return { key: v };
    default:
      return sc.policy;
  }
}

function plainTask(sc: Scenario, t: GenTask, name: string, names: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = { id: name, priority: t.priority, action: ACTIONS[t.action] };
  if (names.length > 0 && t.deps.length > 0) o.dependsOn = [...new Set(t.deps.map((d) => names[d % names.length]!))];
  if (t.pool < 3) {
    o.pool = POOLS[t.pool];
    const slots = sc.slots[t.pool];
    o.weight = slots === undefined ? t.weight : Math.min(t.weight, slots);
  }
  return o;
}

class Reference {
  readonly refs: Ref[] = [];
  readonly caps: Array<number | undefined> = [];
  readonly jobPriority: number[] = [];
  readonly starts: number[][] = [[], [], []];
  blocks = 0;
  keys: Array<[number, number]> = [];
  constructor(readonly sc: Scenario) {}

  /** Registers a block of tasks (their serials follow the ones known) and computes their keys. */
  addBlock(job: number, tasks: Array<{ name: string; pool: number; weight: number; priority: number; producers: number[] }>): void {
    const block = this.blocks++;
    const first = this.refs.length;
    for (const t of tasks) this.refs.push({ ...t, job, block });
    const d = (g: number): number => (this.sc.policy.endsWith('-d') ? valueOf(this.sc, this.refs[g]!.name) : 1);
    // Longest path to the end, within the block, by enumeration (memoised recursion over successors).
    const memo = new Map<number, number>();
    const path = (g: number): number => {
      const known = memo.get(g);
      if (known !== undefined) return known;
      let best = 0;
      for (let h = first; h < this.refs.length; h++) if (this.refs[h]!.producers.includes(g)) best = Math.max(best, path(h));
      memo.set(g, d(g) + best);
      return d(g) + best;
    };
    for (let g = first; g < this.refs.length; g++) {
      const r = this.refs[g]!;
      switch (this.sc.policy) {
        case 'priority':
          this.keys[g] = [r.priority, this.jobPriority[job]!];
          break;
        case 'fifo':
          this.keys[g] = [0, 0];
          break;
        case 'critical-path':
        case 'critical-path-d':
          this.keys[g] = [r.priority, path(g)];
          break;
        case 'shortest-first':
        case 'shortest-first-d':
          this.keys[g] = [-d(g), 0];
          break;
        case 'key':
          this.keys[g] = [valueOf(this.sc, r.name), 0];
          break;
      }
    }
  }

  before(a: number, b: number): boolean {
    const [a1, a2] = this.keys[a]!;
    const [b1, b2] = this.keys[b]!;
    if (a1 !== b1) return a1 > b1;
    if (a2 !== b2) return a2 > b2;
    return a < b;
  }

  rateOpen(p: number, now: number): boolean {
    const rate = this.sc.rates[p];
    if (rate === undefined) return true;
    const s = this.starts[p]!;
    return s.length < rate.max || s[s.length - rate.max]! + rate.perMs <= now;
  }

  /** Pools: one per limited pool (0..2), 3 for all the others, which share the unlimited pool. */
  poolIndex(g: number): number {
    const p = this.refs[g]!.pool;
    return p < 3 && (this.sc.slots[p] !== undefined || this.sc.rates[p] !== undefined) ? p : 3;
  }

  /**
   * What explain() must say of ready task g (not held): the first limit in its way, as documented.
   * `said` settles the one case the model leaves open: a job below its cap whose own ready tasks
   * of the pool ahead of g fill its room says 'job-cap'.
   */
  reason(g: number, states: number[], held: Set<number>, now: number, said: string): string {
    const running = states.flatMap((st, h) => (st === P || st === CG ? [h] : []));
    if (running.length >= this.sc.concurrency) return 'concurrency-full';
    const job = this.refs[g]!.job;
    const cap = this.caps[job];
    const jobRunning = running.filter((h) => this.refs[h]!.job === job).length;
    if (cap !== undefined && jobRunning >= cap) return 'job-cap';
    const p = this.poolIndex(g);
    const ahead = states.filter((st, h) => st === S && !held.has(h) && h !== g && this.refs[h]!.job === job && this.poolIndex(h) === p && this.before(h, g)).length;
    if (cap !== undefined && ahead >= cap - jobRunning) return 'job-cap';
    if (said === 'job-cap') return 'not job-cap';
    const slots = p < 3 ? this.sc.slots[p] : undefined;
    if (slots !== undefined) {
      const used = running.filter((h) => this.refs[h]!.pool === p).reduce((sum, h) => sum + this.refs[h]!.weight, 0);
      if (used + this.refs[g]!.weight > slots) return 'pool-full';
    }
    if (p < 3 && !this.rateOpen(p, now)) return 'rate-limited';
    return 'ready';
  }

  /** Ready tasks of g's pool that next() takes before it: each capped job's up to its room. */
  ahead(g: number, states: number[], held: Set<number>): number {
    const p = this.poolIndex(g);
    const perJob = new Map<number, number>();
    states.forEach((st, h) => {
      if (st !== S || held.has(h) || h === g || this.poolIndex(h) !== p || !this.before(h, g)) return;
      perJob.set(this.refs[h]!.job, (perJob.get(this.refs[h]!.job) ?? 0) + 1);
    });
    let n = 0;
    for (const [job, k] of perJob) {
      const cap = this.caps[job];
      const jobRunning = states.filter((st, h) => (st === P || st === CG) && this.refs[h]!.job === job).length;
      n += cap === undefined ? k : Math.min(k, Math.max(0, cap - jobRunning));
    }
    return n;
  }

  /** The task next() must claim, from the states shown and the holds: -1 for none. */
  expected(states: number[], held: Set<number>, now: number): number {
    const running = (f: (g: number) => boolean): number[] => states.flatMap((st, g) => ((st === P || st === CG) && f(g) ? [g] : []));
    if (running(() => true).length >= this.sc.concurrency) return -1;
    const underCap = (g: number): boolean => {
      const cap = this.caps[this.refs[g]!.job];
      return cap === undefined || running((h) => this.refs[h]!.job === this.refs[g]!.job).length < cap;
    };
    const candidates: number[] = [];
    // Pools with neither slots nor a rate share the scheduler's unlimited pool: every ready task of them may go.
    for (let p = 0; p < 4; p++) {
      const limited = p < 3 && (this.sc.slots[p] !== undefined || this.sc.rates[p] !== undefined);
      const inPool = (g: number): boolean => (limited ? this.refs[g]!.pool === p : this.refs[g]!.pool === 3 || (this.sc.slots[this.refs[g]!.pool] === undefined && this.sc.rates[this.refs[g]!.pool] === undefined));
      if (p < 3 && !limited) continue;
      if (limited && !this.rateOpen(p, now)) continue;
      let head = -1;
      states.forEach((st, g) => {
        if (st !== S || held.has(g) || !inPool(g) || !underCap(g)) return;
        if (head === -1 || this.before(g, head)) head = g;
      });
      if (head === -1) continue;
      const slots = p < 3 ? this.sc.slots[p] : undefined;
      if (slots !== undefined) {
        const used = running((h) => this.refs[h]!.pool === p).reduce((sum, h) => sum + this.refs[h]!.weight, 0);
        if (used + this.refs[head]!.weight > slots) continue;
      }
      candidates.push(head);
    }
    let best = -1;
    for (const g of candidates) if (best === -1 || this.before(g, best)) best = g;
    return best;
  }
}

const STATE_OF_CODE: Record<string, number> = { Queued: Q, Scheduled: S, Processing: P, Finished: F, Skipped: F, Error: E, Canceled: C, Canceling: CG };

function run(sc: Scenario): void {
  const clock = { t: 1_000_000 };
  const pools: Record<string, number> = {};
  const rateLimits: Record<string, { max: number; perMs: number }> = {};
  POOLS.forEach((name, p) => {
    if (sc.slots[p] !== undefined) pools[name] = sc.slots[p]!;
    if (sc.rates[p] !== undefined) rateLimits[name] = sc.rates[p]!;
  });
  const opts: SchedulerOptions = { concurrency: sc.concurrency, pools, rateLimits, now: () => clock.t, ids: sequentialIds(), maxAttempts: sc.maxAttempts, policy: policyOf(sc) };
  const s = new Scheduler(opts);
  const changes = new Map<number, Array<{ old: number; state: number; at: number }>>();
  s.on('taskStateChange', (e) => {
    const list = changes.get(e.serial) ?? [];
    list.push({ old: e.oldState, state: e.newState, at: e.timestamp });
    changes.set(e.serial, list);
  });
  const ref = new Reference(sc);
  const jobIds: string[] = [];
  const names: string[][] = [];
  sc.jobs.forEach((j, k) => {
    const local = j.tasks.map((_, i) => `j${k}t${i}`);
    const defs = j.tasks.map((t, i) => plainTask(sc, t, local[i]!, local.slice(0, i)));
    ref.caps.push(j.cap);
    ref.jobPriority.push(j.priority);
    const first = ref.refs.length;
    ref.addBlock(
      k,
      defs.map((d, i) => ({ name: local[i]!, pool: j.tasks[i]!.pool, weight: (d.weight as number | undefined) ?? 1, priority: j.tasks[i]!.priority, producers: ((d.dependsOn as string[] | undefined) ?? []).map((n) => first + local.indexOf(n)) })),
    );
    jobIds.push(s.submit({ name: `J${k}`, priority: j.priority, ...(j.cap !== undefined ? { maxRunning: j.cap } : {}), tasks: defs }).Id);
    names.push(local);
  });
  const ids = (): string[] => s.tasks().map((t) => t.Id);
  const held = new Set<number>();
  let added = 0;
  const statesNow = (): number[] => s.tasks().map((t) => t.State);

  for (const op of sc.ops) {
    const states = statesNow();
    const taskIds = ids();
    const active = states.flatMap((st, g) => (st === P || st === CG ? [g] : []));
    const pickActive = (pick: number): number | undefined => (active.length === 0 ? undefined : active[pick % active.length]);
    switch (op.kind) {
      case 'next': {
        const want = ref.expected(states, held, clock.t);
        // explain() agrees: the task about to start is 'ready'; a task it says cannot start does not.
        const reasons = new Map<number, string>();
        states.forEach((st, g) => {
          if (st !== S) return;
          const x = s.explain(taskIds[g]!);
          reasons.set(g, x.reason);
          if (!held.has(g)) expect(x.ahead).toBe(ref.ahead(g, states, held));
        });
        for (const g of held) expect(reasons.get(g)).toBe('retry-backoff');
        if (want !== -1) expect(reasons.get(want)).toBe('ready');
        for (const [g, reason] of reasons) if (!held.has(g)) expect(reason).toBe(ref.reason(g, states, held, clock.t, reason));
        const got = s.next();
        expect(got === undefined ? -1 : taskIds.indexOf(got.taskId)).toBe(want);
        if (want !== -1) {
          const p = ref.refs[want]!.pool;
          if (p < 3 && sc.rates[p] !== undefined) ref.starts[p]!.push(clock.t);
        }
        break;
      }
      case 'complete': {
        const g = pickActive(op.pick);
        if (g !== undefined) s.complete(taskIds[g]!);
        break;
      }
      case 'fail': {
        const g = pickActive(op.pick);
        if (g === undefined) break;
        s.fail(taskIds[g]!, { retryable: op.retryable, hold: op.hold });
        if (op.hold && s.stateOf(taskIds[g]!) === S) held.add(g);
        break;
      }
      case 'resume': {
        const list = [...held];
        if (list.length === 0) break;
        const g = list[op.pick % list.length]!;
        expect(s.resume(taskIds[g]!)).toBe(true);
        held.delete(g);
        break;
      }
      case 'requeue': {
        const g = pickActive(op.pick);
        if (g === undefined || states[g] !== P) break;
        s.requeue(taskIds[g]!);
        break;
      }
      case 'cancel':
        try {
          s.cancelJob(jobIds[op.job % jobIds.length]!);
        } catch (e) {
          expect((e as { code?: string }).code).toBe('JOB_FINAL');
        }
        break;
      case 'rerun': {
        const ended = states.flatMap((st, g) => (st === E || st === C ? [g] : []));
        if (ended.length === 0) break;
        try {
          s.rerun(taskIds[ended[op.pick % ended.length]!]!, { downstream: op.downstream });
        } catch (e) {
          expect(['JOB_CANCELED', 'INVALID_TRANSITION']).toContain((e as { code?: string }).code);
        }
        break;
      }
      case 'advance':
        clock.t += op.ms;
        break;
      case 'add': {
        const k = op.job % jobIds.length;
        const local = names[k]!;
        const newNames = op.tasks.map(() => `x${added++}`);
        const defs = op.tasks.map((t, i) => plainTask(sc, t, newNames[i]!, [...local, ...newNames.slice(0, i)]));
        let views;
        try {
          views = s.addTasks(jobIds[k]!, { tasks: defs });
        } catch (e) {
          const code = (e as { code?: string }).code;
          expect(['JOB_FINAL', 'VALIDATION_FAILED']).toContain(code);
          break;
        }
        expect(views.length).toBe(defs.length);
        const serialOf = (n: string): number => {
          const i = newNames.indexOf(n);
          if (i !== -1) return ref.refs.length + i;
          return taskIds.indexOf(s.tasks({ jobId: jobIds[k]! })[local.indexOf(n)]!.Id);
        };
        ref.addBlock(
          k,
          defs.map((d, i) => ({ name: newNames[i]!, pool: op.tasks[i]!.pool, weight: (d.weight as number | undefined) ?? 1, priority: op.tasks[i]!.priority, producers: ((d.dependsOn as string[] | undefined) ?? []).map(serialOf) })),
        );
        local.push(...newNames);
        break;
      }
    }
    const after = statesNow();
    for (const g of [...held]) if (after[g] !== S) held.delete(g);
    // Limits.
    const running = after.flatMap((st, g) => (st === P || st === CG ? [g] : []));
    expect(running.length).toBeLessThanOrEqual(sc.concurrency);
    POOLS.forEach((_, p) => {
      const slots = sc.slots[p];
      if (slots !== undefined) expect(running.filter((g) => ref.refs[g]!.pool === p).reduce((a, g) => a + ref.refs[g]!.weight, 0)).toBeLessThanOrEqual(slots);
    });
    ref.caps.forEach((cap, k) => {
      if (cap !== undefined) expect(running.filter((g) => ref.refs[g]!.job === k).length).toBeLessThanOrEqual(cap);
    });
    // A ready task whose pool has every slot taken (or the scheduler all of its own) has logged its wait.
    const views = s.tasks();
    after.forEach((st, g) => {
      if (st !== S || held.has(g)) return;
      const p = ref.poolIndex(g);
      const slots = p < 3 ? sc.slots[p] : undefined;
      const full = running.length >= sc.concurrency || (slots !== undefined && running.filter((h) => ref.refs[h]!.pool === p).reduce((a, h) => a + ref.refs[h]!.weight, 0) >= slots);
      if (!full) return;
      const codes = views[g]!.HistoricalEvents.map((e) => e.Code);
      expect(codes.slice(codes.lastIndexOf('Scheduled'))).toContain('WaitingForFreeResources');
    });
  }
  // Rate windows: never more than max starts within perMs.
  POOLS.forEach((_, p) => {
    const rate = sc.rates[p];
    if (rate === undefined) return;
    const st = ref.starts[p]!;
    for (let i = rate.max; i < st.length; i++) expect(st[i]! - st[i - rate.max]!).toBeGreaterThanOrEqual(rate.perMs);
  });
  // Every state change is logged once, in order, at the time the listener was told, times non-decreasing.
  s.tasks().forEach((t, g) => {
    const events = t.HistoricalEvents;
    const times = events.map((e) => Date.parse(e.TimeStamp));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    const logged = events.flatMap((e) => (e.Code in STATE_OF_CODE ? [{ state: STATE_OF_CODE[e.Code]!, at: Date.parse(e.TimeStamp) }] : []));
    const told = changes.get(g) ?? [];
    const first = logged[0]!;
    // A task starts Queued (logged, told no one) or Scheduled (told, from Queued).
    const fromQueued = first.state === Q ? logged.slice(1) : logged;
    expect(fromQueued.map((e) => [e.state, e.at])).toEqual(told.map((c) => [c.state, c.at]));
    told.forEach((c, i) => expect(c.old).toBe(i === 0 ? Q : told[i - 1]!.state));
    expect(t.State).toBe(told.length === 0 ? Q : told[told.length - 1]!.state);
  });
}

describe('review: the Scheduler against a brute-force reference', () => {
  it('claims the best startable task under every policy and limit; explain and events agree', () => {
    fc.assert(fc.property(scenarioArb, run), { numRuns: Number(process.env.REVIEW_RUNS ?? 300) });
  });
});

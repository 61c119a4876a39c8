/**
 * The simulator's two super-linear paths (complexity review): inversion counting with per-job caps
 * (the shadow queue dropped and put back a capped job's waiting tasks at every start and end), and
 * chart rows for weighted tasks (every weighted start sorted and spliced the free rows). Each is
 * timed on an input the old code took tens of seconds for, and compared, on random workloads, with
 * the old algorithm kept here as the reference (the simulator run with it mocked in).
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { simulate, type SimJob, type SimResult, type SimulateOptions } from '../../../src/simulate/simulator.js';
import { demoDurations, fixedDurations } from '../../../src/simulate/durations.js';
import { PoolSlots } from '../../../src/simulate/slots.js';
import { ReadyQueues } from '../../../src/scheduler/ready-queues.js';
import type { ShadowContext } from '../../../src/simulate/inversion-shadow.js';

const seed = Number(process.env.FC_SEED ?? 20261128);

/** The old shadow: every ready task in the pool heaps, a capped job's set aside at its cap and put back at each of its ends. */
class OldShadow {
  readonly q: ReadyQueues;
  readonly held = new Map<number, number[]>();
  readonly isReady: (serial: number) => boolean;
  constructor(readonly ctx: ShadowContext) {
    this.q = new ReadyQueues(ctx.order);
    const { ready, start, jobOf, capOf, runningOf } = ctx;
    this.isReady = (serial) => {
      if (!(ready[serial]! >= 0 && start[serial]! < 0)) return false;
      const j = jobOf[serial]!;
      if (capOf[j] === 0 || runningOf[j]! < capOf[j]!) return true;
      const held = this.held.get(j);
      if (held === undefined) this.held.set(j, [serial]);
      else held.push(serial);
      return false;
    };
  }
  addPool(slots: number): number {
    return this.q.addPool(slots);
  }
  set weights(w: Int32Array | null) {
    this.q.weights = w;
  }
  push(pool: number, serial: number): void {
    this.q.push(pool, serial);
  }
  peek(): number {
    return this.q.peek(this.isReady);
  }
  started(serial: number, pool: number, weight: number): void {
    this.ctx.runningOf[this.ctx.jobOf[serial]!]!++;
    this.q.occupy(pool, weight);
  }
  release(pool: number, weight: number): void {
    this.q.release(pool, weight);
  }
  ended(j: number): void {
    this.ctx.runningOf[j]!--;
    const held = this.held.get(j);
    if (held === undefined) return;
    this.held.delete(j);
    for (const h of held) if (this.ctx.start[h]! < 0) this.q.push(this.ctx.poolOf[h]!, h);
  }
}

/** The old rows: a free list, sorted and spliced at every weighted take. */
class OldSlots {
  readonly freeList: number[] = [];
  next = 0;
  take(w: number): number {
    const free = this.freeList;
    if (w === 1) return free.length > 0 ? free.pop()! : this.next++;
    free.sort((a, b) => a - b);
    for (let i = 0; i + w <= free.length; i++) {
      if (free[i + w - 1] === free[i]! + w - 1) return free.splice(i, w)[0]!;
    }
    let k = free.length;
    while (k > 0 && free[k - 1] === this.next - (free.length - k + 1)) k--;
    const first = k < free.length ? free[k]! : this.next;
    free.splice(k);
    this.next = first + w;
    return first;
  }
  free(first: number, w: number): void {
    for (let k = w - 1; k >= 0; k--) this.freeList.push(first + k);
  }
}

/** simulate() with the old shadow and rows mocked in. */
async function oldSimulate(): Promise<typeof simulate> {
  vi.resetModules();
  vi.doMock('../../../src/simulate/inversion-shadow.js', () => ({ InversionShadow: OldShadow }));
  vi.doMock('../../../src/simulate/slots.js', () => ({ PoolSlots: OldSlots }));
  const mod = await import('../../../src/simulate/simulator.js');
  vi.doUnmock('../../../src/simulate/inversion-shadow.js');
  vi.doUnmock('../../../src/simulate/slots.js');
  return mod.simulate;
}

const same = (r: SimResult) => JSON.stringify({ ...r, wallMs: 0 });

const tasks = (n: number, priority: number, prefix: string, extra: (i: number) => object = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, priority, ...extra(i) }));

describe('simulator complexity (review)', () => {
  it('counts inversions with a capped job of 20,000 waiting tasks in linear time (it was quadratic: 16,000 took 22 s)', () => {
    const n = 20_000;
    const jobs: SimJob[] = [
      { definition: { name: 'J', priority: 5, maxRunning: 1, tasks: tasks(n, 5, 'j') } },
      { definition: { name: 'K', priority: 1, tasks: tasks(n, 1, 'k') } },
    ];
    const t0 = performance.now();
    const r = simulate(jobs, { reservedUnits: 2, durations: fixedDurations(1), record: false });
    const ms = performance.now() - t0;
    expect(r.tasks).toBe(2 * n);
    expect(r.makespan).toBe(n);
    expect(r.priorityInversions).toBe(0);
    expect(ms).toBeLessThan(4_000);
  }, 120_000);

  it('hands out rows to 30,000 weighted tasks on 60,000 units in O(log) each (it was quadratic: 48 s)', () => {
    const r0 = 60_000;
    const jobs: SimJob[] = [{ definition: { name: 'W', tasks: [...tasks(r0, 0, 'a'), ...tasks(r0 / 2, 0, 'b', () => ({ weight: 2 }))] } }];
    const t0 = performance.now();
    const r = simulate(jobs, { reservedUnits: r0, durations: fixedDurations(1), record: false });
    const ms = performance.now() - t0;
    expect(r.tasks).toBe(1.5 * r0);
    expect(r.makespan).toBe(2);
    expect(ms).toBeLessThan(4_000);
  }, 120_000);

  it('gives the same rows as the old free list on random takes and frees', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ take: fc.boolean(), w: fc.integer({ min: 1, max: 4 }), pick: fc.nat() }), { maxLength: 200 }), (ops) => {
        const fresh = new PoolSlots();
        const old = new OldSlots();
        const held: Array<[number, number]> = [];
        for (const op of ops) {
          if (op.take || held.length === 0) {
            const a = fresh.take(op.w);
            expect(a).toBe(old.take(op.w));
            held.push([a, op.w]);
          } else {
            const [first, w] = held.splice(op.pick % held.length, 1)[0]!;
            fresh.free(first, w);
            old.free(first, w);
          }
          expect(fresh.next).toBe(old.next);
        }
      }),
      { seed, numRuns: 2000 },
    );
  });

  it('gives every figure the old shadow and rows gave, on random workloads with caps, weights, pools and additions', async () => {
    const reference = await oldSimulate();
    const task = fc.record({
      priority: fc.integer({ min: 0, max: 3 }),
      weight: fc.integer({ min: 1, max: 3 }),
      pool: fc.constantFrom('A', 'B', 'C'),
      deps: fc.array(fc.nat(), { maxLength: 2 }),
    });
    type T = { priority: number; weight: number; pool: string; deps: number[] };
    const plain = (ts: T[], prefix: string, maxWeight: number, pools: boolean, offset = 0) =>
      ts.map((t, i) => ({
        id: `${prefix}${i}`,
        priority: t.priority,
        ...(Math.min(t.weight, maxWeight) > 1 ? { weight: Math.min(t.weight, maxWeight) } : {}),
        ...(pools ? { pool: t.pool } : {}),
        ...(i + offset > 0 && t.deps.length > 0 ? { dependsOn: [...new Set(t.deps.map((d) => `${prefix}${d % (i + offset)}`))].filter((id) => id !== `${prefix}${i}`) } : {}),
      }));
    const job = fc.record({
      priority: fc.integer({ min: 0, max: 3 }),
      cap: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      tasks: fc.array(task, { minLength: 1, maxLength: 12 }),
      arrival: fc.integer({ min: 0, max: 6 }),
      addition: fc.option(fc.record({ after: fc.integer({ min: 0, max: 6 }), tasks: fc.array(task, { minLength: 1, maxLength: 5 }) }), { nil: undefined }),
    });
    let checked = 0;
    fc.assert(
      fc.property(
        fc.array(job, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 4 }),
        fc.record({ A: fc.integer({ min: 3, max: 5 }), B: fc.integer({ min: 3, max: 4 }), C: fc.integer({ min: 3, max: 6 }) }),
        fc.constantFrom('priority', 'fifo', 'critical-path', 'shortest-first'),
        fc.integer({ min: 0, max: 3 }),
        (js, weights, multi, units, pools, policy, noise) => {
          const maxWeight = !weights ? 1 : multi ? 3 : Math.max(1, units);
          const workload: SimJob[] = js.map((j, n) => ({
            definition: { name: `J${n}`, priority: j.priority, ...(j.cap !== undefined ? { maxRunning: j.cap } : {}), tasks: plain(j.tasks, `j${n}t`, maxWeight, multi) },
            arrival: j.arrival,
            ...(j.addition !== undefined ? { additions: [{ at: j.arrival + j.addition.after, tasks: { tasks: plain(j.addition.tasks, `j${n}x`, maxWeight, multi) } }] } : {}),
          }));
          const options: SimulateOptions = {
            policy: policy as 'priority',
            ...(multi ? { pools } : { reservedUnits: units }),
            durations: noise === 0 ? fixedDurations(1) : demoDurations(0.5),
            seed: noise,
            record: true,
          };
          let fresh: SimResult;
          try {
            fresh = simulate(workload, options);
          } catch (err) {
            // An invalid random workload is refused alike.
            expect(() => reference(workload, options)).toThrow((err as Error).constructor as never);
            return;
          }
          expect(same(fresh)).toBe(same(reference(workload, options)));
          checked++;
        },
      ),
      { seed, numRuns: 400 },
    );
    expect(checked).toBeGreaterThan(200);
  }, 120_000);
});

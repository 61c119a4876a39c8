import { afterEach, describe, expect, it, vi } from 'vitest';
import { growFloat64, growInt32, growUint8, release } from '../../../src/scheduler/growable.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { TaskClaim } from '../../../src/scheduler/views.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import { tickClock } from '../../helpers/jobs.js';

/**
 * A table the scheduler outgrows is freed at once (its buffer detached), not left to a full
 * collection: at a million tasks those collections were half of a submit. A detached array reads as
 * empty, so everything that reads a table must read the current one; these tests grow the tables
 * far past the size from which old ones are freed, with the paths that keep a table elsewhere (the
 * ready set's weights) and a submit that throws after the tables grew.
 */

afterEach(() => {
  vi.restoreAllMocks();
});

describe('growable arrays', () => {
  it('copy, fill, and free the old array once it is big enough', () => {
    const a = Int32Array.from({ length: 16384 }, (_, i) => i * 3);
    const b = growInt32(a, 17000, -1);
    expect(b.length).toBeGreaterThanOrEqual(17000);
    expect(b.subarray(0, 16384).every((v, i) => v === i * 3)).toBe(true);
    expect(b.subarray(16384).every((v) => v === -1)).toBe(true);
    // Freed: its buffer went away with the transfer.
    expect(a.length).toBe(0);
    expect(a.buffer.byteLength).toBe(0);

    const f = Float64Array.from({ length: 8192 }, (_, i) => i / 2);
    const g = growFloat64(f, 8193, NaN);
    expect(g[8191]).toBe(8191 / 2);
    expect(Number.isNaN(g[8192])).toBe(true);
    expect(f.length).toBe(0);

    const u = new Uint8Array(65536).fill(7);
    const v = growUint8(u, 70000);
    expect(v[65535]).toBe(7);
    expect(v[65536]).toBe(0);
    expect(u.length).toBe(0);
  });

  it('leave small arrays, views and arrays with room alone', () => {
    const small = new Int32Array(4095).fill(5);
    growInt32(small, 5000);
    expect(small.length).toBe(4095);
    expect(small[4094]).toBe(5);

    // A view into a bigger buffer shares it with others: never detached.
    const whole = new Int32Array(65536);
    const view = whole.subarray(16384);
    growInt32(view, 65536);
    expect(view.length).toBe(49152);
    const head = whole.subarray(0, 32768);
    release(head);
    expect(head.length).toBe(32768);
    expect(whole.length).toBe(65536);

    // Room enough: the same array back, nothing freed.
    const roomy = new Int32Array(65536);
    expect(growInt32(roomy, 60000)).toBe(roomy);
    expect(roomy.length).toBe(65536);
  });
});

describe('a scheduler whose tables grow many times', () => {
  /** Job k: a chain of `n` tasks in pool gpu, weights 1 and 2 alternating. */
  const job = (k: number, n: number): object => ({
    name: `J${k}`,
    tasks: Array.from({ length: n }, (_, i) => ({ id: `t${i}`, pool: 'gpu', weight: 1 + ((k + i) % 2), ...(i > 0 ? { dependsOn: [`t${i - 1}`] } : {}) })),
  });

  it('keeps weights, order and states right, also when a submit throws after the tables grew', () => {
    const clone = vi.spyOn(globalThis, 'structuredClone');
    const boom = new Error('boom');
    const s = new Scheduler({
      now: tickClock(),
      ids: sequentialIds(),
      concurrency: 4,
      pools: { gpu: 3 },
      profile: 'relaxed',
      policy: { name: 'mine', key: (t) => (t.Name === 'bad' ? (() => { throw boom; })() : t.Name.length) },
    });
    const jobs = 1600;
    const per = 5;
    const running = new Map<string, number>();
    let gpu = 0;
    let failed = 0;
    const finished = new Set<string>();
    const claims: TaskClaim[] = [];
    const startStep = (): void => {
      for (let c = s.next(); c; c = s.next()) {
        const w = s.taskInfo(c.taskId).weight;
        gpu += w;
        expect(gpu).toBeLessThanOrEqual(3);
        // A chain: the task before it in its job has finished.
        const i = Number(c.name.slice(1));
        if (i > 0) expect(finished.has(`${c.jobId}/t${i - 1}`)).toBe(true);
        running.set(c.taskId, w);
        expect(s.stateOf(c)).toBe(TaskState.Processing);
        claims.push(c);
      }
    };
    const finishOne = (): void => {
      const c = claims.shift();
      if (!c) return;
      gpu -= running.get(c.taskId)!;
      running.delete(c.taskId);
      s.complete(c);
      finished.add(`${c.jobId}/${c.name}`);
    };
    for (let k = 0; k < jobs; k++) {
      s.add(job(k, per));
      // Slots free when the failing submit comes: the claims right after it read the weights.
      if (k % 2 === 0) while (claims.length > 0) finishOne();
      // The failing job asks for more room than the next good one: every growth of the tables
      // happens in a submit that then throws.
      const bad = { name: `B${k}`, tasks: [...Array.from({ length: 39 }, (_, i) => ({ id: `ok${i}`, pool: 'gpu', weight: 2 })), { id: 'bad', pool: 'gpu', weight: 1, dependsOn: ['ok0'] }] };
      try {
        s.add(bad);
      } catch (e) {
        expect((e as { code?: string }).code).toBe('CALLBACK_THREW');
        failed++;
      }
      startStep();
    }
    for (;;) {
      startStep();
      if (claims.length === 0) break;
      finishOne();
    }
    expect(failed).toBe(jobs);
    expect(finished.size).toBe(jobs * per);
    expect(s.tasks({ state: TaskState.Finished })).toHaveLength(jobs * per);
    expect(s.jobs().every((j) => j.State === TaskState.Finished)).toBe(true);
    // Every task logged Scheduled or Queued, Processing and Finished, in that order.
    for (const t of s.tasks().slice(0, 50).concat(s.tasks().slice(-50))) {
      const codes = t.HistoricalEvents.map((e) => e.Code).filter((c) => c !== 'WaitingForFreeResources');
      expect(codes.slice(-2)).toEqual(['Processing', 'Finished']);
    }
    // The tables did outgrow arrays big enough to be freed.
    expect(clone).toHaveBeenCalled();
  });

  it('restores, grows by added tasks and snapshots the same', () => {
    const clone = vi.spyOn(globalThis, 'structuredClone');
    const s = new Scheduler({ now: tickClock(), ids: sequentialIds(), concurrency: 8, profile: 'relaxed' });
    const ids: string[] = [];
    for (let k = 0; k < 600; k++) ids.push(s.add(job(k, 4)));
    const r = Scheduler.restore(s.snapshot(), { now: tickClock(), ids: sequentialIds(100000) });
    // Each addition depends on an earlier task of its job: an edge kept outside the job's block.
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < ids.length; k++) r.addTasks(ids[k]!, { tasks: [{ id: `x${round}`, dependsOn: [round === 0 ? 't0' : `x${round - 1}`] }] });
    }
    let done = 0;
    for (;;) {
      const c = r.next();
      if (!c) break;
      r.complete(c);
      done++;
    }
    expect(done).toBe(600 * 7);
    expect(r.jobs().every((j) => j.State === TaskState.Finished)).toBe(true);
    const again = Scheduler.restore(r.snapshot());
    expect(again.snapshot()).toEqual(r.snapshot());
    expect(clone).toHaveBeenCalled();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillCsr } from '../../src/core/csr.js';
import { MAX_TASKS, T_JOB, TASK_SHIFT, TaskTable } from '../../src/scheduler/task-table.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

/** A job's local edges: `n` tasks, any edges among them (self-loops and repeats included: the table does not judge). */
const jobEdges = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 30 }),
  }),
);

describe('TaskTable records (successors, pending counts, jobs and attempts side by side)', () => {
  it('jobs appended one after another read back each task\'s successors in edge order, its pending count and its job', () => {
    fc.assert(
      fc.property(fc.array(jobEdges, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(5), { maxLength: 40 }), (jobs, starts) => {
        const table = new TaskTable();
        const expectedSucc: number[][] = [];
        const expectedPending: number[] = [];
        let base = 0;
        jobs.forEach(({ n, edges }, j) => {
          table.ensure(base + n);
          for (let i = 0; i < n; i++) table.ints[((base + i) << TASK_SHIFT) + T_JOB] = j;
          const from = Int32Array.from(edges, ([a]) => a);
          const to = Int32Array.from(edges, ([, b]) => b);
          const waiting = table.appendDependencies(base, n, { from, to } as never);
          table.count = base + n;
          for (let i = 0; i < n; i++) {
            expectedSucc.push([]);
            expectedPending.push(0);
          }
          for (const [a, b] of edges) {
            expectedSucc[base + a]!.push(base + b);
            expectedPending[base + b]!++;
          }
          expect(waiting).toBe(new Set(edges.map(([, b]) => b)).size);
          base += n;
        });
        // Starts counted on some tasks: they sit beside the other fields and disturb none.
        const expectedAttempts = new Array<number>(base).fill(0);
        for (const k of starts) {
          const t = k % base;
          table.addAttempts(t, 1);
          expectedAttempts[t]!++;
        }
        let at = 0;
        jobs.forEach(({ n }, j) => {
          for (let i = 0; i < n; i++, at++) {
            expect(table.successors(at)).toEqual(expectedSucc[at]);
            expect(table.pendingOf(at)).toBe(expectedPending[at]);
            expect(table.jobOf(at)).toBe(j);
            expect(table.attemptsOf(at)).toBe(expectedAttempts[at]);
          }
        });
        expect(table.edgeCount).toBe(jobs.reduce((sum, { edges }) => sum + edges.length, 0));
      }),
    );
  });

  it('refuses to grow past the serials a record index can address, with what to do', () => {
    const table = new TaskTable();
    expect(() => table.ensure(MAX_TASKS)).toThrow(expect.objectContaining({ name: 'SchedulerError', code: 'SCHEDULER_FULL', message: expect.stringMatching(/at most 536870911 tasks.*split the work among schedulers/) }));
    expect(table.ints.length).toBe(1 << TASK_SHIFT);
  });
});

describe('fillCsr with a stride', () => {
  it('builds the same offsets and targets in every stride-th slot as the plain build', () => {
    fc.assert(
      fc.property(jobEdges, fc.integer({ min: 1, max: 5 }), fc.nat(3), fc.nat(7), ({ n, edges }, stride, at, edgeStart) => {
        const from = Int32Array.from(edges, ([a]) => a);
        const to = Int32Array.from(edges, ([, b]) => b);
        const plain = new Int32Array(at + n + 1);
        const strided = new Int32Array((at + n) * stride + 1).fill(-7);
        for (let u = 0; u < at + n; u++) strided[u * stride] = 0;
        for (const [a] of edges) {
          plain[at + a]!++;
          strided[(at + a) * stride]!++;
        }
        const t1 = new Int32Array(edgeStart + edges.length);
        const t2 = new Int32Array(edgeStart + edges.length);
        fillCsr(plain, at, n, from, to, t1, edgeStart, 3);
        fillCsr(strided, at, n, from, to, t2, edgeStart, 3, stride);
        expect(t2).toEqual(t1);
        for (let u = 0; u <= n; u++) expect(strided[(at + u) * stride]).toBe(plain[at + u]);
        // The other slots of each record are left alone.
        for (let k = 0; k < strided.length; k++) if (k % stride !== 0) expect(strided[k]).toBe(-7);
      }),
    );
  });
});

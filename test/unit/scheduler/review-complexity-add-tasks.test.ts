import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { TaskState } from '../../../src/job/enums.js';
import { ProducerIndex, extendInt32, grownDependencies, type Dependencies } from '../../../src/graph/dependencies.js';
import { validateJob } from '../../../src/validate/validate.js';
import { validateAddition } from '../../../src/validate/add.js';
import { grownJob } from '../../../src/job/grow.js';
import { taskNames } from '../../../src/job/names.js';
import { MES } from '../../helpers/jobs.js';

const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b89140')" } };
const body = (input: string, out: number): string => `<taskBody><inputAsset>${input}</inputAsset><outputAsset>JobOutputAsset(${out})</outputAsset></taskBody>`;

describe('a job grown a task at a time (review: complexity)', () => {
  it(
    'adds 16,000 tasks one call each without resolving the whole job again per call (was quadratic: 16,000 took 23.5 s), and runs them in order',
    () => {
      const n = 16_000;
      const s = new Scheduler({ ids: undefined });
      const id = s.add({ Name: 'live', InputMediaAssets: [INPUT], Tasks: [{ Name: 't0', MediaProcessorId: MES, TaskBody: body('JobInputAsset(0)', 0) }] });
      const started = performance.now();
      for (let i = 1; i <= n; i++) s.addTasks(id, { Tasks: [{ Name: `t${i}`, MediaProcessorId: MES, TaskBody: body(`JobOutputAsset(${i - 1})`, i) }] });
      const elapsed = performance.now() - started;
      // Each added task waits on the one before it.
      expect(s.explain(s.tasks({ jobId: id })[n]!.Id)).toMatchObject({ reason: 'waiting-on-dependencies' });
      const order: string[] = [];
      for (let c = s.next(); c; c = s.next()) {
        order.push(c.name);
        s.complete(c);
      }
      expect(order).toEqual(Array.from({ length: n + 1 }, (_, i) => `t${i}`));
      expect(s.job(id)!.State).toBe(TaskState.Finished);
      expect(elapsed).toBeLessThan(8_000);
    },
    120_000,
  );

  it('a job grown one task at a time keeps one block of added serials, and a restore numbers its tasks as they were', () => {
    const s = new Scheduler();
    const a = s.add({ Name: 'a', InputMediaAssets: [INPUT], Tasks: [{ Name: 'a0', MediaProcessorId: MES, TaskBody: body('JobInputAsset(0)', 0) }] });
    for (let i = 1; i <= 3; i++) s.addTasks(a, { Tasks: [{ Name: `a${i}`, MediaProcessorId: MES, TaskBody: body(`JobOutputAsset(${i - 1})`, i) }] });
    // Another job between two additions: the next block starts after its tasks.
    const b = s.add({ Name: 'b', InputMediaAssets: [INPUT], Tasks: [{ Name: 'b0', MediaProcessorId: MES, TaskBody: body('JobInputAsset(0)', 0) }] });
    s.addTasks(a, { Tasks: [{ Name: 'a4', MediaProcessorId: MES, TaskBody: body('JobOutputAsset(3)', 4) }] });
    s.addTasks(a, { Tasks: [{ Name: 'a5', MediaProcessorId: MES, TaskBody: body('JobOutputAsset(4)', 5) }] });
    const snap = s.snapshot();
    expect(snap.blocks).toEqual([
      [0, 1],
      [0, 3],
      [1, 1],
      [0, 2],
    ]);
    const r = Scheduler.restore(JSON.parse(JSON.stringify(snap)));
    const serials = (x: Scheduler, job: string): Array<[string, number]> => x.tasks({ jobId: job }).map((t) => [t.Name, x.taskSerial(t.Id)]);
    expect(serials(r, a)).toEqual(serials(s, a));
    expect(serials(r, b)).toEqual(serials(s, b));
    expect(serials(r, a).map(([, k]) => k)).toEqual([0, 1, 2, 3, 5, 6]);
  });
});

describe('ProducerIndex.grown and extendInt32: a grown copy never changes what the old one reads', () => {
  it('outputs past the end share the storage; the old index still reads only its own', () => {
    const old = new ProducerIndex(2, 3);
    old.set(0, 0);
    old.set(1, 1);
    old.set(2, 1);
    const a = old.grown([3, 4], [2, 3]);
    const b = a.grown([5], [4]);
    expect([0, 1, 2, 3, 4, 5, 6].map((k) => old.get(k))).toEqual([0, 1, 1, undefined, undefined, undefined, undefined]);
    expect([0, 1, 2, 3, 4, 5, 6].map((k) => a.get(k))).toEqual([0, 1, 1, 2, 3, undefined, undefined]);
    expect([0, 1, 2, 3, 4, 5, 6].map((k) => b.get(k))).toEqual([0, 1, 1, 2, 3, 4, undefined]);
    expect([old.size, a.size, b.size]).toEqual([3, 5, 6]);
    expect([old.highest, a.highest, b.highest]).toEqual([2, 4, 5]);
    // Grown again from `a` (not the newest): a copy, and `b` is untouched.
    const c = a.grown([5], [9]);
    expect([b.get(5), c.get(5)]).toEqual([4, 9]);
  });

  it('an output that fills a gap below the end copies the storage', () => {
    const old = new ProducerIndex(3, 2);
    old.set(0, 0);
    old.set(3, 1);
    const a = old.grown([1, 4], [2, 3]);
    expect([0, 1, 2, 3, 4].map((k) => old.get(k))).toEqual([0, undefined, undefined, 1, undefined]);
    expect([0, 1, 2, 3, 4].map((k) => a.get(k))).toEqual([0, 2, undefined, 1, 3]);
    expect(old.highest).toBe(3);
    expect(a.size).toBe(4);
  });

  it('a far-apart output makes the grown index sparse', () => {
    const old = new ProducerIndex(1, 2);
    old.set(0, 0);
    old.set(1, 1);
    const a = old.grown([9_007_199_254_740_991], [2]);
    expect([a.get(0), a.get(1), a.get(9_007_199_254_740_991), a.get(2)]).toEqual([0, 1, 2, undefined]);
    expect(a.highest).toBe(9_007_199_254_740_991);
    expect(old.get(9_007_199_254_740_991)).toBeUndefined();
  });

  it('extendInt32 lengthens the newest view in place, copies any other, and never changes an old view', () => {
    const base = Int32Array.of(1, 2, 3);
    const a = extendInt32(base, 2);
    expect(a.buffer).not.toBe(base.buffer); // not one of ours: copied
    a.set([4, 5], 3);
    const b = extendInt32(a, 1);
    expect(b.buffer).toBe(a.buffer); // the newest, with room: shared
    b[5] = 6;
    expect([...a]).toEqual([1, 2, 3, 4, 5]);
    expect([...b]).toEqual([1, 2, 3, 4, 5, 6]);
    const c = extendInt32(a, 1, -1); // `a` is no longer the newest: copied
    expect(c.buffer).not.toBe(a.buffer);
    expect([...c]).toEqual([1, 2, 3, 4, 5, -1]);
    expect([...b]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('plain additions to a job grown a task at a time (review: complexity)', () => {
  it(
    'adds 16,000 plain tasks one call each without listing the job\'s names again per call (was quadratic: 16,000 took 63 s)',
    () => {
      const n = 16_000;
      const s = new Scheduler();
      const job = s.submit({ tasks: [{ id: 't0' }] });
      const started = performance.now();
      for (let i = 1; i <= n; i++) s.addTasks(job.Id, { tasks: [{ id: `t${i}`, dependsOn: [`t${i - 1}`] }] });
      const elapsed = performance.now() - started;
      const order: string[] = [];
      for (let c = s.next(); c; c = s.next()) {
        order.push(c.name);
        s.complete(c);
      }
      expect(order).toEqual(Array.from({ length: n + 1 }, (_, i) => `t${i}`));
      expect(elapsed).toBeLessThan(8_000);
    },
    120_000,
  );
});

describe('taskNames: the Names of every version of a grown job', () => {
  it('each version reads only its own tasks; a branch from an older version builds its own', () => {
    const p = validateJob({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }] }, { profile: 'relaxed' });
    expect(p.valid).toBe(true);
    const job = p.job!;
    const names = taskNames(job);
    expect([...names.keys()]).toEqual(['a', 'b']);
    const add = (base: typeof job, deps: Dependencies, addition: object): { job: typeof job; deps: Dependencies; codes: string[] } => {
      const r = validateAddition(base, deps, addition, { profile: 'relaxed' });
      if (!r.valid) return { job: base, deps, codes: r.diagnostics.map((d) => d.code) };
      return { job: grownJob(base, r.tasks!, r.extensions), deps: grownDependencies(deps, r.dependencies!, r.external!)!, codes: [] };
    };
    const g1 = add(job, p.dependencies!, { tasks: [{ id: 'c', dependsOn: ['b'] }] });
    expect(g1.codes).toEqual([]);
    const g2 = add(g1.job, g1.deps, { tasks: [{ id: 'd', dependsOn: ['c', 'a'] }] });
    expect(g2.codes).toEqual([]);
    expect([...taskNames(g2.job).keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect(taskNames(g2.job).get('c')).toEqual([2]);
    // The older versions still read only their own tasks.
    expect([...taskNames(g1.job).keys()]).toEqual(['a', 'b', 'c']);
    expect(taskNames(job).has('c')).toBe(false);
    expect(taskNames(job).get('d')).toBeUndefined();
    // A branch from the first version: it has no task c, and its own e is not seen by g2.
    expect(add(job, p.dependencies!, { tasks: [{ id: 'x', dependsOn: ['c'] }] }).codes).toEqual(['OUTPUT_NOT_PRODUCED']);
    const branch = add(job, p.dependencies!, { tasks: [{ id: 'e', dependsOn: ['a'] }] });
    expect(branch.codes).toEqual([]);
    expect([...taskNames(branch.job).keys()]).toEqual(['a', 'b', 'e']);
    expect(taskNames(g2.job).has('e')).toBe(false);
    expect(add(g2.job, g2.deps, { tasks: [{ id: 'y', dependsOn: ['e'] }] }).codes).toEqual(['OUTPUT_NOT_PRODUCED']);
    expect(add(branch.job, branch.deps, { tasks: [{ id: 'z', dependsOn: ['e', 'b'] }] }).codes).toEqual([]);
  });
});

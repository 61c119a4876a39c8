import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEMO_PROCESSOR_IDS } from '../../../src/workload/demo.js';
import { validateJob } from '../../../src/validate/validate.js';
import { AMS_MIX_JOB_PRIORITIES, amsMixJobs, type WorkloadJob } from '../../../src/workload/ams-mix.js';
import { generateWorkload, generateWorkloadStream } from '../../../src/workload/stream.js';

const take = (n: number, it: Iterator<WorkloadJob>): WorkloadJob[] => Array.from({ length: n }, () => it.next().value as WorkloadJob);
const CLASSES = AMS_MIX_JOB_PRIORITIES.map((p) => p.priority);
const PROCESSORS = new Set<string>(Object.values(DEMO_PROCESSOR_IDS));

describe('ams-mix jobs', () => {
  it('every ams-mix job passes validateJob with the ams profile, for any seed and rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.double({ min: 0.01, max: 1000, noNaN: true }), (seed, rate) => {
        const jobs = take(25, amsMixJobs(seed, rate));
        let previous = 0;
        jobs.forEach((job, j) => {
          const def = job.definition;
          const r = validateJob(def, { profile: 'ams' });
          expect(r.diagnostics).toEqual([]);
          expect(r.valid).toBe(true);
          const tasks = def.Tasks!;
          expect(tasks.length).toBeGreaterThanOrEqual(1);
          expect(tasks.length).toBeLessThanOrEqual(30);
          expect(CLASSES).toContain(def.Priority);
          for (const t of tasks) {
            expect(PROCESSORS.has(t.MediaProcessorId)).toBe(true);
            expect(t.Priority! - def.Priority!).toBeGreaterThanOrEqual(0);
            expect(t.Priority! - def.Priority!).toBeLessThanOrEqual(4);
          }
          // Task priorities favour the critical path: a task never outranks what it waits on.
          const deps = r.dependencies!;
          for (let e = 0; e < deps.from.length; e++) expect(tasks[deps.from[e]!]!.Priority!).toBeGreaterThanOrEqual(tasks[deps.to[e]!]!.Priority!);
          expect(Math.max(...tasks.map((t) => t.Priority!))).toBe(def.Priority! + 4);
          // Arrivals: the first at 0, then non-decreasing, in whole milliseconds.
          if (j === 0) expect(job.arrival).toBe(0);
          expect(job.arrival).toBeGreaterThanOrEqual(previous);
          expect(Math.round(job.arrival * 1000) / 1000).toBe(job.arrival);
          previous = job.arrival;
        });
      }),
      { numRuns: 60 },
    );
  });

  it('ams-mix jobs follow the recipe: ingest → renditions → package and/or thumbnails', () => {
    const jobs = take(400, amsMixJobs(7));
    for (const { definition } of jobs) {
      const tasks = definition.Tasks!;
      const r = validateJob(definition);
      const preds = tasks.map((_, i) => r.graph!.dependenciesOf(i));
      tasks.forEach((t, i) => {
        if (t.Name!.startsWith('Ingest')) {
          expect(t.Configuration).toBe('Copy');
          expect(preds[i]).toEqual([]);
        } else if (t.Name!.startsWith('Encode')) {
          expect(t.MediaProcessorId).toBe(DEMO_PROCESSOR_IDS.encoder);
          expect(t.Configuration).toMatch(/^H264 (Single Bitrate|Adaptive Bitrate MP4 Set|Multiple Bitrate) (4K|1080p|720p|SD 16x9)$/);
          for (const p of preds[i]!) expect(tasks[p]!.Name).toMatch(/^Ingest/);
        } else if (t.Name!.startsWith('Package')) {
          expect(t.MediaProcessorId).toBe(DEMO_PROCESSOR_IDS.packager);
          expect(preds[i]!.length).toBeGreaterThanOrEqual(1);
          for (const p of preds[i]!) expect(tasks[p]!.Name).toMatch(/^Encode/);
        } else {
          expect(t.Name).toMatch(/^Thumbnails/);
          expect(t.MediaProcessorId).toBe(DEMO_PROCESSOR_IDS.thumbnailer);
          expect(preds[i]!.map((p) => tasks[p]!.Name)).toEqual([expect.stringMatching(/^Ingest/)]);
        }
      });
    }
    const sizes = jobs.map((j) => j.definition.Tasks!.length);
    // The mix covers single-task jobs up to big batches, never beyond the quota.
    expect(Math.min(...sizes)).toBe(1);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(30);
    const names = new Set(jobs.map((j) => /^ams-mix \d+: (\S+)/.exec(j.definition.Name!)![1]));
    expect([...names].sort()).toEqual(['batch', 'encode', 'encode-package', 'ladder']);
  });

  it('ams-mix draws job priorities from the weighted classes and arrivals at the asked rate', () => {
    const jobs = take(3000, amsMixJobs(11, 12));
    const share = (p: number) => jobs.filter((j) => j.definition.Priority === p).length / jobs.length;
    expect(share(0)).toBeGreaterThan(0.55);
    expect(share(0)).toBeLessThan(0.65);
    expect(share(10)).toBeGreaterThan(0.25);
    expect(share(50)).toBeGreaterThan(0.07);
    expect(share(50)).toBeLessThan(0.13);
    const meanGap = jobs.at(-1)!.arrival / (jobs.length - 1);
    expect(meanGap).toBeGreaterThan(5 * 0.93);
    expect(meanGap).toBeLessThan(5 * 1.07);
  });

  it('the rate changes arrival times only, never the jobs', () => {
    const slow = take(50, amsMixJobs(3, 1));
    const fast = take(50, amsMixJobs(3, 60));
    expect(fast.map((j) => j.definition)).toEqual(slow.map((j) => j.definition));
    expect(fast.at(-1)!.arrival).toBeLessThan(slow.at(-1)!.arrival);
    slow.forEach((j, n) => expect(fast[n]!.arrival).toBeCloseTo(j.arrival / 60, 2));
  });

  it('the same seed gives the same jobs and another seed other jobs', () => {
    expect(JSON.stringify(take(30, amsMixJobs(42)))).toBe(JSON.stringify(take(30, amsMixJobs(42))));
    expect(JSON.stringify(take(30, amsMixJobs(43)))).not.toBe(JSON.stringify(take(30, amsMixJobs(42))));
  });
});

describe('generateWorkload("ams-mix")', () => {
  it('generateWorkload() stops once at least `tasks` tasks are made, on a prefix of the same stream', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 300 }), (seed, tasks) => {
        const w = generateWorkload('ams-mix', { seed, tasks });
        const counts = w.jobs.map((j) => j.definition.Tasks!.length);
        const total = counts.reduce((a, b) => a + b, 0);
        expect(total).toBeGreaterThanOrEqual(tasks);
        expect(total - counts.at(-1)!).toBeLessThan(tasks);
        const byJobs = generateWorkload('ams-mix', { seed, jobs: w.jobs.length });
        expect(byJobs.jobs).toEqual(w.jobs);
      }),
      { numRuns: 40 },
    );
  });

  it('generateWorkload() writes the container metadata', () => {
    const w = generateWorkload('ams-mix', { jobs: 3, seed: 5 });
    expect(Object.keys(w)).toEqual(['format', 'kind', 'seed', 'profile', 'target', 'rate', 'jobs']);
    expect(w).toMatchObject({ format: 'jobgraph.workload/1', kind: 'ams-mix', seed: 5, profile: 'ams', target: { jobs: 3 }, rate: 6 });
    expect(w.jobs).toHaveLength(3);
    expect(generateWorkload('ams-mix', { tasks: 10, seed: 5, rate: 0.5 })).toMatchObject({ target: { tasks: 10 }, rate: 0.5 });
  });

  it('generateWorkloadStream() is lazy: a huge target costs nothing until read', () => {
    const it = generateWorkloadStream('ams-mix', { tasks: 2_000_000_000, seed: 1 });
    expect(take(3, it).map((j) => j.definition.Name)).toEqual(take(3, amsMixJobs(1)).map((j) => j.definition.Name));
  });
});

describe('amsMixJobs(): misused arguments', () => {
  it.each([NaN, -1, 0, Infinity, '6'])('refuses the rate %s at the call, not at the first job', (rate) => {
    expect(() => amsMixJobs(1, rate as never)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringMatching(/^amsMixJobs: expected `rate` to be a finite number of jobs per minute >= 0\.000001, got /) }));
  });
  it.each([NaN, -1, 1.5, 2 ** 32, 'x', undefined])('refuses the seed %s', (seed) => {
    expect(() => amsMixJobs(seed as never)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringMatching(/^amsMixJobs: expected `seed` to be an integer in \[0, 4294967295\], got /) }));
  });
});

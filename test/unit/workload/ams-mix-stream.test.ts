import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEMO_PROCESSOR_IDS } from '../../../src/workload/demo.js';
import { validateJob } from '../../../src/validate/validate.js';
import { makeWorkload, media, type ShapeName } from '../../../src/workload/shapes.js';
import {
  generateWorkload,
  generateWorkloadStream,
  serializeJobs,
  serializeWorkload,
  workloadHeader,
  WORKLOAD_FORMAT,
  WORKLOAD_KINDS,
  type GenerateOptions,
  type WorkloadKind,
} from '../../../src/workload/stream.js';

const SINGLE_JOB_SHAPES: ShapeName[] = ['layered', 'fan', 'chain', 'chainrev'];

/** Distinct (from, to) pairs, sorted: what a job's dependencies should be for a shape. */
function pairSet(from: ArrayLike<number>, to: ArrayLike<number>): string[] {
  return [...new Set(Array.from(from, (f, e) => `${f}>${to[e]}`))].sort();
}

describe('generateWorkload() for the benchmark shapes', () => {
  for (const shape of SINGLE_JOB_SHAPES) {
    it(`generateWorkload("${shape}") is one job with exactly the docs/workloads.md graph and priorities`, () => {
      for (const n of [1, 2, 7, 30, 31, 250]) {
        const w = generateWorkload(shape, { tasks: n });
        expect(w.jobs).toHaveLength(1);
        expect(w.jobs[0]!.arrival).toBe(0);
        expect(w.profile).toBe(n > 30 ? 'relaxed' : 'ams');
        const def = w.jobs[0]!.definition;
        const r = validateJob(def, { profile: w.profile });
        expect(r.diagnostics).toEqual([]);
        if (n > 30) expect(validateJob(def, { profile: 'ams' }).diagnostics.map((d) => d.code)).toContain('JOB_TOO_MANY_TASKS');
        const shapeGraph = makeWorkload(shape, n);
        expect(pairSet(r.dependencies!.from, r.dependencies!.to)).toEqual(pairSet(shapeGraph.from, shapeGraph.to));
        expect(def.Tasks!.map((t) => t.Priority)).toEqual(Array.from(shapeGraph.priority));
        expect(def.Name).toBe(`${shape}(${n})`);
      }
    });
  }

  it('generateWorkload("media") makes one AMS job per 6-task media job with its drawn priority', () => {
    const n = 6 * 7 + 4;
    const w = generateWorkload('media', { tasks: n });
    const m = media(n);
    expect(w.profile).toBe('ams');
    expect(w.jobs).toHaveLength(m.jobCount);
    w.jobs.forEach(({ arrival, definition }, j) => {
      expect(arrival).toBe(0);
      expect(definition.Priority).toBe(m.jobPriority[j]);
      const r = validateJob(definition, { profile: 'ams' });
      expect(r.diagnostics).toEqual([]);
      const tasks = definition.Tasks!;
      expect(tasks.map((t) => t.Name)).toEqual(['Ingest', 'Encode 1080p', 'Encode 720p', 'Encode SD 16x9', 'Encode SD 4x3', 'Package']);
      expect(tasks.map((t) => t.Priority)).toEqual(Array(6).fill(m.jobPriority[j]));
      expect(tasks[5]!.MediaProcessorId).toBe(DEMO_PROCESSOR_IDS.packager);
      // As docs/workloads.md words it: ingest reads JobInputAsset(0), encode k reads JobOutputAsset(0)
      // and writes JobOutputAsset(k), the package reads JobOutputAsset(1..4) and writes 5.
      expect(tasks[0]!.TaskBody).toBe('<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>');
      expect(tasks[2]!.TaskBody).toBe('<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(2)</outputAsset></taskBody>');
      expect(tasks[5]!.TaskBody).toBe(
        '<taskBody><inputAsset>JobOutputAsset(1)</inputAsset><inputAsset>JobOutputAsset(2)</inputAsset><inputAsset>JobOutputAsset(3)</inputAsset><inputAsset>JobOutputAsset(4)</inputAsset><outputAsset>JobOutputAsset(5)</outputAsset></taskBody>',
      );
    });
    expect(generateWorkload('media', { jobs: 7 }).jobs).toEqual(w.jobs.map((j) => ({ ...j, definition: { ...j.definition, Name: j.definition.Name!.replace(`media(${n})`, 'media(42)') } })));
  });

  it('generateWorkload("media") spreads arrivals only when a rate is given, from the seed', () => {
    const a = generateWorkload('media', { jobs: 20, rate: 30, seed: 1 });
    const b = generateWorkload('media', { jobs: 20, rate: 30, seed: 2 });
    expect(a.rate).toBe(30);
    expect(a.jobs[0]!.arrival).toBe(0);
    for (let j = 1; j < 20; j++) expect(a.jobs[j]!.arrival).toBeGreaterThanOrEqual(a.jobs[j - 1]!.arrival);
    expect(a.jobs.at(-1)!.arrival).toBeGreaterThan(0);
    expect(a.jobs.map((j) => j.arrival)).not.toEqual(b.jobs.map((j) => j.arrival));
    expect(a.jobs.map((j) => j.definition)).toEqual(b.jobs.map((j) => j.definition));
    expect(generateWorkload('media', { jobs: 3 })).not.toHaveProperty('rate');
  });

  it('every shape and media job passes validateJob with the profile its container names', () => {
    fc.assert(
      fc.property(fc.constantFrom<ShapeName>('layered', 'fan', 'chain', 'chainrev', 'media'), fc.integer({ min: 1, max: 80 }), (kind, n) => {
        const tasks = kind === 'media' ? Math.max(6, n) : n;
        const w = generateWorkload(kind, { tasks });
        expect(w.profile).toBe(kind !== 'media' && tasks > 30 ? 'relaxed' : 'ams');
        for (const { definition } of w.jobs) expect(validateJob(definition, { profile: w.profile }).diagnostics).toEqual([]);
        expect(w.jobs.reduce((s, j) => s + j.definition.Tasks!.length, 0)).toBe(kind === 'media' ? tasks - (tasks % 6) : tasks);
      }),
      { numRuns: 60 },
    );
  });

  it('the seed does not change a shape: docs/workloads.md fixes its graph', () => {
    expect(generateWorkload('layered', { tasks: 40, seed: 1 }).jobs).toEqual(generateWorkload('layered', { tasks: 40, seed: 2 }).jobs);
    expect(workloadHeader('chain', { tasks: 10, rate: 5 })).not.toHaveProperty('rate');
  });
});

describe('generateWorkload() arguments', () => {
  const bad: Array<[string, WorkloadKind | string, GenerateOptions, string]> = [
    ['an unknown kind', 'spiral', { tasks: 5 }, 'ERR_INVALID_ARG_VALUE'],
    ['a non-integer task count', 'chain', { tasks: 1.5 }, 'ERR_OUT_OF_RANGE'],
    ['zero tasks', 'chain', { tasks: 0 }, 'ERR_OUT_OF_RANGE'],
    ['a negative seed', 'ams-mix', { jobs: 1, seed: -1 }, 'ERR_OUT_OF_RANGE'],
    ['a seed above 2^32 - 1', 'ams-mix', { jobs: 1, seed: 2 ** 32 }, 'ERR_OUT_OF_RANGE'],
    ['both tasks and jobs', 'ams-mix', { jobs: 1, tasks: 1 }, 'ERR_INVALID_ARG_VALUE'],
    ['neither tasks nor jobs', 'ams-mix', {}, 'ERR_INVALID_ARG_VALUE'],
    ['jobs for a one-job shape', 'layered', { jobs: 2 }, 'ERR_INVALID_ARG_VALUE'],
    ['a zero rate', 'ams-mix', { jobs: 1, rate: 0 }, 'ERR_OUT_OF_RANGE'],
    ['an infinite rate', 'ams-mix', { jobs: 1, rate: Infinity }, 'ERR_OUT_OF_RANGE'],
    // 60 / 5e-324 is Infinity: the arrivals after the first were NaN or Infinity, written null.
    ['a rate whose mean gap overflows', 'ams-mix', { jobs: 3, rate: 5e-324 }, 'ERR_OUT_OF_RANGE'],
    ['a rate below 1e-6 jobs a minute', 'media', { jobs: 3, rate: 1e-7 }, 'ERR_OUT_OF_RANGE'],
    ['media below one job', 'media', { tasks: 5 }, 'ERR_OUT_OF_RANGE'],
  ];
  for (const [what, kind, options, code] of bad) {
    it(`generateWorkloadStream() rejects ${what} when called, not when read`, () => {
      let thrown: unknown;
      try {
        generateWorkloadStream(kind as WorkloadKind, options);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(RangeError);
      expect((thrown as { code: string }).code).toBe(code);
      expect(() => generateWorkload(kind as WorkloadKind, options)).toThrow(RangeError);
    });
  }
});

describe('serializeWorkload()', () => {
  const cases: Array<[WorkloadKind, GenerateOptions]> = [
    ['ams-mix', { jobs: 40, seed: 9 }],
    ['ams-mix', { jobs: 1, seed: 0 }],
    ['media', { tasks: 30, rate: 3 }],
    ['chain', { tasks: 3 }],
    // Above 512 tasks a job is written task by task: the pieces must still join to the same text.
    ['chainrev', { tasks: 1300 }],
    ['fan', { tasks: 600 }],
  ];
  for (const [kind, options] of cases) {
    it(`serializeWorkload("${kind}", ${JSON.stringify(options)}) joins to JSON.stringify of generateWorkload(), pretty, compact and NDJSON`, () => {
      const w = generateWorkload(kind, options);
      expect([...serializeWorkload(kind, options)].join('')).toBe(JSON.stringify(w, null, 2) + '\n');
      expect([...serializeWorkload(kind, options, { indent: 0 })].join('')).toBe(JSON.stringify(w) + '\n');
      expect([...serializeWorkload(kind, options, { indent: 4 })].join('')).toBe(JSON.stringify(w, null, 4) + '\n');
      const lines = [...serializeWorkload(kind, options, { format: 'ndjson' })].join('').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toEqual(w.jobs.map((j) => JSON.stringify(j)));
    });
  }

  it('serializeWorkload() cuts a big job into small pieces', () => {
    const pieces = [...serializeWorkload('chain', { tasks: 5000 }, { format: 'ndjson' })];
    expect(pieces.length).toBeGreaterThan(5000);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(2000);
  });

  it('serializeJobs() writes an empty jobs array as JSON.stringify does', () => {
    const head = workloadHeader('ams-mix', { jobs: 1 });
    expect([...serializeJobs(head, [])].join('')).toBe(JSON.stringify({ ...head, jobs: [] }, null, 2) + '\n');
    expect([...serializeJobs(head, [], { indent: 0 })].join('')).toBe(JSON.stringify({ ...head, jobs: [] }) + '\n');
    expect(() => serializeJobs(head, [], { format: 'xml' as 'json' })).toThrow(RangeError);
  });

  it('the same options give the same bytes for every kind and seed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...WORKLOAD_KINDS), fc.integer({ min: 0, max: 0xffffffff }), (kind, seed) => {
        const options: GenerateOptions = { seed, tasks: 40, ...(kind === 'media' || kind === 'ams-mix' ? { rate: 2 } : {}) };
        const a = [...serializeWorkload(kind, options)].join('');
        expect([...serializeWorkload(kind, options)].join('')).toBe(a);
        expect(JSON.parse(a).format).toBe(WORKLOAD_FORMAT);
      }),
      { numRuns: 30 },
    );
  });
});

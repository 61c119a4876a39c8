import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readWorkloadFile, WorkloadFormatError, jobLabel } from '../../../src/workload/read.js';
import { generateWorkload, serializeWorkload } from '../../../src/workload/stream.js';

const text = (kind: Parameters<typeof serializeWorkload>[0], options: Parameters<typeof serializeWorkload>[1], format: 'json' | 'ndjson'): string =>
  [...serializeWorkload(kind, options, { format })].join('');

describe('readWorkloadFile', () => {
  it('reads the container: its profile, its jobs in order with their arrivals', () => {
    const w = readWorkloadFile(text('media', { jobs: 3, rate: 6 }, 'json'))!;
    const expected = generateWorkload('media', { jobs: 3, rate: 6 });
    expect(w.form).toBe('container');
    expect(w.profile).toBe('ams');
    expect(w.count()).toBe(3);
    expect([...w.jobs()].map((e) => [e.index, e.arrival, e.definition])).toEqual(expected.jobs.map((j, i) => [i, j.arrival, j.definition]));
    expect(w.job(2)!.definition).toEqual(expected.jobs[2]!.definition);
    expect(w.job(3)).toBeUndefined();
    expect(readWorkloadFile(text('chain', { tasks: 40 }, 'json'))!.profile).toBe('relaxed');
  });

  it('reads NDJSON a line at a time, with the line of each job, a line that is not JSON kept as text', () => {
    const lines = text('ams-mix', { jobs: 3 }, 'ndjson').split('\n');
    const w = readWorkloadFile([lines[0], '', lines[1], '{"arrival": 1, nope', lines[2], ''].join('\n'))!;
    expect(w.form).toBe('ndjson');
    expect(w.profile).toBeUndefined();
    expect(w.count()).toBe(4);
    const jobs = [...w.jobs()];
    expect(jobs.map((e) => [e.index, e.line, e.malformed === undefined])).toEqual([
      [0, 1, true],
      [1, 3, true],
      [2, 4, false],
      [3, 5, true],
    ]);
    expect(jobs[2]!.definition).toBe('{"arrival": 1, nope');
    expect(w.job(3)!.line).toBe(5);
    // A broken first line does not hide the NDJSON after it.
    const broken = readWorkloadFile(['{"arrival": 0, "definition": {', lines[0], ''].join('\n'))!;
    expect([broken.form, [...broken.jobs()].map((e) => e.malformed !== undefined)]).toEqual(['ndjson', [true, false]]);
  });

  it('leaves job definitions alone: examples, arrays, junk after a job, a one-line job', () => {
    for (const f of ['ladder', 'broken-json', 'broken-graph']) expect(readWorkloadFile(readFileSync(`examples/${f}.json`, 'utf8'))).toBeUndefined();
    const ladder = readFileSync('examples/ladder.json', 'utf8');
    expect(readWorkloadFile(`[${ladder}]`)).toBeUndefined();
    expect(readWorkloadFile(`${ladder} junk`)).toBeUndefined();
    expect(readWorkloadFile(JSON.stringify(JSON.parse(ladder)))).toBeUndefined();
    // Naming the format is not enough: it must be the object's `format`.
    expect(readWorkloadFile(JSON.stringify({ Name: 'jobgraph.workload/1', Tasks: [] }))).toBeUndefined();
  });

  it('says what is wrong with a container without jobs', () => {
    expect(() => readWorkloadFile('{"format": "jobgraph.workload/1"}')).toThrow(WorkloadFormatError);
  });

  it('labels a job by index and name', () => {
    expect(jobLabel(3, { Name: 'media 3' })).toBe('job #3 "media 3"');
    expect(jobLabel(0, 'text')).toBe('job #0');
  });
});

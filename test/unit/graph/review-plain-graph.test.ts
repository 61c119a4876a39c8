/**
 * Plain graphs (src/job/plain.ts): hints that say what to do in a plain graph's terms, and a cost
 * bounded by the size of the definition however many dependencies it names.
 */
import { describe, expect, it } from 'vitest';
import { validateJob } from '../../../src/validate/validate.js';

const relaxed = (def: unknown) => validateJob(def as never, { profile: 'relaxed' });

describe('plain graphs: hints', () => {
  // The catalogue's default hints speak of Create-Job bodies (MediaProcessorId, TaskBody, POST /API/Jobs).
  const AMS = /MediaProcessorId|TaskBody|InputMediaAssets|POST \/API\/Jobs/;

  it.each([
    ['a dependsOn entry that is no string', { tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a', 5] }] }, 'dependsOn'],
    ['a task name that is no string', { tasks: [{ id: 'a', name: 5 }] }, 'name'],
    ['a configuration that is no string', { tasks: [{ id: 'a', configuration: {} }] }, 'configuration'],
    ['a processor that is no string', { tasks: [{ id: 'a', processor: 7 }] }, 'processor'],
    ['a graph name that is no string', { name: 5, tasks: [{ id: 'a' }] }, 'name'],
    [
      'a dependsOn that cannot be read',
      {
        tasks: [
          {
            id: 'a',
            get dependsOn(): never {
              throw new Error('x');
            },
          },
        ],
      },
      'dependsOn',
    ],
  ])('%s gets a plain-graph hint, not a Create-Job one', (_, def, property) => {
    const d = relaxed(def).diagnostics.find((x) => x.property === property && (x.code === 'TASK_INVALID' || x.code === 'JOB_INVALID'));
    expect(d).toBeDefined();
    expect(d!.hint).toBeDefined();
    expect(d!.hint).not.toMatch(AMS);
  });
});

describe('plain graphs: cost bounded by size', () => {
  it('checks a dependsOn of 150,000 ids in linear time (it was quadratic)', () => {
    const n = 150_000;
    const tasks: Array<{ id: string; dependsOn?: string[] }> = [];
    for (let i = 0; i < n; i++) tasks.push({ id: `t${i}` });
    const timed = (dependsOn: string[]) => {
      const t0 = performance.now();
      const result = relaxed({ tasks: [...tasks, { id: 'sink', dependsOn }] });
      return { result, ms: performance.now() - t0 };
    };
    const base = timed(['t0']);
    const wide = timed([...tasks.map((t) => t.id), 't7']);
    expect(wide.result.diagnostics.map((d) => d.code)).toEqual(['INPUT_DUPLICATE']);
    expect(wide.result.job!.Tasks[n]!.inputs.length).toBe(n);
    // The same graph but for one dependsOn of n names: a linear check costs about as much again at most.
    expect(wide.ms).toBeLessThan(2 * base.ms + 1_000);
  }, 120_000);

  it('bounds did-you-mean work when many dependencies name no task (20,000 took 22 s)', () => {
    const tasks: Array<{ id: string; dependsOn: string[] }> = [];
    for (let i = 0; i < 20_000; i++) tasks.push({ id: `u${i}`, dependsOn: [`zz${i}`] });
    const t0 = performance.now();
    const result = relaxed({ tasks });
    const ms = performance.now() - t0;
    const unknown = result.diagnostics.filter((d) => d.code === 'OUTPUT_NOT_PRODUCED');
    expect(unknown.length).toBeGreaterThan(900);
    for (const d of unknown) expect(d.hint).toMatch(/^did you mean "u\d+"\?$|^dependsOn names the ids of other tasks of the graph$/);
    expect(ms).toBeLessThan(4_000);
  }, 120_000);

  it('bounds did-you-mean work for long ids (each comparison costs the product of the lengths)', () => {
    const long = 'x'.repeat(3_000);
    const tasks: Array<{ id: string; dependsOn?: string[] }> = [];
    for (let i = 0; i < 12; i++) tasks.push({ id: `${long}${i}` });
    for (let i = 0; i < 12; i++) tasks.push({ id: `d${i}`, dependsOn: [`${long}y${i}`] });
    const t0 = performance.now();
    relaxed({ tasks });
    expect(performance.now() - t0).toBeLessThan(4_000);
  }, 120_000);

  it('still suggests the closest id in a small graph, and in an addition-sized one', () => {
    const d = relaxed({ tasks: [{ id: 'thumbnails' }, { id: 'b', dependsOn: ['thumbnail'] }] }).diagnostics[0]!;
    expect(d).toMatchObject({ code: 'OUTPUT_NOT_PRODUCED', hint: 'did you mean "thumbnails"?' });
    const tasks: Array<{ id: string; dependsOn?: string[] }> = [];
    for (let i = 0; i < 500; i++) tasks.push({ id: `task-${i}` });
    for (let i = 0; i < 20; i++) tasks.push({ id: `x${i}`, dependsOn: [`tsak-${i}`] });
    const hints = relaxed({ tasks }).diagnostics.filter((x) => x.code === 'OUTPUT_NOT_PRODUCED').map((x) => x.hint);
    expect(hints).toEqual(Array.from({ length: 20 }, (_, i) => `did you mean "task-${i}"?`));
  });
});

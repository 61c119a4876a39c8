import { describe, expect, it } from 'vitest';
import { prepareWorkload, simulate, simulateGrid, type SimJob } from '../../../src/simulate/simulator.js';
import { fixedDurations } from '../../../src/simulate/durations.js';
import { validateJob } from '../../../src/validate/validate.js';
import { simulateCommand } from '../../../src/cli/simulate.js';
import { validateCommand } from '../../../src/cli/validate.js';
import { ValidationError } from '../../../src/errors.js';
import type { JobDefinition } from '../../../src/job/model.js';
import { dagJob } from '../../helpers/jobs.js';
import { fakeIO } from '../../helpers/cli.js';

/** A job whose two tasks read each other's output: CYCLE. */
const looped = (): JobDefinition => dagJob(2, [[0, 1], [1, 0]], { name: 'looped' });
const fine = (): JobDefinition => dagJob(3, [[0, 1]], { name: 'fine' });
/** A job whose task #1 has a TaskBody cut short: XML_MALFORMED. */
function brokenBody(): JobDefinition {
  const j = dagJob(2, [[0, 1]], { name: 'broken body' });
  const t = j.Tasks![1] as { TaskBody: string };
  t.TaskBody = t.TaskBody.replace('</taskBody>', '');
  return j;
}
/** An addition of one task reading `input`, outputting JobOutputAsset(`output`). */
function addition(input: string, output: number): { Tasks: unknown[] } {
  return { Tasks: [{ Name: `adds ${output}`, MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', TaskBody: `<taskBody><inputAsset>${input}</inputAsset><outputAsset>JobOutputAsset(${output})</outputAsset></taskBody>` }] };
}

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** The diagnostics validate gives a job, each message led by the job's label. */
function labelled(label: string, definition: unknown): unknown[] {
  return validateJob(definition, { profile: 'relaxed' }).diagnostics.map((d) => ({ ...d, message: `${label}: ${d.message}` }));
}

describe('prepareWorkload: every invalid job in one ValidationError', () => {
  const workload = (): SimJob[] => [{ definition: looped() }, { definition: fine(), arrival: 1 }, { definition: brokenBody(), arrival: 2 }];

  it('reports a cycle in job 0 and a broken TaskBody in job 2 together, each diagnostic naming its job', () => {
    const err = thrownBy(() => prepareWorkload(workload()));
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/^simulate: jobs\[0\], jobs\[2\]: 2 of 3 jobs are invalid/);
    expect(e.message).toContain('CYCLE');
    // The diagnostics as validateJob gives them, each message led by its job; nothing of job 1.
    expect(e.diagnostics).toEqual([...labelled('jobs[0]', looped()), ...labelled('jobs[2]', brokenBody())]);
    expect(e.diagnostics.map((d) => d.code)).toEqual(['CYCLE', 'XML_MALFORMED']);
  });

  it('is what simulate() and simulateGrid() throw too', () => {
    const expected = [...labelled('jobs[0]', looped()), ...labelled('jobs[2]', brokenBody())];
    for (const f of [() => simulate(workload(), { durations: fixedDurations(1) }), () => simulateGrid(workload(), { policies: ['priority', 'fifo'], reservedUnits: [1, 2] }, { durations: fixedDurations(1) })]) {
      const e = thrownBy(f) as ValidationError;
      expect(e).toBeInstanceOf(ValidationError);
      expect(e.diagnostics).toEqual(expected);
    }
  });

  it('checks the additions of the valid jobs as well, not those checked against a job they could not grow', () => {
    const jobs: SimJob[] = [
      { definition: looped(), additions: [{ at: 1, tasks: addition('JobOutputAsset(0)', 2) }] },
      // A bad addition (no task outputs JobOutputAsset(99)), then one reading what it would have made.
      { definition: fine(), additions: [{ at: 1, tasks: addition('JobOutputAsset(99)', 3) }, { at: 2, tasks: addition('JobOutputAsset(3)', 4) }] },
      { definition: fine(), additions: [{ at: 1, tasks: addition('JobOutputAsset(2)', 3) }] },
    ];
    const e = thrownBy(() => prepareWorkload(jobs)) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toMatch(/^simulate: jobs\[0\], jobs\[1\]\.additions\[0\]: /);
    const labels = e.diagnostics.map((d) => /^(jobs\[\d+\](?:\.additions\[\d+\])?): /.exec(d.message)?.[1]);
    expect(new Set(labels)).toEqual(new Set(['jobs[0]', 'jobs[1].additions[0]']));
    expect(e.diagnostics.map((d) => d.code)).toEqual(['CYCLE', 'OUTPUT_NOT_PRODUCED']);
  });

  it('refuses a misused argument (an arrival, additions not an array) before validating any job', () => {
    // A TypeError as for a lone job, not the ValidationError of an earlier job.
    expect(() => prepareWorkload([{ definition: looped() }, { definition: fine(), arrival: -1 }])).toThrow(TypeError);
    expect(() => prepareWorkload([{ definition: looped() }, { definition: fine(), additions: 'soon' } as unknown as SimJob])).toThrow(/jobs\[1\]\.additions to be an array/);
  });

  it('keeps the error of a lone invalid job as it was (its call names it, its diagnostics as validated)', () => {
    const e = thrownBy(() => prepareWorkload([{ definition: fine() }, { definition: brokenBody() }])) as ValidationError;
    expect(e.message).toMatch(/^simulate: jobs\[1\]: the job definition has 1 error; the first is XML_MALFORMED \(task #1 1:97\)/);
    expect(e.diagnostics).toEqual(validateJob(brokenBody(), { profile: 'relaxed' }).diagnostics);
  });
});

describe('jobgraph simulate: every invalid job, labelled as jobgraph validate labels it', () => {
  const definitions = (): JobDefinition[] => [looped(), fine(), brokenBody()];
  const container = (): string => JSON.stringify({ format: 'jobgraph.workload/1', profile: 'relaxed', jobs: definitions().map((definition, i) => ({ arrival: i, definition })) }, null, 2);
  const ndjson = (): string => definitions().map((definition, i) => JSON.stringify({ arrival: i, definition }) + '\n').join('');
  const array = (): string => JSON.stringify(definitions());

  async function run(command: typeof simulateCommand | typeof validateCommand, args: string[], text: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const io = fakeIO({ 'w.json': text });
    const code = await command(args, io);
    return { code, stdout: io.out.join(''), stderr: io.err.join('') };
  }

  /** The error blocks (head, excerpt, hint) of `jobgraph validate --profile relaxed` on the same file. */
  async function validateBlocks(text: string): Promise<string[]> {
    const v = await run(validateCommand, ['w.json', '--profile', 'relaxed'], text);
    return [...v.stdout.matchAll(/^w\.json: job #\d+[^\n]* error [A-Z_]+: [^\n]*(?:\n {4}[^\n]*)*/gm)].map((m) => m[0]);
  }

  it.each([
    ['a jobgraph.workload/1 container', container],
    ['NDJSON', ndjson],
    ['an array of job definitions', array],
  ])('prints the errors of job 0 and job 2 of %s, each labelled, then one summary line', async (_form, text) => {
    const r = await run(simulateCommand, ['w.json'], text());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('w.json: job #0 "looped": task #0 "Task 0" 1:11: error CYCLE: 2 tasks form a cycle');
    expect(r.stderr).toContain('w.json: job #2 "broken body": task #1 "Task 1" 1:97: error XML_MALFORMED: the document ends before </taskBody>');
    expect(r.stderr).not.toContain('job #1');
    // Every diagnostic says which job it belongs to.
    const heads = r.stderr.split('\n').filter((l) => / (error|warning) [A-Z_]+: /.test(l) && !l.startsWith('jobgraph simulate: '));
    expect(heads).toHaveLength(2);
    for (const h of heads) expect(h).toMatch(/^w\.json: job #\d+ "[^"]+": /);
    // As jobgraph validate prints them: the same place, label, excerpt and hint (validate reads an
    // array as one job definition: the container holds the same jobs).
    const blocks = await validateBlocks(text === array ? container() : text());
    expect(blocks).toHaveLength(2);
    for (const b of blocks) expect(r.stderr).toContain(b + '\n');
    // Then the one-line summary, last.
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('jobgraph simulate: w.json: 2 of 3 jobs are invalid (job #0, job #2), 2 errors in all; nothing was simulated');
    expect(r.stderr.match(/^jobgraph simulate: /gm)).toHaveLength(1);
  });

  it('labels a bad addition with its job, alongside an invalid job', async () => {
    const jobs = [
      { arrival: 0, definition: looped() },
      { arrival: 1, definition: fine(), additions: [{ at: 2, tasks: addition('JobOutputAsset(99)', 3) }] },
    ];
    const r = await run(simulateCommand, ['w.json'], JSON.stringify({ format: 'jobgraph.workload/1', jobs }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('w.json: job #0 "looped": task #0 "Task 0" 1:11: error CYCLE: ');
    expect(r.stderr).toContain('w.json: job #1 "fine" addition #0: task #0 "adds 3" 1:11: error OUTPUT_NOT_PRODUCED: ');
    expect(r.stderr.trimEnd().split('\n').pop()).toBe('jobgraph simulate: w.json: 1 of 2 jobs and 1 addition are invalid (job #0, job #1 addition #0), 2 errors in all; nothing was simulated');
  });
});

import { describe, expect, it } from 'vitest';
import { validateJob, type ValidationResult } from '../../../src/validate/validate.js';
import { validateAddition, type AdditionOptions, type AdditionResult } from '../../../src/validate/add.js';
import { randomIds, sequentialIds } from '../../../src/job/ids.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import * as lib from '../../../src/index.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const input = (n: number): object => ({ __metadata: { uri: `https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914${n}')` } });

/** A TaskBody reading `ins` (JobInputAsset(n) / JobOutputAsset(n) texts) and writing JobOutputAsset(o) for each of `outs`. */
function body(ins: readonly string[], outs: readonly number[]): string {
  return `<taskBody>${ins.map((i) => `<inputAsset>${i}</inputAsset>`).join('')}${outs.map((o) => `<outputAsset>JobOutputAsset(${o})</outputAsset>`).join('')}</taskBody>`;
}

/** The column of the n-th (0-based) `<tag>` in a one-line TaskBody. */
function col(b: string, tag: 'inputAsset' | 'outputAsset', n = 0): number {
  let at = -1;
  for (let k = 0; k <= n; k++) at = b.indexOf(`<${tag}>`, at + 1);
  return at + 1;
}

function task(name: string, ins: readonly string[], outs: readonly number[], extra: object = {}): Record<string, unknown> {
  return { Name: name, MediaProcessorId: MES, TaskBody: body(ins, outs), ...extra };
}

/**
 * The job added to: two inputs; enc reads input 0 → output 0, thumb input 1 → output 1, pack
 * output 0 → output 2. Its outputs are 0..2, so new outputs start at 3.
 */
function amsJob(): ValidationResult {
  const r = validateJob(
    { Name: 'J', InputMediaAssets: [input(0), input(1)], Tasks: [task('enc', ['JobInputAsset(0)'], [0]), task('thumb', ['JobInputAsset(1)'], [1]), task('pack', ['JobOutputAsset(0)'], [2])] },
    { ids: sequentialIds() },
  );
  expect(r.diagnostics).toEqual([]);
  return r;
}

/** A plain graph: split → enc (outputs 0, 1). */
function plainJob(): ValidationResult {
  const r = validateJob({ name: 'P', tasks: [{ id: 'split' }, { id: 'enc', dependsOn: ['split'] }] }, { profile: 'relaxed', ids: sequentialIds() });
  expect(r.diagnostics).toEqual([]);
  return r;
}

function add(base: ValidationResult, additions: unknown, options: AdditionOptions = {}): AdditionResult {
  return validateAddition(base.job!, base.dependencies!, additions, { ids: sequentialIds(100), ...options });
}

/** code, task, line:column, message. */
function brief(ds: readonly Diagnostic[]): Array<[string, number | undefined, string | undefined, string]> {
  return ds.map((d) => [d.code, d.task, d.line === undefined ? d.property : `${d.line}:${d.column}`, d.message]);
}

function edges(x: { from: Int32Array; to: Int32Array; asset: Int32Array; inputEntry?: Int32Array } | undefined): number[][] {
  return [...x!.from].map((f, e) => [f, x!.to[e]!, x!.asset[e]!, x!.inputEntry![e]!]);
}

describe('validateAddition: a Tasks addition', () => {
  it('accepts tasks that read the job\'s outputs and inputs and continue its output numbering', () => {
    const base = amsJob();
    const r = add(base, { Tasks: [task('a', ['JobOutputAsset(2)', 'JobInputAsset(0)'], [3]), task('b', ['JobOutputAsset(3)', 'JobOutputAsset(0)'], [4])] });
    expect(r.diagnostics).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.tasks!.map((t) => [t.index, t.Id, t.Name])).toEqual([
      [3, 'nb:tid:UUID:00000000-0000-4000-8000-000000000064', 'a'],
      [4, 'nb:tid:UUID:00000000-0000-4000-8000-000000000065', 'b'],
    ]);
    // Default output names are the job's (its Name).
    expect(r.tasks!.map((t) => t.outputs.map((o) => o.assetName))).toEqual([['JobOutputAsset(3)_J'], ['JobOutputAsset(4)_J']]);
    expect(r.dependencies!.taskCount).toBe(2);
    expect(edges(r.dependencies)).toEqual([[0, 1, 3, 0]]);
    expect(r.dependencies!.producerOf.get(3)).toBe(0);
    expect(r.dependencies!.unproduced).toEqual([]);
    expect(edges(r.external)).toEqual([
      [2, 0, 2, 0],
      [0, 1, 0, 1],
    ]);
    expect(r.extensions).toBeUndefined();
    expect(r.freshIds).toBe(false);
    // The job is not touched.
    expect(base.job!.Tasks.length).toBe(3);
  });

  it('says whether every id came from the built-in random factory', () => {
    const base = amsJob();
    const one = { Tasks: [task('a', ['JobOutputAsset(2)'], [3])] };
    expect(validateAddition(base.job!, base.dependencies!, one).freshIds).toBe(true);
    expect(validateAddition(base.job!, base.dependencies!, one, { ids: randomIds }).freshIds).toBe(true);
    expect(add(base, one).freshIds).toBe(false);
    const given = validateAddition(base.job!, base.dependencies!, { Tasks: [task('a', ['JobOutputAsset(2)'], [3], { Id: 'nb:tid:UUID:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' })] });
    expect(given.valid).toBe(true);
    expect(given.tasks![0]!.Id).toBe('nb:tid:UUID:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9');
    expect(given.freshIds).toBe(false);
  });

  it('JSON_DUPLICATE_KEY for a key given twice in an addition given as text, with its task', () => {
    const text = JSON.stringify({ Tasks: [task('a', ['JobOutputAsset(2)'], [3])] }).replace('"Name":"a"', '"Name":"a","Name":"b"');
    const r = add(amsJob(), text);
    expect(r.valid).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.task, d.property, d.fileLine, d.fileColumn])).toEqual([['JSON_DUPLICATE_KEY', 0, 'Name', 1, text.indexOf('"Name":"b"') + 1]]);
    expect(add(amsJob(), JSON.parse(text) as object).valid).toBe(true);
  });

  it('OUTPUT_NOT_PRODUCED for an output neither the job nor the addition has, at the input', () => {
    const b = body(['JobOutputAsset(2)', 'JobOutputAsset(7)'], [3]);
    const r = add(amsJob(), { Tasks: [{ Name: 'a', MediaProcessorId: MES, TaskBody: b }] });
    expect(r.valid).toBe(false);
    expect(brief(r.diagnostics)).toEqual([['OUTPUT_NOT_PRODUCED', 0, `1:${col(b, 'inputAsset', 1)}`, 'task #0 "a" reads JobOutputAsset(7), which no task of the job or of the addition outputs']]);
    expect(r.dependencies!.unproduced).toEqual([{ asset: 7, task: 0, inputEntry: 1 }]);
    expect(edges(r.external)).toEqual([[2, 0, 2, 0]]);
  });

  it('OUTPUT_DUPLICATE for an output the job has, at the new output, naming its producer; the job\'s producer is the one read', () => {
    const b0 = body(['JobOutputAsset(0)'], [3, 1]);
    const b1 = body(['JobOutputAsset(1)'], [4]);
    const r = add(amsJob(), { Tasks: [{ MediaProcessorId: MES, TaskBody: b0 }, { Name: 'b', MediaProcessorId: MES, TaskBody: b1 }] });
    expect(brief(r.diagnostics)).toEqual([['OUTPUT_DUPLICATE', 0, `1:${col(b0, 'outputAsset', 1)}`, 'JobOutputAsset(1) is output by task #1 "thumb" of the job and again by task #0 of the addition']]);
    expect(r.diagnostics[0]!.hint).toBe("the job's outputs are JobOutputAsset(0) to JobOutputAsset(2): number the new outputs from JobOutputAsset(3)");
    // Task b reads the job's JobOutputAsset(1), as in the grown job (its producer comes first).
    expect(edges(r.dependencies)).toEqual([]);
    expect(edges(r.external)).toEqual([
      [0, 0, 0, 0],
      [1, 1, 1, 0],
    ]);
  });

  it('OUTPUT_DUPLICATE within the addition, as validateJob says it', () => {
    const b1 = body(['JobOutputAsset(0)'], [3]);
    const r = add(amsJob(), { Tasks: [task('a', ['JobOutputAsset(0)'], [3]), { Name: 'b', MediaProcessorId: MES, TaskBody: b1 }] });
    expect(brief(r.diagnostics)).toEqual([['OUTPUT_DUPLICATE', 1, `1:${col(b1, 'outputAsset')}`, 'JobOutputAsset(3) is output by task #0 "a" and again by task #1 "b"']]);
  });

  it('OUTPUT_INDEX_GAP counts from one past the job\'s outputs (a warning)', () => {
    const b = body(['JobOutputAsset(2)'], [5]);
    const r = add(amsJob(), { Tasks: [{ Name: 'a', MediaProcessorId: MES, TaskBody: b }] });
    expect(r.valid).toBe(true);
    expect(brief(r.diagnostics)).toEqual([['OUTPUT_INDEX_GAP', 0, `1:${col(b, 'outputAsset')}`, 'no task of the job or of the addition outputs JobOutputAsset(3) to JobOutputAsset(4); the next output is JobOutputAsset(5)']]);
    expect(r.diagnostics[0]!.severity).toBe('warning');
    expect(r.diagnostics[0]!.hint).toBe("the job's outputs end at JobOutputAsset(2): number the new outputs on from JobOutputAsset(3), without gaps");
    // 3 and then 5: one gap, of one.
    const two = add(amsJob(), { Tasks: [task('a', ['JobOutputAsset(2)'], [3]), task('b', ['JobOutputAsset(3)'], [5])] });
    expect(brief(two.diagnostics).map((d) => [d[0], d[1], d[3]])).toEqual([['OUTPUT_INDEX_GAP', 1, 'no task of the job or of the addition outputs JobOutputAsset(4); the next output is JobOutputAsset(5)']]);
  });

  it('INPUT_INDEX_OUT_OF_RANGE against the job\'s inputs (an addition brings none)', () => {
    const b = body(['JobInputAsset(2)'], [3]);
    const r = add(amsJob(), { Tasks: [{ Name: 'a', MediaProcessorId: MES, TaskBody: b }] });
    expect(brief(r.diagnostics)).toEqual([['INPUT_INDEX_OUT_OF_RANGE', 0, `1:${col(b, 'inputAsset')}`, 'task #0 "a" reads JobInputAsset(2) but the job has 2 input assets']]);
    expect(r.diagnostics[0]!.hint).toBe('job inputs are numbered from 0 in the order of InputMediaAssets: use JobInputAsset(0) to JobInputAsset(1) (an addition cannot add input assets)');
  });

  it('a job without inputs (a plain graph) has no JobInputAsset to read', () => {
    const b = body(['JobInputAsset(0)'], [2]);
    const r = add(plainJob(), { Tasks: [{ Name: 'a', MediaProcessorId: MES, TaskBody: b }] }, { profile: 'relaxed' });
    expect(brief(r.diagnostics)).toEqual([['INPUT_INDEX_OUT_OF_RANGE', 0, `1:${col(b, 'inputAsset')}`, 'task #0 "a" reads JobInputAsset(0) but the job has 0 input assets']]);
    expect(r.diagnostics[0]!.hint).toBe('the job has no input assets (an addition cannot add any): read the output of a task, JobOutputAsset(n), instead');
    // Reading the plain job's outputs is fine.
    const ok = add(plainJob(), { Tasks: [task('a', ['JobOutputAsset(1)'], [2])] }, { profile: 'relaxed' });
    expect(ok.diagnostics).toEqual([]);
    expect(edges(ok.external)).toEqual([[1, 0, 1, 0]]);
    expect(ok.tasks![0]!.outputs[0]!.assetName).toBe('JobOutputAsset(2)_P');
  });

  it('CYCLE among new tasks, with local indices and places', () => {
    const b0 = body(['JobOutputAsset(2)', 'JobOutputAsset(4)'], [3]);
    const b1 = body(['JobOutputAsset(3)'], [4]);
    const r = add(amsJob(), { Tasks: [{ Name: 'a', MediaProcessorId: MES, TaskBody: b0 }, { Name: 'b', MediaProcessorId: MES, TaskBody: b1 }, task('c', ['JobOutputAsset(4)'], [5])] });
    const c0 = col(b0, 'inputAsset', 1);
    const c1 = col(b1, 'inputAsset');
    expect(brief(r.diagnostics)).toEqual([['CYCLE', 0, `1:${c0}`, `2 tasks form a cycle: #0 "a" → #1 "b" via JobOutputAsset(3) (1:${c1}), #1 "b" → #0 "a" via JobOutputAsset(4) (1:${c0})`]]);
    expect(r.diagnostics[0]!.cycle).toEqual([0, 1]);
    expect(r.diagnostics[0]!.edges).toEqual([
      { from: 0, to: 1, asset: 'JobOutputAsset(3)', line: 1, column: c1 },
      { from: 1, to: 0, asset: 'JobOutputAsset(4)', line: 1, column: c0 },
    ]);
    // A task reading its own output.
    const self = body(['JobOutputAsset(3)'], [3]);
    expect(brief(add(amsJob(), { Tasks: [{ MediaProcessorId: MES, TaskBody: self }] }).diagnostics)).toEqual([['CYCLE', 0, `1:${col(self, 'inputAsset')}`, 'task #0 reads its own output JobOutputAsset(3)']]);
  });

  it('extension properties: collected for the new tasks under relaxed, EXTENSION_NOT_AMS under ams', () => {
    const addition = { Tasks: [task('a', ['JobOutputAsset(2)'], [3], { Weight: 2, Pool: 'gpu' }), task('b', ['JobOutputAsset(3)'], [4]), task('c', ['JobOutputAsset(3)'], [5], { DependencyAction: 'skip' })] };
    const relaxed = add(amsJob(), addition, { profile: 'relaxed' });
    expect(relaxed.diagnostics).toEqual([]);
    expect(relaxed.extensions).toEqual({ weight: [2, 1, 1], pool: ['gpu', null, null], action: [0, 0, 2] });
    const ams = add(amsJob(), addition);
    expect(brief(ams.diagnostics)).toEqual([
      ['EXTENSION_NOT_AMS', 0, 'Weight', "task #0's Weight is a jobgraph extension the service does not have"],
      ['EXTENSION_NOT_AMS', 0, 'Pool', "task #0's Pool is a jobgraph extension the service does not have"],
      ['EXTENSION_NOT_AMS', 2, 'DependencyAction', "task #2's DependencyAction is a jobgraph extension the service does not have"],
    ]);
    // A job-level extension has no place in an addition.
    const job = add(amsJob(), { ...addition, MaxRunningTasks: 2 }, { profile: 'relaxed' });
    expect(brief(job.diagnostics)).toEqual([['JOB_INVALID', undefined, 'MaxRunningTasks', "an addition holds only Tasks (or tasks): the job's MaxRunningTasks cannot be set by one"]]);
    expect(job.extensions!.maxRunning).toBeUndefined();
  });

  it('the task loader\'s own diagnostics are local to the addition', () => {
    const r = add(amsJob(), { Tasks: [task('a', ['JobOutputAsset(2)'], [3]), null, { Name: 'c', TaskBody: body(['JobOutputAsset(3)'], [4]), Colour: 'red' }] });
    expect(brief(r.diagnostics)).toEqual([
      ['TASK_INVALID', 1, undefined, 'Tasks[1] is null, not an object'],
      ['UNKNOWN_PROPERTY', 2, 'Colour', 'the Task has no property "Colour"; it is ignored'],
      ['MEDIA_PROCESSOR_MISSING', 2, 'MediaProcessorId', 'task #2 has no MediaProcessorId'],
    ]);
    expect(r.tasks!.map((t) => t.index)).toEqual([3, 4, 5]);
  });
});

describe('validateAddition: ended producers', () => {
  const b = body(['JobOutputAsset(2)', 'JobOutputAsset(1)', 'JobOutputAsset(0)'], [3]);
  const addition = { Tasks: [{ Name: 'a', MediaProcessorId: MES, TaskBody: b }, task('b', ['JobOutputAsset(3)'], [4])] };

  it('INPUT_ENDED for each input whose producer failed or was canceled; a finished one is fine', () => {
    const asked: number[] = [];
    const states: Record<number, 'failed' | 'canceled' | undefined> = { 0: undefined, 1: 'canceled', 2: 'failed' };
    const r = add(amsJob(), addition, {
      ended: (i) => {
        asked.push(i);
        return states[i];
      },
    });
    expect(r.valid).toBe(false);
    expect(brief(r.diagnostics)).toEqual([
      ['INPUT_ENDED', 0, `1:${col(b, 'inputAsset', 0)}`, 'task #0 "a" reads JobOutputAsset(2), an output of task #2 "pack" of the job, which failed: the asset will not be made and the task could never run'],
      ['INPUT_ENDED', 0, `1:${col(b, 'inputAsset', 1)}`, 'task #0 "a" reads JobOutputAsset(1), an output of task #1 "thumb" of the job, which was canceled: the asset will not be made and the task could never run'],
    ]);
    expect(r.diagnostics[0]!.hint).toBe('rerun the producer first (Scheduler.rerun), then add the task; or read another output');
    expect(r.diagnostics[0]!.severity).toBe('error');
    // Asked only for the producers read, once each: never for a new task.
    expect(asked).toEqual([2, 1, 0]);
  });

  it('no INPUT_ENDED when nothing ended', () => {
    expect(add(amsJob(), addition, { ended: () => undefined }).diagnostics).toEqual([]);
  });

  it('ended must be a function', () => {
    expect(() => add(amsJob(), addition, { ended: 3 as never })).toThrow(/Expected `ended` to be a function/);
  });
});

describe('validateAddition: quotas (profile ams counts the grown job)', () => {
  it('JOB_TOO_MANY_TASKS past 30 tasks in all', () => {
    const tasks = Array.from({ length: 28 }, (_, i) => task(`t${i}`, ['JobInputAsset(0)'], [i]));
    const base = validateJob({ Name: 'J', InputMediaAssets: [input(0)], Tasks: tasks }, { ids: sequentialIds() });
    expect(base.valid).toBe(true);
    const two = { Tasks: [task('a', ['JobOutputAsset(0)'], [28]), task('b', ['JobOutputAsset(0)'], [29])] };
    expect(add(base, two).diagnostics).toEqual([]);
    const three = { Tasks: [...two.Tasks, task('c', ['JobOutputAsset(0)'], [30])] };
    const r = add(base, three);
    expect(brief(r.diagnostics)).toEqual([['JOB_TOO_MANY_TASKS', undefined, undefined, 'the job would have 31 tasks (28, and 3 added); the quota is 30']]);
    expect(r.diagnostics[0]!.hint).toBe('at most 2 more tasks can be added to this job; put the rest in a job of their own, or use --profile relaxed if it will not run on AMS');
    expect(add(base, three, { profile: 'relaxed' }).diagnostics).toEqual([]);
  });

  it('JOB_TOO_MANY_ASSETS on inputs and all outputs; TASK_TOO_MANY_ASSETS per new task', () => {
    const outs = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
    const r = add(amsJob(), { Tasks: [task('a', ['JobOutputAsset(2)'], outs(3, 49)), task('b', ['JobOutputAsset(2)'], outs(52, 49))] });
    expect(brief(r.diagnostics)).toEqual([['JOB_TOO_MANY_ASSETS', undefined, undefined, 'the job would have 103 assets (2 inputs, 101 outputs of which 98 added); the quota is 100']]);
    const big = add(amsJob(), { Tasks: [task('a', ['JobOutputAsset(2)'], outs(3, 50))] });
    expect(brief(big.diagnostics)).toEqual([['TASK_TOO_MANY_ASSETS', 0, undefined, 'task #0 "a" has 51 assets (inputs and outputs); the quota is 50']]);
    expect(add(amsJob(), { Tasks: [task('a', ['JobOutputAsset(2)'], outs(3, 50))] }, { profile: 'relaxed' }).diagnostics).toEqual([]);
  });
});

describe('validateAddition: a plain addition', () => {
  it('new task k outputs JobOutputAsset(m + k); dependsOn names new ids or the job\'s task names', () => {
    const base = plainJob();
    const r = add(base, { tasks: [{ id: 'pack', dependsOn: ['enc'] }, { id: 'pub', dependsOn: ['pack', 'split'], weight: 3, name: 'publish' }] }, { profile: 'relaxed' });
    expect(r.diagnostics).toEqual([]);
    expect(r.tasks!.map((t) => [t.index, t.Id, t.Name, t.TaskBody])).toEqual([
      [2, 'nb:tid:UUID:00000000-0000-4000-8000-000000000064', 'pack', '<taskBody><inputAsset>JobOutputAsset(1)</inputAsset><outputAsset>JobOutputAsset(2)</outputAsset></taskBody>'],
      [3, 'nb:tid:UUID:00000000-0000-4000-8000-000000000065', 'pub', '<taskBody><inputAsset>JobOutputAsset(2)</inputAsset><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(3)</outputAsset></taskBody>'],
    ]);
    expect(r.tasks!.map((t) => t.outputs[0]!.assetName)).toEqual(['JobOutputAsset(2)_P', 'JobOutputAsset(3)_P']);
    expect(edges(r.dependencies)).toEqual([[0, 1, 2, 0]]);
    expect(edges(r.external)).toEqual([
      [1, 0, 1, 0],
      [0, 1, 0, 1],
    ]);
    expect(r.extensions).toEqual({ weight: [1, 3], label: [null, 'publish'] });
    expect(r.freshIds).toBe(false);
  });

  it('depending on a task of an AMS job reads every output it has (all tasks of that Name)', () => {
    const base = validateJob(
      { Name: 'J', InputMediaAssets: [input(0)], Tasks: [task('enc', ['JobInputAsset(0)'], [0, 1]), task('pack', ['JobOutputAsset(1)'], [2])] },
      { ids: sequentialIds() },
    );
    const r = add(base, { tasks: [{ id: 'pub', dependsOn: ['enc'] }] }, { profile: 'relaxed' });
    expect(r.diagnostics).toEqual([]);
    expect(r.tasks![0]!.TaskBody).toBe('<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><inputAsset>JobOutputAsset(1)</inputAsset><outputAsset>JobOutputAsset(3)</outputAsset></taskBody>');
    expect(edges(r.external)).toEqual([
      [0, 0, 0, 0],
      [0, 0, 1, 1],
    ]);
  });

  it('profile ams refuses a plain addition once', () => {
    const r = add(plainJob(), { tasks: [{ id: 'pack', dependsOn: ['enc'] }] });
    expect(brief(r.diagnostics)).toEqual([['EXTENSION_NOT_AMS', undefined, 'tasks', 'the addition holds plain tasks (tasks with dependsOn), which the service does not accept']]);
  });

  it('TASK_INVALID for an id a task of the job has; OUTPUT_NOT_PRODUCED with did-you-mean over both; INPUT_DUPLICATE', () => {
    const r = add(plainJob(), { tasks: [{ id: 'enc' }, { id: 'pack', dependsOn: ['spilt', 'pack2', 'enc', 'enc'] }, { id: 'pack2', dependsOn: ['zzz'] }] }, { profile: 'relaxed' });
    expect(brief(r.diagnostics)).toEqual([
      ['TASK_INVALID', 0, 'id', 'task #0\'s id "enc" is already the id of a task of the job'],
      ['OUTPUT_NOT_PRODUCED', 1, 'dependsOn', 'task #1 "pack" depends on "spilt", which is no task of the job or of the addition'],
      ['INPUT_DUPLICATE', 1, 'dependsOn', 'task #1\'s dependsOn names "enc" twice'],
      ['OUTPUT_NOT_PRODUCED', 2, 'dependsOn', 'task #2 "pack2" depends on "zzz", which is no task of the job or of the addition'],
    ]);
    expect(r.diagnostics.map((d) => d.hint)).toEqual([
      'give the new task an id no task of the job has',
      'did you mean "split"?',
      'list each task once',
      'dependsOn names the ids of the other new tasks, or the Name of a task of the job',
    ]);
    // "enc" is the job's task (the new one with that id was refused): pack reads output 1.
    expect(r.tasks![1]!.inputs).toEqual([
      { kind: 'JobOutputAsset', index: 4 },
      { kind: 'JobOutputAsset', index: 1 },
    ]);
    const near = add(plainJob(), { tasks: [{ id: 'pack' }, { id: 'pub', dependsOn: ['pakc'] }] }, { profile: 'relaxed' });
    expect(near.diagnostics.map((d) => d.hint)).toEqual(['did you mean "pack"?']);
  });

  it('CYCLE among new tasks, said in dependsOn terms', () => {
    const r = add(plainJob(), { tasks: [{ id: 'a', dependsOn: ['b', 'enc'] }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['c'] }] }, { profile: 'relaxed' });
    expect(brief(r.diagnostics)).toEqual([
      ['CYCLE', 0, 'dependsOn', '2 tasks form a cycle: #0 "a" depends on #1 "b", #1 "b" depends on #0 "a"'],
      ['CYCLE', 2, 'dependsOn', 'task #2 "c" depends on itself'],
    ]);
    expect(r.diagnostics[0]!.cycle).toEqual([0, 1]);
  });

  it('INPUT_ENDED once per producer a plain task depends on, at its dependsOn', () => {
    const base = validateJob(
      { Name: 'J', InputMediaAssets: [input(0)], Tasks: [task('enc', ['JobInputAsset(0)'], [0, 1]), task('pack', ['JobOutputAsset(1)'], [2])] },
      { ids: sequentialIds() },
    );
    const r = add(base, { tasks: [{ id: 'pub', dependsOn: ['pack', 'enc'] }, { id: 'x', dependsOn: ['pub'] }] }, { profile: 'relaxed', ended: (i) => (i === 0 ? 'failed' : undefined) });
    expect(brief(r.diagnostics)).toEqual([['INPUT_ENDED', 0, 'dependsOn', 'task #0 "pub" depends on task #0 "enc" of the job, which failed: its outputs will not be made and the task could never run']]);
  });

  it('JOB_NO_TASKS for an empty list; name, priority and maxRunning are the job\'s', () => {
    const r = add(plainJob(), { tasks: [], name: 'x', priority: 2, maxRunning: 3 }, { profile: 'relaxed' });
    expect(brief(r.diagnostics)).toEqual([
      ['JOB_INVALID', undefined, 'name', "an addition holds only Tasks (or tasks): the job's name cannot be set by one"],
      ['JOB_INVALID', undefined, 'priority', "an addition holds only Tasks (or tasks): the job's priority cannot be set by one"],
      ['JOB_INVALID', undefined, 'maxRunning', "an addition holds only Tasks (or tasks): the job's maxRunning cannot be set by one"],
      ['JOB_NO_TASKS', undefined, 'tasks', 'the addition has an empty tasks array'],
    ]);
    expect(r.tasks).toEqual([]);
  });
});

describe('validateAddition: the shape of an addition', () => {
  const base = amsJob();
  const one = [task('a', ['JobOutputAsset(2)'], [3])];

  it.each([
    [null, 'the addition is null, not an object'],
    [[], 'the addition is an array, not an object'],
    [7, 'the addition is a number, not an object'],
    ['"text"', 'the addition is a string, not an object'],
    [{}, 'the addition has no Tasks (or tasks): an addition holds only the tasks to add'],
    [{ Tasks: one, tasks: [] }, 'the addition has both Tasks and tasks; it holds only one of them'],
    [{ Tasks: 'a' }, "the addition's Tasks is a string, not an array"],
    [{ tasks: {} }, "the addition's tasks is an object, not an array"],
  ])('%j: JOB_INVALID', (additions, message) => {
    const r = validateAddition(base.job!, base.dependencies!, additions);
    expect(r.valid).toBe(false);
    expect(brief(r.diagnostics).filter((d) => d[0] === 'JOB_INVALID').map((d) => d[3])).toEqual([message]);
    expect(r.tasks).toBeUndefined();
    expect(r.dependencies).toBeUndefined();
    expect(r.external).toBeUndefined();
    expect(r.freshIds).toBe(false);
  });

  it('job properties are JOB_INVALID, others UNKNOWN_PROPERTY (with did-you-mean)', () => {
    const r = validateAddition(base.job!, base.dependencies!, { Name: 'x', Priority: 1, TemplateId: 't', InputMediaAssets: [], Tasks: one, Taks: 1, Colour: 2 });
    expect(brief(r.diagnostics)).toEqual([
      ['JOB_INVALID', undefined, 'Name', "an addition holds only Tasks (or tasks): the job's Name cannot be set by one"],
      ['JOB_INVALID', undefined, 'Priority', "an addition holds only Tasks (or tasks): the job's Priority cannot be set by one"],
      ['JOB_INVALID', undefined, 'TemplateId', "an addition holds only Tasks (or tasks): the job's TemplateId cannot be set by one"],
      ['JOB_INVALID', undefined, 'InputMediaAssets', "an addition holds only Tasks (or tasks): the job's InputMediaAssets cannot be set by one"],
      ['UNKNOWN_PROPERTY', undefined, 'Taks', 'the addition has no property "Taks"; it is ignored'],
      ['UNKNOWN_PROPERTY', undefined, 'Colour', 'the addition has no property "Colour"; it is ignored'],
    ]);
    expect(r.diagnostics[4]!.hint).toBe('did you mean "Tasks"? An addition holds only Tasks (or tasks)');
    expect(r.diagnostics[5]!.hint).toBe('an addition holds only Tasks (or tasks)');
    // The tasks are still checked and loaded.
    expect(r.tasks!.length).toBe(1);
  });

  it('JOB_NO_TASKS for an empty Tasks', () => {
    const r = validateAddition(base.job!, base.dependencies!, { Tasks: [] });
    expect(brief(r.diagnostics)).toEqual([['JOB_NO_TASKS', undefined, 'Tasks', 'the addition has an empty Tasks array']]);
  });

  it('never throws for objects that cannot be read', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const throwing = {
      get Tasks(): never {
        throw new Error('boom');
      },
    };
    const keys = new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } });
    const badTask = [{ get TaskBody(): never { throw new Error('nope'); }, MediaProcessorId: MES }];
    expect(brief(validateAddition(base.job!, base.dependencies!, proxy).diagnostics)).toEqual([['JOB_INVALID', undefined, undefined, 'the addition is a revoked Proxy, not an object']]);
    expect(brief(validateAddition(base.job!, base.dependencies!, throwing).diagnostics)).toEqual([['JOB_INVALID', undefined, 'Tasks', "the addition's Tasks could not be read: reading it threw Error: boom"]]);
    expect(validateAddition(base.job!, base.dependencies!, keys).diagnostics.map((d) => d.code)).toEqual(['JOB_INVALID']);
    expect(validateAddition(base.job!, base.dependencies!, { Tasks: badTask }).diagnostics.map((d) => [d.code, d.task, d.property])).toEqual([['TASK_INVALID', 0, 'TaskBody']]);
  });

  it('bad options and arguments throw', () => {
    expect(() => validateAddition(base.job!, base.dependencies!, { Tasks: one }, { profile: 'strict' as never })).toThrow(/expected `profile` to be "ams" or "relaxed"/);
    expect(() => validateAddition(base.job!, base.dependencies!, { Tasks: one }, { ids: 3 as never })).toThrow(/Expected `ids` to be a function/);
    expect(() => validateAddition(base.job!, base.dependencies!, { Tasks: one }, { maxDiagnostics: -1 })).toThrow();
    expect(() => validateAddition(null as never, base.dependencies!, { Tasks: one })).toThrow(/Expected `job` to be a loaded job/);
    expect(() => validateAddition(base.job!, {} as never, { Tasks: one })).toThrow(/Expected `deps` to be the job's dependencies/);
  });

  it('maxDiagnostics caps as validateJob does', () => {
    const r = validateAddition(base.job!, base.dependencies!, { Tasks: [null, null, null] }, { maxDiagnostics: 1 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['TASK_INVALID', 'TOO_MANY_DIAGNOSTICS']);
    expect(r.diagnostics[1]!.omitted).toEqual({ problems: 2, errors: 2 });
  });
});

describe('validateAddition: JSON text', () => {
  const base = amsJob();

  it('gives the same result as the object, with places in the text', () => {
    const b = body(['JobOutputAsset(2)', 'JobOutputAsset(9)'], [4]);
    const addition = { Name: 'x', Tasks: [task('a', ['JobOutputAsset(2)'], [3]), { Name: 'b', MediaProcessorId: MES, TaskBody: b, Weight: 2 }] };
    const text = JSON.stringify(addition, null, 2);
    const lines = text.split('\n');
    const place = (needle: string, offset = 0): string => {
      const i = lines.findIndex((l) => l.includes(needle));
      return `${i + 1}:${lines[i]!.indexOf(needle) + 1 + offset}`;
    };
    const r = add(base, text, { profile: 'ams' });
    expect(r.diagnostics.map((d) => [d.code, d.task, `${d.fileLine}:${d.fileColumn}`])).toEqual([
      ['JOB_INVALID', undefined, place('"Name": "x"')],
      ['EXTENSION_NOT_AMS', 1, place('"Weight"')],
      // Inside b's TaskBody: its second <inputAsset>, through the string's escapes (none here).
      ['OUTPUT_NOT_PRODUCED', 1, place(`"TaskBody": "${b}`, '"TaskBody": "'.length + col(b, 'inputAsset', 1) - 1)],
    ]);
    const fromObject = add(base, addition, { profile: 'ams' });
    expect(r.diagnostics.map(({ fileLine, fileColumn, ...d }) => d)).toEqual(fromObject.diagnostics);
    expect(r.tasks!.map((t) => t.index)).toEqual([3, 4]);
  });

  it('a plain addition\'s places are under tasks', () => {
    const text = '{\n  "tasks": [\n    { "id": "enc" },\n    { "id": "x", "dependsOn": ["nope"] }\n  ]\n}';
    const r = add(plainJob(), text, { profile: 'relaxed' });
    expect(r.diagnostics.map((d) => [d.code, d.task, `${d.fileLine}:${d.fileColumn}`])).toEqual([
      ['TASK_INVALID', 0, '3:7'],
      ['OUTPUT_NOT_PRODUCED', 1, '4:18'], // at "dependsOn"
    ]);
  });

  it('JSON_MALFORMED with its place', () => {
    const r = validateAddition(base.job!, base.dependencies!, '{"Tasks": [1,]}');
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column, d.fileLine, d.fileColumn])).toEqual([['JSON_MALFORMED', 1, 14, 1, 14]]);
    expect(r.valid).toBe(false);
    expect(r.tasks).toBeUndefined();
  });
});

describe('validateAddition: public API', () => {
  it('is exported from the package entry', () => {
    expect(lib.validateAddition).toBe(validateAddition);
    expect(lib.CODES.INPUT_ENDED.severity).toBe('error');
  });
});

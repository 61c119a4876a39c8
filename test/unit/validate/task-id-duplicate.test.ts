import { describe, expect, it } from 'vitest';
import { validateJob } from '../../../src/validate/validate.js';
import { validateAddition } from '../../../src/validate/add.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { ValidationError } from '../../../src/errors.js';

/**
 * Two tasks of one definition that give the same Id: the scheduler refuses the job (TASK_EXISTS,
 * "already submitted"), so the validator says it first, at the Id, with a hint.
 */
const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b89140')" } };
const tid = (n: number) => `nb:tid:UUID:071370a3-e63e-4e81-a099-${String(n).padStart(12, '0')}`;
const body = (input: string, output: number) => `<taskBody><inputAsset>${input}</inputAsset><outputAsset>JobOutputAsset(${output})</outputAsset></taskBody>`;
const task = (name: string, input: string, output: number, id?: string) => ({ Name: name, MediaProcessorId: MES, TaskBody: body(input, output), ...(id !== undefined ? { Id: id } : {}) });
const job = (...tasks: object[]) => ({ Name: 'J', InputMediaAssets: [INPUT], Tasks: tasks });

describe('TASK_ID_DUPLICATE', () => {
  it('names the later task, the earlier one and the Id', () => {
    const r = validateJob(job(task('enc', 'JobInputAsset(0)', 0, tid(1)), task('pack', 'JobOutputAsset(0)', 1, tid(1)), task('thumb', 'JobInputAsset(0)', 2, tid(2))));
    expect(r.valid).toBe(false);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: 'TASK_ID_DUPLICATE',
        severity: 'error',
        task: 1,
        taskName: 'pack',
        property: 'Id',
        message: `task #1 "pack" has the Id ${tid(1)}, which task #0 "enc" has`,
        hint: 'give each task its own Id, or leave Id out to get a new one',
      }),
    ]);
  });

  it('is placed at the Id in a job given as text', () => {
    const text = JSON.stringify(job(task('enc', 'JobInputAsset(0)', 0, tid(1)), task('pack', 'JobOutputAsset(0)', 1, tid(1))), null, 2);
    const d = validateJob(text).diagnostics.find((x) => x.code === 'TASK_ID_DUPLICATE')!;
    const line = text.split('\n').findIndex((l, i, all) => l.includes(`"Id": "${tid(1)}"`) && all.slice(0, i).join('\n').includes('"pack"')) + 1;
    expect(d.fileLine).toBe(line);
  });

  it("reports an Id an injected factory makes again, and none when no Id is given", () => {
    // The Id the factory makes for the first task, given to the second.
    const made = validateJob(job(task('enc', 'JobInputAsset(0)', 0)), { ids: sequentialIds() }).job!.Tasks[0]!.Id;
    const r = validateJob(job(task('enc', 'JobInputAsset(0)', 0), task('pack', 'JobOutputAsset(0)', 1, made)), { ids: sequentialIds() });
    expect(r.diagnostics.map((d) => [d.code, d.task])).toEqual([['TASK_ID_DUPLICATE', 1]]);
    expect(validateJob(job(task('enc', 'JobInputAsset(0)', 0), task('pack', 'JobOutputAsset(0)', 1))).diagnostics).toEqual([]);
  });

  it('Scheduler.submit refuses it as a validation error, not as an Id "already submitted"', () => {
    const s = new Scheduler();
    let err: unknown;
    try {
      s.submit(job(task('enc', 'JobInputAsset(0)', 0, tid(1)), task('pack', 'JobOutputAsset(0)', 1, tid(1))));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).diagnostics.map((d) => d.code)).toEqual(['TASK_ID_DUPLICATE']);
    expect(s.jobs()).toEqual([]);
  });

  it('an addition: a new task with the Id of a task of the job, and two new tasks with one Id', () => {
    const base = validateJob(job(task('enc', 'JobInputAsset(0)', 0, tid(1))));
    expect(base.valid).toBe(true);
    const r = validateAddition(base.job!, base.dependencies!, { Tasks: [task('a', 'JobOutputAsset(0)', 1, tid(1)), task('b', 'JobOutputAsset(0)', 2, tid(7)), task('c', 'JobOutputAsset(0)', 3, tid(7))] });
    expect(r.valid).toBe(false);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      `task #0 "a" has the Id ${tid(1)}, which task #0 "enc" of the job has`,
      `task #2 "c" has the Id ${tid(7)}, which task #1 "b" has`,
    ]);
  });
});

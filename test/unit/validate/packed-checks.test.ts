import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateJob } from '../../../src/validate/validate.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';
import { sequentialIds } from '../../../src/job/ids.js';
import type { JobDefinition } from '../../../src/job/model.js';

// checkGraph reads a job whose references are packed (plain TaskBodies) as integers and hands a
// task with a problem to the general loop (validate.ts, checkTaskInputs). A comment makes a
// TaskBody not plain: the saxes reader reads it and only the general loop runs. Both must say the
// same, whatever the references.
function unplain(def: JobDefinition): JobDefinition {
  return { ...def, Tasks: def.Tasks!.map((t) => ({ ...t, TaskBody: t.TaskBody.replace('<taskBody>', '<taskBody><!-- not plain -->') })) };
}

// What the input checks say (other diagnostics, a cycle's, quote columns the comment moves).
const CHECKED = new Set(['INPUT_INDEX_OUT_OF_RANGE', 'INPUT_DUPLICATE', 'TASK_TOO_MANY_ASSETS']);
const said = (def: JobDefinition, profile: 'ams' | 'relaxed') =>
  validateJob(def, { profile, ids: sequentialIds() })
    .diagnostics.filter((d) => CHECKED.has(d.code))
    .map((d) => [d.code, d.task, d.message, d.line, d.hint]);

describe('input checks of packed references', () => {
  it('say what the general loop says: inputs out of range, repeated, too many', () => {
    const ref = fc.record({ output: fc.boolean(), index: fc.nat(5) });
    const task = fc.record({ inputs: fc.array(ref, { maxLength: 20 }), outputs: fc.uniqueArray(fc.nat(8), { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(task, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('ams' as const, 'relaxed' as const), (tasks, inputs, profile) => {
        const def = jobFromGraph({ nodeCount: tasks.length, from: [], to: [] }, { inputs });
        tasks.forEach((t, i) => {
          const ins = t.inputs.map((r) => `<inputAsset>${r.output ? 'JobOutputAsset' : 'JobInputAsset'}(${r.index})</inputAsset>`);
          const outs = t.outputs.map((k) => `<outputAsset>JobOutputAsset(${k})</outputAsset>`);
          def.Tasks![i]!.TaskBody = `<taskBody>${ins.join('')}${outs.join('')}</taskBody>`;
        });
        expect(said(def, profile)).toEqual(said(unplain(def), profile));
      }),
      { numRuns: 300 },
    );
  });
});

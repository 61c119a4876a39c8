import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputAtOf, inputCountOf, loadJob, outputCountOf, outputIndexAtOf } from '../../../src/job/load.js';
import { resolveDependencies } from '../../../src/graph/dependencies.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';
import { sequentialIds } from '../../../src/job/ids.js';
import type { JobDefinition } from '../../../src/job/model.js';

// Plain TaskBodies keep their references packed and make `inputs`/`outputs` when read
// (job/load.ts, PackedRefs). A comment makes a TaskBody not plain: the saxes reader then reads it
// and the task has its arrays from the start. Both must give the same job.
function unplain(def: JobDefinition): JobDefinition {
  return { ...def, Tasks: def.Tasks!.map((t) => ({ ...t, TaskBody: t.TaskBody.replace('<taskBody>', '<taskBody><!-- not plain -->') })) };
}

const plainJob = (def: JobDefinition) => loadJob(def, { ids: sequentialIds() }).job!;

describe('packed references of plain tasks', () => {
  it('give the inputs, outputs (with default names), JSON and dependencies the saxes reader gives', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 20 }))),
        fc.constantFrom('', 'a name'),
        ([n, pairs], name) => {
          // Forward edges only: a DAG.
          const edges = pairs.filter(([a, b]) => a < b);
          const def = jobFromGraph({ nodeCount: n, from: edges.map((e) => e[0]), to: edges.map((e) => e[1]) }, { name });
          const packed = plainJob(def);
          const read = plainJob(unplain(def));
          for (let i = 0; i < n; i++) {
            const p = packed.Tasks[i]!;
            const r = read.Tasks[i]!;
            // Counts and references before the arrays are made...
            expect(inputCountOf(p)).toBe(r.inputs.length);
            expect(outputCountOf(p)).toBe(r.outputs.length);
            for (let j = 0; j < r.inputs.length; j++) expect(inputAtOf(p, j)).toEqual(r.inputs[j]);
            for (let j = 0; j < r.outputs.length; j++) expect(outputIndexAtOf(p, j)).toBe(r.outputs[j]!.index);
            // ...then the arrays themselves, made once.
            expect(p.inputs).toEqual(r.inputs);
            expect(p.outputs).toEqual(r.outputs);
            expect(p.inputs).toBe(p.inputs);
            expect(JSON.parse(JSON.stringify(p)).outputs).toEqual(JSON.parse(JSON.stringify(r)).outputs);
            expect(JSON.parse(JSON.stringify(p)).inputs).toEqual(JSON.parse(JSON.stringify(r)).inputs);
          }
          const a = resolveDependencies(packed);
          const b = resolveDependencies(read);
          expect([...a.from]).toEqual([...b.from]);
          expect([...a.to]).toEqual([...b.to]);
          expect([...a.asset]).toEqual([...b.asset]);
        },
      ),
    );
  });

  it('names default outputs after the job as it was read (its Name, else its Id)', () => {
    const named = plainJob(jobFromGraph({ nodeCount: 1, from: [], to: [] }, { name: 'Ladder' }));
    expect(named.Tasks[0]!.outputs[0]!.assetName).toBe('JobOutputAsset(0)_Ladder');
    const unnamed = plainJob({ ...jobFromGraph({ nodeCount: 1, from: [], to: [] }), Name: '' });
    expect(unnamed.Tasks[0]!.outputs[0]!.assetName).toBe(`JobOutputAsset(0)_${unnamed.Id}`);
  });

  it('keeps arrays for outputs with attributes, and takes arrays set on a packed task', () => {
    const def = jobFromGraph({ nodeCount: 1, from: [], to: [] });
    def.Tasks![0]!.TaskBody = '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset assetName="mine">JobOutputAsset(0)</outputAsset></taskBody>';
    expect(plainJob(def).Tasks[0]!.outputs[0]!.assetName).toBe('mine');
    const task = plainJob(jobFromGraph({ nodeCount: 1, from: [], to: [] })).Tasks[0]!;
    task.inputs = [];
    expect(task.inputs).toEqual([]);
    expect(inputCountOf(task)).toBe(0);
  });

  it('resolve to the same edges, duplicates and unproduced inputs as arrays do, whatever the references', () => {
    // Any references, not only a DAG's: repeated outputs, inputs nobody produces, job inputs.
    const ref = fc.record({ output: fc.boolean(), index: fc.nat(6) });
    const task = fc.record({ inputs: fc.array(ref, { maxLength: 4 }), outputs: fc.array(fc.nat(6), { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(task, { minLength: 1, maxLength: 8 }), (tasks) => {
        const def = jobFromGraph({ nodeCount: tasks.length, from: [], to: [] });
        tasks.forEach((t, i) => {
          const ins = t.inputs.map((r) => `<inputAsset>${r.output ? 'JobOutputAsset' : 'JobInputAsset'}(${r.index})</inputAsset>`);
          const outs = t.outputs.map((k) => `<outputAsset>JobOutputAsset(${k})</outputAsset>`);
          def.Tasks![i]!.TaskBody = `<taskBody>${ins.join('')}${outs.join('')}</taskBody>`;
        });
        const packed = plainJob(def);
        const read = plainJob(unplain(def));
        const a = resolveDependencies(packed);
        const b = resolveDependencies(read);
        expect({ ...a, producerOf: [...a.producerOf.sortedIndices()].map((k) => [k, a.producerOf.get(k)]) }).toEqual({
          ...b,
          producerOf: [...b.producerOf.sortedIndices()].map((k) => [k, b.producerOf.get(k)]),
        });
      }),
    );
  });

  it('are not read once a task was given other references', () => {
    // Task 1 reads task 0's output; then task 0 is told it outputs something else.
    const job = plainJob(jobFromGraph({ nodeCount: 2, from: [0], to: [1] }));
    expect([...resolveDependencies(job).from]).toEqual([0]);
    const t0 = job.Tasks[0]!;
    const inputs = t0.inputs;
    t0.outputs = [{ ...t0.outputs[0]!, index: 5 }];
    expect(t0.inputs).toEqual(inputs);
    expect(inputCountOf(t0)).toBe(inputs.length);
    const deps = resolveDependencies(job);
    expect([...deps.from]).toEqual([]);
    expect(deps.unproduced).toEqual([{ asset: 0, task: 1, inputEntry: 0 }]);
  });
});

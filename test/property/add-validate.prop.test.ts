import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateJob } from '../../src/validate/validate.js';
import { validateAddition, type AdditionResult } from '../../src/validate/add.js';
import { grownDependencies, resolveDependenciesOfRefs, type Dependencies } from '../../src/graph/dependencies.js';
import { grownJob } from '../../src/job/grow.js';
import type { Job } from '../../src/job/model.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const input = (n: number): object => ({ __metadata: { uri: `https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914${n}')` } });

/**
 * A random valid AMS job: tasks listed producers first, each with 1–3 outputs numbered on from the
 * previous task's (so any prefix is a valid job with gapless outputs), reading some outputs of
 * earlier tasks and some job inputs (at least one reference). Split at `cut`: the first `cut` tasks
 * are the job, the rest the addition.
 */
const splitJob = fc
  .record({ n: fc.integer({ min: 2, max: 10 }), inputs: fc.integer({ min: 1, max: 3 }) })
  .chain(({ n, inputs }) =>
    fc.record({
      n: fc.constant(n),
      inputs: fc.constant(inputs),
      outputs: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
      // Per task: picks among earlier outputs (as fractions, mapped once the counts are known) and inputs.
      reads: fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 4 }), { minLength: n, maxLength: n }),
      jobInputs: fc.array(fc.array(fc.nat(inputs - 1), { maxLength: 2 }), { minLength: n, maxLength: n }),
      cut: fc.integer({ min: 1, max: n - 1 }),
      bad: fc.nat(),
      failed: fc.nat(),
    }),
  );

interface Built {
  tasks: Array<{ Name: string; MediaProcessorId: string; TaskBody: string }>;
  firstOutput: number[];
}

function build(g: { n: number; outputs: number[]; reads: number[][]; jobInputs: number[][] }): Built {
  const firstOutput: number[] = [];
  let next = 0;
  for (let i = 0; i < g.n; i++) {
    firstOutput.push(next);
    next += g.outputs[i]!;
  }
  const tasks = [];
  for (let i = 0; i < g.n; i++) {
    const refs: string[] = [];
    const earlier = firstOutput[i]!; // outputs 0..earlier-1 belong to earlier tasks
    if (earlier > 0) for (const f of g.reads[i]!) refs.push(`JobOutputAsset(${Math.floor(f * earlier)})`);
    for (const k of g.jobInputs[i]!) refs.push(`JobInputAsset(${k})`);
    if (refs.length === 0) refs.push('JobInputAsset(0)');
    const unique = [...new Set(refs)];
    const outs = Array.from({ length: g.outputs[i]! }, (_, k) => firstOutput[i]! + k);
    tasks.push({
      Name: `t${i}`,
      MediaProcessorId: MES,
      TaskBody: `<taskBody>${unique.map((r) => `<inputAsset>${r}</inputAsset>`).join('')}${outs.map((o) => `<outputAsset>JobOutputAsset(${o})</outputAsset>`).join('')}</taskBody>`,
    });
  }
  return { tasks, firstOutput };
}

type Edge = [from: number, to: number, asset: number, inputEntry: number];

function edgeList(d: { from: Int32Array; to: Int32Array; asset: Int32Array; inputEntry: Int32Array }): Edge[] {
  return [...d.from].map((f, e) => [f, d.to[e]!, d.asset[e]!, d.inputEntry[e]!]);
}

/** The full job's edges into the addition (consumer >= cut), split as validateAddition gives them. */
function expectedEdges(full: Dependencies, cut: number): { internal: Edge[]; external: Edge[] } {
  const internal: Edge[] = [];
  const external: Edge[] = [];
  for (const [f, t, a, j] of edgeList(full)) {
    if (t < cut) continue;
    if (f < cut) external.push([f, t - cut, a, j]);
    else internal.push([f - cut, t - cut, a, j]);
  }
  return { internal, external };
}

function checkSplit(r: AdditionResult, full: Dependencies, cut: number, jobTaskCount: number): void {
  expect(r.diagnostics).toEqual([]);
  expect(r.valid).toBe(true);
  const { internal, external } = expectedEdges(full, cut);
  expect(edgeList(r.dependencies!)).toEqual(internal);
  expect(edgeList(r.external!)).toEqual(external);
  expect(r.tasks!.map((t) => t.index)).toEqual(Array.from({ length: full.taskCount - cut }, (_, k) => jobTaskCount + k));
}

describe('validateAddition() properties', () => {
  it('a valid job split in two: the addition is valid, and its edges are the full job\'s into it; a bad reference is always reported', () => {
    fc.assert(
      fc.property(splitJob, (g) => {
        const { tasks } = build(g);
        const inputs = Array.from({ length: g.inputs }, (_, k) => input(k));
        const full = validateJob({ Name: 'J', InputMediaAssets: inputs, Tasks: tasks }, { profile: 'relaxed' });
        expect(full.diagnostics).toEqual([]);
        const prefix = validateJob({ Name: 'J', InputMediaAssets: inputs, Tasks: tasks.slice(0, g.cut) }, { profile: 'relaxed' });
        expect(prefix.diagnostics).toEqual([]);
        const addition = { Tasks: tasks.slice(g.cut) };
        // As an object and as JSON text: the same result.
        for (const a of [addition, JSON.stringify(addition)]) {
          checkSplit(validateAddition(prefix.job!, prefix.dependencies!, a, { profile: 'relaxed' }), full.dependencies!, g.cut, g.cut);
        }

        // A reference no task outputs, added to a random new task: reported there.
        const k = g.bad % addition.Tasks.length;
        const totalOutputs = g.outputs.reduce((s, x) => s + x, 0);
        const broken = addition.Tasks.map((t, i) => (i === k ? { ...t, TaskBody: t.TaskBody.replace('<taskBody>', `<taskBody><inputAsset>JobOutputAsset(${totalOutputs + (g.bad % 7)})</inputAsset>`) } : t));
        const r = validateAddition(prefix.job!, prefix.dependencies!, { Tasks: broken }, { profile: 'relaxed' });
        expect(r.valid).toBe(false);
        expect(r.diagnostics.map((d) => [d.code, d.task, d.line, d.column])).toEqual([['OUTPUT_NOT_PRODUCED', k, 1, 11]]);

        // An existing task failed: INPUT_ENDED once per input the new tasks read of it.
        const p = g.failed % g.cut;
        const ended = validateAddition(prefix.job!, prefix.dependencies!, addition, { profile: 'relaxed', ended: (i) => (i === p ? 'failed' : undefined) });
        const reads = expectedEdges(full.dependencies!, g.cut).external.filter((e) => e[0] === p);
        expect(ended.diagnostics.map((d) => [d.code, d.task])).toEqual(reads.map((e) => ['INPUT_ENDED', e[1]]));
      }),
      { numRuns: 300 },
    );
  });

  it('the same for plain graphs: dependsOn names new ids and the job\'s task names', () => {
    const plainDag = fc.integer({ min: 2, max: 10 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        deps: fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 3 }), { minLength: n, maxLength: n }),
        cut: fc.integer({ min: 1, max: n - 1 }),
        bad: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(plainDag, (g) => {
        const tasks = Array.from({ length: g.n }, (_, i) => ({ id: `n${i}`, dependsOn: i === 0 ? [] : [...new Set(g.deps[i]!.map((f) => `n${Math.floor(f * i)}`))] }));
        const full = validateJob({ tasks }, { profile: 'relaxed' });
        expect(full.diagnostics).toEqual([]);
        const prefix = validateJob({ tasks: tasks.slice(0, g.cut) }, { profile: 'relaxed' });
        expect(prefix.diagnostics).toEqual([]);
        const r = validateAddition(prefix.job!, prefix.dependencies!, { tasks: tasks.slice(g.cut) }, { profile: 'relaxed' });
        checkSplit(r, full.dependencies!, g.cut, g.cut);
        // Outputs continue the job's: new task k outputs JobOutputAsset(cut + k), as in the full graph.
        expect(r.tasks!.map((t) => t.TaskBody)).toEqual(full.job!.Tasks.slice(g.cut).map((t) => t.TaskBody));

        const k = g.bad % (g.n - g.cut);
        const broken = tasks.slice(g.cut).map((t, i) => (i === k ? { ...t, dependsOn: [...t.dependsOn, `missing${g.bad}`] } : t));
        const bad = validateAddition(prefix.job!, prefix.dependencies!, { tasks: broken }, { profile: 'relaxed' });
        expect(bad.diagnostics.map((d) => [d.code, d.task, d.property])).toEqual([['OUTPUT_NOT_PRODUCED', k, 'dependsOn']]);
      }),
      { numRuns: 300 },
    );
  });

  it('a job grown by several additions in turn: grownDependencies gives what resolving the grown job gives, and the dependencies it grew from stay as they were', () => {
    const cuts = splitJob.chain((g) => fc.record({ g: fc.constant(g), more: fc.uniqueArray(fc.integer({ min: 1, max: g.n - 1 }), { maxLength: 4 }) }));
    fc.assert(
      fc.property(cuts, ({ g, more }) => {
        const { tasks } = build(g);
        const inputs = Array.from({ length: g.inputs }, (_, k) => input(k));
        const full = validateJob({ Name: 'J', InputMediaAssets: inputs, Tasks: tasks }, { profile: 'relaxed' });
        const points = [...new Set([g.cut, ...more])].sort((a, b) => a - b);
        const first = validateJob({ Name: 'J', InputMediaAssets: inputs, Tasks: tasks.slice(0, points[0]) }, { profile: 'relaxed' });
        let job: Job = first.job!;
        let deps: Dependencies = first.dependencies!;
        const seen: Array<{ deps: Dependencies; edges: Edge[]; producers: Array<number | undefined> }> = [];
        const producers = (d: Dependencies): Array<number | undefined> => Array.from({ length: full.dependencies!.producerOf.highest + 3 }, (_, k) => d.producerOf.get(k));
        const check = (d: Dependencies, j: Job): void => {
          const again = resolveDependenciesOfRefs(j);
          expect(d.taskCount).toBe(again.taskCount);
          expect(edgeList(d)).toEqual(edgeList(again));
          expect(producers(d)).toEqual(producers(again));
          expect(d.producerOf.size).toBe(again.producerOf.size);
          expect(d.producerOf.highest).toBe(again.producerOf.highest);
        };
        for (let p = 0; p < points.length; p++) {
          const to = p + 1 < points.length ? points[p + 1]! : g.n;
          const r = validateAddition(job, deps, { Tasks: tasks.slice(points[p], to) }, { profile: 'relaxed' });
          expect(r.diagnostics).toEqual([]);
          // Grown twice from the same dependencies: the second must not see the first's writes.
          const twice = grownDependencies(deps, r.dependencies!, r.external!)!;
          const grown = grownDependencies(deps, r.dependencies!, r.external!)!;
          seen.push({ deps, edges: edgeList(deps), producers: producers(deps) });
          job = grownJob(job, r.tasks!, r.extensions);
          check(twice, job);
          check(grown, job);
          deps = grown;
        }
        expect(edgeList(deps)).toEqual(edgeList(full.dependencies!));
        for (const old of seen) {
          expect(edgeList(old.deps)).toEqual(old.edges);
          expect(producers(old.deps)).toEqual(old.producers);
        }
      }),
      { numRuns: 300 },
    );
  });
});

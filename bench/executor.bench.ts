/**
 * Per-task overhead of running no-op tasks: our Engine (Scheduler with full state tracking, the
 * in-process dispatcher on p-queue, results and events) against p-graph 2.0 on the same graph and
 * concurrency. The job is validated once in setup; the Engine's time runs from submit to `done`.
 */
import { PGraph } from 'p-graph';
import type { BenchCase } from './protocol.js';
import { formatCount, resident, shared } from './protocol.js';
import { makeWorkload, type ShapeName } from '../src/workload/shapes.js';
import { jobFromGraph } from '../src/workload/ams-job.js';
import { validateJob, type ValidationResult } from '../src/validate/validate.js';
import { sequentialIds } from '../src/job/ids.js';
import { Engine } from '../src/run/engine.js';
import { TaskState } from '../src/job/enums.js';

const CONCURRENCY = 16;
const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';

interface Input {
  result: ValidationResult;
  n: number;
  nodes: Record<string, { priority: number }>;
  deps: Array<[string, string]>;
}

function prepare(shape: ShapeName, n: number): Input {
  const w = makeWorkload(shape, n);
  const result = validateJob(jobFromGraph(w), { profile: 'relaxed', ids: sequentialIds() });
  if (!result.valid) throw new Error(`executor bench: ${shape} ${n} is invalid`);
  const nodes: Record<string, { priority: number }> = {};
  for (let i = 0; i < w.nodeCount; i++) nodes[String(i)] = { priority: w.priority[i]! };
  const deps: Array<[string, string]> = [];
  for (let e = 0; e < w.from.length; e++) deps.push([String(w.from[e]), String(w.to[e])]);
  return { result, n: w.nodeCount, nodes, deps };
}

/**
 * An engine kept for the whole process (see `resident`) and, like any busy orchestrator's, never
 * idle: it has run a small job to its end and holds one task that is still running. The objects of
 * a running task (claim, work item, attempt) then always exist, so a forced GC between samples
 * cannot collect their hidden classes and the code optimised for them.
 */
const keepResident = shared(async () => {
  const engine = resident(new Engine({ processors: [{ id: MES, name: 'no-op', run: () => undefined }], concurrency: CONCURRENCY }));
  await engine.submit(prepare('media', 60).result).done;
  const busy = resident(new Engine({ processors: [{ id: MES, name: 'never ends', run: () => new Promise<never>(() => undefined) }], concurrency: 1 }));
  busy.submit(prepare('chain', 2).result);
});

async function runEngine(input: Input): Promise<number> {
  const engine = new Engine({ processors: [{ id: MES, name: 'no-op', run: () => undefined }], concurrency: CONCURRENCY });
  const handle = engine.submit(input.result);
  const final = await handle.done;
  if (final.State !== TaskState.Finished) throw new Error(`the job ended ${final.State}`);
  return input.n;
}

async function runPGraph(input: Input, graph?: PGraph): Promise<number> {
  let ran = 0;
  const g = graph ?? new PGraph(input.nodes, input.deps);
  await g.run({ concurrency: CONCURRENCY, run: () => void ran++ });
  if (ran !== input.n) throw new Error(`p-graph ran ${ran} of ${input.n}`);
  return ran;
}

export const cases: BenchCase[] = [];
for (const shape of ['layered', 'fan', 'media'] as ShapeName[]) {
  for (const n of [10_000, 100_000]) {
    const row = `${shape} ${formatCount(n)}`;
    const input = shared(async () => {
      await keepResident();
      return prepare(shape, n);
    });
    const batch = `executor/${shape}/${n}`;
    cases.push({
      id: `executor/${shape}/${n}/ours`,
      table: 'executor',
      row,
      impl: 'Engine submit+run',
      role: 'ours',
      n,
      baseline: 'p-graph construct+run',
      batch,
      timeoutMs: 300_000,
      memory: false,
      setup: input,
      run: runEngine,
    });
    cases.push({
      id: `executor/${shape}/${n}/p-graph`,
      table: 'executor',
      row,
      impl: 'p-graph construct+run',
      role: 'peer',
      n,
      batch,
      timeoutMs: 300_000,
      memory: false,
      setup: input,
      run: (i: Input) => runPGraph(i),
    });
  }
}

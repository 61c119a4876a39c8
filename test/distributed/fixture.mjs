// What the distributed tests, their worker processes and their orchestrator process agree on: the
// processor, the Redis keys the processors record their executions in, the workload, and the
// seeded sleep time of each task. Plain JS so that the children (node, no TypeScript) share it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built library the children run (`npm test` builds it first; else `npm run build`). */
export const DIST_INDEX = fileURLToPath(new URL('../../dist/src/index.js', import.meta.url));
export const DIST_SHAPES = fileURLToPath(new URL('../../dist/src/workload/shapes.js', import.meta.url));

/** The one processor (and pool) of the workload: the workers' sleeper. */
export const MPID = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
export const PROCESSOR_NAME = 'Sleeper';

/**
 * Redis keys of the recorder (not BullMQ's: those are under the `jobgraph` prefix):
 * - seq: the global sequence number, INCR at the start and at the end of every execution
 * - log: one JSON line per start (`e: 'S'`) and per end (`e: 'E'`) of an execution, pushed in the
 *   same Lua script as its INCR, so a line's `n` is the global order of that event
 * - ended: executions that ended (for the test's progress)
 * - hold:<worker>: while it exists, executions that start on that worker are held: they go on
 *   only once `release:<worker>` exists (or never, when the test kills the worker)
 * - held:<worker>: how many executions started held on that worker
 */
export const KEYS = {
  seq: 'test:seq',
  log: 'test:log',
  ended: 'test:ended',
  hold: (worker) => `test:hold:${worker}`,
  held: (worker) => `test:held:${worker}`,
  release: (worker) => `test:release:${worker}`,
};

/** Index of a task from its name (`Task <i>`, jobFromGraph's default). */
export function taskIndex(name) {
  const m = /^Task (\d+)$/.exec(name);
  if (!m) throw new Error(`not a workload task name: ${JSON.stringify(name)}`);
  return Number(m[1]);
}

/** Sleep of task i in a run of `seed`: min..max ms, the same in every process. */
export function sleepOf(seed, i, min, max) {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return min + (h % (max - min + 1));
}

/** Fails early with the fix when dist/ is not built. */
export function requireDist() {
  if (!existsSync(DIST_INDEX)) throw new Error(`the distributed tests run the built library in child processes, and ${DIST_INDEX} is missing: run \`npm run build\` (npm test builds it first)`);
}

/**
 * The layered workload of n tasks (docs/workloads.md, fixed seed) as an AMS job definition, built
 * with the library at dist/, and its edges [producer, consumer] by task index.
 */
export async function layeredJob(n, name) {
  requireDist();
  const { jobFromGraph } = await import(DIST_INDEX);
  const { makeWorkload } = await import(DIST_SHAPES);
  const w = makeWorkload('layered', n);
  const edges = Array.from(w.from, (from, e) => [from, w.to[e]]);
  return { definition: jobFromGraph(w, { name, processorOf: () => MPID }), edges };
}

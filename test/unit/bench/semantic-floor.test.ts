import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drainFloor } from '../../../bench/semantic-floor.js';
import { drainByIndex } from '../../../bench/drain.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { makeWorkload, type MediaWorkload, type ShapeName } from '../../../src/workload/shapes.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';
import { EVENT_CODES } from '../../../src/scheduler/event-log.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

const MEDIA_LOCAL = { nodeCount: 6, from: Int32Array.of(0, 0, 0, 0, 1, 2, 3, 4), to: Int32Array.of(1, 2, 3, 4, 5, 5, 5, 5) };
const NOW = () => 1_700_000_000_000;

/** The rows a Scheduler logs while `drainByIndex` drains it, as "task code" lines (task: its number over all jobs). */
function oursRows(graph: { nodeCount: number; from: Int32Array; to: Int32Array; priority?: Int32Array }, concurrency: number, media?: MediaWorkload): string[] {
  const s = new Scheduler({ concurrency, now: NOW });
  if (media) for (let j = 0; j < media.jobCount; j++) s.add(jobFromGraph(MEDIA_LOCAL, { name: `media ${j}` }), { priority: media.jobPriority[j]! });
  else s.add(jobFromGraph(graph));
  const from = s.eventCount;
  const done = drainByIndex(s, concurrency);
  expect(done).toBe(media ? 6 * media.jobCount : graph.nodeCount);
  const chunk = s.readJournal(from);
  const rows: string[] = [];
  for (let r = 0; r < chunk.code.length; r++) rows.push(`${media ? 6 * chunk.job[r]! + chunk.task[r]! : chunk.task[r]!} ${EVENT_CODES[chunk.code[r]!]}`);
  for (const j of s.jobs()) expect(j.State).toBe(3);
  return rows;
}

function floorRows(graph: { nodeCount: number; from: Int32Array; to: Int32Array; priority?: Int32Array }, concurrency: number, media?: MediaWorkload): string[] {
  const n = media ? 6 * media.jobCount : graph.nodeCount;
  const priority = media ? media.priority.subarray(0, n) : (graph.priority ?? new Int32Array(n));
  const f = drainFloor(n, graph.from, graph.to, priority, media ? media.jobOf.subarray(0, n) : null, media ? media.jobCount : 1, concurrency, NOW);
  expect(f.done).toBe(n);
  expect([...f.jobState]).toEqual(new Array(media ? media.jobCount : 1).fill(3));
  const rows: string[] = [];
  for (let r = 0; r < f.rows; r++) rows.push(`${f.task[r]} ${EVENT_CODES[f.code[r]!]}`);
  return rows;
}

describe('our model in one loop, the drain rows\' second reference (bench/semantic-floor.ts)', () => {
  // If the floor logged less than the Scheduler, "ours ÷ floor" would flatter the floor, and the
  // floor's ratio to the bare loop would understate what the model costs.
  for (const shape of ['layered', 'fan', 'chain', 'media'] as ShapeName[]) {
    for (const concurrency of [16, 3]) {
      it(`logs the rows the Scheduler logs, in its order: ${shape} 1,200 tasks, concurrency ${concurrency}`, () => {
        const w = makeWorkload(shape, 1200);
        const media = shape === 'media' ? (w as MediaWorkload) : undefined;
        const ours = oursRows(w, concurrency, media);
        const floor = floorRows(w, concurrency, media);
        expect(floor.length).toBeGreaterThan(3 * 1200 - 10);
        expect(floor).toEqual(ours);
      });
    }
  }

  it('logs the rows the Scheduler logs on any DAG with any priorities', () => {
    const dag = fc
      .integer({ min: 1, max: 40 })
      .chain((n) =>
        fc.record({
          n: fc.constant(n),
          edges: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: 3 * n }),
          priority: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
          concurrency: fc.integer({ min: 1, max: 5 }),
        }),
      );
    fc.assert(
      fc.property(dag, ({ n, edges, priority, concurrency }) => {
        // Edges from the lower task to the higher: acyclic; duplicates dropped. Sorted, as the
        // Scheduler releases a task's dependents in task order and the floor in edge order.
        const keys = [...new Set(edges.filter(([a, b]) => a !== b).map(([a, b]) => Math.min(a, b) * n + Math.max(a, b)))].sort((x, y) => x - y);
        const from = keys.map((k) => Math.floor(k / n));
        const to = keys.map((k) => k % n);
        const graph = { nodeCount: n, from: Int32Array.from(from), to: Int32Array.from(to), priority: Int32Array.from(priority) };
        expect(floorRows(graph, concurrency)).toEqual(oursRows(graph, concurrency));
      }),
      { numRuns: 150 },
    );
  });
});

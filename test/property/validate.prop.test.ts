import fc from 'fast-check';
import { hasCycle } from 'graphology-dag';
import { describe, expect, it } from 'vitest';
import { validateJob } from '../../src/validate/validate.js';
import { CODES } from '../../src/diagnostics/codes.js';
import { jobFromGraph } from '../../src/workload/ams-job.js';

/** A job over any directed graph (self-loops and cycles allowed): task i outputs JobOutputAsset(i). */
const anyGraphJob = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 2 }),
  }),
);

describe('validateJob() properties', () => {
  it('reports CYCLE exactly when graphology-dag finds a cycle, every reported cycle is real, and together they take in every dependency on a cycle', () => {
    fc.assert(
      fc.property(anyGraphJob, ({ n, edges }) => {
        const def = jobFromGraph({ nodeCount: n, from: edges.map((e) => e[0]), to: edges.map((e) => e[1]) });
        const r = validateJob(def, { profile: 'relaxed' });
        const cycles = r.diagnostics.filter((d) => d.code === 'CYCLE');
        expect(cycles.length > 0).toBe(hasCycle(r.graph!.graph));
        const has = new Set(edges.map(([a, b]) => `${a}>${b}`));
        const on = new Set<string>();
        for (const d of cycles) {
          const c = d.cycle!;
          expect(new Set(c).size).toBe(c.length);
          for (let i = 0; i < c.length; i++) {
            const step = `${c[i]}>${c[(i + 1) % c.length]}`;
            expect(has.has(step)).toBe(true);
            on.add(step);
          }
          expect(d.edges!.map((e) => e.from)).toEqual(c);
          expect(d.task).toBe(c[0]);
        }
        // A dependency lies on a cycle exactly when its tasks reach each other (at most 18 edges: under the cap).
        const reach = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => i === j || has.has(`${i}>${j}`)));
        for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (reach[i]![k] && reach[k]![j]) reach[i]![j] = true;
        for (const [a, b] of edges) expect(on.has(`${a}>${b}`)).toBe(reach[b]![a]!);
        expect(r.valid).toBe(cycles.length === 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('only ever answers with diagnostics from the catalogue for a damaged job document, never an exception', () => {
    const text = JSON.stringify(jobFromGraph({ nodeCount: 3, from: [0, 1], to: [1, 2] }), null, 1);
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(text.length), drop: fc.nat(4), insert: fc.constantFrom('', '"', '{', '}', ',', '<', '>', '&', '\u201d', '[', ']', ':', 'x', '\\', '0') }), { minLength: 1, maxLength: 5 }),
        (edits) => {
          let t = text;
          for (const e of edits) t = t.slice(0, Math.min(e.at, t.length)) + e.insert + t.slice(Math.min(e.at, t.length) + e.drop);
          const r = validateJob(t);
          for (const d of r.diagnostics) {
            expect(CODES).toHaveProperty(d.code);
            expect(d.severity).toBe(CODES[d.code].severity);
          }
          if (r.diagnostics.some((d) => d.code === 'JSON_MALFORMED')) expect(r.diagnostics).toHaveLength(1);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

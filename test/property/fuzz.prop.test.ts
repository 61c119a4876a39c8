import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HOSTILE_PATHS,
  HOSTILE_TAGS,
  JSON_PIECES,
  XML_PIECES,
  buildInput,
  runInput,
  type Edit,
  type Input,
  type Recipe,
  type Shape,
} from '../../bench/fuzz.js';
import { validateJob } from '../../src/validate/validate.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure). The recipes and the checks
// are bench/fuzz.ts's, which runs the same inputs longer (`npm run bench -- fuzz`).

/**
 * A bound on the time a case may take: generous, so that a noisy machine never fails it (speed
 * targets belong in the benchmarks), yet far below what a quadratic blow-up costs. The base covers
 * a full GC or a JIT compile landing in a small case on a loaded machine (53 ms was seen for a
 * 100-byte text with a 50 ms base).
 */
function timeBound(bytes: number): number {
  return 250 + 0.002 * bytes;
}

function check(input: Input, maxDiagnostics: number | undefined): void {
  const o = runInput(input, maxDiagnostics);
  expect(o.threw, input.label).toBeUndefined();
  expect(o.unknownCodes, input.label).toEqual([]);
  expect(o.wrongSeverity, input.label).toEqual([]);
  expect(o.count, input.label).toBeLessThanOrEqual((maxDiagnostics ?? 1000) + 1);
  expect(o.ms, input.label).toBeLessThanOrEqual(timeBound(input.bytes));
  // Each property of a caller's object is read once.
  for (const n of input.reads) expect(n, input.label).toBeLessThanOrEqual(1);
}

const edit = (pieces: readonly string[]): fc.Arbitrary<Edit> =>
  fc.record({
    op: fc.constantFrom('flip', 'cut', 'insert', 'repeat', 'nest', 'truncate') as fc.Arbitrary<Edit['op']>,
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    piece: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pieces) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) }),
    count: fc.oneof({ weight: 5, arbitrary: fc.nat(40) }, { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }) }),
  });

const jsonRecipe: fc.Arbitrary<Recipe> = fc.record({ kind: fc.constant('json' as const), tasks: fc.integer({ min: 1, max: 5 }), edits: fc.array(edit(JSON_PIECES), { minLength: 1, maxLength: 5 }) });
const taskBodyRecipe: fc.Arbitrary<Recipe> = fc.record({ kind: fc.constant('taskbody' as const), embed: fc.boolean(), edits: fc.array(edit(XML_PIECES), { minLength: 1, maxLength: 6 }) });
const objectRecipe: fc.Arbitrary<Recipe> = fc.record({
  kind: fc.constant('object' as const),
  tasks: fc.integer({ min: 1, max: 3 }),
  hostile: fc.array(fc.record({ path: fc.constantFrom(...HOSTILE_PATHS), tag: fc.constantFrom(...HOSTILE_TAGS) }), { minLength: 1, maxLength: 3 }),
});
const cap = fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined });

describe('fuzz: validateJob and validateTaskBody on hostile input', () => {
  it('JSON texts (byte flips, cuts, truncations, repeats, deep nesting): catalogued codes only, never a throw, at most cap + 1 diagnostics, time bounded by size', () => {
    fc.assert(
      fc.property(jsonRecipe, cap, (recipe, max) => check(buildInput(recipe), max)),
      { numRuns: 1200 },
    );
  });

  it('TaskBodies (unclosed tags, duplicate attributes, entities, DOCTYPE, surrogates, repeats), alone and in a job: the same', () => {
    fc.assert(
      fc.property(taskBodyRecipe, cap, (recipe, max) => check(buildInput(recipe), max)),
      { numRuns: 1500 },
    );
  });

  it('objects (BigInt, Symbols, throwing getters, revoked Proxies, cycles, sparse arrays, null prototypes): diagnostics, never a throw; each getter read once', () => {
    fc.assert(
      fc.property(objectRecipe, cap, (recipe, max) => check(buildInput(recipe), max)),
      { numRuns: 800 },
    );
  });

  // The shapes that took seconds before (issue 9): each must finish well within a generous bound.
  const BIG: Array<[Shape, number]> = [
    ['unclosed', 3e6],
    ['dupattr', 2.4e6],
    ['siblings', 4e6],
    ['nulls', 3e6],
    ['unknownAttributes', 2e6],
    ['loneSurrogates', 2e6],
    ['outputGaps', 1e6],
    ['cycle', 1e6],
  ];
  it.each(BIG)('a big hostile %s input (%d bytes) validates in under 5 s with at most 1,001 diagnostics', (shape, bytes) => {
    const input = buildInput({ kind: 'shape', shape, bytes });
    const o = runInput(input);
    expect(o.threw).toBeUndefined();
    expect(o.count).toBeLessThanOrEqual(1001);
    expect(o.ms).toBeLessThan(5000);
  });

  it('a hostile object gets a clear diagnostic, not a TypeError', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const r1 = validateJob({ Priority: 5n, Tasks: [] });
    expect(r1.diagnostics.find((d) => d.code === 'PRIORITY_INVALID')?.message).toBe("the Job's Priority is a BigInt (5n), not a 32-bit integer");
    const r2 = validateJob(revoked.proxy);
    expect(r2.diagnostics.map((d) => d.message)).toEqual(['the job definition is a revoked Proxy, not an object']);
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    const r3 = validateJob({ Tasks: sparse });
    expect(r3.diagnostics.find((d) => d.code === 'JOB_INVALID')?.message).toMatch(/^the Job's Tasks could not be read: it has 4,294,967,295 entries/);
    const r4 = validateJob({ Tasks: [Object.defineProperty({}, 'TaskBody', { enumerable: true, get: () => { throw new Error('boom'); } })] });
    expect(r4.diagnostics.find((d) => d.code === 'TASK_INVALID')?.message).toBe("task #0's TaskBody could not be read: reading it threw Error: boom");
    expect(r4.diagnostics.some((d) => d.code === 'TASKBODY_MISSING')).toBe(false);
  });
});

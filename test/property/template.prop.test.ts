import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateJob } from '../../src/validate/validate.js';
import { validateJobTemplate } from '../../src/validate/template.js';
import { jobFromGraph } from '../../src/workload/ams-job.js';
import type { JobTemplateDefinition } from '../../src/job/template.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

const JT = 'nb:jtid:UUID:00000000-0000-4000-8000-00000000aaaa';
const ttid = (i: number): string => `nb:ttid:UUID:00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** A random DAG: edges only from a lower to a higher task index. */
const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: n < 2 ? fc.constant([] as Array<[number, number]>) : fc.uniqueArray(fc.tuple(fc.nat(n - 2), fc.nat(n - 1)).filter(([a, b]) => a < b), { maxLength: n * 2, selector: ([a, b]) => `${a}>${b}` }),
    separator: fc.constantFrom('', '\n', '\r\n  ', ' <!-- c --> '),
  }),
);

/** The inline job's tasks written as a template: one TaskTemplate and one `<taskBody taskTemplateId>` each. */
function asTemplate(tasks: ReadonlyArray<{ Name?: string | null; MediaProcessorId: string; Configuration?: string | null; TaskBody: string }>, separator: string): JobTemplateDefinition {
  return {
    Id: JT,
    Name: 'random',
    TemplateType: 1,
    JobTemplateBody: `<jobTemplate>${separator}${tasks.map((t, i) => t.TaskBody.replace('<taskBody>', `<taskBody taskTemplateId="${ttid(i)}">`)).join(separator)}${separator}</jobTemplate>`,
    TaskTemplates: tasks.map((t, i) => ({
      Id: ttid(i),
      Name: t.Name ?? '',
      MediaProcessorId: t.MediaProcessorId,
      ...(t.Configuration != null ? { Configuration: t.Configuration } : {}),
      NumberofInputAssets: (t.TaskBody.match(/<inputAsset>/g) ?? []).length,
      NumberofOutputAssets: 1,
    })),
  };
}

describe('JobTemplate properties', () => {
  it('a random DAG written as a template expands, through TemplateId, to the dependency edges of the inline job', () => {
    fc.assert(
      fc.property(dag, ({ n, edges, separator }) => {
        const inline = jobFromGraph({ nodeCount: n, from: edges.map((e) => e[0]), to: edges.map((e) => e[1]) }, { name: 'random' });
        const template = asTemplate(inline.Tasks!, separator);
        const own = validateJobTemplate(template, { profile: 'relaxed' });
        expect(own.diagnostics).toEqual([]);
        const a = validateJob(inline, { profile: 'relaxed' });
        const { Tasks: _tasks, ...rest } = inline;
        const b = validateJob({ ...rest, TemplateId: JT }, { profile: 'relaxed', templates: [template] });
        expect(b.diagnostics).toEqual(a.diagnostics);
        expect(b.valid).toBe(true);
        const pairs = (r: typeof a): string[] => [...r.dependencies!.from].map((f, e) => `${f}>${r.dependencies!.to[e]}`).sort();
        expect(pairs(b)).toEqual(pairs(a));
        expect(b.job!.Tasks.map((t) => [t.Name, t.MediaProcessorId, t.Configuration])).toEqual(a.job!.Tasks.map((t) => [t.Name, t.MediaProcessorId, t.Configuration]));
      }),
      { numRuns: 300 },
    );
  });

  it('any JobTemplateBody text, and any TaskTemplates value, gives diagnostics and never throws', () => {
    const pieces = fc.constantFrom('<jobTemplate>', '</jobTemplate>', '</jobtemplate>', `<taskBody taskTemplateId="${ttid(0)}">`, '<taskBody>', '</taskBody>', '<inputAsset>JobInputAsset(0)</inputAsset>', '<outputAsset>JobOutputAsset(0)</outputAsset>', '<!--', '-->', '<?xml version="1.0"?>', '<!DOCTYPE x>', '”', '&', '<', '>', ' ', '\n', 'x');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(pieces, { maxLength: 30 }).map((p) => p.join(''))), fc.anything(), (body, taskTemplates) => {
        const r = validateJobTemplate({ Name: 'x', TemplateType: 1, JobTemplateBody: body, TaskTemplates: taskTemplates }, { maxDiagnostics: 100 });
        expect(Array.isArray(r.diagnostics)).toBe(true);
        expect(r.diagnostics.length).toBeLessThanOrEqual(101);
        for (const d of r.diagnostics) if (d.line !== undefined) expect(d.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 1000 },
    );
  });
});

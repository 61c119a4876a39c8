/**
 * TEMPLATE_NOT_FOUND's "did you mean" (validate/template.ts): measured within a budget in
 * proportion to the templates' Ids, as the other suggestions among names from the input.
 */
import { describe, expect, it } from 'vitest';
import type { JobTemplateDefinition } from '../../../src/job/template.js';
import { validateJob } from '../../../src/validate/validate.js';

const template = (Id: string) => ({ Id, Name: 't', JobTemplateBody: '<jobTemplate/>', TaskTemplates: [] }) as unknown as JobTemplateDefinition;

describe('TEMPLATE_NOT_FOUND: cost', () => {
  it('answers for 50 templates of 8,000-character Ids and a TemplateId as long in linear time (took 19–22 s)', () => {
    const templates = Array.from({ length: 50 }, (_, i) => template(`${i}`.padEnd(8_000, 'a')));
    const t0 = performance.now();
    const r = validateJob({ Name: 'j', TemplateId: 'z'.repeat(8_000), InputMediaAssets: [] }, { templates });
    const ms = performance.now() - t0;
    const d = r.diagnostics.find((x) => x.code === 'TEMPLATE_NOT_FOUND');
    expect(d?.message).toMatch(/which is not among the 50 templates given$/);
    expect(d?.hint).not.toMatch(/did you mean/);
    expect(ms).toBeLessThan(4_000);
  }, 120_000);

  it('still suggests the Id one slip away among ordinary ones', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `nb:jtid:UUID:${String(i).padStart(8, '0')}-1111-4111-8111-111111111111`);
    const wanted = ids[123]!;
    const slip = wanted.replace('-4111-', '-4112-');
    const r = validateJob({ Name: 'j', TemplateId: slip, InputMediaAssets: [] }, { templates: ids.map(template) });
    expect(r.diagnostics.find((x) => x.code === 'TEMPLATE_NOT_FOUND')?.hint).toBe(`did you mean ${wanted}?`);
  });
});

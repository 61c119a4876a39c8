import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { golden as goldenFile } from '../../helpers/golden.js';
import { runCli } from '../../helpers/cli.js';

const GOLDEN = 'test/golden/cli';
const dir = mkdtempSync(join(tmpdir(), 'jobgraph-templates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('jobgraph validate and JobTemplates', () => {
  it('checks a JobTemplate file as a template (the examples have goldens in validate.test.ts)', async () => {
    expect((await runCli(['validate', 'examples/ladder-template.json'])).code).toBe(0);
    const broken = await runCli(['validate', '--format', 'json', 'examples/broken-template.json']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout).diagnostics.map((d: { code: string }) => d.code)).toEqual(['TEMPLATE_TASK_MISMATCH', 'TEMPLATE_TASK_MISMATCH', 'OUTPUT_NOT_PRODUCED']);
  });

  it('expands a job with TemplateId from --templates, and reports a broken template on the job', async () => {
    const ok = await runCli(['validate', 'examples/job-from-template.json', '--templates', 'examples/ladder-template.json']);
    expect(ok.stdout).toBe('examples/job-from-template.json: valid (no problems)\n');
    expect(ok.code).toBe(0);
    const bad = await runCli(['validate', 'examples/job-from-template.json', '--templates', 'examples/broken-template.json']);
    goldenFile(GOLDEN, 'job-from-broken-template.txt', `exit ${bad.code}\n${bad.stdout}${bad.stderr}`);
    expect(bad.code).toBe(1);
    // Several files of templates, a template or an array each.
    const list = join(dir, 'list.json');
    writeFileSync(list, JSON.stringify([{ Id: 'nb:jtid:UUID:0b6c7d6e-1111-4a2b-9c3d-00000000aaaa', JobTemplateBody: '<jobTemplate/>', TaskTemplates: [] }]));
    expect((await runCli(['validate', 'examples/job-from-template.json', '--templates', list, '--templates', 'examples/ladder-template.json'])).code).toBe(0);
  });

  it('refuses a --templates file that cannot be read or is not JSON objects, with exit 2', async () => {
    const missing = await runCli(['validate', 'examples/job-from-template.json', '--templates', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--templates: cannot read .*nope\.json: no such file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1, 2]');
    const r = await runCli(['validate', 'examples/job-from-template.json', '--templates', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/must hold a JobTemplate object or an array of them/);
    writeFileSync(bad, '{');
    expect((await runCli(['validate', 'examples/job-from-template.json', '--templates', bad])).stderr).toMatch(/is not JSON/);
  });

  it('finds each job\'s template among thousands (looked up by Id), and counts the templates given when one is missing', async () => {
    const ladder = JSON.parse(readFileSync('examples/ladder-template.json', 'utf8')) as { Id: string };
    const job = JSON.parse(readFileSync('examples/job-from-template.json', 'utf8')) as { TemplateId: string };
    const idOf = (i: number): string => `nb:jtid:UUID:0b6c7d6e-1111-4a2b-9c3d-${String(i).padStart(12, '0')}`;
    const n = 3000;
    const many = join(dir, 'many.json');
    writeFileSync(many, JSON.stringify(Array.from({ length: n }, (_, i) => ({ ...ladder, Id: idOf(i) }))));
    const lines = Array.from({ length: n }, (_, j) => JSON.stringify({ arrival: 0, definition: { ...job, Name: `j${j}`, TemplateId: idOf(j === 7 ? n + 1 : n - 1 - j) } }));
    const workload = join(dir, 'jobs.ndjson');
    writeFileSync(workload, `${lines.join('\n')}\n`);
    const r = await runCli(['validate', workload, '--templates', many]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${n} jobs, ${n - 1} valid, 1 invalid`);
    expect(r.stdout).toContain(`job #7 "j7": error TEMPLATE_NOT_FOUND`);
    expect(r.stdout).toContain(`which is not among the ${n} templates given`);
    // Two templates with one Id (the first is used) and one without: the list's count, as before.
    const odd = join(dir, 'odd.json');
    writeFileSync(odd, JSON.stringify([{ ...ladder }, { ...ladder }, { ...ladder, Id: undefined }]));
    const missing = join(dir, 'missing.json');
    writeFileSync(missing, JSON.stringify({ ...job, TemplateId: idOf(5) }));
    const m = await runCli(['validate', missing, '--templates', odd]);
    expect(m.stdout).toContain('which is not among the 3 templates given');
    const found = join(dir, 'found.json');
    writeFileSync(found, JSON.stringify(job));
    expect((await runCli(['validate', found, '--templates', odd])).code).toBe(0);
  });
});

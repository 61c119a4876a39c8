import { golden as goldenFile } from '../../helpers/golden.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { containerText, mediaWorkload, ndjsonText } from '../../helpers/workloads.js';
import { serializeWorkload } from '../../../src/workload/stream.js';
import { decodeText } from '../../../src/cli/io.js';

const GOLDEN = 'test/golden/cli';

function golden(name: string, actual: string): void {
  goldenFile(GOLDEN, name, actual);
}

const examples = readdirSync('examples').filter((f) => /\.(json|xml)$/.test(f)).sort();

describe('jobgraph validate', () => {
  for (const file of examples) {
    it(`prints the golden text and JSON for examples/${file}`, async () => {
      const text = await runCli(['validate', `examples/${file}`]);
      const json = await runCli(['validate', '--format', 'json', `examples/${file}`]);
      golden(`${file}.txt`, `exit ${text.code}\n${text.stdout}${text.stderr}`);
      golden(`${file}.out.json`, json.stdout);
      const parsed = JSON.parse(json.stdout);
      expect(Object.keys(parsed)).toEqual(['valid', 'diagnostics']);
      expect(json.code).toBe(parsed.valid ? 0 : 1);
      expect(text.code).toBe(json.code);
    });
  }

  it('exits 0 for a valid job and 1 for an invalid one', async () => {
    expect((await runCli(['validate', 'examples/ladder.json'])).code).toBe(0);
    expect((await runCli(['validate', 'examples/broken-graph.json'])).code).toBe(1);
  });

  it('exits 2 for usage and I/O errors', async () => {
    const missing = await runCli(['validate', 'examples/nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read examples/nope.json: no such file');
    expect((await runCli(['validate'])).code).toBe(2);
    expect((await runCli(['validate', '--format', 'yaml', 'examples/ladder.json'])).code).toBe(2);
    expect((await runCli(['validate', '--bogus', 'examples/ladder.json'])).code).toBe(2);
    expect((await runCli(['validate', 'examples'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });

  it('prints a name with a line break or an escape sequence escaped, one diagnostic a line, nothing for the terminal to run', async () => {
    const def = {
      Name: 'x',
      InputMediaAssets: [{ __metadata: { uri: "Assets('nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } }],
      Tasks: [{ Name: 'a\nb\u001b[31mred\u2028', MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', TaskBody: '<taskBody><inputAsset>JobOutputAsset(5)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>' }],
    };
    const r = await runCli(['validate', '-'], { stdin: JSON.stringify(def) });
    const [first] = r.stdout.split('\n');
    expect(first).toContain('error OUTPUT_NOT_PRODUCED: task #0 "a\\nb\\u001b[31mred\\u2028" reads JobOutputAsset(5)');
    expect(r.stdout).not.toMatch(/[\u001b\u2028]/);
  });

  it('reads a job from standard input', async () => {
    const r = await runCli(['validate', '--format', 'json', '-'], { stdin: readFileSync('examples/broken-json.json', 'utf8') });
    expect(JSON.parse(r.stdout).diagnostics[0]).toMatchObject({ code: 'JSON_MALFORMED', line: 4, column: 80 });
  });

  it('prints one object with every file for several files', async () => {
    const r = await runCli(['validate', '--format', 'json', 'examples/ladder.json', 'examples/broken-graph.json']);
    const body = JSON.parse(r.stdout);
    expect(body.valid).toBe(false);
    expect(body.files.map((f: { file: string; valid: boolean }) => [f.file, f.valid])).toEqual([
      ['examples/ladder.json', true],
      ['examples/broken-graph.json', false],
    ]);
  });

  it('ends the text for several files with a line that counts them and their problems', async () => {
    const lastLine = (r: { stdout: string }): string => r.stdout.trimEnd().split('\n').at(-1)!;
    const three = await runCli(['validate', 'examples/ladder.json', 'examples/broken-graph.json', 'examples/broken-json.json']);
    golden('several-files.txt', `exit ${three.code}\n${three.stdout}${three.stderr}`);
    expect(lastLine(three)).toBe('3 files: 1 valid, 2 invalid (6 errors, 2 warnings)');
    expect(three.code).toBe(1);
    expect(lastLine(await runCli(['validate', 'examples/ladder.json', 'examples/encode-package.json']))).toBe('2 files: 2 valid, 0 invalid (no problems)');
    // Problems past --max-diagnostics are counted, as the per-file lines cannot.
    const capped = await runCli(['validate', '--max-diagnostics', '2', 'examples/broken-graph.json', 'examples/broken-properties.json']);
    expect(lastLine(capped)).toBe('2 files: 0 valid, 2 invalid (14 errors, 3 warnings)');
    const unreadable = await runCli(['validate', 'examples/ladder.json', 'examples/nope.json']);
    expect([unreadable.code, lastLine(unreadable), unreadable.stderr]).toEqual([2, '2 files: 1 valid, 0 invalid, 1 unreadable (no problems)', 'jobgraph validate: cannot read examples/nope.json: no such file\n']);
    // One file has its own line already; JSON and SARIF keep their shapes.
    expect(lastLine(await runCli(['validate', 'examples/ladder.json']))).toBe('examples/ladder.json: valid (no problems)');
    expect(Object.keys(JSON.parse((await runCli(['validate', '--format', 'json', 'examples/ladder.json', 'examples/broken-json.json'])).stdout))).toEqual(['valid', 'files']);
    expect(JSON.parse((await runCli(['validate', '--format', 'sarif', 'examples/ladder.json', 'examples/broken-json.json'])).stdout).version).toBe('2.1.0');
  });

  it('lifts the quotas with --profile relaxed', async () => {
    const tasks = Array.from({ length: 40 }, (_, i) => ({
      MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56',
      TaskBody: `<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(${i})</outputAsset></taskBody>`,
    }));
    const stdin = JSON.stringify({ InputMediaAssets: [{ __metadata: { uri: "https://x/api/Assets('nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } }], Tasks: tasks });
    expect((await runCli(['validate', '-'], { stdin })).code).toBe(1);
    expect((await runCli(['validate', '--profile', 'relaxed', '-'], { stdin })).code).toBe(0);
  });

  it('lists at most --max-diagnostics problems per file and counts the rest; "all" lists every one', async () => {
    const stdin = `{"InputMediaAssets":[{"__metadata":{"uri":"https://x/api/Assets('nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c')"}}],"Tasks":[${Array(30).fill('null').join(',')}]}`;
    const capped = JSON.parse((await runCli(['validate', '--format', 'json', '--max-diagnostics', '5', '-'], { stdin })).stdout);
    expect(capped.diagnostics).toHaveLength(6);
    expect(capped.diagnostics.at(-1)).toMatchObject({ code: 'TOO_MANY_DIAGNOSTICS', omitted: { problems: 25, errors: 25 } });
    const all = JSON.parse((await runCli(['validate', '--format', 'json', '--max-diagnostics', 'all', '-'], { stdin })).stdout);
    expect(all.diagnostics.map((d: { code: string }) => d.code)).toEqual(Array(30).fill('TASK_INVALID'));
    const text = await runCli(['validate', '--max-diagnostics', '2', '-'], { stdin });
    expect(text.stdout).toMatch(/TOO_MANY_DIAGNOSTICS: 28 more problems were not reported \(30 in all\)/);
    expect(text.code).toBe(1);
    for (const bad of ['0', '-1', '1.5', 'many', '']) expect((await runCli(['validate', '--max-diagnostics', bad, '-'], { stdin })).code).toBe(2);
  });

  it('writes SARIF 2.1.0 with a rule per code and a result per diagnostic', async () => {
    const r = await runCli(['validate', '--format', 'sarif', 'examples/broken-graph.json']);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('jobgraph');
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toContain('CYCLE');
    const json = JSON.parse((await runCli(['validate', '--format', 'json', 'examples/broken-graph.json'])).stdout);
    expect(run.results.length).toBe(json.diagnostics.length);
    expect(run.results[0].locations[0].logicalLocations[0].fullyQualifiedName).toMatch(/^Tasks\[\d+\]\.TaskBody$/);
    expect(r.code).toBe(1);
  });

  it("puts each SARIF result's region where the problem is in the file: in a TaskBody, or on a property", async () => {
    for (const file of ['examples/broken-graph.json', 'examples/broken-properties.json']) {
      const lines = readFileSync(file, 'utf8').split('\n');
      const sarif = JSON.parse((await runCli(['validate', '--format', 'sarif', file])).stdout);
      const json = JSON.parse((await runCli(['validate', '--format', 'json', file])).stdout);
      sarif.runs[0].results.forEach((result: { locations: Array<{ physicalLocation: { region?: { startLine: number; startColumn: number } } }> }, i: number) => {
        const d = json.diagnostics[i];
        const region = result.locations[0]!.physicalLocation.region!;
        expect(region, d.code).toEqual({ startLine: d.fileLine, startColumn: d.fileColumn });
        const there = lines[region.startLine - 1]!.slice(region.startColumn - 1);
        // A TaskBody problem points at its element; a property's at its key (or at its task's `{`).
        if (d.line !== undefined) expect(there).toMatch(/^</);
        else if (d.property !== undefined) expect(there.startsWith(`"${d.property}"`) || there.startsWith('{')).toBe(true);
      });
    }
  });

  it('colours only on a TTY without NO_COLOR', async () => {
    expect((await runCli(['validate', 'examples/broken-graph.json'], { tty: true })).stdout).toContain('\x1b[');
    expect((await runCli(['validate', 'examples/broken-graph.json'], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\x1b[');
    expect((await runCli(['validate', 'examples/broken-graph.json'])).stdout).not.toContain('\x1b[');
  });
});

describe('jobgraph validate on a workload', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'jobgraph-validate-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(tmp, name);
    writeFileSync(path, text);
    return path;
  };
  /** The output with the temporary directory taken out, for goldens. */
  const shown = (r: { code: number; stdout: string; stderr: string }): string => `exit ${r.code}\n${r.stdout}${r.stderr}`.split(`${tmp}/`).join('');

  it('validates every job of a container and of NDJSON, problems labelled with their job, a line counting the jobs', async () => {
    const w = mediaWorkload(4, 2);
    const container = await runCli(['validate', file('workload.json', containerText(w))]);
    golden('workload-one-invalid.txt', shown(container));
    expect(container.code).toBe(1);
    expect(container.stdout).toContain('workload.json: job #2 "media(24) job 2": task #5 "Package" 1:11: error OUTPUT_NOT_PRODUCED');
    expect(container.stdout.trimEnd().split('\n').at(-1)).toBe(`${tmp}/workload.json: 4 jobs, 3 valid, 1 invalid (1 error)`);
    // NDJSON says the same, and a line that is not JSON is a job that is invalid, at its line.
    const nd = await runCli(['validate', file('workload.ndjson', ndjsonText(w) + '{"arrival": 40, oops\n')]);
    golden('workload-ndjson-malformed-line.txt', shown(nd));
    expect(nd.stdout).toContain('workload.ndjson:5:17: job #4: error JSON_MALFORMED');
    expect(nd.stdout.trimEnd().split('\n').at(-1)).toBe(`${tmp}/workload.ndjson: 5 jobs, 3 valid, 2 invalid (2 errors)`);
    expect(nd.code).toBe(1);
    const valid = await runCli(['validate', file('valid.json', containerText(mediaWorkload(3)))]);
    expect([valid.code, valid.stdout]).toEqual([0, `${tmp}/valid.json: 3 jobs, 3 valid, 0 invalid (no problems)\n`]);
  });

  it('refuses an arrival that is given but is no number of seconds >= 0; a missing one is 0', async () => {
    const w = mediaWorkload(5);
    const bad: unknown[] = ['soon', -5, null, [1]];
    bad.forEach((arrival, i) => ((w.jobs[i] as { arrival: unknown }).arrival = arrival));
    delete (w.jobs[4] as { arrival?: unknown }).arrival;
    const r = await runCli(['validate', file('arrivals.json', containerText(w))]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('job #0 "media(30) job 0": error JOB_INVALID: "arrival" is "soon", not a number of seconds >= 0');
    expect(r.stdout).toContain('"arrival" is -5, not');
    expect(r.stdout).toContain('"arrival" is null, not');
    expect(r.stdout).toContain('"arrival" is an array, not');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`${tmp}/arrivals.json: 5 jobs, 1 valid, 4 invalid (4 errors)`);
    // The commands that run a workload in time refuse it, naming the job.
    const sim = await runCli(['simulate', file('arrivals2.json', containerText(w))]);
    expect(sim.code).not.toBe(0);
    expect(sim.stderr).toContain('job 0: "arrival" is "soon", not a number of seconds >= 0; give "arrival" in seconds from the start, or leave it out for 0');
  });

  it('reads a job file written as UTF-16 with a byte-order mark (as Windows PowerShell writes it), either byte order', async () => {
    const text = readFileSync('examples/encode-package.json', 'utf8');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    expect(decodeText(le)).toBe(text);
    expect(decodeText(be)).toBe(text);
    expect(decodeText(Buffer.from(text, 'utf8'))).toBe(text);
    const path = join(tmp, 'utf16.json');
    writeFileSync(path, le);
    const r = await runCli(['validate', path]);
    expect([r.code, r.stdout]).toEqual([0, `${path}: valid (no problems)\n`]);
  });

  it('reads a workload from standard input', async () => {
    const r = await runCli(['validate', '-'], { stdin: ndjsonText(mediaWorkload(2, 1)) });
    expect(r.stdout).toContain('-: job #1 "media(12) job 1": invalid (1 error)');
    expect(r.code).toBe(1);
    const one = await runCli(['validate', '-'], { stdin: containerText(mediaWorkload(1)) });
    expect([one.code, one.stdout]).toEqual([0, '-: 1 job, 1 valid, 0 invalid (no problems)\n']);
  });

  it('says which job each result is in JSON and SARIF', async () => {
    const path = file('sarif.json', containerText(mediaWorkload(3, 1)));
    const json = JSON.parse((await runCli(['validate', '--format', 'json', path])).stdout);
    expect(Object.keys(json)).toEqual(['valid', 'jobs']);
    expect(json.valid).toBe(false);
    expect(json.jobs.map((j: { job: number; name: string; valid: boolean }) => [j.job, j.name, j.valid])).toEqual([
      [0, 'media(18) job 0', true],
      [1, 'media(18) job 1', false],
      [2, 'media(18) job 2', true],
    ]);
    expect(json.jobs[1].diagnostics.map((d: { code: string }) => d.code)).toEqual(['OUTPUT_NOT_PRODUCED']);
    const sarif = JSON.parse((await runCli(['validate', '--format', 'sarif', path])).stdout);
    const results = sarif.runs[0].results;
    expect(results.map((r: { ruleId: string; properties: { job: number }; locations: Array<{ logicalLocations: Array<{ fullyQualifiedName: string }> }> }) => [r.ruleId, r.properties.job, r.locations[0]!.logicalLocations[0]!.fullyQualifiedName])).toEqual([
      ['OUTPUT_NOT_PRODUCED', 1, 'jobs[1].Tasks[5].TaskBody'],
    ]);
    // Several files: a workload's entry lists its jobs, a job's its diagnostics.
    const both = JSON.parse((await runCli(['validate', '--format', 'json', path, 'examples/ladder.json'])).stdout);
    expect(both.files.map((f: object) => Object.keys(f))).toEqual([['file', 'valid', 'jobs'], ['file', 'valid', 'diagnostics']]);
  });

  it("honours the container's profile unless --profile says otherwise", async () => {
    const path = file('chain.json', [...serializeWorkload('chain', { tasks: 40 })].join(''));
    expect((await runCli(['validate', path])).code).toBe(0);
    const ams = await runCli(['validate', '--profile', 'ams', path]);
    expect(ams.code).toBe(1);
    expect(ams.stdout).toContain('job #0 "chain(40)": error');
    // NDJSON carries no profile: ams, as for a job.
    const nd = file('chain.ndjson', [...serializeWorkload('chain', { tasks: 40 }, { format: 'ndjson' })].join(''));
    expect((await runCli(['validate', nd])).code).toBe(1);
    expect((await runCli(['validate', '--profile', 'relaxed', nd])).code).toBe(0);
  });

  it('counts a workload as one file among several', async () => {
    const r = await runCli(['validate', file('several.json', containerText(mediaWorkload(2, 0))), 'examples/ladder.json']);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('2 files: 1 valid, 1 invalid (1 error)');
    expect(r.code).toBe(1);
  });

  it('reads what is not a workload as a job, as before: an array, junk after a job', async () => {
    const ladder = readFileSync('examples/ladder.json', 'utf8');
    for (const stdin of [`[${ladder}]`, `${ladder}\n{"definition": 1}`, `${ladder} junk`]) {
      const r = JSON.parse((await runCli(['validate', '--format', 'json', '-'], { stdin })).stdout);
      expect(Object.keys(r)).toEqual(['valid', 'diagnostics']);
      expect(r.valid).toBe(false);
    }
  });

  it('says what is wrong with a container without jobs', async () => {
    const r = await runCli(['validate', file('nojobs.json', '{"format": "jobgraph.workload/1"}')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nojobs.json: a jobgraph.workload/1 container needs a "jobs" array');
  });
});

describe('jobgraph validate --add-to', () => {
  const cases = [
    ['encode-package-thumbnails.json', 'examples/encode-package.json', []],
    ['broken-addition.json', 'examples/encode-package.json', []],
    ['plain-graph-publish.json', 'examples/plain-graph.json', ['--profile', 'relaxed']],
  ] as const;
  for (const [file, job, flags] of cases) {
    it(`prints the golden text and JSON for examples/additions/${file} added to ${job}`, async () => {
      const args = ['validate', `examples/additions/${file}`, '--add-to', job, ...flags];
      const text = await runCli(args);
      const json = await runCli([...args, '--format', 'json']);
      golden(`add-to.${file}.txt`, `exit ${text.code}\n${text.stdout}${text.stderr}`);
      golden(`add-to.${file}.out.json`, json.stdout);
      const parsed = JSON.parse(json.stdout);
      expect(Object.keys(parsed)).toEqual(['valid', 'diagnostics']);
      expect(json.code).toBe(parsed.valid ? 0 : 1);
      expect(text.code).toBe(json.code);
    });
  }

  it('places SARIF results in the addition file, task #k being its k-th task', async () => {
    const r = await runCli(['validate', '--format', 'sarif', 'examples/additions/broken-addition.json', '--add-to', 'examples/encode-package.json']);
    const results = JSON.parse(r.stdout).runs[0].results as Array<{ ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number; startColumn: number } }; logicalLocations?: Array<{ fullyQualifiedName: string }> }> }>;
    expect(results.map((x) => [x.ruleId, `${x.locations[0]!.physicalLocation.region.startLine}:${x.locations[0]!.physicalLocation.region.startColumn}`, x.locations[0]!.logicalLocations?.[0]?.fullyQualifiedName])).toEqual([
      ['JOB_INVALID', '2:3', 'Name'],
      ['OUTPUT_DUPLICATE', '7:80', 'Tasks[0].TaskBody'],
      ['INPUT_INDEX_OUT_OF_RANGE', '12:34', 'Tasks[1].TaskBody'],
      ['OUTPUT_NOT_PRODUCED', '12:79', 'Tasks[1].TaskBody'],
      ['OUTPUT_INDEX_GAP', '12:125', 'Tasks[1].TaskBody'],
    ]);
    expect(r.code).toBe(1);
  });

  it('checks several additions against the job, each on its own', async () => {
    const r = await runCli(['validate', 'examples/additions/encode-package-thumbnails.json', 'examples/additions/broken-addition.json', '--add-to', 'examples/encode-package.json']);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('2 files: 1 valid, 1 invalid (4 errors, 1 warning)');
    expect(r.code).toBe(1);
  });

  it('exits 2 when the job is not a valid job, a workload, or cannot be read', async () => {
    const invalid = await runCli(['validate', 'examples/additions/plain-graph-publish.json', '--add-to', 'examples/plain-graph.json']);
    expect([invalid.code, invalid.stdout, invalid.stderr.split('\n')[0]]).toEqual([2, '', 'jobgraph validate: --add-to: examples/plain-graph.json is not a valid job (1 error); check it first: jobgraph validate examples/plain-graph.json']);
    const missing = await runCli(['validate', 'examples/additions/broken-addition.json', '--add-to', 'examples/nope.json']);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, 'jobgraph validate: --add-to: cannot read examples/nope.json: no such file']);
    const tmp = mkdtempSync(join(tmpdir(), 'jobgraph-add-to-'));
    try {
      const workload = join(tmp, 'w.ndjson');
      writeFileSync(workload, ndjsonText(mediaWorkload(2)));
      const r = await runCli(['validate', 'examples/additions/broken-addition.json', '--add-to', workload]);
      expect([r.code, r.stderr.split('\n')[0]]).toEqual([2, `jobgraph validate: --add-to: ${workload} is a workload; give the file of one job`]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

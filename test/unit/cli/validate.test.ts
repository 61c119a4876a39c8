import { golden as goldenFile } from '../../helpers/golden.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

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
    const stdin = JSON.stringify({ InputMediaAssets: [{ __metadata: { uri: "https://x/api/Assets('a')" } }], Tasks: tasks });
    expect((await runCli(['validate', '-'], { stdin })).code).toBe(1);
    expect((await runCli(['validate', '--profile', 'relaxed', '-'], { stdin })).code).toBe(0);
  });

  it('lists at most --max-diagnostics problems per file and counts the rest; "all" lists every one', async () => {
    const stdin = `{"InputMediaAssets":[{"__metadata":{"uri":"https://x/api/Assets('a')"}}],"Tasks":[${Array(30).fill('null').join(',')}]}`;
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

import { describe, expect, it } from 'vitest';
import { golden as goldenFile } from '../../helpers/golden.js';
import { runCli } from '../../helpers/cli.js';

const GOLDEN = 'test/golden/cli';

describe('jobgraph validate on plain graphs', () => {
  // The examples' goldens (profile ams: a plain graph is refused once) come from validate.test.ts.
  for (const file of ['plain-graph.json', 'broken-plain-graph.json']) {
    it(`prints the golden text and JSON for examples/${file} with --profile relaxed`, async () => {
      const text = await runCli(['validate', '--profile', 'relaxed', `examples/${file}`]);
      const json = await runCli(['validate', '--profile', 'relaxed', '--format', 'json', `examples/${file}`]);
      goldenFile(GOLDEN, `${file}.relaxed.txt`, `exit ${text.code}\n${text.stdout}${text.stderr}`);
      goldenFile(GOLDEN, `${file}.relaxed.out.json`, json.stdout);
      expect(text.code).toBe(json.code);
      expect(json.code).toBe(JSON.parse(json.stdout).valid ? 0 : 1);
    });
  }

  it('accepts the example with --profile relaxed and refuses it once with profile ams', async () => {
    expect((await runCli(['validate', '--profile', 'relaxed', 'examples/plain-graph.json'])).code).toBe(0);
    const ams = await runCli(['validate', '--format', 'json', 'examples/plain-graph.json']);
    expect(ams.code).toBe(1);
    expect(JSON.parse(ams.stdout).diagnostics.map((d: { code: string }) => d.code)).toEqual(['EXTENSION_NOT_AMS']);
  });

  it('places each problem of a broken graph at its property in the file', async () => {
    const r = await runCli(['validate', '--profile', 'relaxed', '--format', 'json', 'examples/broken-plain-graph.json']);
    const ds = JSON.parse(r.stdout).diagnostics as Array<{ code: string; fileLine: number; fileColumn: number }>;
    expect(ds.map((d) => [d.code, d.fileLine, d.fileColumn])).toEqual([
      ['CYCLE', 4, 62],
      ['OUTPUT_NOT_PRODUCED', 5, 54],
      ['UNKNOWN_PROPERTY', 6, 73],
      ['EXTENSION_INVALID', 6, 60],
      ['TASK_INVALID', 7, 7],
    ]);
  });
});

describe('jobgraph run and simulate on a plain graph', () => {
  it('runs the example with the demo processors, named by their names', async () => {
    const r = await runCli(['run', '--time-scale', '0', 'examples/plain-graph.json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/job "Encode and package" Finished/);
    for (const id of ['encode-720p', 'encode-1080p', 'thumbnails', 'package']) expect(r.stdout).toContain(`${id}: Processing → Finished`);
  });

  it('exports the example as a graph (with --profile relaxed)', async () => {
    const r = await runCli(['export', '--profile', 'relaxed', 'examples/plain-graph.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('t0 -> t2 [label="JobOutputAsset(0)"]');
    expect(r.stdout).toContain('t1 -> t3 [label="JobOutputAsset(1)"]');
  });

  it('simulates the example', async () => {
    const r = await runCli(['simulate', 'examples/plain-graph.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 job, 4 tasks');
  });
});

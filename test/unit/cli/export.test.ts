import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCommand, EXPORT_USAGE } from '../../../src/cli/export.js';
import { CliError, type CliIO } from '../../../src/cli/io.js';
import { golden } from '../../helpers/golden.js';
import { containerText, mediaWorkload, ndjsonText } from '../../helpers/workloads.js';
import { serializeWorkload } from '../../../src/workload/stream.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `jobgraph export` in-process with captured output; usage errors become exit 2 as in main(). */
async function run(args: string[], stdin = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    readFile: async (p) => (p === '-' ? stdin : readFile(p, 'utf8')),
    env: {},
  };
  try {
    const code = await exportCommand(args, io);
    return { code, stdout, stderr };
  } catch (err) {
    if (err instanceof CliError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      return { code: 2, stdout, stderr: stderr + (err as Error).message + '\n' };
    }
    throw err;
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'jobgraph-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FORMATS = [
  ['dot', 'dot'],
  ['mermaid', 'mmd'],
  ['json', 'json'],
] as const;

describe('jobgraph export', () => {
  for (const name of ['ladder', 'encode-package', 'broken-graph']) {
    for (const [format, ext] of FORMATS) {
      it(`prints the golden ${format} for examples/${name}.json`, async () => {
        const r = await run([`examples/${name}.json`, '--format', format]);
        expect(r.stdout).toBe(readFileSync(`test/golden/export/${name}.${ext}`, 'utf8'));
        expect(r.code).toBe(name === 'broken-graph' ? 1 : 0);
      });
    }
  }

  it('defaults to DOT and exits 0 for a valid job with nothing on stderr', async () => {
    const r = await run(['examples/ladder.json']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('digraph job {')).toBe(true);
    expect(r.stderr).toBe('');
  });

  it('exits 1 for an invalid job, still prints the graph, and summarises the errors on stderr', async () => {
    const r = await run(['examples/broken-graph.json', '--format', 'mermaid']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('flowchart LR');
    expect(r.stderr).toContain('error CYCLE');
    expect(r.stderr).toContain('error OUTPUT_NOT_PRODUCED');
    expect(r.stderr).not.toContain('warning OUTPUT_INDEX_GAP');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('examples/broken-graph.json: invalid (5 errors, 2 warnings); the graph shows it as it stands');
  });

  it('exits 1 for text that is not JSON and prints an empty graph', async () => {
    const r = await run(['-', '--format', 'json'], '{ "Name": ');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ job: null, tasks: [], edges: [], cycles: [], valid: false });
    expect(r.stderr).toContain('JSON_MALFORMED');
  });

  it('reads standard input for -', async () => {
    const r = await run(['-'], readFileSync('examples/ladder.json', 'utf8'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync('test/golden/export/ladder.dot', 'utf8'));
  });

  it('writes --output to a file and nothing to standard output', async () => {
    const file = join(tmp, 'ladder.mmd');
    const r = await run(['examples/ladder.json', '--format', 'mermaid', '--output', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(readFileSync('test/golden/export/ladder.mmd', 'utf8'));
  });

  it('takes --profile, --direction, --no-inputs and --no-sinks', async () => {
    const r = await run(['examples/ladder.json', '--direction', 'tb', '--no-inputs', '--no-sinks', '--profile', 'relaxed']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rankdir=TB');
    expect(r.stdout).not.toContain('in0');
    expect(r.stdout).not.toContain('sink');
  });

  it('gives the same bytes on every run (numbered ids, not random ones)', async () => {
    const a = await run(['examples/ladder.json', '--format', 'json']);
    const b = await run(['examples/ladder.json', '--format', 'json']);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout).job.Id).toBe('nb:jid:UUID:00000000-0000-4000-8000-000000000001');
  });

  it('exits 2 for usage and I/O errors', async () => {
    expect((await run(['examples/ladder.json', '--format', 'svg'])).code).toBe(2);
    expect((await run(['examples/ladder.json', '--profile', 'strict'])).code).toBe(2);
    expect((await run(['examples/ladder.json', '--direction', 'RL'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
    expect((await run(['a.json', 'b.json'])).code).toBe(2);
    expect((await run(['examples/ladder.json', '--bogus'])).code).toBe(2);
    const missing = await run(['examples/no-such-job.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read examples/no-such-job.json: no such file');
    const unwritable = await run(['examples/ladder.json', '--output', join(tmp, 'no-such-dir', 'x.dot')]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain('cannot write');
  });

  it('prints its usage for --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(EXPORT_USAGE + '\n');
  });
});

describe('jobgraph export on a workload', () => {
  const file = (name: string, text: string): string => {
    const path = join(tmp, name);
    writeFileSync(path, text);
    return path;
  };
  const w = mediaWorkload(3, 1);
  const ladder = JSON.parse(readFileSync('examples/ladder.json', 'utf8'));
  const oneJob = { ...mediaWorkload(1), jobs: [{ arrival: 0, definition: ladder }] };

  it('draws the only job of a workload, container or NDJSON, as it draws the job', async () => {
    for (const text of [containerText(oneJob), ndjsonText(oneJob)]) {
      const r = await run([file('one.json', text)]);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toBe(readFileSync('test/golden/export/ladder.dot', 'utf8'));
    }
    const stdin = await run(['-', '--format', 'mermaid'], ndjsonText(oneJob));
    expect(stdin.stdout).toBe(readFileSync('test/golden/export/ladder.mmd', 'utf8'));
  });

  it('draws job N of several with --job N, and asks for --job without it', async () => {
    const path = file('three.json', containerText(w));
    const several = await run([path]);
    expect([several.code, several.stderr]).toEqual([2, `${path} is a workload of 3 jobs: pick one with --job N (0 to 2)\n`]);
    const second = await run([path, '--job', '2', '--format', 'json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).job.Name).toBe('media(18) job 2');
    // An invalid job is drawn, its problems on stderr named with the job.
    const broken = await run([file('three.ndjson', ndjsonText(w)), '--job', '1']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('missing7 -> t5');
    expect(broken.stderr.trimEnd().split('\n').at(-1)).toMatch(/three\.ndjson: job #1 "media\(18\) job 1": invalid \(1 error\); the graph shows it as it stands$/);
  });

  it('says what is wrong with --job out of range, on a job, or not a number', async () => {
    const path = file('range.json', containerText(w));
    expect((await run([path, '--job', '3'])).stderr).toBe(`--job 3 is past the end: ${path} has 3 jobs (0 to 2)\n`);
    expect((await run([file('single.json', containerText(oneJob)), '--job', '1'])).stderr).toContain('has 1 job (--job 0)');
    expect((await run(['examples/ladder.json', '--job', '0'])).stderr).toBe('--job picks a job of a workload; examples/ladder.json is one job definition\n');
    for (const bad of ['-1', 'x', '1.5']) expect((await run([path, '--job', bad])).code).toBe(2);
  });

  it("takes the container's profile: a 40-task chain is drawn valid", async () => {
    const path = file('chain.json', [...serializeWorkload('chain', { tasks: 40 })].join(''));
    expect((await run([path])).code).toBe(0);
    expect((await run([path, '--profile', 'ams'])).code).toBe(1);
  });
});

describe('jobgraph export --no-edge-labels', () => {
  it('drops the assets from the arrows between tasks in DOT and Mermaid; JSON keeps them', async () => {
    const dot = await run(['examples/ladder.json', '--no-edge-labels']);
    golden('test/golden/export', 'ladder-no-edge-labels.dot', dot.stdout);
    expect(dot.stdout).not.toMatch(/t\d+ -> t\d+ \[label/);
    const mmd = await run(['examples/broken-graph.json', '--no-edge-labels', '--format', 'mermaid']);
    golden('test/golden/export', 'broken-graph-no-edge-labels.mmd', mmd.stdout);
    expect(mmd.stdout).not.toContain('-->|');
    const json = await run(['examples/ladder.json', '--no-edge-labels', '--format', 'json']);
    expect(json.stdout).toBe(readFileSync('test/golden/export/ladder.json', 'utf8'));
  });
});

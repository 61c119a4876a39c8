import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCommand, EXPORT_USAGE } from '../../../src/cli/export.js';
import { CliError, type CliIO } from '../../../src/cli/io.js';

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

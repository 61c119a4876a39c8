import { golden as goldenFile } from '../../helpers/golden.js';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCommand, GENERATE_USAGE } from '../../../src/cli/generate.js';
import { CliError, type CliIO } from '../../../src/cli/io.js';
import { readWorkload } from '../../../src/cli/simulate.js';
import { validateJob } from '../../../src/validate/validate.js';
import { generateWorkload } from '../../../src/workload/stream.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `jobgraph generate` in-process with captured output; usage errors become exit 2 as in main(). */
async function run(args: string[], stdout: CliIO['stdout'] | undefined = undefined): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: stdout ?? { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    readFile: (p) => readFile(p, 'utf8'),
    env: {},
  };
  try {
    const code = await generateCommand(args, io);
    return { code, stdout: out, stderr: err };
  } catch (e) {
    if (e instanceof CliError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return { code: 2, stdout: out, stderr: err + (e as Error).message + '\n' };
    throw e;
  }
}

// test/golden/generate/<case>: the exact bytes of small workloads; UPDATE_GOLDEN=1 rewrites them.
const GOLDEN = 'test/golden/generate';
function golden(name: string, actual: string): void {
  goldenFile(GOLDEN, name, actual);
}

const tmp = mkdtempSync(join(tmpdir(), 'jobgraph-generate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('jobgraph generate', () => {
  const goldenCases: Array<[string, string[]]> = [
    ['ams-mix-jobs4-seed1.json', ['ams-mix', '--jobs', '4', '--seed', '1']],
    ['ams-mix-tasks12-seed7-rate2.ndjson', ['ams-mix', '--tasks', '12', '--seed', '7', '--rate', '2', '--format', 'ndjson']],
    ['media-jobs2-rate6.ndjson', ['media', '--jobs', '2', '--rate', '6', '--format', 'ndjson']],
    ['chain-tasks4-compact.json', ['chain', '--tasks', '4', '--compact']],
    ['layered-tasks12.json', ['layered', '--tasks', '12']],
  ];
  for (const [name, args] of goldenCases) {
    it(`prints the golden workload for ${args.join(' ')}`, async () => {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      golden(name, r.stdout);
    });
  }

  it('gives the same bytes for the same arguments, and other bytes for another seed', async () => {
    const a = await run(['ams-mix', '--tasks', '200', '--seed', '123']);
    const b = await run(['ams-mix', '--tasks', '200', '--seed', '123']);
    const c = await run(['ams-mix', '--tasks', '200', '--seed', '124']);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    expect(a.stdout).toBe(JSON.stringify(generateWorkload('ams-mix', { tasks: 200, seed: 123 }), null, 2) + '\n');
  });

  it('writes what jobgraph simulate reads, in both formats, every job valid', async () => {
    for (const format of ['json', 'ndjson']) {
      const r = await run(['ams-mix', '--jobs', '25', '--seed', '5', '--format', format]);
      const jobs = readWorkload(r.stdout, 'w');
      expect(jobs).toHaveLength(25);
      for (const j of jobs) expect(validateJob(j.definition, { profile: 'ams' }).valid).toBe(true);
      expect(jobs.map((j) => j.arrival)).toEqual(generateWorkload('ams-mix', { jobs: 25, seed: 5 }).jobs.map((j) => j.arrival));
    }
  });

  it('says "profile": "relaxed" for a shape above 30 tasks, and notes it on stderr for NDJSON', async () => {
    const json = await run(['fan', '--tasks', '31']);
    expect(JSON.parse(json.stdout).profile).toBe('relaxed');
    expect(json.stderr).toBe('');
    const nd = await run(['fan', '--tasks', '31', '--format', 'ndjson']);
    expect(nd.stderr).toContain('--profile relaxed');
    expect(JSON.parse((await run(['fan', '--tasks', '30'])).stdout).profile).toBe('ams');
  });

  it('writes --output to a file and a one-line summary to stderr', async () => {
    const file = join(tmp, 'w.ndjson');
    const r = await run(['media', '--tasks', '60', '--format', 'ndjson', '--output', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`jobgraph generate: 10 jobs, 60 tasks (profile ams) → ${file}\n`);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(10);
  });

  it('streams a large workload in chunks, waiting for drain when standard output asks', async () => {
    const sink = new EventEmitter() as EventEmitter & CliIO['stdout'];
    const chunks: string[] = [];
    let waiting = 0;
    sink.write = (s: string) => {
      chunks.push(s);
      waiting++;
      setImmediate(() => {
        waiting--;
        sink.emit('drain');
      });
      return false;
    };
    const r = await run(['ams-mix', '--tasks', '5000', '--seed', '2', '--format', 'ndjson'], sink);
    expect(r.code).toBe(0);
    expect(chunks.length).toBeGreaterThan(5);
    // Pieces are gathered into ~64 KiB writes: never the whole text at once.
    for (const c of chunks.slice(0, -1)) expect(c.length).toBeLessThan(80_000);
    const text = chunks.join('');
    expect(text).toBe((await run(['ams-mix', '--tasks', '5000', '--seed', '2', '--format', 'ndjson'])).stdout);
    expect(waiting).toBeLessThanOrEqual(1);
  });

  it('exits 2 for bad arguments', async () => {
    const bad: string[][] = [
      [],
      ['spiral', '--tasks', '5'],
      ['chain'],
      ['chain', '--tasks', '1.5'],
      ['chain', '--tasks', 'ten'],
      ['chain', '--tasks', '0'],
      ['chain', '--tasks', '5', '--seed=-1'],
      ['chain', '--tasks', '5', '--seed', '-1'],
      ['chain', '--tasks', '5', '--seed', '4294967296'],
      ['chain', '--jobs', '3'],
      ['ams-mix', '--jobs', '3', '--tasks', '3'],
      ['ams-mix', '--jobs', '3', '--rate', '0'],
      ['ams-mix', '--jobs', '3', '--rate', 'fast'],
      // 60 / 5e-324 is Infinity: every arrival after the first was written null.
      ['ams-mix', '--jobs', '3', '--rate', '5e-324'],
      ['media', '--jobs', '3', '--rate', '1e-300'],
      ['ams-mix', '--jobs', '3', '--format', 'xml'],
      ['ams-mix', '--jobs', '3', '--format', 'ndjson', '--compact'],
      ['media', '--tasks', '5'],
      ['ams-mix', '--jobs', '3', '--bogus'],
      ['ams-mix', 'media', '--jobs', '3'],
    ];
    for (const args of bad) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    const unwritable = await run(['chain', '--tasks', '3', '--output', join(tmp, 'no-such-dir', 'w.json')]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain('cannot write');
  });

  it('refuses at once a one-job shape too big for the heap, saying what to do (it ran for minutes, then V8 aborted out of memory)', async () => {
    for (const kind of ['chain', 'layered', 'fan', 'chainrev']) {
      const r = await run([kind, '--tasks', '2147483647']);
      expect(r.code, kind).toBe(2);
      expect(r.stdout, kind).toBe('');
      expect(r.stderr, kind).toMatch(new RegExp(`^${kind} of 2147483647 tasks is one job, built in memory before it is written: about 1000\\.0 GB of heap, and this process may use \\d+\\.\\d GB\\. Use fewer tasks, give node more heap \\(NODE_OPTIONS=--max-old-space-size=<MB>\\), or generate media, which writes one job at a time\\n$`));
    }
  });

  it('writes a finite arrival for every job at the least rate', async () => {
    const r = await run(['ams-mix', '--jobs', '50', '--rate', '1e-6', '--format', 'ndjson']);
    expect(r.code).toBe(0);
    const arrivals = r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { arrival: unknown }).arrival);
    expect(arrivals.every((a) => typeof a === 'number' && Number.isFinite(a))).toBe(true);
  });

  it('accepts underscores in counts', async () => {
    const r = await run(['chain', '--tasks', '1_000', '--compact']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).jobs[0].definition.Tasks).toHaveLength(1000);
  });

  it('prints its usage for --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(GENERATE_USAGE + '\n');
  });
});

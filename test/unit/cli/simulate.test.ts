import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { simulateCommand, SIMULATE_USAGE } from '../../../src/cli/simulate.js';
import type { CliIO } from '../../../src/cli/io.js';
import { runCli } from '../../helpers/cli.js';
import { golden } from '../../helpers/golden.js';

const GOLDEN = 'test/golden/cli';
const LADDER = readFileSync('examples/ladder.json', 'utf8');
const T0 = Date.parse('2026-01-05T10:00:00.000Z');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `jobgraph simulate` with a fixed clock. The simulation's own time is virtual already; what
 * reads the real clock is the wall time each run took (performance.now, faked here so the "wall
 * ms" column reads 0) and the report's "generated" time (the now dep).
 */
async function simulate(args: string[], files: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    readFile: async (p) => {
      const all: Record<string, string> = { 'ladder.json': LADDER, ...files };
      if (p in all) return all[p]!;
      throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    },
    env: {},
  };
  const code = await simulateCommand(args, io, { now: () => T0 });
  return { code, stdout, stderr };
}

function transcript(r: Run): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

describe('jobgraph simulate', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0, toFake: ['performance'] });
  });
  afterEach(() => vi.useRealTimers());

  it('compares every policy at every capacity in one table (golden)', async () => {
    const r = await simulate(['ladder.json', '--policy', 'priority,fifo,critical-path,shortest-first', '--reserved-units', '1,3']);
    expect(r.code).toBe(0);
    golden(GOLDEN, 'simulate-ladder.txt', transcript(r));
    const rows = r.stdout.split('\n').filter((l) => /^\| (priority|fifo|critical-path|shortest-first) /.test(l));
    expect(rows).toHaveLength(8);
    // The best makespan is starred.
    expect(rows.some((l) => l.includes(' * |'))).toBe(true);
  });

  it('puts a unit on every column, prints no -0.0, and explains * and inversions under the table', async () => {
    const r = await simulate(['ladder.json', '--policy', 'priority,shortest-first', '--reserved-units', '3']);
    const [head, , ...rest] = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(head).toMatch(/makespan \(s\).*bound \(s\).*ratio.*job mean \(s\).*job p95 \(s\).*wait mean \(s\).*util.*inversions/);
    for (const row of rest) {
      const cells = row.split('|').map((c) => c.trim());
      expect(cells[5]).toMatch(/^\d+\.\d\d×$/);
      expect(cells[9]).toMatch(/^\d+\.\d %$/);
    }
    expect(r.stdout).not.toMatch(/-0\.0\b/);
    expect(r.stdout).toContain('\n* the shortest makespan of these runs.\n');
    expect(r.stdout).toMatch(/\ninversions: priority inversions, the starts of a task while a task of higher priority/);
    expect(r.stdout).toMatch(/\nutil: busy slot-time ÷ \(capacity × makespan\)/);
  });

  it('reads a generated workload from standard input, with arrivals over time (golden)', async () => {
    vi.useRealTimers();
    const workload = await runCli(['generate', 'ams-mix', '--jobs', '6', '--seed', '7', '--format', 'ndjson']);
    expect(workload.code).toBe(0);
    vi.useFakeTimers({ now: T0, toFake: ['performance'] });
    const r = await simulate(['-', '--reserved-units', '2,4', '--policy', 'priority,critical-path', '--durations', 'demo-exact'], { '-': workload.stdout });
    expect(r.code).toBe(0);
    golden(GOLDEN, 'simulate-ams-mix.txt', transcript(r));
    expect(r.stdout).toMatch(/^6 jobs, \d+ tasks, durations demo, seed 1\n/);
  });

  it('prints the results as JSON: one object a run, without the schedule', async () => {
    const r = await simulate(['ladder.json', '--json', '--reserved-units', '1,2', '--durations', 'fixed:10']);
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(results.map((x) => x.label)).toEqual(['priority · 1 RU', 'priority · 2 RU']);
    for (const x of results) {
      expect(Object.keys(x).sort()).toEqual(
        ['capacity', 'jobCompletion', 'jobCompletionByPriority', 'jobs', 'label', 'lowerBound', 'makespan', 'policy', 'pools', 'priorityInversions', 'ratio', 'refusedAdditions', 'tasks', 'utilisation', 'wallMs', 'waits'].sort(),
      );
      expect(x).toMatchObject({ tasks: 6, jobs: 1, wallMs: 0 });
    }
    // Six tasks of 10 s, one at a time: 60 s; with two units the critical path (Ingest, Encode, Package) bounds it.
    expect(results[0]!.makespan).toBe(60);
    expect(results[1]!.lowerBound).toBe(30);
    golden(GOLDEN, 'simulate-ladder-fixed.out.json', r.stdout);
  });

  it('writes a Gantt chart per run and a report dated by its clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-simulate-'));
    try {
      const gantt = join(dir, 'g.svg');
      const report = join(dir, 'r.html');
      const r = await simulate(['ladder.json', '--policy', 'priority,fifo', '--gantt', gantt, '--report', report]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Gantt of priority · 3 RU: ${join(dir, 'g-1.svg')}\n`);
      expect(r.stdout).toContain(`Gantt of fifo · 3 RU: ${join(dir, 'g-2.svg')}\n`);
      expect(r.stdout).toMatch(/report: .*r\.html\n$/);
      expect(existsSync(gantt)).toBe(false);
      expect(readFileSync(join(dir, 'g-1.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*Encode 1080p[\s\S]*<\/svg>\s*$/);
      const html = readFileSync(report, 'utf8');
      expect(html).toContain('generated 2026-01-05T10:00:00.000Z');
      expect(html).toContain('jobgraph simulation: ladder.json');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints one utilisation: the table, each Gantt view\'s "% busy" and the report agree', async () => {
    vi.useRealTimers();
    const workload = await runCli(['generate', 'ams-mix', '--jobs', '8', '--seed', '3', '--rate', '30', '--format', 'ndjson']);
    vi.useFakeTimers({ now: T0, toFake: ['performance'] });
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-simulate-'));
    try {
      const report = join(dir, 'r.html');
      const args = ['-', '--policy', 'priority,fifo', '--reserved-units', '2,5'];
      const r = await simulate([...args, '--report', report], { '-': workload.stdout });
      const table = r.stdout.split('\n').filter((l) => /^\| (priority|fifo) /.test(l)).map((l) => l.split('|').map((c) => c.trim())[9]!);
      expect(table).toHaveLength(4);
      // Against capacity: 5 units cannot be as busy as 2 for the same work.
      expect(new Set(table).size).toBeGreaterThan(1);
      const html = readFileSync(report, 'utf8');
      const busy = [...html.matchAll(/class="summary"[^>]*>[^<]*?([\d.]+ %) busy/g)].map((m) => m[1]);
      // Three views a run, each saying the same.
      expect(busy).toEqual(table.flatMap((u) => [u, u, u]));
      const cells = [...html.matchAll(/<tr data-run="\d">[\s\S]*?<\/tr>/g)].map((m) => m[0]);
      const utilColumn = [...html.matchAll(/<th class="num" title="([^"]+)"/g)].map((m) => m[1]).indexOf('utilisation');
      const reported = cells.map((row) => [...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1])[2 + utilColumn]);
      expect(reported).toEqual(table);
      for (const view of ['slots', 'jobs', 'tasks']) {
        const g = join(dir, `${view}.svg`);
        await simulate([...args, '--gantt', g, '--gantt-rows', view], { '-': workload.stdout });
        const svgBusy = [1, 2, 3, 4].map((i) => /class="summary"[^>]*>[^<]*?([\d.]+ %) busy/.exec(readFileSync(g.replace(/\.svg$/, `-${i}.svg`), 'utf8'))?.[1]);
        expect(svgBusy).toEqual(table);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints what the README says its example prints', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const m = /```sh\nnpx jobgraph (generate ams-mix [^\n]*) > mix\.json\nnpx jobgraph (simulate mix\.json [^\n]*)\n```\n\n```text\n([\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    vi.useRealTimers();
    const workload = await runCli(m![1]!.split(' '));
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-simulate-'));
    try {
      const args = m![2]!.split(' ').slice(1).map((a) => (a === 'report.html' ? join(dir, a) : a));
      const r = await simulate(args, { 'mix.json': workload.stdout });
      expect(r.code).toBe(0);
      expect(r.stdout.replace(join(dir, 'report.html'), 'report.html')).toBe(m![3]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes the additions a workload lists, and says which were refused (NDJSON and container)', async () => {
    const job = JSON.parse(LADDER) as { Tasks: Array<{ TaskBody: string }> };
    // The ladder's outputs: one past the highest is the addition's.
    const next = Math.max(...job.Tasks.flatMap((t) => [...t.TaskBody.matchAll(/JobOutputAsset\((\d+)\)/g)].map((m) => Number(m[1])))) + 1;
    const extra = { Name: 'Thumbnails', MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', TaskBody: `<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(${next})</outputAsset></taskBody>` };
    const late = { ...extra, Name: 'Too late', TaskBody: extra.TaskBody.replace(`(${next})`, `(${next + 1})`) };
    const entry = { arrival: 0, definition: job, additions: [{ at: 5, tasks: { Tasks: [extra] } }, { at: 1000, tasks: { Tasks: [late] } }] };
    const args = ['w', '--reserved-units', '1', '--durations', 'fixed:10'];
    const ndjson = await simulate(args, { w: JSON.stringify(entry) + '\n' });
    expect(ndjson.code).toBe(0);
    expect(ndjson.stdout).toMatch(/^1 job, 6 tasks \(\+ 2 tasks in 2 additions\), durations fixed 10s, seed 1\n/);
    // Seven tasks of 10 s one at a time; the one at 1000 s finds the job ended.
    expect(ndjson.stdout).toMatch(/\| priority \| 1 RU +\| +70\.0 \|/);
    expect(ndjson.stdout).toContain('\npriority · 1 RU: 1 addition refused (JOB_FINAL: the job had ended)\n');
    const container = await simulate([...args, '--json'], { w: JSON.stringify({ format: 'jobgraph.workload/1', jobs: [entry] }) });
    expect(container.code).toBe(0);
    const [r] = JSON.parse(container.stdout) as Array<{ tasks: number; makespan: number; refusedAdditions: unknown[] }>;
    expect(r).toMatchObject({ tasks: 7, makespan: 70, refusedAdditions: [{ at: 1000, code: 'JOB_FINAL' }] });
    // A bad addition, and an addition before its job arrives: exit 1, named.
    const bad = await simulate(args, { w: JSON.stringify({ ...entry, additions: [{ at: 5, tasks: { Tasks: [{ ...extra, TaskBody: extra.TaskBody.replace('(0)', '(99)') }] } }] }) + '\n' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^jobgraph simulate: w: jobs\[0\]\.additions\[0\]: /);
    expect(bad.stderr).toContain('OUTPUT_NOT_PRODUCED');
    const early = await simulate(args, { w: JSON.stringify({ ...entry, arrival: 10, additions: [{ at: 5, tasks: { Tasks: [extra] } }] }) + '\n' });
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^jobgraph simulate: w: expected jobs\[0\]\.additions\[0\]\.at to be seconds >= the job's arrival \(10\), got `5` \(number\)\n$/);
  });

  it('exits 1 for an invalid workload, naming what is wrong', async () => {
    const r = await simulate(['broken.json'], { 'broken.json': readFileSync('examples/broken-graph.json', 'utf8') });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    golden(GOLDEN, 'simulate-broken-graph.txt', transcript(r));
    expect(r.stderr).toMatch(/^jobgraph simulate: .*jobs\[0\]/);
    expect(r.stderr).toContain('error CYCLE');
  });
});

describe('jobgraph simulate: exit status 2 for usage and I/O errors', () => {
  // The messages' words are the usage errors' own business: here, that they name what is wrong.
  it.each([
    [[], 'workload'],
    [['a.json', 'b.json'], 'workload'],
    [['examples/nope.json'], 'examples/nope.json'],
    [['examples/ladder.json', '--policy', 'random'], 'random'],
    [['examples/ladder.json', '--policy', ','], '--policy'],
    [['examples/ladder.json', '--reserved-units', '1,x'], '--reserved-units'],
    [['examples/ladder.json', '--concurrency', '0'], '--concurrency'],
    [['examples/ladder.json', '--durations', 'slow'], '--durations'],
    [['examples/ladder.json', '--seed', '1.5'], '--seed'],
    // Number('') is 0 and Number('1e300') an integer the simulator read as seed 0: both ran, silently.
    [['examples/ladder.json', '--seed', ''], '--seed'],
    [['examples/ladder.json', '--seed', '1e300'], '--seed'],
    // 400 digits are Infinity seconds: an internal error and a stack trace once the run began.
    [['examples/ladder.json', '--durations', `fixed:${'9'.repeat(400)}`], '--durations'],
    [['examples/ladder.json', '--durations', 'fixed:9000000000001'], '--durations'],
    [['examples/ladder.json', '--gantt-rows', 'pools'], '--gantt-rows'],
    [['examples/ladder.json', '--bogus'], '--bogus'],
  ])('jobgraph simulate %j', async (args, names) => {
    const r = await runCli(['simulate', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const [first] = r.stderr.split('\n');
    expect(first).toMatch(/^jobgraph simulate: /);
    expect(first).toContain(names);
    // One line and a hint, not the whole usage.
    expect(r.stderr).toBe(`${first}\nRun 'jobgraph simulate --help' for its options.\n`);
  });

  it('refuses an arrival that is no seconds >= 0 in an array of jobs or a { jobs } object, as in a container', async () => {
    // Read as 0 before, without a word, where the container form refused it.
    const job = JSON.parse(LADDER) as unknown;
    for (const [text, what] of [
      [JSON.stringify([{ definition: job, arrival: 0 }, { definition: job, arrival: 'soon' }]), 'job 1: "arrival" is "soon"'],
      [JSON.stringify({ jobs: [{ definition: job, arrival: null }] }), 'job 0: "arrival" is null'],
      [JSON.stringify([{ definition: job, arrival: -5 }]), 'job 0: "arrival" is -5'],
    ] as const) {
      // A CliError: main() prints it on one line and exits 2.
      await expect(simulate(['w.json'], { 'w.json': text })).rejects.toThrow(`w.json: ${what}, not a number of seconds >= 0`);
    }
    const ok = await simulate(['w.json', '--json'], { 'w.json': JSON.stringify([{ definition: job, arrival: 2 }, { definition: job }]) });
    expect(ok.code).toBe(0);
  });

  it('exits 1 for a task heavier than the reserved units, rather than an internal error', async () => {
    const job = JSON.parse(LADDER) as { Tasks: Array<Record<string, unknown>> };
    job.Tasks[0]!.Weight = 5;
    const r = await simulate(['w.json', '--reserved-units', '2', '--json'], { 'w.json': JSON.stringify([{ definition: job }]) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^jobgraph simulate: w\.json: WEIGHT_EXCEEDS_POOL: .*Weight 5.* 2 slots/);
  });

  it('exits 1 for an arrival too late for the clock, which ran its tasks in 0 s', async () => {
    const job = JSON.parse(LADDER) as unknown;
    const r = await simulate(['w.json'], { 'w.json': JSON.stringify({ format: 'jobgraph.workload/1', jobs: [{ arrival: 1e308, definition: job }] }) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^jobgraph simulate: w\.json: expected jobs\[0\]\.arrival to be at most 9000000000000 seconds/);
  });

  it('says a Gantt chart or report it cannot write in words, not an errno code', async () => {
    const r = await runCli(['simulate', 'examples/ladder.json', '--gantt', join(tmpdir(), 'no-such-dir-jobgraph', 'g.svg')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*g\.svg: no such file\n/);
    expect(r.stderr).not.toContain('ENOENT');
    const dir = await runCli(['simulate', 'examples/ladder.json', '--report', tmpdir()]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain(': it is a directory');
  });

  it('refuses an empty workload and a line that is not JSON', async () => {
    expect((await runCli(['simulate', '-'], { stdin: '  \n' })).code).toBe(2);
    // A workload of no jobs printed a table of zeros, exit 0.
    for (const stdin of ['[]', '{"jobs": []}', '{"format": "jobgraph.workload/1", "jobs": []}']) {
      const r = await runCli(['simulate', '-'], { stdin });
      expect(r.code, stdin).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe('jobgraph simulate: - is a workload with no jobs: nothing to simulate');
    }
    const ndjson = await runCli(['simulate', '-'], { stdin: `${JSON.stringify({ arrival: 0, definition: JSON.parse(LADDER) })}\n{not json\n` });
    expect(ndjson.code).toBe(2);
    expect(ndjson.stderr.split('\n')[0]).toContain('line 2');
  });

  it('prints its usage for --help, exit 0', async () => {
    const r = await runCli(['simulate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(SIMULATE_USAGE + '\n');
  });
});

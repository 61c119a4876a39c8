import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand, RUN_USAGE, type RunCommandDeps } from '../../../src/cli/run.js';
import { clip, visibleWidth } from '../../../src/cli/run-view.js';
import type { CliIO } from '../../../src/cli/io.js';
import { TaskState } from '../../../src/job/enums.js';
import { runCli } from '../../helpers/cli.js';
import { golden } from '../../helpers/golden.js';
import { containerText, mediaWorkload, ndjsonText } from '../../helpers/workloads.js';

const GOLDEN = 'test/golden/cli';
const LADDER = readFileSync('examples/ladder.json', 'utf8');
/** 10:00 on a Monday: every time printed is an offset from it. */
const T0 = Date.parse('2026-01-05T10:00:00.000Z');

/** The ladder with `word` added to the Configuration of task `index` (the demo processors read it). */
function ladderWith(index: number, word: string, rename?: string): string {
  const job = JSON.parse(LADDER) as { Tasks: Array<{ Configuration: string; Name: string }> };
  job.Tasks[index]!.Configuration += ` ${word}`;
  if (rename !== undefined) job.Tasks[index]!.Name = rename;
  return JSON.stringify(job);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Both, in the order they were written: what a terminal shows. */
  both: string;
}

interface RunOptions {
  files?: Record<string, string>;
  tty?: boolean;
  columns?: number;
  rows?: number;
  env?: Record<string, string>;
  /** Virtual ms after the start at which Ctrl-C is pressed. */
  interruptAt?: number;
  /** When the run starts. @defaultValue T0 */
  startAt?: number;
}

/**
 * Runs `jobgraph run` on a fake clock: timers are fake, the engine's clock and the retry jitter are
 * given through the deps, so every time, duration and order printed is the same on every machine.
 */
async function run(args: string[], opts: RunOptions = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let both = '';
  const files: Record<string, string> = { 'ladder.json': LADDER, ...opts.files };
  const io: CliIO = {
    stdout: Object.assign({ write: (s: string) => ((both += s), (stdout += s)), isTTY: opts.tty ?? false }, opts.columns !== undefined ? { columns: opts.columns } : {}, opts.rows !== undefined ? { rows: opts.rows } : {}),
    stderr: { write: (s: string) => ((both += s), (stderr += s)), isTTY: false },
    readFile: async (p) => {
      if (p in files) return files[p]!;
      throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    },
    env: opts.env ?? {},
  };
  let interrupt: (() => void) | undefined;
  const deps: RunCommandDeps = {
    now: () => Date.now(),
    random: () => 0.5,
    onInterrupt: (h) => {
      interrupt = h;
      return () => (interrupt = undefined);
    },
  };
  vi.useFakeTimers({ now: opts.startAt ?? T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  try {
    let settled = false;
    const p = runCommand(args, io, deps).finally(() => (settled = true));
    p.catch(() => undefined);
    if (opts.interruptAt !== undefined) {
      await vi.advanceTimersByTimeAsync(opts.interruptAt);
      expect(interrupt, 'the run installed its Ctrl-C handler').toBeDefined();
      interrupt!();
    }
    for (let i = 0; !settled && i < 10_000; i++) {
      if (vi.getTimerCount() > 0) await vi.advanceTimersToNextTimerAsync();
      else await new Promise((r) => setImmediate(r));
    }
    return { code: await p, stdout, stderr, both };
  } finally {
    vi.useRealTimers();
  }
}

/**
 * What a terminal `columns` wide shows after `text`: lines wrap at the last column, \x1b[nF moves up
 * n rows to their start, \x1b[2K clears a row, colours are dropped. A redraw that miscounts rows
 * leaves stale or garbled rows here, as on a real terminal.
 */
function screen(text: string, columns: number): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const at = (): string[] => (rows[row] ??= []);
  for (let i = 0; i < text.length; ) {
    const esc = /^\x1b\[(\d*)([A-Za-z])/.exec(text.slice(i, i + 12));
    if (esc) {
      i += esc[0].length;
      if (esc[2] === 'F') (row = Math.max(0, row - Number(esc[1] || 1))), (col = 0);
      else if (esc[2] === 'K') rows[row] = [];
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    i += ch.length;
    if (ch === '\n') {
      row++;
      col = 0;
      continue;
    }
    const w = visibleWidth(ch);
    if (col + w > columns) (row++, (col = 0));
    const line = at();
    line[col] = ch;
    if (w === 2) line[col + 1] = '';
    col += w;
  }
  return Array.from(rows, (r) => Array.from(r ?? [], (c) => c ?? ' ').join('').trimEnd());
}

/** A run as a golden text: exit status, stdout, stderr; escapes shown as ⎋ so the file reads (and diffs) as text. */
function transcript(r: Run): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`.replace(/\x1b/g, '⎋');
}

describe('jobgraph run: plain lines and summary (golden, fake clock)', () => {
  it('prints a line per state change and a summary, and exits 0 when the job finished', async () => {
    const r = await run(['ladder.json']);
    expect(r.code).toBe(0);
    golden(GOLDEN, 'run-ladder.txt', transcript(r));
    expect(r.stdout).toMatch(/job "Ladder" Finished in \d/);
  });

  it('shows the failed task\'s code and message and why its dependent was canceled, and exits 1', async () => {
    const r = await run(['fail.json'], { files: { 'fail.json': ladderWith(1, 'fail') } });
    expect(r.code).toBe(1);
    golden(GOLDEN, 'run-ladder-fail.txt', transcript(r));
    const failure = 'ErrorExecutingTaskUnsupportedFormat: the input format is not supported (demo configuration asks to fail)';
    // In the line of the change, and again in the summary.
    expect(r.stdout).toContain(`Encode 1080p: Processing → Error — ${failure}`);
    expect(r.stdout).toContain(`Encode 1080p failed: ${failure}`);
    expect(r.stdout).toContain('Package canceled: its input JobOutputAsset(1) comes from task "Encode 1080p", which failed');
    expect(r.stdout).toMatch(/job "Ladder" Error in \d+ ms: 1 task failed, 1 canceled\n$/);
  });

  it('says why each canceled task was canceled when the failure is further up the graph', async () => {
    const r = await run(['fail.json'], { files: { 'fail.json': ladderWith(0, 'fail') } });
    expect(r.code).toBe(1);
    golden(GOLDEN, 'run-ladder-fail-first.txt', transcript(r));
    expect(r.stdout).toContain('Encode 720p canceled: its input JobOutputAsset(0) comes from task "Ingest", which failed');
    expect(r.stdout).toContain('Package canceled: its input JobOutputAsset(1) comes from task "Encode 1080p", which was canceled');
    expect(r.stdout).toMatch(/: 1 task failed, 5 canceled\n$/);
  });

  it('shows the TransientError of a retried attempt, and exits 0 when the retry finished', async () => {
    const r = await run(['flaky.json'], { files: { 'flaky.json': ladderWith(2, 'flaky') } });
    expect(r.code).toBe(0);
    golden(GOLDEN, 'run-ladder-flaky.txt', transcript(r));
    expect(r.stdout).toMatch(/Encode 720p: Processing → Scheduled — TransientError: the encoder node went away/);
    expect(r.stdout).toMatch(/Encode 720p finished \(after 2 attempts\), run again after TransientError: the encoder node went away/);
  });

  it('says an invalid job is invalid and runs nothing: exit 1', async () => {
    const r = await run(['broken.json'], { files: { 'broken.json': readFileSync('examples/broken-graph.json', 'utf8') } });
    expect(r.code).toBe(1);
    golden(GOLDEN, 'run-broken-graph.txt', transcript(r));
    expect(r.stderr).toMatch(/broken\.json is not a valid job; nothing ran\n$/);
    expect(r.stdout).toBe('');
  });
});

describe('jobgraph run: the live view on a TTY (golden, fake clock)', () => {
  it('draws bars coloured by outcome, lists the failed and canceled tasks, and ends red', async () => {
    const r = await run(['fail.json'], { files: { 'fail.json': ladderWith(1, 'fail') }, tty: true, columns: 100 });
    expect(r.code).toBe(1);
    golden(GOLDEN, 'run-ladder-fail-tty.txt', transcript(r));
    const frames = r.stdout.split(/\x1b\[\d+F/);
    const last = frames.at(-2)!;
    // The overall bar of the last frame is red (31), not green: a task failed.
    expect(last).toMatch(/^\x1b\[2K\x1b\[31m█{30}\x1b\[0m 100%  6\/6 tasks ended, 1 failed, 1 canceled/);
    expect(last).toContain('✗ Encode 1080p failed: ErrorExecutingTaskUnsupportedFormat');
    expect(last).toContain('⊘ Package canceled: its input JobOutputAsset(1) comes from task "Encode 1080p", which failed');
  });

  it('ends green when the job finished, and does not colour with NO_COLOR', async () => {
    const green = await run(['ladder.json'], { tty: true });
    expect(green.stdout).toMatch(/\x1b\[32m█{30}\x1b\[0m 100%  6\/6 tasks ended/);
    const plain = await run(['ladder.json'], { tty: true, env: { NO_COLOR: '1' } });
    expect(plain.stdout).not.toMatch(/\x1b\[3\dm/);
    expect(plain.stdout).toMatch(/█{30} 100%  6\/6 tasks ended/);
  });

  it('keeps every line within the terminal width, whatever the task names', async () => {
    const long = 'Encode the whole catalogue at 1080p for the spring release, all of it, twice over, then again';
    const hostile = 'Evil\x1b[2J\nname';
    const job = JSON.parse(ladderWith(1, 'fail', long)) as { Tasks: Array<{ Name: string }> };
    job.Tasks[2]!.Name = hostile;
    job.Tasks[3]!.Name = '符号化された字幕付きの長い日本語のタスク名はふたつの列を使います';
    for (const columns of [40, 80, undefined]) {
      const r = await run(['long.json'], { files: { 'long.json': JSON.stringify(job) }, tty: true, ...(columns !== undefined ? { columns } : {}) });
      expect(r.code).toBe(1);
      const live = r.stdout.slice(0, r.stdout.indexOf('#  task'));
      // No escape but the view's own: the name's ESC [2J and newline are shown, not obeyed.
      expect(live.replace(/\x1b\[[0-9;]*[mKF]/g, '')).not.toContain('\x1b');
      const rows = live.split(/\n|\x1b\[\d+F/).map((l) => l.replace(/\x1b\[2K/g, ''));
      for (const row of rows) expect(visibleWidth(row), JSON.stringify(row)).toBeLessThan(columns ?? 80);
      expect(rows.some((row) => row.includes('…'))).toBe(true);
      // On the screen, above the summary, only the last frame remains: no row left over from a wrap.
      const shown = screen(r.both, columns ?? 80);
      const last = r.stdout.split(/\x1b\[\d+F/).at(-2)!;
      const frameRows = last.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*[mK]/g, '')).filter((l) => l !== '');
      expect(shown.slice(0, shown.indexOf('#  task'))).toEqual(frameRows);
    }
  });

  it('keeps the frame within the terminal height, the failures listed and the running tasks counted', async () => {
    const ladder = JSON.parse(LADDER) as { Tasks: Array<Record<string, string>> };
    const encode = ladder.Tasks[1]!;
    const wide = {
      ...ladder,
      Tasks: Array.from({ length: 12 }, (_, i) => ({
        Name: `Encode ${i}`,
        MediaProcessorId: encode.MediaProcessorId,
        Configuration: `H264 Single Bitrate 720p${i % 4 === 0 ? ' fail' : ''}`,
        TaskBody: `<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(${i})</outputAsset></taskBody>`,
      })),
    };
    const r = await run(['wide.json', '--reserved-units', '12'], { files: { 'wide.json': JSON.stringify(wide) }, tty: true, rows: 8, env: { NO_COLOR: '1' } });
    expect(r.code).toBe(1);
    const live = r.stdout.slice(0, r.stdout.indexOf(' #  task'));
    const frames = live.split(/\x1b\[\d+F/).map((f) => f.split('\n').filter((l) => l.replace(/\x1b\[2K/g, '') !== ''));
    for (const f of frames) expect(f.length).toBeLessThanOrEqual(7);
    const busy = frames.find((f) => f.some((l) => l.includes('more running')) && f.some((l) => l.includes('✗')))!;
    expect(busy.map((l) => l.replace(/\x1b\[2K/g, '').replace(/█|░/g, '#'))).toEqual([
      '##############################  48%  3/12 tasks ended, 9 running, 3 failed',
      '  ####################  30%  Encode 1',
      '  ####################  30%  Encode 2',
      '  … and 7 more running or about to run again',
      '  ✗ Encode 0 failed: ErrorExecutingTaskUnsupportedFormat: the input format is …',
      '  ✗ Encode 4 failed: ErrorExecutingTaskUnsupportedFormat: the input format is …',
      '  ✗ Encode 8 failed: ErrorExecutingTaskUnsupportedFormat: the input format is …',
    ]);
    const shown = screen(r.both, 80);
    expect(shown.slice(0, shown.findIndex((l) => l.includes('#  task')))).toHaveLength(4);
  });
});

describe('jobgraph run --json', () => {
  it('prints the final job and task views with their attempts, and nothing else', async () => {
    const r = await run(['fail.json', '--json'], { files: { 'fail.json': ladderWith(1, 'fail') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const body = JSON.parse(r.stdout) as { job: Record<string, unknown>; tasks: Array<Record<string, unknown>> };
    expect(Object.keys(body)).toEqual(['job', 'tasks']);
    expect(Object.keys(body.job).sort()).toEqual(
      ['Created', 'EndTime', 'Id', 'JobNotificationSubscriptions', 'LastModified', 'Name', 'Priority', 'RunningDuration', 'StartTime', 'State', 'TemplateId'].sort(),
    );
    expect(body.job).toMatchObject({ Name: 'Ladder', State: TaskState.Error, StartTime: '2026-01-05T10:00:00.000Z' });
    expect(body.tasks.map((t) => [t.Name, t.State, t.attempts])).toEqual([
      ['Ingest', TaskState.Finished, 1],
      ['Encode 1080p', TaskState.Error, 1],
      ['Encode 720p', TaskState.Finished, 1],
      ['Encode 480p', TaskState.Finished, 1],
      ['Thumbnails', TaskState.Finished, 1],
      ['Package', TaskState.Canceled, 0],
    ]);
    for (const key of ['Id', 'State', 'Progress', 'StartTime', 'EndTime', 'RunningDuration', 'ErrorDetails', 'HistoricalEvents', 'attempts']) expect(Object.keys(body.tasks[0]!)).toContain(key);
    expect(body.tasks[1]!.ErrorDetails).toEqual([{ Code: 'ErrorExecutingTaskUnsupportedFormat', Message: 'the input format is not supported (demo configuration asks to fail)' }]);
    expect(body.tasks[5]!.ErrorDetails).toEqual([{ Code: 'DependencyFailed', Message: 'canceled: task "Encode 1080p" failed' }]);
  });

  it('exits 0 for a finished job', async () => {
    const r = await run(['ladder.json', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).job.State).toBe(TaskState.Finished);
  });
});

describe('jobgraph run: Ctrl-C', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('without --data cancels the job, says why each task was canceled, and exits 1', async () => {
    const r = await run(['ladder.json'], { interruptAt: 175 });
    expect(r.code).toBe(1);
    golden(GOLDEN, 'run-ladder-interrupt.txt', transcript(r));
    expect(r.stderr).toBe('\njobgraph run: interrupted, canceling the job…\n');
    expect(r.stdout).toContain('Package canceled: the job was canceled');
    expect(r.stdout).toMatch(/job "Ladder" Canceled in \d+ ms: \d tasks canceled\n$/);
  });

  it('on a TTY leaves the frame intact above the message and draws the next below it (golden screen)', async () => {
    const r = await run(['ladder.json'], { interruptAt: 175, tty: true, env: { NO_COLOR: '1' } });
    expect(r.code).toBe(1);
    const shown = screen(r.both, 80);
    golden(GOLDEN, 'run-ladder-interrupt-tty.screen.txt', shown.join('\n'));
    const note = shown.indexOf('jobgraph run: interrupted, canceling the job…');
    expect(note).toBeGreaterThan(0);
    expect(shown[note - 1]).toBe('');
    // The frame before the message is whole: its overall line and a line per running task.
    expect(shown[0]).toMatch(/^█+░* +\d+%  1\/6 tasks ended, 3 running$/);
    expect(shown[note + 1]).toMatch(/^█{30} 100%  6\/6 tasks ended, 5 canceled$/);
  });

  it('with --data stops, keeps the job, and the same command resumes it to the end', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-run-'));
    const data = join(dir, 'run.db');
    const first = await run(['ladder.json', '--data', data], { interruptAt: 175 });
    expect(first.code).toBe(1);
    expect(first.stderr).toBe(`\njobgraph run: interrupted; the job is kept in ${data}: run the same command again to resume it\n`);
    // Stopped, not canceled: no summary, nothing canceled.
    expect(first.stdout).not.toContain('Canceled');
    expect(first.stdout).not.toContain('#  task');

    const second = await run(['ladder.json', '--data', data], { startAt: T0 + 60_000 });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/^jobgraph run: resuming job "Ladder" from .*run\.db \(3 tasks to run again\); ladder\.json is not submitted again\n$/);
    // The tasks that ran when Ctrl-C came run again (Requeued), and the summary says so; the one that had finished does not.
    expect(second.stdout).not.toContain('Ingest:');
    for (const name of ['Encode 1080p', 'Encode 720p', 'Encode 480p']) expect(second.stdout).toContain(`${name} finished, run again after the engine stopped while the task ran`);
    expect(second.stdout).toMatch(/10:01:00\.\d{3} Package: Processing → Finished/);
    const golden2 = (s: string): string => s.split(data).join('<dir>/run.db');
    golden(GOLDEN, 'run-ladder-data-interrupt.txt', golden2(transcript(first)));
    golden(GOLDEN, 'run-ladder-data-resume.txt', golden2(transcript(second)));
  });
});

describe('jobgraph run: exit status 2 for usage and I/O errors', () => {
  // The messages' words are the usage errors' own business: here, that they name what is wrong.
  it.each([
    [[], 'job file'],
    [['a.json', 'b.json'], 'job file'],
    [['examples/nope.json'], 'examples/nope.json'],
    [['examples/ladder.json', '--concurrency', '0'], '--concurrency'],
    [['examples/ladder.json', '--reserved-units=-1'], '--reserved-units'],
    [['examples/ladder.json', '--time-scale', 'fast'], '--time-scale'],
    [['examples/ladder.json', '--time-scale', '1', '--processors', 'p.js'], '--time-scale'],
    [['examples/ladder.json', '--data', ''], '--data'],
    [['examples/ladder.json', '--bogus'], '--bogus'],
  ])('jobgraph run %j', async (args, names) => {
    const r = await runCli(['run', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const [first] = r.stderr.split('\n');
    expect(first).toMatch(/^jobgraph run: /);
    expect(first).toContain(names);
    // One line and a hint, not the whole usage.
    expect(r.stderr).toBe(`${first}\nRun 'jobgraph run --help' for its options.\n`);
  });

  it('prints its usage for --help, exit 0', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(RUN_USAGE + '\n');
  });
});

describe('jobgraph run on a workload', () => {
  const ladderWorkload = { ...mediaWorkload(1), jobs: [{ arrival: 0, definition: JSON.parse(LADDER) }] };

  it('runs the only job of a workload, container or NDJSON, as it runs the job', async () => {
    const plain = await run(['ladder.json']);
    const container = await run(['w.json'], { files: { 'w.json': containerText(ladderWorkload) } });
    const nd = await run(['w.ndjson'], { files: { 'w.ndjson': ndjsonText(ladderWorkload) } });
    expect(container).toEqual(plain);
    expect(nd).toEqual(plain);
  });

  it('runs job N of several with --job N', async () => {
    const r = await run(['w.ndjson', '--job', '1'], { files: { 'w.ndjson': ndjsonText(mediaWorkload(3)) } });
    golden(GOLDEN, 'run-workload-job.txt', transcript(r));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/job "media\(18\) job 1" Finished in /);
  });

  it('says an invalid job of a workload is invalid, named with its job, and runs nothing', async () => {
    const r = await run(['w.json', '--job', '1'], { files: { 'w.json': containerText(mediaWorkload(2, 1)) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('w.json: job #1 "media(12) job 1": task #5 "Package" 1:11: error OUTPUT_NOT_PRODUCED');
    expect(r.stderr).toMatch(/jobgraph run: w\.json: job #1 "media\(12\) job 1" is not a valid job; nothing ran\n$/);
  });

  it('runs every job of several, each at its arrival time scaled by --time-scale, and ends with a table (golden)', async () => {
    // Arrivals 0, 10 and 20 s, scaled by 0.05: 0, 0.5 and 1 s; job 1's Encode 1080p fails.
    const w = mediaWorkload(3);
    const encode = w.jobs[1]!.definition.Tasks![1]!;
    encode.Configuration += ' fail';
    const r = await run(['w.ndjson'], { files: { 'w.ndjson': ndjsonText(w) } });
    golden(GOLDEN, 'run-workload-all.txt', transcript(r));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^10:00:00\.500 job #1 "media\(18\) job 1" arrived: 6 tasks$/m);
    expect(r.stdout).toMatch(/^10:00:01\.000 job #2 "media\(18\) job 2" arrived: 6 tasks$/m);
    expect(r.stdout).toContain('job #1 "media(18) job 1": Encode 1080p failed: ErrorExecutingTaskUnsupportedFormat');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^3 jobs in .*: 2 Finished, 1 Error$/);
    const ok = await run(['w.json'], { files: { 'w.json': containerText(mediaWorkload(3)) } });
    expect(ok.code).toBe(0);
    expect(ok.stdout.trimEnd().split('\n').at(-1)).toMatch(/^3 jobs Finished in /);
  });

  it('prints every job with its tasks for --json', async () => {
    const r = await run(['w.json', '--json'], { files: { 'w.json': containerText(mediaWorkload(2)) } });
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.jobs.map((j: { index: number; arrival: number; job: { Name: string; State: number }; tasks: unknown[] }) => [j.index, j.arrival, j.job.Name, j.job.State, j.tasks.length])).toEqual([
      [0, 0, 'media(12) job 0', TaskState.Finished, 6],
      [1, 10, 'media(12) job 1', TaskState.Finished, 6],
    ]);
  });

  it('runs nothing when a job of the workload is invalid, naming every invalid job', async () => {
    const r = await run(['w.json'], { files: { 'w.json': containerText(mediaWorkload(3, 2)) } });
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toContain('w.json: job #2 "media(18) job 2": task #5 "Package" 1:11: error OUTPUT_NOT_PRODUCED');
    expect(r.stderr).toMatch(/jobgraph run: w\.json: 1 of 3 jobs is not valid; nothing ran\n$/);
  });

  it('on Ctrl-C cancels the jobs that arrived and submits no more', async () => {
    const r = await run(['w.json'], { files: { 'w.json': containerText(mediaWorkload(3)) }, interruptAt: 600 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('interrupted, canceling the jobs that arrived');
    expect(r.stdout).not.toContain('job #2 "media(18) job 2" arrived');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^3 jobs in .*: .*1 not arrived/);
  });

  it('says what is wrong with --job out of range or on a job, and with --data or --redis for several jobs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-run-'));
    try {
      const path = join(dir, 'three.json');
      writeFileSync(path, containerText(mediaWorkload(3)));
      const first = async (args: string[]): Promise<string> => (await runCli(['run', ...args])).stderr.split('\n')[0]!;
      expect(await first([path, '--job', '3'])).toBe(`jobgraph run: --job 3 is past the end: ${path} has 3 jobs (0 to 2)`);
      expect(await first(['examples/ladder.json', '--job', '0'])).toBe('jobgraph run: --job picks a job of a workload; examples/ladder.json is one job definition');
      expect(await first([path, '--data', join(dir, 'run.db')])).toBe(`jobgraph run: ${path} is a workload of 3 jobs: --data keeps one job; pick one with --job N`);
      expect(await first([path, '--redis', 'redis://127.0.0.1:1'])).toBe(`jobgraph run: ${path} is a workload of 3 jobs: --redis runs one job; pick one with --job N`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('clip', () => {
  it('cuts a line to the columns it may take, counting wide characters twice and escapes not at all', () => {
    expect(clip('abcdef', 6)).toBe('abcdef');
    expect(clip('abcdefg', 6)).toBe('abcde…');
    expect(clip('\x1b[31mabcdefg\x1b[0m', 4)).toBe('\x1b[31mabc…\x1b[0m');
    expect(clip('\x1b[31mab\x1b[0mcdefg', 4)).toBe('\x1b[31mab\x1b[0mc…');
    expect(clip('日本語のタスク', 6)).toBe('日本…');
    expect(visibleWidth(clip('日本語のタスク', 6))).toBe(5);
    expect(clip('a😀b', 3)).toBe('a…');
    expect(clip('a😀b', 4)).toBe('a😀b');
  });
});

describe('jobgraph run on a workload with additions', () => {
  /** A task for job `j` of `w` that reads the job's input and writes its next output (`later` after an earlier addition's). */
  function addition(w: ReturnType<typeof mediaWorkload>, j: number, later = 0): { Tasks: unknown[] } {
    const def = w.jobs[j]!.definition;
    const outputs = def.Tasks!.flatMap((t) => [...t.TaskBody.matchAll(/JobOutputAsset\((\d+)\)<\/outputAsset>/g)].map((m) => Number(m[1])));
    const first = def.Tasks![0]!;
    const body = `<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(${Math.max(...outputs) + 1 + later})</outputAsset></taskBody>`;
    return { Tasks: [{ Name: 'Added', MediaProcessorId: first.MediaProcessorId, ...(first.Configuration !== undefined ? { Configuration: first.Configuration } : {}), TaskBody: body }] };
  }

  it('adds a job’s tasks at their time and says so; one due after its job ended is refused (JOB_FINAL)', async () => {
    const w = mediaWorkload(2);
    const jobs = w.jobs.map((j, i) => (i === 0 ? { ...j, additions: [{ at: 0, tasks: addition(w, 0) }, { at: 100_000, tasks: addition(w, 0, 1) }] } : j));
    const text = JSON.stringify({ ...w, jobs });
    const r = await run(['w.json'], { files: { 'w.json': text } });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^10:00:00\.000 job #0 "media\(12\) job 0" grew: 1 task added \(addition #0\)$/m);
    expect(r.stdout).toContain('job #0 "media(12) job 0": 1 addition refused (JOB_FINAL: the job had ended)');
    // The job ran its added task: 7 tasks, all Finished.
    expect(r.stdout).toMatch(/^\s*0\s+media\(12\) job 0\s+0 s\s+Finished\s+7\b/m);
    const json = await run(['w.json', '--json'], { files: { 'w.json': text } });
    const body = JSON.parse(json.stdout) as { jobs: Array<{ tasks: Array<{ Name: string; State: number }>; additions?: unknown }> };
    expect(body.jobs[0]!.additions).toEqual([
      { index: 0, at: 0, tasks: 1, outcome: 'added' },
      { index: 1, at: 100_000, tasks: 1, outcome: 'JOB_FINAL' },
    ]);
    expect(body.jobs[0]!.tasks.filter((t) => t.Name === 'Added').map((t) => t.State)).toEqual([TaskState.Finished]);
    expect(body.jobs[1]!.additions).toBeUndefined();
  });

  it('runs nothing when an addition is not valid, naming it with its diagnostics', async () => {
    const w = mediaWorkload(2);
    const bad = addition(w, 1);
    (bad.Tasks[0] as { TaskBody: string }).TaskBody = '<taskBody><inputAsset>JobOutputAsset(99)</inputAsset><outputAsset>JobOutputAsset(6)</outputAsset></taskBody>';
    const jobs = w.jobs.map((j, i) => (i === 1 ? { ...j, additions: [{ at: 10, tasks: bad }] } : j));
    const r = await run(['w.json'], { files: { 'w.json': JSON.stringify({ ...w, jobs }) } });
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toMatch(/^jobgraph run: w\.json: jobs\[1\]\.additions\[0\]: .*; nothing ran$/m);
    expect(r.stderr).toContain('OUTPUT_NOT_PRODUCED');
  });
});

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadProcessors, workerCommand } from '../../../src/cli/worker.js';
import { runCommand } from '../../../src/cli/run.js';
import type { TaskWorker, WorkerOptions } from '../../../src/distributed/worker.js';
import { TaskState } from '../../../src/job/enums.js';
import { fakeIO, runCli } from '../../helpers/cli.js';
import { golden } from '../../helpers/golden.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';

const BIN = fileURLToPath(new URL('../../../bin/jobgraph.js', import.meta.url));
const FIXTURES = 'test/fixtures/distributed';
const PROCESSORS = `${FIXTURES}/processors.js`;
const CHAIN = readFileSync(`${FIXTURES}/chain.json`, 'utf8');
const SLOW = readFileSync(`${FIXTURES}/slow.json`, 'utf8');

/** The first line `jobgraph worker` writes on stderr for these arguments, and its exit status. */
async function refusal(args: string[]): Promise<[number, string]> {
  const r = await runCli(['worker', ...args]);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').slice(1)).toEqual(["Run 'jobgraph worker --help' for its options.", '']);
  return [r.code, r.stderr.split('\n')[0]!];
}

describe('jobgraph worker: arguments', () => {
  it('prints its usage for --help, and is listed by jobgraph --help (golden)', async () => {
    const help = await runCli(['worker', '--help']);
    expect(help.code).toBe(0);
    golden('test/golden/cli', 'worker-help.txt', help.stdout);
    const main = await runCli(['--help']);
    golden('test/golden/cli', 'help.txt', main.stdout);
  });

  it('refuses bad arguments with exit 2 and a message that says what is wrong', async () => {
    const cases: Array<[string[], string]> = [
      [[], 'jobgraph worker: --redis URL is required: the Redis of the orchestrator (jobgraph run or serve --redis), e.g. redis://127.0.0.1:6379'],
      [['--redis', 'http://cache:6379'], 'jobgraph worker: --redis: "http://cache:6379" is not a Redis URL (the scheme is http:): use redis://, rediss:// or unix://'],
      [['--redis', 'cache:6379'], 'jobgraph worker: --redis: "cache:6379" is not a Redis URL (the scheme is cache:): use redis://, rediss:// or unix://'],
      [['--redis', 'no url'], 'jobgraph worker: --redis: "no url" is not a Redis URL: use redis://host:port, rediss://host:port or unix:///path/to/redis.sock'],
      [['--redis', 'unix:///'], 'jobgraph worker: --redis: "unix:///" names no socket: use unix:///path/to/redis.sock'],
      [['--redis', 'redis://cache/x'], 'jobgraph worker: --redis: "redis://cache/x" names database "x": it must be a number'],
      [['--redis', ''], 'jobgraph worker: --redis needs a URL: redis://host:port, rediss://host:port or unix:///path/to/redis.sock'],
      [['--redis', 'redis://cache', '--concurrency', '0'], 'jobgraph worker: --concurrency must be an integer from 1 to 10000, not "0"'],
      [['--redis', 'redis://cache', '--concurrency', 'many'], 'jobgraph worker: --concurrency must be an integer from 1 to 10000, not "many"'],
      [['--redis', 'redis://cache', '--concurrency', '2.5'], 'jobgraph worker: --concurrency must be an integer from 1 to 10000, not "2.5"'],
      [['--redis', 'redis://cache', '--shutdown-grace=-1'], 'jobgraph worker: --shutdown-grace must be an integer from 0 to 2147483647, not "-1"'],
      [['--redis', 'redis://cache', '--lock-duration', '10'], 'jobgraph worker: --lock-duration must be an integer from 1000 to 2147483647, not "10"'],
      [['--redis', 'redis://cache', '--pools', 'a,,b'], 'jobgraph worker: --pools must name one pool or more, separated by commas, not "a,,b"'],
      [['--redis', 'redis://cache', '--prefix', ''], 'jobgraph worker: --prefix needs a value (the default is jobgraph)'],
      [['--redis', 'redis://cache', '--name', ''], 'jobgraph worker: --name needs a value (the default is host:pid)'],
      [['--redis', 'redis://cache', '--time-scale', 'fast'], 'jobgraph worker: --time-scale must be a number from 0 to 1000, not "fast"'],
      [['--redis', 'redis://cache', '--time-scale', '0', '--processors', PROCESSORS], 'jobgraph worker: --time-scale scales the demo processors: it does not go with --processors'],
      [['--redis', 'redis://cache', 'job.json'], 'jobgraph worker: takes no file, got "job.json"'],
    ];
    for (const [args, message] of cases) expect(await refusal(args), args.join(' ')).toEqual([2, message]);
    expect(await refusal(['--redis', 'redis://cache', '--bogus'])).toEqual([2, 'jobgraph worker: unknown option --bogus']);
  });

  it('refuses a --processors module it cannot use, with a stable code', async () => {
    const at = (name: string) => ['--redis', 'redis://cache', '--processors', `${FIXTURES}/${name}`];
    const cases: Array<[string[], string]> = [
      [at('missing.js'), `jobgraph worker: --processors ${FIXTURES}/missing.js: no such file [PROCESSORS_NOT_FOUND]`],
      [['--redis', 'redis://cache', '--processors', FIXTURES], `jobgraph worker: --processors ${FIXTURES}: it is a directory, not a module [PROCESSORS_NOT_FOUND]`],
      [at('throws.js'), `jobgraph worker: --processors ${FIXTURES}/throws.js: the module failed to load: the fixture refuses to load [PROCESSORS_LOAD_FAILED]`],
      [
        at('no-export.js'),
        `jobgraph worker: --processors ${FIXTURES}/no-export.js: the module exports no processors: export default (or export const processors) an array of processors, or a function that returns one [PROCESSORS_INVALID]`,
      ],
      [at('not-an-array.js'), `jobgraph worker: --processors ${FIXTURES}/not-an-array.js: its default export must be a non-empty array of processors (or a function that returns one), not an object [PROCESSORS_INVALID]`],
      [at('no-run.js'), `jobgraph worker: --processors ${FIXTURES}/no-run.js: processor #0 (nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56) needs a run() function [PROCESSORS_INVALID]`],
    ];
    for (const [args, message] of cases) expect(await refusal(args), args.join(' ')).toEqual([2, message]);
  });

  it('loads processors from a path or a file: URL, from an array or from a function', async () => {
    const named = await loadProcessors(PROCESSORS);
    expect(named.map((p) => p.name)).toEqual(['Fixture Encoder', 'Fixture Packager', 'Fixture Thumbnailer']);
    const byUrl = await loadProcessors(pathToFileURL(resolve(PROCESSORS)).href, '/');
    expect(byUrl.map((p) => p.id)).toEqual(named.map((p) => p.id));
    const made = await loadProcessors('distributed/factory.js', resolve('test/fixtures'));
    expect(made.map((p) => p.name)).toEqual(['Fixture Encoder']);
  });

  it('says when Redis does not answer, goes on trying, and stops at a signal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-worker-'));
    try {
      const io = fakeIO();
      let stop!: (signal: string) => void;
      const exit = workerCommand(['--redis', `unix://${dir}/none.sock`], io, { quietMs: 100, onStop: (h) => ((stop = h), () => undefined) });
      while (!io.err.join('').includes('does not answer')) await sleep(20);
      await sleep(300); // still trying, and said so once
      stop('SIGTERM');
      expect(await exit).toBe(0);
      expect(io.err.join('')).toBe(
        `jobgraph worker: Redis at unix://${dir}/none.sock does not answer after 100 ms (connect ENOENT ${dir}/none.sock); still trying (Ctrl-C stops)\n` + 'jobgraph worker: SIGTERM before Redis answered: stopped\n',
      );
      expect(io.out).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A `jobgraph worker` child process (bin/jobgraph.js: the built CLI). */
class WorkerProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  stdout = '';
  stderr = '';
  /** Resolves with the ready line. */
  readonly ready: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  #hang: ReturnType<typeof setTimeout>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal, at: Date.now() })));
    this.ready = new Promise((resolve, reject) => {
      this.child.stdout.on('data', (s: string) => {
        this.stdout += s;
        const line = /^jobgraph worker: .* ready: .*$/m.exec(this.stdout);
        if (line) resolve(line[0]);
      });
      void this.exited.then(({ code }) => reject(new Error(`the worker exited (${code}) before it was ready; stderr:\n${this.stderr}`)));
    });
    this.ready.catch(() => undefined);
    // Never leave a child behind, whatever the test does.
    this.#hang = setTimeout(() => this.child.kill('SIGKILL'), 25_000);
    void this.exited.then(() => clearTimeout(this.#hang));
  }

  get pid(): number {
    return this.child.pid!;
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!haveRedis)('jobgraph worker on Redis', () => {
  if (!haveRedis) console.warn(`jobgraph worker on Redis: skipped: ${noRedisReason}`);
  let redis: TestRedis;
  let markers: string;
  let prefix: string;
  let n = 0;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop(true);
  });
  beforeEach(() => {
    markers = mkdtempSync(join(tmpdir(), 'jobgraph-markers-'));
    // Each test its own keys: nothing one leaves in Redis reaches the next.
    prefix = `t${++n}`;
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.signal('SIGKILL');
      await w.exited;
    }
    rmSync(markers, { recursive: true, force: true });
  });

  const worker = (args: string[] = [], env: Record<string, string> = {}): WorkerProcess => {
    const w = new WorkerProcess(['--redis', redis.url, '--prefix', prefix, '--processors', PROCESSORS, ...args], { JOBGRAPH_TEST_MARKERS: markers, ...env });
    workers.push(w);
    return w;
  };
  /** `jobgraph run JOB --redis … --json` in this process; resolves with its exit status and report. */
  const run = async (job: string, args: string[] = []) => {
    const io = fakeIO({ 'job.json': job });
    const code = await runCommand(['job.json', '--redis', redis.url, '--prefix', prefix, '--json', ...args], io);
    return { code, io, report: code === 2 ? undefined : (JSON.parse(io.out.join('')) as { job: { State: number }; tasks: Array<{ Name: string; State: number; attempts: number }> }) };
  };
  const marks = (): string[] => readdirSync(markers).sort();
  const until = async (what: () => boolean, ms = 10_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!what()) {
      if (Date.now() > deadline) throw new Error(`timed out; markers: ${marks().join(', ')}`);
      await sleep(20);
    }
  };

  it('runs the tasks of `jobgraph run --redis`, in dependency order, and exits 0 at SIGTERM', async () => {
    const w = worker(['--concurrency', '2', '--name', 'fixture-worker']);
    expect(await w.ready).toBe(`jobgraph worker: fixture-worker ready: Redis at ${redis.url} (prefix ${prefix}), pool reserved-units, concurrency 2 per pool, 3 processors; SIGTERM or Ctrl-C stops`);
    const { code, io, report } = await run(CHAIN);
    expect(code).toBe(0);
    expect(io.err.join('')).toBe(`jobgraph run: tasks run on the workers of Redis at ${redis.url} (prefix ${prefix}), pool reserved-units: start them with jobgraph worker --redis URL\n`);
    expect(report!.job.State).toBe(TaskState.Finished);
    expect(report!.tasks.map((t) => [t.Name, t.State, t.attempts])).toEqual([
      ['Encode', TaskState.Finished, 1],
      ['Package', TaskState.Finished, 1],
      ['Thumbnails', TaskState.Finished, 1],
    ]);
    // Each ran once, on the worker, each after the one it depends on.
    const pid = w.pid;
    expect(marks()).toEqual(['Encode', 'Package', 'Thumbnails'].flatMap((t) => [`${t}.${pid}.finished`, `${t}.${pid}.started`]));
    const at = (f: string) => Number(readFileSync(join(markers, f), 'utf8'));
    expect(at(`Package.${pid}.started`)).toBeGreaterThanOrEqual(at(`Encode.${pid}.finished`));
    expect(at(`Thumbnails.${pid}.started`)).toBeGreaterThanOrEqual(at(`Package.${pid}.finished`));

    w.signal('SIGTERM');
    expect((await w.exited).code).toBe(0);
    expect(w.stderr).toBe('jobgraph worker: SIGTERM: taking no more tasks; none is running…\njobgraph worker: stopped\n');
  });

  it('lets a running task finish at SIGTERM, takes no other, and exits 0', async () => {
    const a = worker();
    await a.ready;
    const running = run(SLOW);
    await until(() => existsSync(join(markers, `Slow.${a.pid}.started`)));
    a.signal('SIGTERM');
    const exit = await a.exited;
    expect(exit.code).toBe(0);
    // Finished before the worker exited, and the task after it was left for another worker.
    expect(Number(readFileSync(join(markers, `Slow.${a.pid}.finished`), 'utf8'))).toBeLessThanOrEqual(exit.at);
    expect(a.stderr).toBe(
      'jobgraph worker: SIGTERM: taking no more tasks; 1 running task may finish for 30 s, then go back to their queue (a second signal hands them back now)…\njobgraph worker: stopped\n',
    );
    const b = worker();
    const { code, report } = await running;
    expect(code).toBe(0);
    expect(report!.tasks.map((t) => [t.Name, t.State, t.attempts])).toEqual([
      ['Slow', TaskState.Finished, 1],
      ['After', TaskState.Finished, 1],
    ]);
    expect(marks()).toEqual([`After.${b.pid}.finished`, `After.${b.pid}.started`, `Slow.${a.pid}.finished`, `Slow.${a.pid}.started`]);
  });

  it('hands a running task back to its queue after --shutdown-grace: another worker runs it, in the same attempt', async () => {
    const a = worker(['--shutdown-grace', '200']);
    await a.ready;
    const running = run(SLOW);
    await until(() => existsSync(join(markers, `Slow.${a.pid}.started`)));
    a.signal('SIGTERM');
    const exit = await a.exited;
    expect(exit.code).toBe(0);
    expect(a.stderr).toMatch(/1 running task may finish for 200 ms, then go back to their queue/);
    expect(existsSync(join(markers, `Slow.${a.pid}.aborted`))).toBe(true);
    expect(existsSync(join(markers, `Slow.${a.pid}.finished`))).toBe(false);

    const b = worker();
    const { code, report } = await running;
    expect(code).toBe(0);
    expect(report!.tasks.map((t) => [t.Name, t.State, t.attempts])).toEqual([
      ['Slow', TaskState.Finished, 1],
      ['After', TaskState.Finished, 1],
    ]);
    expect(marks()).toEqual([`After.${b.pid}.finished`, `After.${b.pid}.started`, `Slow.${a.pid}.aborted`, `Slow.${a.pid}.started`, `Slow.${b.pid}.finished`, `Slow.${b.pid}.started`]);
  });

  it('stops soon after a second signal; the task it ran is run by another worker', async () => {
    // A long task, and a short lock: if the worker must stop without handing the task back, its
    // lock expires soon and the next worker finds the task stalled. (The stalled check's own lock
    // lasts the --stalled-interval of the worker that checked last: short for both.)
    const long = SLOW.replace('sleep=2500', 'sleep=20000');
    const a = worker(['--lock-duration', '1000', '--stalled-interval', '1000']);
    await a.ready;
    const running = run(long);
    await until(() => existsSync(join(markers, `Slow.${a.pid}.started`)));
    a.signal('SIGTERM');
    await until(() => a.stderr.includes('SIGTERM: taking no more tasks'));
    const second = Date.now();
    a.signal('SIGINT');
    const exit = await a.exited;
    expect(exit.at - second).toBeLessThan(6500);
    expect(a.stderr).toContain('jobgraph worker: SIGINT again: handing 1 running task back to their queue now…\n');
    // 0 when the close handed the task back at once; 1 when it did not end within 5 s and the
    // worker stopped without it (TaskWorker.close does not yet shorten a close under way).
    expect([0, 1]).toContain(exit.code);
    if (exit.code === 1) expect(a.stderr).toContain('the close did not end 5 s after the second signal; stopping without a clean close');
    expect(existsSync(join(markers, `Slow.${a.pid}.finished`))).toBe(false);

    const b = worker(['--stalled-interval', '1000'], { JOBGRAPH_TEST_SLEEP_SCALE: '0.01' });
    const { code, report } = await running;
    expect(code).toBe(0);
    expect(report!.tasks.map((t) => [t.Name, t.State])).toEqual([
      ['Slow', TaskState.Finished],
      ['After', TaskState.Finished],
    ]);
    expect(existsSync(join(markers, `Slow.${b.pid}.finished`))).toBe(true);
  });

  it('closes with the grace at the first signal, with 0 at the second, and gives up on a close that does not end', async () => {
    const closes: Array<number | undefined> = [];
    const fake = (options: WorkerOptions): TaskWorker => ({
      name: options.name ?? 'fake',
      ready: Promise.resolve(),
      running: 2,
      close: (o) => {
        closes.push(o?.timeoutMs);
        return new Promise<void>(() => {}); // Redis went away: it never ends
      },
    });
    const io = fakeIO();
    let stop!: (signal: string) => void;
    const exits: number[] = [];
    const exit = workerCommand(['--redis', redis.url, '--shutdown-grace', '60000', '--name', 'w1'], io, {
      createWorker: fake,
      onStop: (h) => ((stop = h), () => undefined),
      onReady: () => stop('SIGTERM'),
      exit: (code) => exits.push(code),
      forceMs: 100,
    });
    while (closes.length === 0) await sleep(10);
    expect(closes).toEqual([60_000]);
    stop('SIGINT');
    expect(await exit).toBe(1);
    expect(closes).toEqual([60_000, 0]);
    expect(exits).toEqual([1]);
    expect(io.err.join('')).toBe(
      [
        'jobgraph worker: SIGTERM: taking no more tasks; 2 running tasks may finish for 60 s, then go back to their queue (a second signal hands them back now)…',
        'jobgraph worker: SIGINT again: handing 2 running tasks back to their queue now…',
        'jobgraph worker: the close did not end 100 ms after the second signal; stopping without a clean close: tasks still running go back to their queue when their lock expires',
        '',
      ].join('\n'),
    );
  });
});

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/cli/run.js';
import { workerCommand } from '../../../src/cli/worker.js';
import { TaskState } from '../../../src/job/enums.js';
import { fakeIO, runCli } from '../../helpers/cli.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';

const FIXTURES = 'test/fixtures/distributed';
const CHAIN = readFileSync(`${FIXTURES}/chain.json`, 'utf8');
const SLOW = readFileSync(`${FIXTURES}/slow.json`, 'utf8');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first line `jobgraph run` writes on stderr for these arguments, and its exit status. */
async function refusal(args: string[]): Promise<[number, string]> {
  const r = await runCli(['run', ...args]);
  return [r.code, r.stderr.split('\n')[0]!];
}

describe('jobgraph run --redis: arguments', () => {
  it('refuses a bad --redis URL, and --prefix without --redis, with exit 2', async () => {
    expect(await refusal(['examples/ladder.json', '--redis', 'http://cache'])).toEqual([2, 'jobgraph run: --redis: "http://cache" is not a Redis URL (the scheme is http:): use redis://, rediss:// or unix://']);
    expect(await refusal(['examples/ladder.json', '--redis', 'unix://'])).toEqual([2, 'jobgraph run: --redis: "unix://" names no socket: use unix:///path/to/redis.sock']);
    expect(await refusal(['examples/ladder.json', '--prefix', 'p'])).toEqual([2, 'jobgraph run: --prefix names the Redis keys of --redis: give --redis URL too']);
    expect(await refusal(['examples/ladder.json', '--redis', 'redis://cache', '--prefix', ''])).toEqual([2, 'jobgraph run: --prefix needs a value (the default is jobgraph)']);
  });

  it('says when Redis does not answer, and stops waiting at Ctrl-C without running anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-run-'));
    try {
      const io = fakeIO({ 'chain.json': CHAIN });
      let interrupt!: () => void;
      const exit = runCommand(['chain.json', '--redis', `unix://${dir}/none.sock`, '--data', join(dir, 'run.db')], io, { quietMs: 100, onInterrupt: (h) => ((interrupt = h), () => undefined) });
      while (!io.err.join('').includes('does not answer')) await sleep(20);
      interrupt();
      expect(await exit).toBe(1);
      expect(io.err.join('')).toBe(
        `jobgraph run: Redis at unix://${dir}/none.sock does not answer after 100 ms (connect ENOENT ${dir}/none.sock); still trying (Ctrl-C stops)\n` + '\njobgraph run: interrupted before Redis answered; nothing ran\n',
      );
      // Nothing was opened: no store.
      expect(existsSync(join(dir, 'run.db'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveRedis)('jobgraph run --redis', () => {
  if (!haveRedis) console.warn(`jobgraph run --redis: skipped: ${noRedisReason}`);
  let redis: TestRedis;
  let dir: string;
  let prefix: string;
  let n = 0;
  const stops: Array<() => Promise<number>> = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop(true);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-run-redis-'));
    process.env.JOBGRAPH_TEST_MARKERS = dir;
    prefix = `r${++n}`;
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    delete process.env.JOBGRAPH_TEST_MARKERS;
    rmSync(dir, { recursive: true, force: true });
  });

  /** `jobgraph worker` in this process, with the fixture processors; resolves once it is ready. */
  async function startWorker(): Promise<void> {
    const io = fakeIO();
    let stop!: (signal: string) => void;
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const exit = workerCommand(['--redis', redis.url, '--prefix', prefix, '--processors', `${FIXTURES}/processors.js`], io, { onStop: (h) => ((stop = h), () => undefined), onReady: () => ready() });
    await Promise.race([isReady, exit.then((code) => Promise.reject(new Error(`the worker exited with ${code}: ${io.err.join('')}`)))]);
    stops.push(() => (stop('SIGTERM'), exit));
  }
  const marks = (): string[] => readdirSync(dir).filter((f) => !f.endsWith('.db') && !f.includes('.db-')).sort();
  const until = async (what: () => boolean): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!what()) {
      if (Date.now() > deadline) throw new Error(`timed out; markers: ${marks().join(', ')}`);
      await sleep(20);
    }
  };

  it('runs the job on the workers and prints the same summary', async () => {
    await startWorker();
    const io = fakeIO({ 'chain.json': CHAIN });
    expect(await runCommand(['chain.json', '--redis', redis.url, '--prefix', prefix], io)).toBe(0);
    const out = io.out.join('');
    expect(out).toMatch(/^0 {2}Encode {6}Finished .* {9}1$/m);
    expect(out).toMatch(/^job "Chain" Finished in /m);
    expect(marks()).toEqual(['Encode', 'Package', 'Thumbnails'].flatMap((t) => [`${t}.${process.pid}.finished`, `${t}.${process.pid}.started`]));
  });

  it('with --data, resumes after Ctrl-C: a task that ended on a worker meanwhile is taken in, not run again', async () => {
    await startWorker();
    const data = join(dir, 'run.db');
    const args = ['job.json', '--redis', redis.url, '--prefix', prefix, '--data', data, '--json'];
    const job = SLOW.replace('sleep=2500', 'sleep=800');

    const io1 = fakeIO({ 'job.json': job });
    let interrupt!: () => void;
    const first = runCommand(args, io1, { onInterrupt: (h) => ((interrupt = h), () => undefined) });
    await until(() => existsSync(join(dir, `Slow.${process.pid}.started`)));
    interrupt();
    expect(await first).toBe(1);
    expect(io1.err.join('')).toMatch(/interrupted; the job is kept in .*run\.db: run the same command again to resume it/);
    // The worker goes on while no orchestrator runs.
    await until(() => existsSync(join(dir, `Slow.${process.pid}.finished`)));

    const io2 = fakeIO({ 'job.json': job });
    expect(await runCommand(args, io2)).toBe(0);
    expect(io2.err.join('')).toContain(`jobgraph run: resuming job "Slow" from ${data} (0 tasks to run again, 1 followed on the workers); job.json is not submitted again\n`);
    const report = JSON.parse(io2.out.join('')) as { job: { State: number }; tasks: Array<{ Name: string; State: number; attempts: number }> };
    expect(report.job.State).toBe(TaskState.Finished);
    expect(report.tasks.map((t) => [t.Name, t.State, t.attempts])).toEqual([
      ['Slow', TaskState.Finished, 1],
      ['After', TaskState.Finished, 1],
    ]);
    expect(marks()).toEqual([`After.${process.pid}.finished`, `After.${process.pid}.started`, `Slow.${process.pid}.finished`, `Slow.${process.pid}.started`]);
  });

  it('with --data, resumes after Ctrl-C: a task still running on a worker is followed to its end', async () => {
    await startWorker();
    const data = join(dir, 'run.db');
    const args = ['job.json', '--redis', redis.url, '--prefix', prefix, '--data', data, '--json'];
    const job = SLOW.replace('sleep=2500', 'sleep=1500');
    let interrupt!: () => void;
    const first = runCommand(args, fakeIO({ 'job.json': job }), { onInterrupt: (h) => ((interrupt = h), () => undefined) });
    await until(() => existsSync(join(dir, `Slow.${process.pid}.started`)));
    interrupt();
    expect(await first).toBe(1);

    const io = fakeIO({ 'job.json': job });
    expect(await runCommand(args, io)).toBe(0);
    expect(io.err.join('')).toContain('(0 tasks to run again, 1 followed on the workers)');
    const report = JSON.parse(io.out.join('')) as { tasks: Array<{ Name: string; State: number; attempts: number }> };
    expect(report.tasks.map((t) => [t.Name, t.State, t.attempts])).toEqual([
      ['Slow', TaskState.Finished, 1],
      ['After', TaskState.Finished, 1],
    ]);
    // Started once: the resumed run waited for the worker's attempt instead of running another.
    expect(marks()).toEqual([`After.${process.pid}.finished`, `After.${process.pid}.started`, `Slow.${process.pid}.finished`, `Slow.${process.pid}.started`]);
  });
});

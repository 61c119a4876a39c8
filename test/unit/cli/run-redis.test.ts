import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/cli/run.js';
import { workerCommand } from '../../../src/cli/worker.js';
import { TaskState } from '../../../src/job/enums.js';
import { fakeIO, runCli } from '../../helpers/cli.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';

const FIXTURES = 'test/fixtures/distributed';
const CHAIN = readFileSync(`${FIXTURES}/chain.json`, 'utf8');
const SLOW = readFileSync(`${FIXTURES}/slow.json`, 'utf8');
/** Processors with MediaProcessorIds of their own, and a job that names them. */
const OWN = `${FIXTURES}/own-processors.js`;
const OWN_JOB = readFileSync(`${FIXTURES}/own.json`, 'utf8');
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

describe('jobgraph run --processors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-run-processors-'));
    process.env.JOBGRAPH_TEST_MARKERS = dir;
  });
  afterEach(() => {
    delete process.env.JOBGRAPH_TEST_MARKERS;
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs a job naming the module's MediaProcessorIds with its processors, in this process", async () => {
    const io = fakeIO({ 'own.json': OWN_JOB });
    expect(await runCommand(['own.json', '--processors', OWN, '--json'], io)).toBe(0);
    const report = JSON.parse(io.out.join('')) as { job: { State: number }; tasks: Array<{ Name: string; State: number; attempts: number }> };
    expect(report.job.State).toBe(TaskState.Finished);
    expect(report.tasks.map((t) => [t.Name, t.State, t.attempts])).toEqual([
      ['Transcode', TaskState.Finished, 1],
      ['Caption', TaskState.Finished, 1],
    ]);
    // The module's processors ran them, here.
    expect(readdirSync(dir).sort()).toEqual([`Caption.${process.pid}.finished`, `Transcode.${process.pid}.finished`]);
    expect(readFileSync(join(dir, `Transcode.${process.pid}.finished`), 'utf8')).toBe('Own Transcoder\n');
    expect(io.err).toEqual([]);
  });

  it('refuses that job without --processors: the demo processors do not have its MediaProcessorIds', async () => {
    const r = await runCli(['run', `${FIXTURES}/own.json`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MEDIA_PROCESSOR_UNKNOWN: task #0 names MediaProcessorId nb:mpid:UUID:0b5a3c52-7e51-4f0e-9d7a-6c1f2e3d4a5b');
    expect(r.stderr).toContain('MEDIA_PROCESSOR_UNKNOWN: task #1 names MediaProcessorId nb:mpid:UUID:9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f');
    expect(r.stderr).toContain(`jobgraph run: ${FIXTURES}/own.json is not a valid job; nothing ran\n`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a module it cannot use with the codes of jobgraph worker, and --time-scale with it, with exit 2', async () => {
    const at = (name: string) => [`${FIXTURES}/own.json`, '--processors', `${FIXTURES}/${name}`];
    const cases: Array<[string[], string]> = [
      [at('missing.js'), `jobgraph run: --processors ${FIXTURES}/missing.js: no such file [PROCESSORS_NOT_FOUND]`],
      [[`${FIXTURES}/own.json`, '--processors', FIXTURES], `jobgraph run: --processors ${FIXTURES}: it is a directory, not a module [PROCESSORS_NOT_FOUND]`],
      [at('throws.js'), `jobgraph run: --processors ${FIXTURES}/throws.js: the module failed to load: the fixture refuses to load [PROCESSORS_LOAD_FAILED]`],
      [
        at('no-export.js'),
        `jobgraph run: --processors ${FIXTURES}/no-export.js: the module exports no processors: export default (or export const processors) an array of processors, or a function that returns one [PROCESSORS_INVALID]`,
      ],
      [at('not-an-array.js'), `jobgraph run: --processors ${FIXTURES}/not-an-array.js: its default export must be a non-empty array of processors (or a function that returns one), not an object [PROCESSORS_INVALID]`],
      [at('no-run.js'), `jobgraph run: --processors ${FIXTURES}/no-run.js: processor #0 (nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56) needs a run() function [PROCESSORS_INVALID]`],
      [[`${FIXTURES}/own.json`, '--processors', ''], 'jobgraph run: --processors needs a file'],
      [[`${FIXTURES}/own.json`, '--processors', OWN, '--time-scale', '0'], 'jobgraph run: --time-scale scales the demo processors: it does not go with --processors'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['run', ...args]);
      expect([r.code, r.stderr.split('\n')[0]], args.join(' ')).toEqual([2, message]);
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(dir)).toEqual([]);
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
  async function startWorker(processors = `${FIXTURES}/processors.js`): Promise<void> {
    const io = fakeIO();
    let stop!: (signal: string) => void;
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const exit = workerCommand(['--redis', redis.url, '--prefix', prefix, '--processors', processors], io, { onStop: (h) => ((stop = h), () => undefined), onReady: () => ready() });
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

  it("with --processors, takes a job naming the module's MediaProcessorIds, and its tasks run on the workers", async () => {
    await startWorker(OWN);
    // Without --processors the job is refused: the orchestrator's catalogue is the demo processors.
    const refused = fakeIO({ 'own.json': OWN_JOB });
    expect(await runCommand(['own.json', '--redis', redis.url, '--prefix', prefix], refused)).toBe(1);
    expect(refused.err.join('')).toContain('MEDIA_PROCESSOR_UNKNOWN: task #0 names MediaProcessorId nb:mpid:UUID:0b5a3c52-7e51-4f0e-9d7a-6c1f2e3d4a5b');

    const io = fakeIO({ 'own.json': OWN_JOB });
    expect(await runCommand(['own.json', '--redis', redis.url, '--prefix', prefix, '--processors', OWN], io)).toBe(0);
    expect(io.out.join('')).toMatch(/^job "Own" Finished in /m);
    expect(io.err.join('')).toContain(`jobgraph run: tasks run on the workers of Redis at ${redis.url} (prefix ${prefix}), pool reserved-units`);
    expect(marks()).toEqual([`Caption.${process.pid}.finished`, `Transcode.${process.pid}.finished`]);
    // They went through Redis: both are in the queue's completed set.
    const client = new Redis({ path: redis.path });
    try {
      expect(await client.zcard(`${prefix}:pool.reserved-units:completed`)).toBe(2);
    } finally {
      client.disconnect();
    }
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

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCommand } from '../../../src/cli/serve.js';
import { workerCommand } from '../../../src/cli/worker.js';
import { CliError } from '../../../src/cli/io.js';
import { ProcessorsModuleError } from '../../../src/cli/worker.js';
import { fakeIO } from '../../helpers/cli.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';
import { REFERENCE_VERBOSE_BODY, request } from '../server/helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const FIXTURES = 'test/fixtures/distributed';
/** Processors with MediaProcessorIds of their own, and a job that names them. */
const OWN = `${FIXTURES}/own-processors.js`;
const OWN_JOB = readFileSync(`${FIXTURES}/own.json`, 'utf8');

/** `jobgraph serve` on port 0 until `stop`; resolves once it listens. */
async function startServe(args: string[]): Promise<{ port: number; io: ReturnType<typeof fakeIO>; stop: () => Promise<number> }> {
  const io = fakeIO();
  let stop!: (signal: string) => void;
  let listening!: (url: string) => void;
  const url = new Promise<string>((r) => (listening = r));
  const exit = serveCommand(['--insecure-local', '--port', '0', '--data', ':memory:', ...args], io, { onStop: (h) => ((stop = h), () => undefined), onListening: (u) => listening(u) });
  const port = Number(new URL(await Promise.race([url, exit.then((code) => Promise.reject(new Error(`serve exited with ${code}: ${io.err.join('')}`)))])).port);
  return { port, io, stop: () => (stop('SIGTERM'), exit) };
}

/** POSTs the job and waits until it ends: the POST's status, then the job's and its tasks' final States. */
async function runJob(port: number, body: string): Promise<{ created: number; state?: number; tasks?: number[] }> {
  const created = await request(port, '/api/Jobs', { method: 'POST', body, token: null });
  if (created.status !== 201) return { created: created.status };
  const job = `/api/Jobs('${encodeURIComponent(created.json.Id)}')`;
  const deadline = Date.now() + 10_000;
  let state: number;
  while ((state = (await request(port, `${job}/State`, { token: null })).json.value) < 3) {
    if (Date.now() > deadline) throw new Error('the job did not end');
    await sleep(20);
  }
  const tasks = await request(port, `${job}/Tasks`, { token: null });
  return { created: 201, state, tasks: tasks.json.value.map((t: { State: number }) => t.State) };
}

const processorNames = async (port: number): Promise<string[]> => (await request(port, '/api/MediaProcessors?$select=Name', { token: null })).json.value.map((p: { Name: string }) => p.Name);

describe('jobgraph serve --redis: arguments', () => {
  it('refuses a bad --redis URL, and --prefix without --redis', async () => {
    const serve = (args: string[]) => serveCommand(['--insecure-local', '--data', ':memory:', ...args], fakeIO());
    await expect(serve(['--redis', 'http://cache'])).rejects.toThrow(new CliError('--redis: "http://cache" is not a Redis URL (the scheme is http:): use redis://, rediss:// or unix://'));
    await expect(serve(['--redis', 'redis://cache:port'])).rejects.toThrow(CliError);
    await expect(serve(['--prefix', 'p'])).rejects.toThrow(new CliError('--prefix names the Redis keys of --redis: give --redis URL too'));
  });

  it('says when Redis does not answer, and stops at a signal before it listens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-serve-'));
    try {
      const io = fakeIO();
      let stop!: (signal: string) => void;
      const exit = serveCommand(['--insecure-local', '--port', '0', '--data', ':memory:', '--redis', `unix://${dir}/none.sock`], io, { quietMs: 100, onStop: (h) => ((stop = h), () => undefined) });
      while (!io.err.join('').includes('does not answer')) await sleep(20);
      stop('SIGINT');
      expect(await exit).toBe(0);
      expect(io.err.join('')).toBe(`jobgraph serve: Redis at unix://${dir}/none.sock does not answer after 100 ms (connect ENOENT ${dir}/none.sock); still trying (Ctrl-C stops)\njobgraph serve: SIGINT before Redis answered: stopped\n`);
      expect(io.out).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('jobgraph serve --processors', () => {
  it("serves the module's processors: they are listed, and run a job naming their MediaProcessorIds, in this process", async () => {
    const serve = await startServe(['--processors', OWN]);
    try {
      expect(await processorNames(serve.port)).toEqual(['Own Transcoder', 'Own Captioner']);
      expect(await runJob(serve.port, OWN_JOB)).toEqual({ created: 201, state: 3, tasks: [3, 3] });
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it('refuses that job without --processors (400 MEDIA_PROCESSOR_UNKNOWN): the demo processors do not have its MediaProcessorIds', async () => {
    const serve = await startServe([]);
    try {
      const refused = await request(serve.port, '/api/Jobs', { method: 'POST', body: OWN_JOB, token: null });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('MEDIA_PROCESSOR_UNKNOWN');
      expect(refused.text).toContain('nb:mpid:UUID:0b5a3c52-7e51-4f0e-9d7a-6c1f2e3d4a5b');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it('refuses a module it cannot use with the codes of jobgraph worker, and --time-scale with it', async () => {
    const serve = (args: string[]) => serveCommand(['--insecure-local', '--data', ':memory:', ...args], fakeIO());
    await expect(serve(['--processors', `${FIXTURES}/missing.js`])).rejects.toThrow(new ProcessorsModuleError('PROCESSORS_NOT_FOUND', `--processors ${FIXTURES}/missing.js: no such file`));
    await expect(serve(['--processors', `${FIXTURES}/throws.js`])).rejects.toMatchObject({ code: 'PROCESSORS_LOAD_FAILED' });
    await expect(serve(['--processors', `${FIXTURES}/not-an-array.js`])).rejects.toMatchObject({ code: 'PROCESSORS_INVALID' });
    await expect(serve(['--processors', ''])).rejects.toThrow(new CliError('--processors needs a file'));
    await expect(serve(['--processors', OWN, '--time-scale', '0'])).rejects.toThrow(new CliError('--time-scale scales the demo processors: it does not go with --processors'));
  });
});

describe.skipIf(!haveRedis)('jobgraph serve --redis', () => {
  if (!haveRedis) console.warn(`jobgraph serve --redis: skipped: ${noRedisReason}`);
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop(true);
  });

  it('serves jobs whose tasks run on a jobgraph worker, and lists the demo processors', async () => {
    const workerIO = fakeIO();
    let stopWorker!: (signal: string) => void;
    let workerReady!: () => void;
    const ready = new Promise<void>((r) => (workerReady = r));
    const worker = workerCommand(['--redis', redis.url, '--prefix', 's1', '--time-scale', '0', '--name', 'demo-worker'], workerIO, {
      onStop: (h) => ((stopWorker = h), () => undefined),
      onReady: () => workerReady(),
    });
    await ready;

    const io = fakeIO();
    let stop!: (signal: string) => void;
    let listening!: (url: string) => void;
    const url = new Promise<string>((r) => (listening = r));
    const exit = serveCommand(['--insecure-local', '--port', '0', '--data', ':memory:', '--redis', redis.url, '--prefix', 's1'], io, {
      onStop: (h) => ((stop = h), () => undefined),
      onListening: (u) => listening(u),
    });
    const port = Number(new URL(await url).port);
    try {
      const created = await request(port, '/api/Jobs', { method: 'POST', body: REFERENCE_VERBOSE_BODY, token: null });
      expect(created.status).toBe(201);
      const job = `/api/Jobs('${encodeURIComponent(created.json.Id)}')`;
      const deadline = Date.now() + 10_000;
      while ((await request(port, `${job}/State`, { token: null })).json.value !== 3) {
        if (Date.now() > deadline) throw new Error('the job did not finish');
        await sleep(20);
      }
      const tasks = await request(port, `${job}/Tasks`, { token: null });
      expect(tasks.json.value.map((t: { State: number }) => t.State)).toEqual([3, 3]);
      const processors = await request(port, '/api/MediaProcessors?$select=Name', { token: null });
      expect(processors.json.value.map((p: { Name: string }) => p.Name)).toEqual(['Media Encoder Standard', 'Demo Packager', 'Demo Thumbnailer']);
      // Both ran through Redis: their jobs are in the queue's completed set, processed by the worker.
      const client = new Redis({ path: redis.path });
      try {
        const ids = await client.zrange('s1:pool.reserved-units:completed', '0', '-1');
        expect(ids).toHaveLength(2);
        for (const id of ids) expect(await client.hget(`s1:pool.reserved-units:${id}`, 'pb')).toBe('demo-worker');
      } finally {
        client.disconnect();
      }
    } finally {
      stop('SIGTERM');
    }
    expect(await exit).toBe(0);
    expect(io.err.join('')).toContain(`jobgraph serve: tasks run on the workers of Redis at ${redis.url} (prefix s1), pool reserved-units: start them with jobgraph worker --redis URL\n`);
    stopWorker('SIGTERM');
    expect(await worker).toBe(0);
  });

  it('with --processors, lists them and takes jobs naming their MediaProcessorIds, whose tasks run on a worker with the same module', async () => {
    let stopWorker!: (signal: string) => void;
    let workerReady!: () => void;
    const ready = new Promise<void>((r) => (workerReady = r));
    const worker = workerCommand(['--redis', redis.url, '--prefix', 's2', '--processors', OWN, '--name', 'own-worker'], fakeIO(), {
      onStop: (h) => ((stopWorker = h), () => undefined),
      onReady: () => workerReady(),
    });
    await ready;
    const serve = await startServe(['--redis', redis.url, '--prefix', 's2', '--processors', OWN]);
    try {
      expect(await processorNames(serve.port)).toEqual(['Own Transcoder', 'Own Captioner']);
      expect(await runJob(serve.port, OWN_JOB)).toEqual({ created: 201, state: 3, tasks: [3, 3] });
      const client = new Redis({ path: redis.path });
      try {
        const ids = await client.zrange('s2:pool.reserved-units:completed', '0', '-1');
        expect(ids).toHaveLength(2);
        for (const id of ids) expect(await client.hget(`s2:pool.reserved-units:${id}`, 'pb')).toBe('own-worker');
      } finally {
        client.disconnect();
      }
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    stopWorker('SIGTERM');
    expect(await worker).toBe(0);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCommand } from '../../../src/cli/serve.js';
import { workerCommand } from '../../../src/cli/worker.js';
import { CliError } from '../../../src/cli/io.js';
import { fakeIO } from '../../helpers/cli.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../../helpers/redis.js';
import { REFERENCE_VERBOSE_BODY, request } from '../server/helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
});

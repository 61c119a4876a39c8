/**
 * Hostile job definitions against the REST facade, on loopback (issue 9, point 6):
 *
 *   node --import tsx bench/server-hostile.ts [--rounds 2] [--gets 300] [--interval 10] [--workers 1,0]
 *
 * For each `validationWorkers` value (default: 1, then 0 = validation on the event loop):
 * 1. An engine with the test processors and 10 jobs of 12 tasks behind `createServer`, on 127.0.0.1.
 * 2. GET /api/Tasks?$top=100 on a fixed schedule (one every `--interval` ms), `--gets` of them alone.
 * 3. The same GETs while one client POSTs the hostile bodies of test/unit/server/helpers.ts
 *    (`--rounds` times each, one after another; each under 1 MiB), until the POSTs are done.
 * Each GET's latency counts from when it was due, not from when it was sent: client and server
 * share one event loop, and a stalled loop delays the sending too (coordinated omission).
 * Prints GET p50/p99/max alone and under load, the event loop's longest stall, and per hostile body
 * its POST latency, status, error code and answer size.
 */
import http from 'node:http';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Engine } from '../src/run/engine.js';
import { createServer } from '../src/server/server.js';
import { chainJob, hostileBodies, pacedGets, testProcessors } from '../test/unit/server/helpers.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    gets: { type: 'string', default: '300' },
    interval: { type: 'string', default: '10' },
    workers: { type: 'string', default: '1,0' },
  },
});
const ROUNDS = Number(values.rounds);
const GETS = Number(values.gets);
const INTERVAL_MS = Number(values.interval);
const WORKERS = values.workers.split(',').map(Number);
const TOKEN = 'bench-token-0123456789abcdef0123';
const MAX_IN_FLIGHT = 64;

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

interface Post {
  name: string;
  ms: number;
  status: number;
  code: string;
  bytes: number;
}

async function scenario(workers: number): Promise<string[]> {
  const engine = new Engine({ processors: testProcessors() });
  const api = createServer(engine, { tokens: [TOKEN], validationWorkers: workers, validationTimeoutMs: 30_000 });
  const { address } = await api.listen({ host: '127.0.0.1', port: 0 });
  for (let j = 0; j < 10; j++) engine.submit(chainJob(12, `bench ${j}`));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

  const send = (method: string, path: string, body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const req = http.request({ host: '127.0.0.1', port: address.port, path, method, headers, agent: body === undefined ? agent : false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  const gets = async (count: number, stop?: () => boolean): Promise<number[]> => {
    const get = (): Promise<number> => send('GET', '/api/Tasks?$top=100').then((r) => r.status);
    const latencies = await pacedGets(get, { count, intervalMs: INTERVAL_MS, maxInFlight: MAX_IN_FLIGHT, ...(stop ? { stop } : {}) });
    return latencies.sort((a, b) => a - b);
  };

  const bodies = hostileBodies();
  // Warm-up: the worker started, the listing's code optimised.
  await send('POST', '/api/Jobs', '{}');
  await gets(100);

  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const alone = await gets(GETS);
  loop.disable();
  const aloneStall = loop.max / 1e6;
  loop.reset();

  const posts: Post[] = [];
  let done = false;
  loop.enable();
  const hostile = (async () => {
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const { name, body } of bodies) {
          const t = performance.now();
          const r = await send('POST', '/api/Jobs', body);
          let code = '';
          try {
            code = (JSON.parse(r.text) as { 'odata.error'?: { code: string } })['odata.error']?.code ?? '';
          } catch {
            code = '(not JSON)';
          }
          posts.push({ name, ms: performance.now() - t, status: r.status, code, bytes: Buffer.byteLength(r.text) });
        }
      }
    } finally {
      done = true;
    }
  })();
  const loaded = await gets(100_000, () => done);
  await hostile;
  loop.disable();
  const loadedStall = loop.max / 1e6;

  agent.destroy();
  await api.close({ graceMs: 1000 });
  await engine.close();

  const f = (x: number, d = 1): string => x.toFixed(d);
  const row = (what: string, l: number[], stall: number): string => `| ${workers} | ${what} | ${l.length} | ${f(quantile(l, 0.5))} | ${f(quantile(l, 0.99))} | ${f(l[l.length - 1] ?? NaN)} | ${f(stall, 0)} |`;
  const lines = [row('alone', alone, aloneStall), row(`with ${posts.length} hostile POSTs`, loaded, loadedStall)];
  const postLines = bodies.map(({ name, body }) => {
    const mine = posts.filter((p) => p.name === name);
    const ms = mine.map((p) => p.ms).sort((a, b) => a - b);
    const p = mine[0]!;
    return `| ${workers} | ${name} | ${f(Buffer.byteLength(body) / 2 ** 20, 2)} MiB | ${f(quantile(ms, 0.5), 0)} | ${p.status} ${p.code} | ${(p.bytes / 1024).toFixed(1)} KiB |`;
  });
  return [...lines, '\u0000', ...postLines];
}

async function main(): Promise<void> {
  const gets: string[] = [];
  const posts: string[] = [];
  for (const w of WORKERS) {
    const lines = await scenario(w);
    const split = lines.indexOf('\u0000');
    gets.push(...lines.slice(0, split));
    posts.push(...lines.slice(split + 1));
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  process.stdout.write(
    [
      `Node ${process.version}, ${cpu} (${cpus().length} cores); GET /api/Tasks?$top=100 every ${INTERVAL_MS} ms, latency from when it was due; client and server in one process.`,
      '',
      '| validationWorkers | GETs | count | p50 ms | p99 ms | max ms | longest event-loop stall ms |',
      '|--:|---|--:|--:|--:|--:|--:|',
      ...gets,
      '',
      '| validationWorkers | hostile body | size | POST median ms | answer | answer size |',
      '|--:|---|--:|--:|---|--:|',
      ...posts,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`server-hostile: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

/**
 * A bounded load test of the REST facade on loopback:
 *
 *   node --import tsx bench/server-load.ts [--jobs 400] [--requests 5000] [--seconds 20] [--concurrency 16]
 *
 * 1. An engine with the demo processors (time scale 0.5: encodes of 1.5–12 s, so jobs are running,
 *    progressing and finishing all along) behind `createServer`, with a bearer token, on 127.0.0.1.
 * 2. 400 jobs of 25 tasks (an encoding ladder: ingest → 23 renditions → package; `fan(25)` from the
 *    workload shapes) created over HTTP with `POST /api/Jobs`: 10,000 tasks stored.
 * 3. For each scenario, an in-process keep-alive client (node:http Agent, 16 sockets, 16 requests in
 *    flight) sends requests until the count or the time bound is reached. Every response is checked
 *    (status 200, and for lists the JSON parsed and the number of entities counted); anything else
 *    is an error. Latency is measured per request, from send to the last byte.
 * 4. Prints a markdown table: requests, requests/s, p50, p99 and max latency, errors.
 *
 * Client and server share one process and one event loop: the figures are for the two together,
 * a lower bound on what the server alone does.
 */
import http from 'node:http';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Engine } from '../src/run/engine.js';
import { demoProcessors } from '../src/run/demo-processors.js';
import { DEMO_PROCESSOR_IDS } from '../src/workload/demo.js';
import { createServer } from '../src/server/server.js';
import { fan } from '../src/workload/shapes.js';
import { jobFromGraph } from '../src/workload/ams-job.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '400' },
    requests: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
  },
});
const JOBS = Number(values.jobs);
const REQUESTS = Number(values.requests);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const TASKS_PER_JOB = 25;
const TOKEN = 'bench-token-0123456789abcdef0123';

interface Scenario {
  name: string;
  path: string;
  accept?: string;
  /** Entities the response must hold; undefined: any. */
  expect?: number;
}

interface Result {
  name: string;
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  firstError?: string;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const engine = new Engine({
    processors: demoProcessors({ timeScale: 0.5 }),
    pools: { 'reserved-units': 32 },
    poolOf: () => 'reserved-units',
  });
  const api = createServer(engine, { tokens: [TOKEN], maxConcurrentBodies: 64 });
  const { address } = await api.listen({ host: '127.0.0.1', port: 0 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  const send = (method: string, path: string, body?: string, accept?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}`, 'x-ms-version': '2.19', DataServiceVersion: '3.0', MaxDataServiceVersion: '3.0' };
      if (accept !== undefined) headers.Accept = accept;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const req = http.request({ host: '127.0.0.1', port: address.port, path, method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  // 400 jobs × 25 tasks, over HTTP.
  const graph = fan(TASKS_PER_JOB);
  const configs = ['H264 Multiple Bitrate 720p', 'H264 Multiple Bitrate 1080p', 'H264 Single Bitrate SD 16x9'];
  const t0 = performance.now();
  const jobIds: string[] = [];
  for (let j = 0; j < JOBS; j++) {
    const def = jobFromGraph(
      { nodeCount: graph.nodeCount, from: graph.from, to: graph.to },
      {
        name: `Job ${j}`,
        priority: j % 5,
        nameOf: (i) => (i === 0 ? 'Ingest' : i === TASKS_PER_JOB - 1 ? 'Package' : `Rendition ${i}`),
        processorOf: (i) => (i === TASKS_PER_JOB - 1 ? DEMO_PROCESSOR_IDS.packager : DEMO_PROCESSOR_IDS.encoder),
        configurationOf: (i) => (i === 0 ? 'Copy' : i === TASKS_PER_JOB - 1 ? 'Package' : configs[i % 3]!),
      },
    );
    const r = await send('POST', '/api/Jobs', JSON.stringify(def));
    if (r.status !== 201) throw new Error(`POST /api/Jobs answered ${r.status}: ${r.text.slice(0, 300)}`);
    jobIds.push((JSON.parse(r.text) as { Id: string }).Id);
  }
  const createMs = performance.now() - t0;
  const taskCount = engine.scheduler.tasks().length;

  const midJob = jobIds[Math.floor(jobIds.length / 2)]!;
  const scenarios: Scenario[] = [
    { name: 'GET /api/Tasks?$top=100', path: '/api/Tasks?$top=100', expect: 100 },
    { name: 'GET /api/Tasks?$top=100 (odata=verbose)', path: '/api/Tasks?$top=100', accept: 'application/json;odata=verbose', expect: 100 },
    { name: 'GET /api/Tasks?$skip=9900&$top=100', path: `/api/Tasks?$skip=${taskCount - 100}&$top=100`, expect: 100 },
    { name: "GET /api/Tasks?$filter=startswith(Name,'Rendition 1')&$top=100", path: `/api/Tasks?$filter=${encodeURIComponent("startswith(Name,'Rendition 1')")}&$top=100`, expect: 100 },
    { name: 'GET /api/Tasks?$filter=State eq 2&$top=100', path: `/api/Tasks?$filter=${encodeURIComponent('State eq 2')}&$top=100` },
    { name: "GET /api/Jobs('id')/Tasks", path: `/api/Jobs('${encodeURIComponent(midJob)}')/Tasks`, expect: TASKS_PER_JOB },
    { name: 'GET /api/Jobs?$top=100', path: '/api/Jobs?$top=100', expect: 100 },
  ];

  const run = async (s: Scenario, requests: number, seconds: number): Promise<Result> => {
    const latencies = new Float64Array(requests);
    let issued = 0;
    let done = 0;
    let errors = 0;
    let firstError: string | undefined;
    const start = performance.now();
    const deadline = start + seconds * 1000;
    const worker = async (): Promise<void> => {
      while (issued < requests && performance.now() < deadline) {
        issued++;
        const t = performance.now();
        let ok = false;
        let why = '';
        try {
          const r = await send('GET', s.path, undefined, s.accept);
          if (r.status !== 200) why = `status ${r.status}: ${r.text.slice(0, 200)}`;
          else {
            const body = JSON.parse(r.text) as { value?: unknown[]; d?: { results?: unknown[] } };
            const n = (body.value ?? body.d?.results)?.length;
            if (n === undefined) why = 'no entity list';
            else if (s.expect !== undefined && n !== s.expect) why = `${n} entities, expected ${s.expect}`;
            else ok = true;
          }
        } catch (err) {
          why = String(err);
        }
        latencies[done++] = performance.now() - t;
        if (!ok) {
          errors++;
          firstError ??= why;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = (performance.now() - start) / 1000;
    const sorted = latencies.slice(0, done).sort();
    return { name: s.name, requests: done, seconds: elapsed, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[done - 1] ?? NaN, errors, ...(firstError !== undefined ? { firstError } : {}) };
  };

  // Warm-up (JIT, sockets), not reported.
  for (const s of scenarios) await run(s, 200, 5);

  const results: Result[] = [];
  const states = (): string => {
    const counts = new Map<number, number>();
    for (const t of engine.scheduler.tasks()) counts.set(t.State, (counts.get(t.State) ?? 0) + 1);
    return ['Queued', 'Scheduled', 'Processing', 'Finished'].map((n, i) => `${counts.get(i) ?? 0} ${n}`).join(', ');
  };
  const before = states();
  for (const s of scenarios) results.push(await run(s, REQUESTS, SECONDS));
  const after = states();

  const f = (x: number, d = 1): string => x.toFixed(d);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const lines = [
    `Node ${process.version}, ${cpu} (${cpus().length} cores); ${taskCount.toLocaleString('en-US')} tasks in ${jobIds.length} jobs (created over HTTP in ${f(createMs / 1000, 2)} s, ${f(jobIds.length / (createMs / 1000), 0)} jobs/s);`,
    `keep-alive client in the same process, ${CONCURRENCY} requests in flight, each scenario bounded by ${REQUESTS.toLocaleString('en-US')} requests or ${SECONDS} s.`,
    `Tasks at the start: ${before}. At the end: ${after}. RSS ${f(process.memoryUsage().rss / 2 ** 20, 0)} MiB.`,
    '',
    '| request | requests | req/s | p50 ms | p99 ms | max ms | errors |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...results.map((r) => `| \`${r.name}\` | ${r.requests} | ${f(r.requests / r.seconds, 0)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(r.max, 1)} | ${r.errors} |`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  for (const r of results) if (r.firstError !== undefined) process.stdout.write(`first error of ${r.name}: ${r.firstError}\n`);

  agent.destroy();
  await api.close({ graceMs: 1000 });
  await engine.close();
  if (results.some((r) => r.errors > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`server-load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { TOKEN, chainJob, hostileBodies, pacedGets, request, seed, startServer, type TestServer } from './helpers.js';

/**
 * Issue 9, point 6: one client POSTing job definitions that are slow to validate must not stall
 * the others. GETs go out on a fixed schedule (one every 10 ms), alone and then while hostile
 * bodies are POSTed one after another; each GET's latency counts from when it was due, not from
 * when it was sent, so a stalled event loop (which delays the sending too, client and server
 * sharing it) shows in full. The p99 under hostile load is compared with the p99 alone.
 *
 * JOBGRAPH_TEST_INLINE_VALIDATION=1 runs the same test with `validationWorkers: 0`, where it must
 * fail: validation on the event loop stalls every GET due meanwhile for 0.5–2.5 s.
 */
const INLINE = process.env.JOBGRAPH_TEST_INLINE_VALIDATION === '1';
const INTERVAL_MS = 10;
const MAX_IN_FLIGHT = 64;

let s: TestServer;
let agent: http.Agent;

beforeAll(async () => {
  s = await startServer({ profile: 'ams', validationWorkers: INLINE ? 0 : 1, validationTimeoutMs: 30_000 });
  for (let j = 0; j < 10; j++) seed(s.engine, chainJob(12, `load ${j}`));
  agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
});

afterAll(async () => {
  agent.destroy();
  await s.close();
});

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: s.port, path, agent, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function scheduledGets(count: number, stop?: () => boolean): Promise<number[]> {
  return pacedGets(() => get('/api/Tasks?$top=100'), { count, intervalMs: INTERVAL_MS, maxInFlight: MAX_IN_FLIGHT, ...(stop ? { stop } : {}) });
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.99 * sorted.length) - 1]!;
}

describe('hostile job definitions do not stall other requests', () => {
  it("leaves the GETs' p99 close to what it is without them, and answers each hostile POST with a bounded 400", async () => {
    // Warm up: the worker started and the listing's code optimised.
    expect((await request(s.port, '/api/Jobs', { method: 'POST', body: '{}' })).status).toBe(400);
    await scheduledGets(100);

    // Made before the GETs: building them takes the event loop too.
    const bodies = hostileBodies();
    const alone = await scheduledGets(200);

    const answers: { name: string; status: number; bytes: number; code: string }[] = [];
    // Three hostile clients at once: inline, their validations run back to back on the event loop.
    const CLIENTS = 3;
    let clientsDone = 0;
    const hostileClient = async (): Promise<void> => {
      try {
        for (const { name, body } of bodies) {
          const r = await request(s.port, '/api/Jobs', { method: 'POST', body });
          answers.push({ name, status: r.status, bytes: Buffer.byteLength(r.text), code: r.json?.['odata.error']?.code });
        }
      } finally {
        clientsDone++;
      }
    };
    const hostile = Promise.all(Array.from({ length: CLIENTS }, hostileClient));
    const hostileDone = (): boolean => clientsDone === CLIENTS;
    // Bounded: 3,000 GETs (30 s) at most, in case the POSTs never end.
    const loaded = await scheduledGets(3000, hostileDone);
    await hostile;

    const base = p99(alone);
    const underLoad = p99(loaded);
    // Worker threads share the two CPUs with the event loop (and V8's GC helpers with both):
    // measured p99 5–25 ms alone, 14–100 ms under load (the whole suite running beside). Validation
    // on the event loop stalls it for 0.3 s per body with the validator's own diagnostics cap (1–2.5 s
    // without), three bodies back to back: p99 over 700 ms.
    const bound = Math.max(3 * base, base + 250);
    const report = `GET p99 alone ${base.toFixed(1)} ms (${alone.length} GETs), under hostile POSTs ${underLoad.toFixed(1)} ms (${loaded.length} GETs); bound ${bound.toFixed(1)} ms`;
    console.log(report);
    expect(underLoad, report).toBeLessThanOrEqual(bound);

    expect(answers).toHaveLength(4 * CLIENTS);
    for (const a of answers) {
      expect(a.status, a.name).toBe(400);
      expect(a.bytes, a.name).toBeLessThanOrEqual(64 * 1024);
      expect(['VALIDATION_FAILED', 'TOO_MANY_WARNINGS', 'VALIDATION_TOO_COSTLY'], a.name).toContain(a.code);
    }
  });
});

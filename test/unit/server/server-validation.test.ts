import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../../src/run/engine.js';
import { createServer } from '../../../src/server/index.js';
import { ValidationPool } from '../../../src/server/validate-pool.js';
import { MAX_ANSWER_BYTES, MAX_WARNINGS_ACCEPTED } from '../../../src/server/job-check.js';
import { MES, TOKEN, chainJob, hostileBodies, request, startServer, testProcessors, type Reply, type TestServer } from './helpers.js';

const NULLS = JSON.stringify({ Name: 'hostile', Tasks: new Array(200_000).fill(null) });
/** Just under the 1 MiB body limit of `{}` tasks: the costliest definition per byte to check. */
const SLOWEST = `{"Name":"hostile","Tasks":[${new Array(330_000).fill('{}').join(',')}]}`;

/** A valid one-task job whose task has `n` properties the Task entity does not have (n warnings). */
function withUnknownProperties(n: number): string {
  const job = chainJob(1, 'warned');
  const task = job.Tasks![0] as unknown as Record<string, unknown>;
  for (let k = 0; k < n; k++) task[`Extra${k}`] = k;
  return JSON.stringify(job);
}

const post = (port: number, body: string): Promise<Reply> => request(port, '/api/Jobs', { method: 'POST', body });

function odataErrorOf(r: Reply): { code: string; message: { value: string }; innererror?: Record<string, any> } {
  const e = r.json?.['odata.error'] ?? r.json?.error;
  expect(e, r.text.slice(0, 500)).toBeDefined();
  return e;
}

describe.each([
  ['on a validation worker', 1],
  ['inline', 0],
])('refusals of job definitions are bounded (%s)', (_, workers) => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer({ validationWorkers: workers });
  });

  afterAll(async () => {
    await s.close();
  });

  it('lists the first 100 of 200,002 diagnostics and says how many were left out', async () => {
    const r = await post(s.port, NULLS);
    expect(r.status).toBe(400);
    expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    const e = odataErrorOf(r);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.innererror!.diagnostics).toHaveLength(100);
    expect(e.innererror!.omitted).toBe(199_902);
    expect(e.innererror!.problems).toBe(200_002);
    // Exact counts by severity when the validator built every diagnostic; a floor when it counted past its cap.
    expect(e.message.value).toMatch(/^the job definition has 200,002 (errors|problems, at least [\d,]+ errors); no job was created:\n/);
    expect(e.message.value).toMatch(/\n… and 199,902 more; run `jobgraph validate` on the definition for all$/);
    expect(e.message.value.split('\n')).toHaveLength(102);
  });

  it('answers alike with and without workers', async () => {
    // The other describe block's server answers the same body: compare with a fresh inline check.
    const other = await startServer({ validationWorkers: workers === 0 ? 1 : 0 });
    try {
      const [a, b] = [await post(s.port, NULLS), await post(other.port, NULLS)];
      expect(a.json).toEqual(b.json);
    } finally {
      await other.close();
    }
  });

  it('cuts long strings, long cycles and the whole list to 48 KiB, whatever maxDiagnostics says', async () => {
    const many = await startServer({ validationWorkers: workers, maxDiagnostics: 100_000, profile: 'relaxed' });
    try {
      // Every task named with 20,000 characters and invalid.
      const name = 'n'.repeat(20_000);
      const tasks = Array.from({ length: 40 }, () => ({ Name: name, MediaProcessorId: MES, TaskBody: '<taskBody/>' }));
      let r = await post(many.port, JSON.stringify({ Name: 'long', Tasks: tasks }));
      expect(r.status).toBe(400);
      expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
      let e = odataErrorOf(r);
      expect(e.innererror!.diagnostics.length + e.innererror!.omitted).toBeGreaterThan(40);
      const named = e.innererror!.diagnostics.filter((x: { taskName?: string }) => x.taskName !== undefined);
      expect(named.length).toBeGreaterThan(0);
      for (const x of named) expect(x.taskName.length).toBeLessThanOrEqual(80);

      // A cycle through 3,000 tasks.
      const n = 3000;
      const cycle = chainJob(n, 'ring');
      cycle.Tasks![0]!.TaskBody = cycle.Tasks![0]!.TaskBody.replace('JobInputAsset(0)', `JobOutputAsset(${n - 1})`);
      r = await post(many.port, JSON.stringify(cycle));
      expect(r.status).toBe(400);
      expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
      e = odataErrorOf(r);
      const d = e.innererror!.diagnostics.find((x: { code: string }) => x.code === 'CYCLE');
      expect(d.cycle).toHaveLength(32);
      expect(d.cycleLength).toBe(n);

      r = await post(many.port, NULLS);
      expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
      e = odataErrorOf(r);
      expect(e.innererror!.diagnostics.length).toBeGreaterThan(100);
      expect(e.innererror!.diagnostics.length + e.innererror!.omitted).toBe(e.innererror!.problems);
      expect(e.innererror!.problems).toBeGreaterThanOrEqual(200_000);
    } finally {
      await many.close();
    }
  });

  it('takes maxDiagnostics', async () => {
    const few = await startServer({ validationWorkers: workers, maxDiagnostics: 3 });
    try {
      const e = odataErrorOf(await post(few.port, NULLS));
      expect(e.innererror!.diagnostics).toHaveLength(3);
      expect(e.message.value).toMatch(/… and 199,999 more;/);
    } finally {
      await few.close();
    }
  });

  it('creates a job with a few warnings, and refuses one with more than 100', async () => {
    let r = await post(s.port, withUnknownProperties(10));
    expect(r.status).toBe(201);
    r = await post(s.port, withUnknownProperties(MAX_WARNINGS_ACCEPTED + 1));
    expect(r.status).toBe(400);
    const e = odataErrorOf(r);
    expect(e.code).toBe('TOO_MANY_WARNINGS');
    expect(e.innererror!.warnings).toBe(MAX_WARNINGS_ACCEPTED + 1);
    expect(e.innererror!.diagnostics).toHaveLength(100);
    expect(e.message.value).toMatch(/^the job definition has no error but 101 warnings, more than the 100 this server takes/);
  });

  it('answers each hostile body with a 400 under 64 KiB, and malformed JSON as before', async () => {
    for (const { name, body } of hostileBodies()) {
      const r = await post(s.port, body);
      expect(r.status, name).toBe(400);
      expect(Buffer.byteLength(r.text), name).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    }
    const r = await post(s.port, `{"Name": "${'x'.repeat(500_000)}`);
    const e = odataErrorOf(r);
    expect(e.code).toBe('JSON_MALFORMED');
    expect(Buffer.byteLength(r.text)).toBeLessThan(2048);
  });
});

describe('other answers do not grow with the request', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer({ validationWorkers: 0 });
  });

  afterAll(async () => {
    await s.close();
  });

  it.each([
    ['a key of control characters', `/api/Jobs('${'%01'.repeat(5000)}')`],
    ['a long $filter', `/api/Tasks?$filter=${'Name%20eq%20%27a%27%20or%20'.repeat(300)}x`],
    ['a long unknown property', `/api/Jobs/${'%01'.repeat(5000)}`],
    ['a long query option', `/api/Tasks?$top=${'9'.repeat(14_000)}`],
  ])('%s', async (_, path) => {
    const r = await request(s.port, path);
    expect(r.status).toBeGreaterThanOrEqual(400);
    odataErrorOf(r);
    // The request line is at most 16 KiB.
    expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(32 * 1024);
  });
});

describe('the validation pool', () => {
  it('terminates a check that takes too long, answers 400 VALIDATION_TOO_COSTLY, and replaces the worker', async () => {
    const s = await startServer({ validationWorkers: 1, validationTimeoutMs: 50 });
    try {
      const r = await post(s.port, SLOWEST);
      expect(r.status).toBe(400);
      const e = odataErrorOf(r);
      expect(e.code).toBe('VALIDATION_TOO_COSTLY');
      expect(e.message.value).toContain('took longer than 50 ms to check');
      expect(e.innererror).toEqual({ limitMs: 50 });
      // The next definition gets a new worker (its start-up is not counted).
      expect((await post(s.port, JSON.stringify(chainJob(2, 'after')))).status).toBe(201);
    } finally {
      await s.close();
    }
  });

  it('answers 503 with Retry-After when the queue is full', async () => {
    const s = await startServer({ validationWorkers: 1, maxQueuedValidations: 0, validationTimeoutMs: 30_000 });
    try {
      expect((await post(s.port, '{}')).status).toBe(400); // the worker is up
      // The slowest shape per byte there is (~0.7 s for 1 MiB of `{}`), and no fixed sleep: small
      // jobs are POSTed while the slow check lasts, and one of them finds the worker busy. The small
      // one can reach the worker first (the big body takes longer to arrive): then the big one is
      // refused, which shows the same; a round where neither was refused is tried again.
      let r: Reply | undefined;
      for (let round = 0; round < 5 && r === undefined; round++) {
        let slowDone = false;
        const slow = post(s.port, SLOWEST).finally(() => (slowDone = true));
        while (!slowDone && r === undefined) {
          const small = await post(s.port, JSON.stringify(chainJob(1, 'queued')));
          if (small.status === 503) r = small;
          else await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const big = await slow;
        if (big.status === 503) r ??= big;
        else expect(big.status).toBe(400);
      }
      expect(r?.status).toBe(503);
      r = r!;
      expect(r.headers['retry-after']).toBe('1');
      expect(odataErrorOf(r).code).toBe('SERVER_BUSY');
      expect((await post(s.port, JSON.stringify(chainJob(1, 'later')))).status).toBe(201);
    } finally {
      await s.close();
    }
  });

  it('drops a waiting check whose client went away, and close() ends the checks and the workers', async () => {
    const pool = new ValidationPool({ size: 1, maxQueue: 4, timeLimitMs: 30_000 });
    const check = (text: string, signal?: AbortSignal) => pool.check({ text, profile: 'ams', processors: [{ Id: MES, Name: 'MES' }], maxDiagnostics: 5 }, signal);
    expect((await check(JSON.stringify(chainJob(1, 'ok')))).kind).toBe('valid');
    const running = check(NULLS);
    const gone = new AbortController();
    const waiting = check('{}', gone.signal);
    const refused = check('{}');
    gone.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'ClientGoneError' });
    expect(pool.queued).toBe(1);
    const closed = pool.close();
    await expect(refused).rejects.toMatchObject({ code: 'SERVER_BUSY', status: 503 });
    const outcome = await running;
    expect(outcome.kind === 'invalid' && outcome.listed.length).toBe(5);
    await closed;
    expect(pool.workers).toBe(0);
    await expect(check('{}')).rejects.toMatchObject({ code: 'SERVER_BUSY' });
  });

  it.each([
    ['validationWorkers', -1],
    ['validationWorkers', 1.5],
    ['maxDiagnostics', 0],
    ['validationTimeoutMs', 0],
    ['maxQueuedValidations', -1],
  ])('refuses %s: %d', async (name, value) => {
    const engine = new Engine({ processors: testProcessors() });
    try {
      expect(() => createServer(engine, { tokens: [TOKEN], [name]: value })).toThrow(RangeError);
    } finally {
      await engine.close();
    }
  });
});

describe('the built package', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const built = existsSync(`${root}dist/src/server/validate-worker.js`);

  // `npm test` builds first; a tree never built skips this.
  it.skipIf(!built)('validates on a worker from dist/ without tsx', async () => {
    const script = `
      import { Engine } from './dist/src/run/engine.js';
      import { createServer } from './dist/src/server/index.js';
      const engine = new Engine({ processors: [] });
      const api = createServer(engine, { insecureLocal: true, validationWorkers: 1, onError: (e) => { console.error(e); process.exitCode = 1; } });
      const { url } = await api.listen();
      const r = await fetch(url + '/Jobs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Name: 'x', Tasks: new Array(1000).fill(null) }) });
      const e = (await r.json())['odata.error'];
      console.log(JSON.stringify({ status: r.status, code: e.code, listed: e.innererror.diagnostics.length, omitted: e.innererror.omitted }));
      await api.close();
      await engine.close();
    `;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    expect(JSON.parse(out)).toEqual({ status: 400, code: 'VALIDATION_FAILED', listed: 100, omitted: 902 });
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveCommand, SERVE_USAGE } from '../../../src/cli/serve.js';
import { CliError, type CliIO } from '../../../src/cli/io.js';
import { fakeIO } from '../../helpers/cli.js';
import { OTHER_TOKEN, REFERENCE_VERBOSE_BODY, TOKEN, VERBOSE, request } from './helpers.js';

/** Runs `jobgraph serve` until `body` is done with its URL, then sends the stop signal. */
async function serving(args: string[], io: CliIO, body: (port: number, url: string) => Promise<void>): Promise<number> {
  let stop!: (signal: string) => void;
  let listening!: (url: string) => void;
  const ready = new Promise<string>((resolve) => (listening = resolve));
  // Nothing is kept unless a test says where: no jobgraph.db in the working directory.
  const exit = serveCommand(args.includes('--data') ? args : [...args, '--data', ':memory:'], io, {
    onStop: (handler) => {
      stop = handler;
      return () => {};
    },
    onListening: (url) => listening(url),
  });
  const url = await Promise.race([ready, exit.then((code) => Promise.reject(new Error(`serve exited with ${code}`)))]);
  try {
    await body(Number(new URL(url).port), url);
  } finally {
    stop('SIGTERM');
  }
  return exit;
}

describe('jobgraph serve', () => {
  it('refuses to start without a token, unless --insecure-local', async () => {
    await expect(serveCommand([], fakeIO())).rejects.toThrow(CliError);
    await expect(serveCommand([], fakeIO())).rejects.toThrow(/--token-file FILE or set JOBGRAPH_TOKENS, or --insecure-local/);
  });

  it('refuses --insecure-local on a host other than loopback', async () => {
    await expect(serveCommand(['--insecure-local', '--host', '0.0.0.0'], fakeIO())).rejects.toThrow(/loopback only/);
  });

  it('refuses a token file it cannot read, an empty one, and a weak token', async () => {
    await expect(serveCommand(['--token-file', 'missing.txt'], fakeIO())).rejects.toThrow(/cannot read missing.txt: no such file/);
    await expect(serveCommand(['--token-file', 't'], fakeIO({ t: '# none\n' }))).rejects.toThrow(/holds no token/);
    await expect(serveCommand(['--token-file', 't', '--data', ':memory:'], fakeIO({ t: 'short\n' }))).rejects.toThrow(/at least 16/);
  });

  it('refuses bad option values', async () => {
    const io = fakeIO({}, { JOBGRAPH_TOKENS: TOKEN });
    await expect(serveCommand(['--port', '70000'], io)).rejects.toThrow(/--port must be an integer from 0 to 65535/);
    await expect(serveCommand(['--time-scale', '-1'], io)).rejects.toThrow(/--time-scale/);
    await expect(serveCommand(['--profile', 'loose'], io)).rejects.toThrow(/--profile/);
    await expect(serveCommand(['job.json'], io)).rejects.toThrow(/takes no file/);
    await expect(serveCommand(['--validation-workers', '65'], io)).rejects.toThrow(/--validation-workers must be an integer from 0 to 64/);
    await expect(serveCommand(['--validation-timeout', '0'], io)).rejects.toThrow(/--validation-timeout/);
    await expect(serveCommand(['--max-diagnostics', 'x'], io)).rejects.toThrow(/--max-diagnostics/);
  });

  it('takes the validation options: refusals list --max-diagnostics diagnostics', async () => {
    const io = fakeIO({}, { JOBGRAPH_TOKENS: TOKEN });
    for (const workers of ['0', '1']) {
      const code = await serving(['--port', '0', '--validation-workers', workers, '--validation-timeout', '30000', '--max-diagnostics', '2'], io, async (port) => {
        const r = await request(port, '/api/Jobs', { method: 'POST', body: JSON.stringify({ Name: 'x', Tasks: [null, null, null] }) });
        expect(r.status).toBe(400);
        expect(r.json['odata.error'].innererror.diagnostics).toHaveLength(2);
        expect(r.json['odata.error'].message.value).toMatch(/… and 2 more; run `jobgraph validate` on the definition for all$/);
      });
      expect(code).toBe(0);
    }
  });

  it('prints its usage for --help', async () => {
    const io = fakeIO();
    expect(await serveCommand(['--help'], io)).toBe(0);
    expect(io.out.join('')).toBe(SERVE_USAGE + '\n');
  });

  it('serves with tokens from a file and the environment until stopped, then exits 0', async () => {
    const io = fakeIO({ 'tokens.txt': `# ops\n${TOKEN}\n` }, { JOBGRAPH_TOKENS: OTHER_TOKEN });
    const code = await serving(['--token-file', 'tokens.txt', '--port', '0', '--time-scale', '0'], io, async (port) => {
      expect((await request(port, '/api/Jobs', { token: null })).status).toBe(401);
      expect((await request(port, '/api/Jobs', { token: OTHER_TOKEN })).status).toBe(200);
      const created = await request(port, '/API/Jobs', { method: 'POST', body: REFERENCE_VERBOSE_BODY, accept: VERBOSE });
      expect(created.status).toBe(201);
      const processors = await request(port, '/api/MediaProcessors?$select=Name');
      expect(processors.json.value.map((p: { Name: string }) => p.Name)).toEqual(['Media Encoder Standard', 'Demo Packager', 'Demo Thumbnailer']);
    });
    expect(code).toBe(0);
    expect(io.out.join('')).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/api\/, 2 bearer tokens from tokens\.txt and JOBGRAPH_TOKENS/);
    expect(io.err.join('')).toContain('SIGTERM: closing the server');
    expect(io.err.join('')).toContain('stopped');
  });

  it('keeps jobs across a restart with --data: history, deletes, and running jobs go on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-serve-'));
    try {
      const data = join(dir, 'served.db');
      const io = fakeIO({}, { JOBGRAPH_TOKENS: TOKEN });
      let done = '';
      let running = '';
      let deleted = '';
      await serving(['--port', '0', '--time-scale', '0', '--data', data], io, async (port) => {
        const a = await request(port, '/api/Jobs', { method: 'POST', body: REFERENCE_VERBOSE_BODY });
        const b = await request(port, '/api/Jobs', { method: 'POST', body: REFERENCE_VERBOSE_BODY });
        expect([a.status, b.status]).toEqual([201, 201]);
        done = a.json.Id;
        deleted = b.json.Id;
        while ((await request(port, `/api/Jobs('${encodeURIComponent(deleted)}')/State`)).json.value !== 3) await new Promise((r) => setTimeout(r, 20));
        expect((await request(port, `/api/Jobs('${encodeURIComponent(deleted)}')`, { method: 'DELETE' })).status).toBe(204);
      });
      // Slow processors this time: the job is still running when the server stops.
      await serving(['--port', '0', '--time-scale', '1000', '--data', data], io, async (port) => {
        const c = await request(port, '/api/Jobs', { method: 'POST', body: REFERENCE_VERBOSE_BODY });
        running = c.json.Id;
        const jobs = await request(port, '/api/Jobs?$select=Id,State');
        expect(jobs.json.value.map((j: { Id: string }) => j.Id)).toEqual([done, running]);
      });
      expect(io.err.join('')).toMatch(/served\.db: 1 job kept, 0 running/);
      await serving(['--port', '0', '--time-scale', '0', '--data', data], io, async (port) => {
        const jobs = await request(port, '/api/Jobs?$select=Id,State');
        expect(jobs.json.value.map((j: { Id: string }) => j.Id)).toEqual([done, running]);
        expect(jobs.json.value[0].State).toBe(3);
        const tasks = await request(port, `/api/Jobs('${encodeURIComponent(done)}')/Tasks`);
        const codes = tasks.json.value[0].HistoricalEvents.map((e: { Code: string }) => e.Code);
        expect([codes[0], codes[1], codes.at(-1)]).toEqual(['Scheduled', 'Processing', 'Finished']);
        while ((await request(port, `/api/Jobs('${encodeURIComponent(running)}')/State`)).json.value !== 3) await new Promise((r) => setTimeout(r, 20));
      });
      expect(io.err.join('')).toMatch(/served\.db: 2 jobs kept, 1 running, 1 task to run again/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a --data file that is not a store, and leaves it as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-serve-'));
    try {
      const data = join(dir, 'notes.txt');
      writeFileSync(data, 'not a database\n'.repeat(100));
      await expect(serveCommand(['--port', '0', '--data', data], fakeIO({}, { JOBGRAPH_TOKENS: TOKEN }))).rejects.toThrow(/\[STORE_CORRUPT\]/);
      expect(readFileSync(data, 'utf8')).toBe('not a database\n'.repeat(100));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cancels running jobs on the way out', async () => {
    const io = fakeIO({}, { JOBGRAPH_TOKENS: TOKEN });
    let jobPath = '';
    const code = await serving(['--port', '0', '--time-scale', '1000', '--access-log'], io, async (port) => {
      const created = await request(port, '/api/Jobs', { method: 'POST', body: REFERENCE_VERBOSE_BODY });
      expect(created.status).toBe(201);
      jobPath = `/api/Jobs('${encodeURIComponent(created.json.Id)}')`;
      expect((await request(port, `${jobPath}/State`)).json.value).toBe(2);
    });
    expect(code).toBe(0);
    expect(io.err.join('')).toMatch(/POST \/api\/Jobs 201 /);
  });

  it('serves without tokens on loopback with --insecure-local', async () => {
    const io = fakeIO();
    const code = await serving(['--insecure-local', '--port', '0'], io, async (port) => {
      expect((await request(port, '/api/Tasks', { token: null })).status).toBe(200);
    });
    expect(code).toBe(0);
    expect(io.out.join('')).toContain('WITHOUT authentication');
  });

  it('says so when the port is taken', async () => {
    const io = fakeIO({}, { JOBGRAPH_TOKENS: TOKEN });
    await serving(['--port', '0'], io, async (port) => {
      await expect(serveCommand(['--port', String(port), '--data', ':memory:'], fakeIO({}, { JOBGRAPH_TOKENS: TOKEN }))).rejects.toThrow(/address is in use/);
    });
  });
});

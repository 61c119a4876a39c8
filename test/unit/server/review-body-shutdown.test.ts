import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { REFERENCE_VERBOSE_BODY, TOKEN, request, startServer, type TestServer } from './helpers.js';

describe('request bodies with a Content-Encoding', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ validationWorkers: 0 });
  });
  afterAll(async () => {
    await s.close();
  });

  it('refuses a compressed body with 415 naming the coding, rather than calling it not UTF-8', async () => {
    const r = await request(s.port, '/api/Jobs', { method: 'POST', body: gzipSync(REFERENCE_VERBOSE_BODY), headers: { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json;odata=verbose' } });
    expect(r.status).toBe(415);
    expect(r.json['odata.error'].code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(r.json['odata.error'].message.value).toMatch(/Content-Encoding "gzip"/);
    expect(r.headers['accept-encoding']).toBe('identity');
  });

  it('never reads a body under a coding it does not apply as if it were plain (no silent pass)', async () => {
    for (const path of ['/api/Jobs', '/api/Assets']) {
      const body = path === '/api/Jobs' ? REFERENCE_VERBOSE_BODY : '{"Name":"a"}';
      const r = await request(s.port, path, { method: 'POST', body, headers: { 'Content-Encoding': 'br', 'Content-Type': 'application/json;odata=verbose' } });
      expect(r.status, path).toBe(415);
    }
    expect(s.engine.scheduler.jobs()).toHaveLength(0);
  });

  it('takes Content-Encoding: identity, which is no coding', async () => {
    const r = await request(s.port, '/api/Jobs', { method: 'POST', body: REFERENCE_VERBOSE_BODY, headers: { 'Content-Encoding': 'Identity', 'Content-Type': 'application/json;odata=verbose' } });
    expect(r.status).toBe(201);
  });
});

describe('close() while a POST /api/Jobs is in flight', () => {
  it('lets a request whose body is still arriving finish with 201 on a validation worker, as without workers', async () => {
    for (const validationWorkers of [0, 1]) {
      const s = await startServer({ validationWorkers });
      const body = Buffer.from(REFERENCE_VERBOSE_BODY);
      let closed: Promise<void> | undefined;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(s.port, '127.0.0.1', () => {
          socket.write(`POST /api/Jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
          socket.write(body.subarray(0, 10));
          setTimeout(() => {
            closed = s.api.close({ graceMs: 5000 });
            setTimeout(() => socket.write(body.subarray(10)), 100);
          }, 100);
        });
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.on('error', reject);
      });
      await closed;
      expect(answer.split('\r\n')[0], `validationWorkers ${validationWorkers}`).toBe('HTTP/1.1 201 Created');
      expect(s.engine.scheduler.jobs()).toHaveLength(1);
      await s.engine.close();
    }
  });

  it('answers it with Connection: close, so a keep-alive client does not hold the shutdown for the whole grace', async () => {
    const s = await startServer({ validationWorkers: 1 });
    const agent = new http.Agent({ keepAlive: true });
    try {
      const reply = new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: s.port, path: '/api/Jobs', method: 'POST', agent, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res));
        });
        req.on('error', reject);
        req.write(REFERENCE_VERBOSE_BODY.slice(0, 10));
        setTimeout(() => req.end(REFERENCE_VERBOSE_BODY.slice(10)), 200);
      });
      await new Promise((r) => setTimeout(r, 50));
      const started = performance.now();
      const closed = s.api.close({ graceMs: 5000 });
      const res = await reply;
      expect(res.statusCode).toBe(201);
      expect(res.headers.connection).toBe('close');
      await closed;
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      agent.destroy();
      await s.engine.close();
    }
  });
});

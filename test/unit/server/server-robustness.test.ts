import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { TOKEN, VERBOSE, chainJob, enc, rawBody, rawRequest, request, seed, startServer, type TestServer } from './helpers.js';

let s: TestServer;
let job: string;
const errors: unknown[] = [];

beforeAll(async () => {
  s = await startServer({ onError: (e) => errors.push(e), requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
  job = seed(s.engine, chainJob(2, 'fixture'));
  await s.engine.done(job);
});

afterAll(async () => {
  await s.close();
});

/** The request gets the status, an OData error body with a message, and the server stays up. */
async function expectError(path: string, status: number, code: string | RegExp, options: Parameters<typeof request>[2] = {}): Promise<string> {
  const r = await request(s.port, path, options);
  expect(r.status, path).toBe(status);
  const body = r.json?.['odata.error'] ?? r.json?.error;
  expect(body, `${path}: ${r.text}`).toBeDefined();
  if (typeof code === 'string') expect(body.code, path).toBe(code);
  else expect(body.code, path).toMatch(code);
  expect(body.message.lang).toBe('en-US');
  expect(typeof body.message.value).toBe('string');
  return body.message.value as string;
}

describe('malformed paths and keys', () => {
  it.each([
    ['/api/Jobs(%zz)', 400, 'ODATA_PATH_INVALID'],
    ['/api/Jobs(%27%C3%28%27)', 400, 'ODATA_PATH_INVALID'],
    ["/api/Jobs('unclosed)", 400, 'ODATA_PATH_INVALID'],
    ['/api/Jobs(nb:jid:UUID:1)', 400, 'ODATA_PATH_INVALID'],
    ["/api/Jobs('a''b')", 404, 'ENTITY_NOT_FOUND'],
    ["/api/Jobs('x')junk", 400, 'ODATA_PATH_INVALID'],
    ["/api/Jobs('x')/Tasks/Extra", 400, 'ODATA_PATH_INVALID'],
    ["/api/Jobs('x')/Tasks('y')", 400, 'ODATA_PATH_INVALID'],
    ['/api/Jobs/Tasks', 400, 'ODATA_PATH_INVALID'],
    ['/api/jobs', 404, 'ODATA_RESOURCE_NOT_FOUND'],
    ['/api/Nope', 404, 'ODATA_RESOURCE_NOT_FOUND'],
    ['/favicon.ico', 404, 'ODATA_RESOURCE_NOT_FOUND'],
    ['/apix/Jobs', 404, 'ODATA_RESOURCE_NOT_FOUND'],
    ['/api/$batch', 405, 'METHOD_NOT_ALLOWED'],
    ["/api/Assets('nb:cid:UUID:00000000-0000-0000-0000-000000000000')", 404, 'ENTITY_NOT_FOUND'],
    ["/api/JobTemplates('nb:jtid:UUID:00000000-0000-0000-0000-000000000000')", 404, 'ENTITY_NOT_FOUND'],
    ['/api/NotificationEndPoints', 501, 'NOT_IMPLEMENTED'],
    ['/api/ContentKeys', 501, 'NOT_IMPLEMENTED'],
    ["/api/Locators('x')", 501, 'NOT_IMPLEMENTED'],
    ['/api/GetProtectionKeyId?contentKeyType=0', 501, 'NOT_IMPLEMENTED'],
    ["/api/Jobs('x')/$count", 404, 'ENTITY_NOT_FOUND'],
    ['/api/Jobs/$count/x', 400, 'ODATA_PATH_INVALID'],
    ['/api/Tasks/Nope', 400, 'ODATA_PATH_INVALID'],
    ['*', 400, 'REQUEST_TARGET_INVALID'],
  ])('%s → %i %s', async (path, status, code) => {
    await expectError(path, status, code);
  });

  it('says where a path is wrong and suggests the name meant', async () => {
    expect(await expectError('/api/jobs', 404, 'ODATA_RESOURCE_NOT_FOUND')).toContain("did you mean 'Jobs'?");
    expect(await expectError('/api/Jobs(%zz)', 400, 'ODATA_PATH_INVALID')).toContain('position');
  });

  it('answers $count on a single entity with 400', async () => {
    await expectError(`/api/Jobs(${enc(job)})/$count`, 400, 'QUERY_OPTION_NOT_APPLICABLE');
  });

  it('accepts an absolute-form request target, as a proxy sends it', async () => {
    const r = await request(s.port, `http://example.com/api/Jobs(${enc(job)})`);
    expect(r.status).toBe(200);
    expect(r.json.Id).toBe(job);
  });
});

describe('malformed query options', () => {
  it.each([
    ['?$filter=State%20eq', 'ODATA_QUERY_INVALID', 'position'],
    ['?$filter=State%20eq%20%27x%27', 'ODATA_QUERY_INVALID', 'cannot compare'],
    ['?$filter=Nmae%20eq%20%27x%27', 'ODATA_QUERY_INVALID', "did you mean 'Name'?"],
    ['?$filter=HistoricalEvents%20eq%20null', 'ODATA_QUERY_INVALID', 'collection'],
    ['?$filter=(((State%20eq%201)', 'ODATA_QUERY_INVALID', 'position'],
    ['?$filter=State%20eq%201%20and', 'ODATA_QUERY_INVALID', 'position'],
    ['?$filter=%zz', 'ODATA_QUERY_INVALID', 'percent-encoding'],
    ['?$filter=%FF', 'ODATA_QUERY_INVALID', 'UTF-8'],
    ['?$top=-1', 'ODATA_QUERY_INVALID', 'non-negative integer'],
    ['?$top=abc', 'ODATA_QUERY_INVALID', 'non-negative integer'],
    ['?$top=99999999999', 'ODATA_QUERY_INVALID', 'at most'],
    ['?$skip=1.5', 'ODATA_QUERY_INVALID', 'non-negative integer'],
    ['?$top=1&$top=2', 'ODATA_QUERY_INVALID', 'more than once'],
    ['?$fitler=State%20eq%201', 'ODATA_QUERY_INVALID', "did you mean '$filter'?"],
    ['?$orderby=Nope', 'ODATA_QUERY_INVALID', 'unknown property'],
    ['?$orderby=State%20sideways', 'ODATA_QUERY_INVALID', 'asc, desc'],
    ['?$select=Id,,Name', 'ODATA_QUERY_INVALID', 'position'],
    ['?$select=Tasks/Name', 'ODATA_QUERY_INVALID', '$expand'],
    ['?$inlinecount=some', 'ODATA_QUERY_INVALID', 'allpages'],
    ['?$expand=Tasks', 'ODATA_EXPAND_UNSUPPORTED', 'not supported'],
    [`?$filter=${'not%20'.repeat(200)}true`, 'ODATA_QUERY_INVALID', 'deep'],
    [`?$filter=${'x'.repeat(5000)}`, 'ODATA_QUERY_INVALID', 'long'],
  ])('/api/Tasks%s → 400 %s', async (query, code, words) => {
    const message = await expectError(`/api/Tasks${query}`, 400, code);
    expect(message.toLowerCase()).toContain(words.toLowerCase());
  });

  it('answers $expand with 400 in the verbose shape for verbose clients, as the reference says it is not supported', async () => {
    const r = await request(s.port, '/api/Jobs?$expand=Tasks', { accept: VERBOSE });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ODATA_EXPAND_UNSUPPORTED');
  });

  it('refuses collection options on a single entity, a property or CancelJob', async () => {
    await expectError(`/api/Jobs(${enc(job)})?$top=1`, 400, 'QUERY_OPTION_NOT_APPLICABLE');
    await expectError(`/api/Jobs(${enc(job)})/State?$select=State`, 400, 'QUERY_OPTION_NOT_APPLICABLE');
    await expectError(`/api/CancelJob?jobid=${enc(job)}&$filter=true`, 400, 'QUERY_OPTION_NOT_APPLICABLE');
    await expectError('/api/Jobs/$count?$select=Id', 400, 'QUERY_OPTION_NOT_APPLICABLE');
  });

  it('ignores parameters without $ (api-version), as the service does', async () => {
    expect((await request(s.port, '/api/Jobs?api-version=2.19')).status).toBe(200);
  });
});

describe('bad headers', () => {
  it.each([
    [{ DataServiceVersion: '4.0' }, 'ODATA_VERSION_UNSUPPORTED'],
    [{ DataServiceVersion: 'three' }, 'ODATA_VERSION_UNSUPPORTED'],
    [{ MaxDataServiceVersion: '0.5' }, 'ODATA_VERSION_UNSUPPORTED'],
    [{ DataServiceVersion: '3.0', MaxDataServiceVersion: '2.0' }, 'ODATA_VERSION_UNSUPPORTED'],
    [{ 'x-ms-version': '3.0' }, 'AMS_API_VERSION_UNSUPPORTED'],
    [{ 'x-ms-version': 'latest' }, 'AMS_API_VERSION_UNSUPPORTED'],
    [{ 'client-request-id': 'x'.repeat(2049) }, 'ODATA_HEADER_INVALID'],
  ])('%j → 400 %s', async (headers, code) => {
    const r = await request(s.port, '/api/Jobs', { headers });
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].code).toBe(code);
    expect(r.headers['client-request-id']).toBeUndefined();
  });

  it.each([['text/html'], ['image/png'], ['application/json;q=0']])('Accept: %s → 406', async (accept) => {
    const r = await request(s.port, '/api/Jobs', { accept });
    expect(r.status).toBe(406);
    expect(r.json['odata.error'].code).toBe('NOT_ACCEPTABLE');
  });

  it('$format=csv → 406', async () => {
    expect((await request(s.port, '/api/Jobs?$format=csv')).status).toBe(406);
  });
});

describe('bad HTTP', () => {
  it('answers a request line that is not HTTP with 400 and an OData error body, then closes', async () => {
    const res = await rawRequest(s.port, 'HELLO WORLD\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(rawBody(res))['odata.error'].code).toBe('BAD_REQUEST');
  });

  // Regression: Node's own check answered a bare 400 with an empty body.
  it('answers an HTTP/1.1 request without Host with 400 and an OData error body, then closes; HTTP/1.0 needs no Host', async () => {
    const res = await rawRequest(s.port, `GET /api/Jobs HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(res).toMatch(/\r\nconnection: close\r\n/i);
    const error = JSON.parse(rawBody(res))['odata.error'];
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message.value).toMatch(/no Host header/);
    const old = await rawRequest(s.port, `GET /api/Jobs HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    expect(old).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers oversized headers with 431', async () => {
    const res = await rawRequest(s.port, `GET /api/Jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(rawBody(res))['odata.error'].code).toBe('BAD_REQUEST');
  });

  it('answers a raw space in the path and a bad chunk size with 400', async () => {
    expect(await rawRequest(s.port, `GET /api/Jobs bad HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
    const chunked = await rawRequest(
      s.port,
      `POST /api/Jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('answers a request whose body never comes with 408 after the request timeout', async () => {
    const res = await rawRequest(s.port, `POST /api/Jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Name":`);
    expect(res).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(rawBody(res))['odata.error'].code).toBe('REQUEST_TIMEOUT');
  });

  it('survives a client that disconnects in the middle of its body', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(s.port, '127.0.0.1', () => {
        socket.write(`POST /api/Jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"Name":"half`);
        setImmediate(() => {
          socket.destroy();
          resolve();
        });
      });
    });
    expect((await request(s.port, '/api/Jobs/$count')).status).toBe(200);
  });
});

describe('limits and failures inside the server', () => {
  it('answers 503 with Retry-After when too many bodies are being read at once', async () => {
    const t = await startServer({ maxConcurrentBodies: 1 });
    const socket = net.connect(t.port, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`POST /api/Jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`);
      // The first body is now being read; a second must wait its turn.
      let r;
      for (let i = 0; i < 100; i++) {
        r = await request(t.port, '/api/Jobs', { method: 'POST', body: JSON.stringify(chainJob(1, 'second')) });
        if (r.status === 503) break;
        await new Promise((res) => setTimeout(res, 10));
      }
      expect(r!.status).toBe(503);
      expect(r!.headers['retry-after']).toBe('1');
      expect(r!.json['odata.error'].code).toBe('SERVER_BUSY');
    } finally {
      socket.destroy();
      await t.close();
    }
  });

  it('answers an unexpected failure with 500 and an OData error, logs it, and keeps serving', async () => {
    const t = await startServer({ onError: (e) => errors.push(e) });
    try {
      const original = t.engine.processors.bind(t.engine);
      t.engine.processors = () => {
        throw new Error('boom');
      };
      const before = errors.length;
      const r = await request(t.port, '/api/MediaProcessors');
      expect(r.status).toBe(500);
      expect(r.json['odata.error'].code).toBe('INTERNAL_ERROR');
      expect(r.json['odata.error'].message.value).not.toContain('boom');
      expect(errors.length).toBe(before + 1);
      expect((errors.at(-1) as Error).message).toBe('boom');
      t.engine.processors = original;
      expect((await request(t.port, '/api/MediaProcessors')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('close() ends idle keep-alive connections and stops listening', async () => {
    const t = await startServer();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<number> =>
      new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: t.port, path: '/api/Jobs', agent, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          })
          .on('error', reject);
      });
    expect(await get()).toBe(200);
    const closing = t.api.close({ graceMs: 200 });
    await closing;
    expect(t.api.server.listening).toBe(false);
    agent.destroy();
    await t.engine.close();
  });

  it('logged no unexpected error for all the bad input above', () => {
    expect(errors.filter((e) => (e as Error).message !== 'boom')).toEqual([]);
  });

  it('still answers after all of it', async () => {
    const r = await request(s.port, '/api/Jobs');
    expect(r.status).toBe(200);
    expect(r.json.value.map((j: { Id: string }) => j.Id)).toContain(job);
  });
});

describe('createServer options', () => {
  it('refuses limits that are not positive integers', async () => {
    await expect(startServer({ maxBodyBytes: 0 })).rejects.toThrow(/maxBodyBytes/);
    await expect(startServer({ maxPageSize: 1.5 })).rejects.toThrow(/maxPageSize/);
    await expect(startServer({ baseUri: 'not a url' })).rejects.toThrow(/baseUri/);
    await expect(startServer({ baseUri: 'https://mëdia.example.com/api' })).rejects.toThrow(/baseUri/);
    await expect(startServer({ baseUri: 'https://media.example.com/api?x=1' })).rejects.toThrow(/baseUri/);
  });

  it('writes the configured base URI in links', async () => {
    const t = await startServer({ baseUri: 'https://media.example.com/api/' });
    try {
      const id = seed(t.engine, chainJob(1, 'linked'));
      const r = await request(t.port, '/api/Jobs', { accept: VERBOSE });
      expect(r.json.d.results[0].__metadata.uri).toBe(`https://media.example.com/api/Jobs(${enc(id)})`);
    } finally {
      await t.close();
    }
  });

  it('falls back to the socket address when the Host header is not a host', async () => {
    const r = await request(s.port, '/api/Jobs', { headers: { Host: 'evil.example/<script>' } });
    expect(r.json['odata.metadata']).toBe(`http://127.0.0.1:${s.port}/api/$metadata#Jobs`);
  });
});

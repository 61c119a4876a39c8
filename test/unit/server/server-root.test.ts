import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERBOSE, request, startServer, type TestServer } from './helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer();
});

afterAll(async () => {
  await s.close();
});

describe('the service root', () => {
  it('redirects / and /api (any case) to /api/ with a 301', async () => {
    for (const path of ['/', '/api', '/API']) {
      const r = await request(s.port, path);
      expect(r.status, path).toBe(301);
      expect(r.headers.location, path).toBe(`${s.url}/`);
      expect(r.text, path).toBe('');
      expect(r.headers['content-length'], path).toBe('0');
    }
  });

  it('redirects to the configured base URI', async () => {
    const t = await startServer({ baseUri: 'https://media.example.com/api' });
    try {
      const r = await request(t.port, '/');
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe('https://media.example.com/api/');
    } finally {
      await t.close();
    }
  });

  it('answers a method other than GET on the redirected paths with 405', async () => {
    const r = await request(s.port, '/api', { method: 'POST', body: '{}' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it('still asks for a token before redirecting', async () => {
    expect((await request(s.port, '/', { token: null })).status).toBe(401);
  });

  it('answers /api/ with the service document, in both JSON forms', async () => {
    const minimal = await request(s.port, '/api/');
    expect(minimal.status).toBe(200);
    expect(minimal.json['odata.metadata']).toBe(`${s.url}/$metadata`);
    expect(minimal.json.value.map((e: { name: string }) => e.name)).toContain('Jobs');
    const verbose = await request(s.port, '/api/', { accept: VERBOSE });
    expect(verbose.json.d.EntitySets).toContain('Tasks');
  });

  it('answers a client that asks for Atom with the AtomPub service document', async () => {
    const r = await request(s.port, '/api/', { accept: 'application/atom+xml,application/xml' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/atomsvc+xml;charset=utf-8');
    expect(r.text).toContain(`<service xml:base="${s.url}/" xmlns="http://www.w3.org/2007/app"`);
    for (const set of ['Jobs', 'Tasks', 'MediaProcessors', 'Assets']) expect(r.text).toContain(`<collection href="${set}"><atom:title>${set}</atom:title></collection>`);
    const html = await request(s.port, '/api/', { accept: 'text/html' });
    expect(html.status).toBe(406);
  });
});

describe('protocol headers SDKs send', () => {
  it('echoes x-ms-client-request-id as it echoes client-request-id, on answers and errors', async () => {
    const ok = await request(s.port, '/api/Jobs', { headers: { 'x-ms-client-request-id': 'sdk-1', 'client-request-id': 'doc-1' } });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-ms-client-request-id']).toBe('sdk-1');
    expect(ok.headers['client-request-id']).toBe('doc-1');
    const missing = await request(s.port, '/api/Nope', { headers: { 'x-ms-client-request-id': 'sdk-2' } });
    expect(missing.status).toBe(404);
    expect(missing.headers['x-ms-client-request-id']).toBe('sdk-2');
    expect((await request(s.port, '/api/Jobs')).headers['x-ms-client-request-id']).toBeUndefined();
  });

  it('refuses an x-ms-client-request-id over 2 KB with 400, naming the header', async () => {
    const r = await request(s.port, '/api/Jobs', { headers: { 'x-ms-client-request-id': 'x'.repeat(2049) } });
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].code).toBe('ODATA_HEADER_INVALID');
    expect(r.json['odata.error'].message.value).toContain('x-ms-client-request-id');
  });

  it.each(['2.0', '1.0;NetFx', '2.0;NetFx'])('answers a request with MaxDataServiceVersion %s and no DataServiceVersion (verbose JSON)', async (max) => {
    const r = await request(s.port, '/api/Jobs', { headers: { MaxDataServiceVersion: max }, accept: 'application/json' });
    expect(r.status).toBe(200);
    expect(r.json.d.results).toEqual([]);
    expect(r.headers.dataserviceversion).toBe(`${max[0]}.0;`);
  });

  it('accepts DataServiceVersion 3.0;NetFx, as the .NET SDK sends it', async () => {
    const r = await request(s.port, '/api/Jobs', { headers: { DataServiceVersion: '3.0;NetFx', MaxDataServiceVersion: '3.0;NetFx' } });
    expect(r.status).toBe(200);
    expect(r.json.value).toEqual([]);
  });

  it('still refuses a DataServiceVersion above the MaxDataServiceVersion sent with it', async () => {
    const r = await request(s.port, '/api/Jobs', { headers: { DataServiceVersion: '3.0', MaxDataServiceVersion: '2.0' } });
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].code).toBe('ODATA_VERSION_UNSUPPORTED');
  });
});

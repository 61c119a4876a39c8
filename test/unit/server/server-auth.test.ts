import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import { BearerAuth, isLoopbackAddress, parseTokenFile, parseTokenList, wwwAuthenticate } from '../../../src/server/auth.js';
import { ServerConfigError, createServer } from '../../../src/server/index.js';
import { OTHER_TOKEN, TOKEN, VERBOSE, request, startServer, testProcessors, type TestServer } from './helpers.js';

describe('BearerAuth', () => {
  const auth = new BearerAuth([TOKEN, OTHER_TOKEN]);

  it('accepts each configured token, the scheme in any case', () => {
    expect(auth.check(`Bearer ${TOKEN}`)).toBe('ok');
    expect(auth.check(`bearer ${OTHER_TOKEN}`)).toBe('ok');
    expect(auth.check(`BEARER   ${TOKEN} `)).toBe('ok');
  });

  it('tells a missing header from a malformed one and from an unknown token', () => {
    expect(auth.check(undefined)).toBe('missing');
    expect(auth.check('')).toBe('missing');
    expect(auth.check(`Basic ${Buffer.from('a:b').toString('base64')}`)).toBe('malformed');
    expect(auth.check('Bearer')).toBe('malformed');
    expect(auth.check(`Bearer ${TOKEN} extra`)).toBe('malformed');
    expect(auth.check(`Bearer ${TOKEN}x`)).toBe('invalid');
    expect(auth.check(`Bearer ${TOKEN.slice(0, -1)}`)).toBe('invalid');
    expect(auth.check('Bearer x')).toBe('invalid');
    expect(auth.check(`Bearer ${'a'.repeat(100_000)}`)).toBe('invalid');
  });

  it('refuses no tokens, short tokens and tokens a header cannot carry, never echoing them', () => {
    expect(() => new BearerAuth([])).toThrow(ServerConfigError);
    for (const bad of ['short', 'has a space in it 0123456789', 'tab\tinside-0123456789abc', 'ünïcödé-0123456789abcdef']) {
      let err: unknown;
      try {
        new BearerAuth([TOKEN, bad]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ServerConfigError);
      expect((err as ServerConfigError).code).toBe('SERVER_TOKEN_INVALID');
      expect((err as Error).message).toContain('token #2');
      expect((err as Error).message).not.toContain(bad);
    }
  });

  it("accepts the ACS-era Simple Web Tokens of the reference's samples, and nothing that only looks like one", () => {
    const swt =
      'http%3a%2f%2fschemas.xmlsoap.org%2fws%2f2005%2f05%2fidentity%2fclaims%2fnameidentifier=youraccountname&urn%3aSubscriptionId=2f84471d-b1ae-4e75-aa09-010f0fc0cf5b' +
      '&Audience=urn%3aWindowsAzureMediaServices&ExpiresOn=1337067658&HMACSHA256=dithjGvlXR9HlyAf5DE99N5OCYkPAxsHIcsTSjm9%2fVE%3d';
    expect(parseTokenFile(`${swt}\n`)).toEqual([swt]);
    const acs = new BearerAuth([swt]);
    expect(acs.check(`Bearer ${swt}`)).toBe('ok');
    expect(acs.check(`Bearer ${swt.replace('youraccountname', 'another')}`)).toBe('invalid');
    for (const bad of ['name=value&other=value-0123456789', 'a=b&HMACSHA256=&c=0123456789', 'a b=c&HMACSHA256=0123456789']) {
      expect(() => new BearerAuth([bad])).toThrow(expect.objectContaining({ code: 'SERVER_TOKEN_INVALID' }));
    }
  });

  it('names the realm, and the error for a bad token (RFC 6750)', () => {
    expect(wwwAuthenticate('missing')).toBe('Bearer realm="jobgraph"');
    expect(wwwAuthenticate('invalid')).toBe('Bearer realm="jobgraph", error="invalid_token"');
    expect(wwwAuthenticate('malformed')).toBe('Bearer realm="jobgraph", error="invalid_request"');
  });
});

describe('token sources', () => {
  it('reads a token file: one a line, comments and blank lines skipped, CRLF trimmed', () => {
    expect(parseTokenFile(`# tokens\r\n${TOKEN}\r\n\r\n  ${OTHER_TOKEN}  \n# old: x\n${TOKEN}\n`)).toEqual([TOKEN, OTHER_TOKEN]);
    expect(parseTokenFile('\n# nothing\n')).toEqual([]);
  });

  it('reads JOBGRAPH_TOKENS: comma-separated', () => {
    expect(parseTokenList(` ${TOKEN}, ${OTHER_TOKEN},,`)).toEqual([TOKEN, OTHER_TOKEN]);
    expect(parseTokenList(undefined)).toEqual([]);
  });
});

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['128.0.0.1', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });
});

describe('createServer without tokens', () => {
  const engine = new Engine({ processors: testProcessors() });
  afterAll(async () => {
    await engine.close();
  });

  it('refuses to start unless insecureLocal is set', () => {
    expect(() => createServer(engine)).toThrow(expect.objectContaining({ code: 'SERVER_NO_TOKENS' }));
    expect(() => createServer(engine, { tokens: [] })).toThrow(/--token-file or JOBGRAPH_TOKENS/);
  });

  it('with insecureLocal, refuses to listen beyond loopback', async () => {
    const api = createServer(engine, { insecureLocal: true });
    await expect(api.listen({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'SERVER_HOST_NOT_LOOPBACK' });
    await expect(api.listen({ host: '::' })).rejects.toMatchObject({ code: 'SERVER_HOST_NOT_LOOPBACK' });
    expect(api.server.listening).toBe(false);
  });

  it('with insecureLocal, serves loopback clients without a token', async () => {
    const api = createServer(engine, { insecureLocal: true });
    const { address, url } = await api.listen({ host: '127.0.0.1', port: 0 });
    try {
      expect(url).toBe(`http://127.0.0.1:${address.port}/api`);
      const r = await request(address.port, '/api/MediaProcessors', { token: null });
      expect(r.status).toBe(200);
    } finally {
      await api.close();
    }
  });
});

describe('HTTP authentication', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers 401 with WWW-Authenticate and an OData error when the header is missing', async () => {
    const r = await request(s.port, '/api/Jobs', { token: null });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="jobgraph"');
    expect(r.json).toEqual({ 'odata.error': { code: 'UNAUTHORIZED', message: { lang: 'en-US', value: expect.stringContaining('Authorization: Bearer') } } });
  });

  it('answers 401 invalid_token for a wrong token, in the verbose error shape for verbose clients', async () => {
    const r = await request(s.port, '/api/Jobs', { token: 'wrong-token-0123456789abcdef', accept: VERBOSE });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="jobgraph", error="invalid_token"');
    expect(r.json.error.code).toBe('UNAUTHORIZED');
  });

  it('answers 401 invalid_request for another scheme', async () => {
    const r = await request(s.port, '/api/Jobs', { token: null, headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toContain('invalid_request');
  });

  it('checks the token before anything else: a bad path, method or body from a stranger is still 401', async () => {
    for (const [method, path] of [
      ['GET', '/api/Nope'],
      ['GET', '/api/Jobs(%zz)'],
      ['POST', '/api/Jobs'],
      ['DELETE', "/api/Jobs('x')"],
      ['GET', '/api/$metadata'],
      ['GET', '/elsewhere'],
    ] as const) {
      const r = await request(s.port, path, { method, token: null, ...(method === 'POST' ? { body: 'not json' } : {}) });
      expect(r.status, `${method} ${path}`).toBe(401);
    }
  });

  it("closes the connection rather than reading a stranger's body", async () => {
    const r = await request(s.port, '/api/Jobs', { method: 'POST', token: null, body: 'x'.repeat(10_000) });
    expect(r.status).toBe(401);
    expect(r.headers.connection).toBe('close');
  });

  it('accepts every configured token', async () => {
    expect((await request(s.port, '/api/Jobs', { token: TOKEN })).status).toBe(200);
    expect((await request(s.port, '/api/Jobs', { token: OTHER_TOKEN })).status).toBe(200);
  });
});

import { describe, expect, it } from 'vitest';
import { ODataPathError } from '../../../../src/server/odata/errors.js';
import { decodeKey, encodeKey, entityUri, parseKeyLiteral, parseResourcePath } from '../../../../src/server/odata/resource-path.js';

const JOB = 'nb:jid:UUID:40dc7bef-6bd9-2247-9f3d-d80bc257d715';
const JOB_ENC = "'nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715'";

function pathError(path: string): ODataPathError {
  try {
    parseResourcePath(path);
  } catch (err) {
    expect(err).toBeInstanceOf(ODataPathError);
    return err as ODataPathError;
  }
  throw new Error(`expected ${path} to fail`);
}

describe('encodeKey() / decodeKey()', () => {
  it('percent-encodes keys as AMS writes them in __metadata.uri and Location', () => {
    expect(encodeKey(JOB)).toBe(JOB_ENC);
    expect(entityUri('https://media.windows.net/api', 'Jobs', JOB)).toBe(`https://media.windows.net/api/Jobs(${JOB_ENC})`);
    expect(entityUri('https://media.windows.net/api/', 'Jobs', JOB)).toBe(`https://media.windows.net/api/Jobs(${JOB_ENC})`);
  });

  it('doubles quotes and encodes parentheses, spaces, percent signs and non-ASCII', () => {
    expect(encodeKey("O'Brien (x) 100% é")).toBe("'O''Brien%20%28x%29%20100%25%20%C3%A9'");
    expect(decodeKey(encodeKey("O'Brien (x) 100% é"))).toBe("O'Brien (x) 100% é");
    expect(encodeKey('')).toBe("''");
    expect(decodeKey("''")).toBe('');
  });

  it('decodes raw, percent-encoded and fully encoded keys to the same id', () => {
    expect(decodeKey(`'${JOB}'`)).toBe(JOB);
    expect(decodeKey(JOB_ENC)).toBe(JOB);
    expect(decodeKey(`%27${encodeURIComponent(JOB)}%27`)).toBe(JOB);
    expect(decodeKey("'a''b'")).toBe("a'b");
    expect(decodeKey("'a%27%27b'")).toBe("a'b");
  });

  it('refuses a lone surrogate, which no URL can carry, and a non-string', () => {
    expect(() => encodeKey('a\uD800b')).toThrow(RangeError);
    expect(() => encodeKey('\uDC00')).toThrow(/lone surrogate/);
    expect(() => encodeKey(5 as unknown as string)).toThrow(TypeError);
    expect(encodeKey('😀')).toBe("'%F0%9F%98%80'");
  });

  it.each([
    ['nb:jid', /expected a quoted key/],
    ["'abc", /never closed/],
    ["'a'b'", /unexpected 'b'' after the closing quote at position 4/],
    ["'a%2'", /bad percent-encoding '%2'' at position 3/],
    ["'%ZZ'", /bad percent-encoding '%ZZ'/],
    ["'%FF'", /not UTF-8/],
  ])('decodeKey refuses %j with ODATA_PATH_INVALID', (segment, message) => {
    try {
      decodeKey(segment);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ODataPathError);
      expect((err as ODataPathError).code).toBe('ODATA_PATH_INVALID');
      expect((err as ODataPathError).message).toMatch(message);
    }
  });

  it('parseKeyLiteral reads the CancelJob jobid parameter after URLSearchParams decoded it', () => {
    const params = new URLSearchParams(`jobid=${JOB_ENC}`);
    expect(parseKeyLiteral(params.get('jobid')!)).toBe(JOB);
    expect(parseKeyLiteral("'100%'")).toBe('100%'); // no second percent-decoding
  });
});

describe('parseResourcePath()', () => {
  it.each([
    ['/api/Jobs', { collection: 'Jobs' }],
    ['/API/Jobs', { collection: 'Jobs' }],
    ['/Api/Jobs/', { collection: 'Jobs' }],
    ['/api/Jobs()', { collection: 'Jobs' }],
    [`/api/Jobs(${JOB_ENC})`, { collection: 'Jobs', key: JOB }],
    [`/API/Jobs('${JOB}')`, { collection: 'Jobs', key: JOB }],
    [`/api/Jobs(%27${encodeURIComponent(JOB)}%27)`, { collection: 'Jobs', key: JOB }],
    [`/api/Jobs(${JOB_ENC})/Tasks`, { collection: 'Jobs', key: JOB, navigation: 'Tasks' }],
    [`/api/Jobs(${JOB_ENC})/State`, { collection: 'Jobs', key: JOB, navigation: 'State' }],
    [`/api/Jobs(${JOB_ENC})/Tasks/$count`, { collection: 'Jobs', key: JOB, navigation: 'Tasks', count: true }],
    [`/api/Jobs(${JOB_ENC})/$links/InputMediaAssets`, { collection: 'Jobs', key: JOB, navigation: 'InputMediaAssets', links: true }],
    ["/api/Tasks('nb:tid:UUID:1')", { collection: 'Tasks', key: 'nb:tid:UUID:1' }],
    ["/api/Tasks('nb:tid:UUID:1')/InputMediaAssets", { collection: 'Tasks', key: 'nb:tid:UUID:1', navigation: 'InputMediaAssets' }],
    ['/api/Tasks', { collection: 'Tasks' }],
    ['/api/MediaProcessors', { collection: 'MediaProcessors' }],
    ['/api/Jobs/$count', { collection: 'Jobs', count: true }],
    ['/API/CancelJob', { collection: 'CancelJob' }],
    ['/api/$metadata', { collection: '$metadata' }],
    ['/api/$batch', { collection: '$batch' }],
    ['/api/', { collection: '$service' }],
    ['/api', { collection: '$service' }],
    ["/api/EncodingReservedUnitTypes(guid'01234567-89AB-cdef-0123-456789abcdef')", { collection: 'EncodingReservedUnitTypes', key: '01234567-89ab-cdef-0123-456789abcdef' }],
    ["/api/Jobs('a''b')", { collection: 'Jobs', key: "a'b" }],
    ["/api/Jobs('a/b)c')/Tasks", { collection: 'Jobs', key: 'a/b)c', navigation: 'Tasks' }],
  ])('routes %s', (path, expected) => {
    expect(parseResourcePath(path)).toEqual(expected);
  });

  it('routes the URIs its own encodeKey builds', () => {
    const id = "we'ird (id) / 100%";
    const url = new URL(`${entityUri('https://h/api', 'Jobs', id)}/Tasks`);
    expect(parseResourcePath(url.pathname)).toEqual({ collection: 'Jobs', key: id, navigation: 'Tasks' });
  });

  it.each([
    ["/api/Jobs('abc", 'ODATA_PATH_INVALID', /unbalanced quote in the key: the quote opened at position 11 is never closed/],
    ["/api/Jobs('a'b')", 'ODATA_PATH_INVALID', /expected '\)' to close the key opened at position 10, found 'b'\)'/],
    ["/api/Jobs('a')x", 'ODATA_PATH_INVALID', /unexpected 'x' at position 15/],
    ["/api/Jobs('a')/Tasks/x", 'ODATA_PATH_INVALID', /unexpected '\/x' .*one key and one property segment at most/],
    ["/api/Jobs('a')/Tasks('b')", 'ODATA_PATH_INVALID', /unexpected/],
    ["/api/Jobs('%zz')", 'ODATA_PATH_INVALID', /bad percent-encoding '%zz' at position 12/],
    ['/api/Jobs(5)', 'ODATA_PATH_INVALID', /keys are quoted strings, e.g. Jobs\('nb:jid:UUID:…'\); found '5\)'/],
    ["/api/Jobs(guid'nope')", 'ODATA_PATH_INVALID', /invalid guid key/],
    ['/api/Jobs/Tasks', 'ODATA_PATH_INVALID', /'Tasks' needs a key first: Jobs\('id'\)\/Tasks/],
    ["/api/Jobs('a')/", 'ODATA_PATH_INVALID', /.*/], // trailing slash after a key is fine…
    ["/api/Jobs('a')/1x", 'ODATA_PATH_INVALID', /expected a property name at position 16/],
    ["/api/CancelJob('a')", 'ODATA_PATH_INVALID', /CancelJob takes no key/],
    ['/api/$metadata/x', 'ODATA_PATH_INVALID', /needs a key first|takes no further segments/],
    ['/api/jobs', 'ODATA_RESOURCE_NOT_FOUND', /no resource 'jobs' \(did you mean 'Jobs'\? names are case-sensitive\)/],
    ['/api/Widgets', 'ODATA_RESOURCE_NOT_FOUND', /no resource 'Widgets'; resources are Jobs, Tasks/],
    ['/apiary/Jobs', 'ODATA_RESOURCE_NOT_FOUND', /paths start with \/api\//],
    ['/Jobs', 'ODATA_RESOURCE_NOT_FOUND', /outside the service/],
    ["/api/('a')", 'ODATA_PATH_INVALID', /expected an entity set name at position 6/],
  ])('refuses %s with %s', (path, code, message) => {
    if (path === "/api/Jobs('a')/") {
      expect(parseResourcePath(path)).toEqual({ collection: 'Jobs', key: 'a' });
      return;
    }
    const err = pathError(path);
    expect(err.code).toBe(code);
    expect(err.status).toBe(code === 'ODATA_RESOURCE_NOT_FOUND' ? 404 : 400);
    expect(err.message).toMatch(message);
    expect(err.path).toBe(path);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDateIso, formatDateVerbose, parseODataDate, stringifyOData } from '../../src/server/odata/format.js';
import { ODataPathError } from '../../src/server/odata/errors.js';
import { decodeKey, encodeKey, entityUri, parseKeyLiteral, parseResourcePath } from '../../src/server/odata/resource-path.js';
import { negotiateFormat } from '../../src/server/odata/negotiate.js';

const RUNS = 1000;

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Ids: any well-formed string, weighted towards the characters keys trip on. */
const id = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom("'", '%', '(', ')', '/', ':', ' ', '+', '?', '#', '&', 'a', 'é', '😀') }),
  fc.uuid().map((u) => `nb:jid:UUID:${u}`),
);

describe('key properties', () => {
  it('decodeKey(encodeKey(s)) is s for every well-formed string', () => {
    fc.assert(
      fc.property(id, (s) => {
        expect(decodeKey(encodeKey(s))).toBe(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('an entity URI built by entityUri routes back to its set and key, through URL parsing', () => {
    fc.assert(
      fc.property(id, fc.constantFrom('Jobs', 'Tasks', 'MediaProcessors'), fc.option(fc.constantFrom('Tasks', 'State', 'InputMediaAssets'), { nil: undefined }), (s, set, nav) => {
        const url = new URL(entityUri('https://acct.restv2.westus.media.azure.net/api', set, s) + (nav === undefined ? '' : `/${nav}`));
        const expected = nav === undefined ? { collection: set, key: s } : { collection: set, key: s, navigation: nav };
        expect(parseResourcePath(url.pathname)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('a raw quoted key (quotes doubled) reads back without percent-decoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: codeUnit }), (s) => {
        expect(parseKeyLiteral(`'${s.replaceAll("'", "''")}'`)).toBe(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('any path either routes or throws ODataPathError', () => {
    const fragments = fc.constantFrom('/api', '/API', '/', 'Jobs', 'Tasks', 'jobs', '(', ')', "'", "''", '%', '%27', '%3A', '%zz', 'x', '$count', '$metadata', 'guid', 'CancelJob');
    const path = fc.oneof(fc.string({ unit: codeUnit }), fc.array(fragments, { maxLength: 12 }).map((p) => p.join('')));
    fc.assert(
      fc.property(path, (p) => {
        try {
          parseResourcePath(p);
        } catch (err) {
          if (!(err instanceof ODataPathError)) throw err;
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('date and JSON properties', () => {
  const ms = fc.integer({ min: -8.64e15, max: 8.64e15 });
  const isoMs = fc.integer({ min: Date.parse('0000-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59.999Z') });

  it('parseODataDate reads back formatDateVerbose in both its value and its escaped wire form', () => {
    fc.assert(
      fc.property(ms, (t) => {
        const value = formatDateVerbose(t);
        expect(parseODataDate(value)).toBe(t);
        expect(parseODataDate(value.replaceAll('/', '\\/'))).toBe(t);
        expect(JSON.parse(stringifyOData({ v: value })).v).toBe(value);
      }),
      { numRuns: RUNS },
    );
  });

  it('parseODataDate reads back formatDateIso, with and without the Z', () => {
    fc.assert(
      fc.property(isoMs, (t) => {
        const iso = formatDateIso(t);
        expect(parseODataDate(iso)).toBe(t);
        expect(parseODataDate(iso.slice(0, -1))).toBe(t);
      }),
      { numRuns: RUNS },
    );
  });

  it('stringifyOData parses back to what JSON.stringify does, for any JSON value', () => {
    const withDates = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue(),
        ms.map(formatDateVerbose),
        fc.string({ unit: fc.constantFrom('/', 'D', 'a', 't', 'e', '(', ')', '1', '-', '+', '"', '\\') }),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 4 }), tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(withDates, (v) => {
        expect(JSON.parse(stringifyOData(v))).toEqual(JSON.parse(JSON.stringify(v) ?? 'null'));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('negotiation properties', () => {
  it('any Accept header gives one of the four answers, never an exception', () => {
    const part = fc.constantFrom('application/json', 'application/json;odata=verbose', '*/*', 'application/*', 'application/atom+xml', 'text/html', ';q=0', ';q=0.5', ';q=abc', ',', ' ', ';', '=', '"');
    const header = fc.oneof(fc.string({ unit: codeUnit }), fc.array(part, { maxLength: 10 }).map((p) => p.join('')));
    fc.assert(
      fc.property(header, fc.option(fc.string(), { nil: undefined }), (accept, format) => {
        expect(['verbose', 'minimal', 'atom', 'unsupported']).toContain(negotiateFormat(accept, format));
      }),
      { numRuns: RUNS },
    );
  });
});

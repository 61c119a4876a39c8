import { describe, expect, it } from 'vitest';
import { ODataHeaderError } from '../../../../src/server/odata/errors.js';
import { AMS_API_VERSION, acceptsXml, checkVersionHeaders, contentTypeFor, negotiateFormat } from '../../../../src/server/odata/negotiate.js';

describe('negotiateFormat()', () => {
  it.each([
    ['application/json;odata=verbose', 'verbose'],
    ['application/json; odata=verbose; charset=utf-8', 'verbose'],
    ['APPLICATION/JSON;ODATA=VERBOSE', 'verbose'],
    ['application/json', 'minimal'],
    ['application/json;odata=minimalmetadata', 'minimal'],
    ['application/json;odata=minimalmetadata;streaming=true;charset=utf-8', 'minimal'],
    ['application/json;odata=fullmetadata', 'minimal'],
    ['application/json;odata=nometadata', 'minimal'],
    ['*/*', 'minimal'],
    ['application/*', 'minimal'],
    ['application/atom+xml', 'atom'],
    ['application/atom+xml,application/xml', 'atom'],
    ['application/xml', 'atom'],
    ['text/html', 'unsupported'],
    ['text/html', 'unsupported'],
    ['application/atom+xml, application/json;odata=verbose', 'verbose'],
    ['application/atom+xml;q=0.9, */*;q=0.1', 'atom'],
    ['application/atom+xml;q=0.5, application/json;q=0.9', 'minimal'],
    // datajs: JSON named at a higher q than anything XML.
    ['application/atomsvc+xml;q=0.8, application/json;odata=fullmetadata;q=0.7, application/json;q=0.5, */*;q=0.1', 'minimal'],
    ['application/*', 'minimal'],
    ['application/json;odata=verbose, application/json;q=0.5', 'verbose'],
    ['application/json;odata=verbose;q=0.5, application/json', 'minimal'],
    ['application/json;odata=verbose, */*', 'verbose'],
    ['application/json;q=0', 'unsupported'],
    ['application/json;odata=verbose;q=0, application/json', 'minimal'],
    ['application/json;odata=minimalmetadata;q=0, application/json;odata=verbose;q=0.1', 'verbose'],
    ['', 'minimal'],
    ['   ', 'minimal'],
  ])('Accept %j → %s', (accept, expected) => {
    expect(negotiateFormat(accept)).toBe(expected);
  });

  it('answers minimal when there is no Accept header', () => {
    expect(negotiateFormat(undefined)).toBe('minimal');
    expect(negotiateFormat(null)).toBe('minimal');
  });

  it('lets $format override Accept', () => {
    expect(negotiateFormat('application/json;odata=verbose', 'json')).toBe('minimal');
    expect(negotiateFormat('application/json', 'verbose')).toBe('verbose');
    expect(negotiateFormat('application/json', 'atom')).toBe('atom');
    expect(negotiateFormat('application/json', 'xml')).toBe('atom');
    expect(negotiateFormat('application/json', 'csv')).toBe('unsupported');
    expect(negotiateFormat(undefined, 'application/json;odata=verbose')).toBe('verbose');
    expect(negotiateFormat('application/atom+xml', '')).toBe('atom');
  });

  it('gives the Content-Type AMS sends for each format', () => {
    expect(contentTypeFor('verbose')).toBe('application/json;odata=verbose;charset=utf-8');
    expect(contentTypeFor('minimal')).toBe('application/json;odata=minimalmetadata;streaming=true;charset=utf-8');
  });
});

describe('acceptsXml()', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['application/xml', true],
    ['text/xml;charset=utf-8', true],
    ['*/*', true],
    ['application/*', true],
    ['application/json, */*;q=0.1', true],
    ['application/json', false],
    ['application/json;odata=verbose', false],
    ['application/atom+xml', false],
    ['application/xml;q=0', false],
  ] as const)('%s → %s', (accept, expected) => {
    expect(acceptsXml(accept)).toBe(expected);
  });
});

describe('checkVersionHeaders()', () => {
  it('accepts the headers of the reference samples and answers with version headers', () => {
    expect(checkVersionHeaders({ DataServiceVersion: '3.0', MaxDataServiceVersion: '3.0', 'x-ms-version': '2.19' })).toEqual({
      dataServiceVersion: '3.0',
      maxDataServiceVersion: 3,
      apiVersion: '2.19',
      headers: { DataServiceVersion: '3.0;', 'x-ms-version': '2.19' },
    });
  });

  it('assumes 3.0 and answers with our x-ms-version when headers are absent', () => {
    expect(checkVersionHeaders({})).toEqual({ dataServiceVersion: '3.0', maxDataServiceVersion: 3, apiVersion: AMS_API_VERSION, headers: { DataServiceVersion: '3.0;', 'x-ms-version': AMS_API_VERSION } });
  });

  it('reads Node lower-case headers, WHATWG Headers and array values', () => {
    expect(checkVersionHeaders({ dataserviceversion: '1.0', maxdataserviceversion: '2.0', 'x-ms-version': '2.11' })).toMatchObject({
      dataServiceVersion: '1.0',
      maxDataServiceVersion: 2,
      apiVersion: '2.11',
      headers: { DataServiceVersion: '2.0;', 'x-ms-version': '2.11' },
    });
    const h = new Headers({ DataServiceVersion: '2.0;NetFx', 'x-ms-version': '2.17' });
    expect(checkVersionHeaders(h)).toMatchObject({ dataServiceVersion: '2.0', apiVersion: '2.17' });
    expect(checkVersionHeaders({ 'x-ms-version': ['2.15'] }).apiVersion).toBe('2.15');
  });

  it('takes an absent DataServiceVersion as the MaxDataServiceVersion sent (capped at 3.0)', () => {
    expect(checkVersionHeaders({ MaxDataServiceVersion: '2.0' })).toMatchObject({ dataServiceVersion: '2.0', maxDataServiceVersion: 2, headers: { DataServiceVersion: '2.0;' } });
    expect(checkVersionHeaders({ MaxDataServiceVersion: '1.0;NetFx' })).toMatchObject({ dataServiceVersion: '1.0', headers: { DataServiceVersion: '1.0;' } });
    expect(checkVersionHeaders({ MaxDataServiceVersion: '4.0' }).dataServiceVersion).toBe('3.0');
    expect(checkVersionHeaders({ DataServiceVersion: '3.0;NetFx' }).dataServiceVersion).toBe('3.0');
  });

  it('echoes x-ms-client-request-id next to client-request-id', () => {
    expect(checkVersionHeaders({ 'x-ms-client-request-id': 'a', 'client-request-id': 'b' }).headers).toMatchObject({ 'x-ms-client-request-id': 'a', 'client-request-id': 'b' });
  });

  it('accepts a MaxDataServiceVersion above 3.0 and answers 3.0', () => {
    expect(checkVersionHeaders({ MaxDataServiceVersion: '4.0' }).headers.DataServiceVersion).toBe('3.0;');
  });

  it('echoes client-request-id up to 2 KB', () => {
    expect(checkVersionHeaders({ 'client-request-id': 'abc' }).headers['client-request-id']).toBe('abc');
    expect(() => checkVersionHeaders({ 'client-request-id': 'x'.repeat(2049) })).toThrow(/2049 bytes; the limit is 2 KB/);
  });

  it.each([
    [{ DataServiceVersion: '4.0' }, 'ODATA_VERSION_UNSUPPORTED', 'DataServiceVersion', /DataServiceVersion '4.0' is not supported; .*send 3.0/],
    [{ DataServiceVersion: '3.1' }, 'ODATA_VERSION_UNSUPPORTED', 'DataServiceVersion', /not supported/],
    [{ DataServiceVersion: '0.9' }, 'ODATA_VERSION_UNSUPPORTED', 'DataServiceVersion', /not supported/],
    [{ DataServiceVersion: 'three' }, 'ODATA_VERSION_UNSUPPORTED', 'DataServiceVersion', /'three' is not a version/],
    [{ MaxDataServiceVersion: '0.5' }, 'ODATA_VERSION_UNSUPPORTED', 'MaxDataServiceVersion', /below 1.0/],
    [{ DataServiceVersion: '3.0', MaxDataServiceVersion: '2.0' }, 'ODATA_VERSION_UNSUPPORTED', 'MaxDataServiceVersion', /below DataServiceVersion/],
    [{ 'x-ms-version': '3.0' }, 'AMS_API_VERSION_UNSUPPORTED', 'x-ms-version', /x-ms-version '3.0' is not supported; .*send 2.x/],
    [{ 'x-ms-version': '2' }, 'AMS_API_VERSION_UNSUPPORTED', 'x-ms-version', /not supported/],
    [{ 'x-ms-version': '2022-07-01' }, 'AMS_API_VERSION_UNSUPPORTED', 'x-ms-version', /not supported/],
  ])('refuses %j with %s', (headers, code, header, message) => {
    try {
      checkVersionHeaders(headers);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ODataHeaderError);
      const e = err as ODataHeaderError;
      expect(e.code).toBe(code);
      expect(e.header).toBe(header);
      expect(e.status).toBe(400);
      expect(e.message).toMatch(message);
    }
  });
});

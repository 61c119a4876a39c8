import { describe, expect, it } from 'vitest';
import { JobGraphError } from '../../../../src/errors.js';
import { ODataQueryError, ODataValueError } from '../../../../src/server/odata/errors.js';
import {
  AMS_TYPES,
  errorResponse,
  formatDateIso,
  formatDateVerbose,
  formatEntityDates,
  minimalList,
  minimalProperty,
  minimalSingle,
  odataError,
  parseODataDate,
  stringifyOData,
  verboseEntity,
  verboseList,
  verboseProperty,
  verboseSingle,
} from '../../../../src/server/odata/format.js';

/** Replaces every leaf with its type, so two bodies compare by shape. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return v === null ? 'null' : typeof v;
}

describe('dates on the wire', () => {
  it('formatDateVerbose gives the /Date(ms)/ value, and stringifyOData writes it as "\\/Date(ms)\\/"', () => {
    expect(formatDateVerbose(1336771959431)).toBe('/Date(1336771959431)/');
    const text = stringifyOData({ Created: formatDateVerbose(1336771959431) });
    expect(text).toBe('{"Created":"\\/Date(1336771959431)\\/"}');
    expect(JSON.parse(text)).toEqual({ Created: '/Date(1336771959431)/' });
    expect(JSON.stringify({ Created: formatDateVerbose(1336771959431) })).toBe('{"Created":"/Date(1336771959431)/"}'); // why stringifyOData exists
  });

  it('formatDateVerbose handles negative, zero and fractional ms, and refuses non-dates', () => {
    expect(formatDateVerbose(-1000)).toBe('/Date(-1000)/');
    expect(formatDateVerbose(-0)).toBe('/Date(0)/');
    expect(formatDateVerbose(1.9)).toBe('/Date(1)/');
    expect(() => formatDateVerbose(Number.NaN)).toThrow(RangeError);
    expect(() => formatDateVerbose(8.64e15 + 1)).toThrow(/within ±8.64e15/);
    expect(() => formatDateVerbose('1' as unknown as number)).toThrow(TypeError);
  });

  it('stringifyOData escapes only whole /Date(…)/ string values and leaves other slashes alone', () => {
    expect(stringifyOData({ a: 'x/Date(1)/', b: '/Date(1)/x', c: 'a/b', d: '/Date(12+0100)/' })).toBe(
      '{"a":"x/Date(1)/","b":"/Date(1)/x","c":"a/b","d":"\\/Date(12+0100)\\/"}',
    );
    expect(stringifyOData(undefined)).toBe('null');
    expect(stringifyOData([formatDateVerbose(0)])).toBe('["\\/Date(0)\\/"]');
  });

  it('formatDateIso writes UTC with Z and no trailing fraction zeros, as AMS does', () => {
    expect(formatDateIso(Date.UTC(2020, 3, 15, 18, 45, 24, 540))).toBe('2020-04-15T18:45:24.54Z');
    expect(formatDateIso(Date.UTC(2020, 3, 15, 18, 46, 11, 477))).toBe('2020-04-15T18:46:11.477Z');
    expect(formatDateIso(Date.UTC(2020, 3, 15, 18, 46, 0, 0))).toBe('2020-04-15T18:46:00Z');
    expect(formatDateIso(Date.UTC(2020, 3, 15, 18, 46, 0, 100))).toBe('2020-04-15T18:46:00.1Z');
    expect(() => formatDateIso(Infinity)).toThrow(RangeError);
  });

  it('parseODataDate reads all three wire forms', () => {
    const ms = Date.UTC(2020, 3, 15, 18, 45, 24, 540);
    expect(parseODataDate('\\/Date(1336771959431)\\/')).toBe(1336771959431);
    expect(parseODataDate('/Date(1336771959431)/')).toBe(1336771959431);
    expect(parseODataDate('/Date(-1000)/')).toBe(-1000);
    expect(parseODataDate('/Date(1336771959431+0200)/')).toBe(1336771959431);
    expect(parseODataDate('2020-04-15T18:45:24.54Z')).toBe(ms);
    expect(parseODataDate('2020-04-15T18:45:24.54')).toBe(ms); // no zone = UTC
    expect(parseODataDate('2020-04-15T20:45:24.54+02:00')).toBe(ms);
    expect(parseODataDate('2015-02-11T01:46:08.897')).toBe(Date.UTC(2015, 1, 11, 1, 46, 8, 897));
    expect(parseODataDate(formatDateIso(ms))).toBe(ms);
  });

  it.each(['', 'yesterday', '\\/Date(1)/', '/Date(1)\\/', '/Date(abc)/', '/Date(99999999999999999)/', '2020-02-30T00:00:00Z', '2020-04-15T24:00:00Z', '2020-04-15 18:45:24Z'])(
    'parseODataDate refuses %j with ODATA_VALUE_INVALID',
    (text) => {
      expect(() => parseODataDate(text)).toThrow(ODataValueError);
      try {
        parseODataDate(text);
      } catch (err) {
        expect((err as ODataValueError).code).toBe('ODATA_VALUE_INVALID');
        expect((err as ODataValueError).status).toBe(400);
      }
    },
  );

  it('formatEntityDates converts top-level and per-element dates, keeping null and text', () => {
    const ms = Date.UTC(2020, 3, 15, 18, 46, 11, 477);
    const view = { Created: ms, EndTime: null, Label: 'x', HistoricalEvents: [{ Code: 'Finished', TimeStamp: ms }, { Code: 'X' }] };
    expect(formatEntityDates(view, ['Created', 'EndTime', 'HistoricalEvents/TimeStamp', 'Nope', 'Nope/X'])).toEqual({
      Created: '2020-04-15T18:46:11.477Z',
      EndTime: null,
      Label: 'x',
      HistoricalEvents: [{ Code: 'Finished', TimeStamp: '2020-04-15T18:46:11.477Z' }, { Code: 'X' }],
    });
    expect(formatEntityDates(view, ['Created'], 'msjson').Created).toBe('/Date(1586976371477)/');
    expect(formatEntityDates({ Created: new Date(ms) }, ['Created']).Created).toBe('2020-04-15T18:46:11.477Z');
    expect(view.Created).toBe(ms); // input untouched
  });
});

describe('verbose envelopes (reference §4, §9)', () => {
  const base = 'https://media.windows.net/api';

  it('builds the §4 Job response: __metadata, deferred navigation, then properties', () => {
    const job = {
      Id: 'nb:jid:UUID:40dc7bef-6bd9-2247-9f3d-d80bc257d715',
      Name: 'NewTestJob',
      Created: 1336771959431,
      LastModified: 1336771959431,
      EndTime: null,
      Priority: 0,
      RunningDuration: 0,
      StartTime: null,
      State: 0,
      TemplateId: null,
    };
    const body = verboseSingle(
      verboseEntity(job, {
        baseUri: base + '/',
        set: 'Jobs',
        type: AMS_TYPES.Job,
        navigation: ['Tasks', 'OutputMediaAssets', 'InputMediaAssets'],
        dates: ['Created', 'LastModified', 'StartTime', 'EndTime'],
        dateStyle: 'msjson',
      }),
    );
    const uri = "https://media.windows.net/api/Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')";
    expect(body).toEqual({
      d: {
        __metadata: { id: uri, uri, type: 'Microsoft.Cloud.Media.Vod.Rest.Data.Models.Job' },
        Tasks: { __deferred: { uri: `${uri}/Tasks` } },
        OutputMediaAssets: { __deferred: { uri: `${uri}/OutputMediaAssets` } },
        InputMediaAssets: { __deferred: { uri: `${uri}/InputMediaAssets` } },
        Id: 'nb:jid:UUID:40dc7bef-6bd9-2247-9f3d-d80bc257d715',
        Name: 'NewTestJob',
        Created: '/Date(1336771959431)/',
        LastModified: '/Date(1336771959431)/',
        EndTime: null,
        Priority: 0,
        RunningDuration: 0,
        StartTime: null,
        State: 0,
        TemplateId: null,
      },
    });
    expect(Object.keys(body.d as object).slice(0, 5)).toEqual(['__metadata', 'Tasks', 'OutputMediaAssets', 'InputMediaAssets', 'Id']);
    expect(stringifyOData(body)).toContain('"Created":"\\/Date(1336771959431)\\/"');
  });

  it('builds the §9 verbose Task list with the same shape as the Gridwich sample', () => {
    // The reference's sample, trimmed as the reference trims it (its "…" elisions filled in).
    const sample = JSON.parse(String.raw`{"d":{"results":[{
 "__metadata":{"id":"https://acct.restv2.westus.media.azure.net/api/Tasks('nb%3Atid%3AUUID%3A45547fae-f89c-406c-8202-773ce47f4ac8')","uri":"https://acct.restv2.westus.media.azure.net/api/Tasks('nb%3Atid%3AUUID%3A45547fae-f89c-406c-8202-773ce47f4ac8')",
   "type":"Microsoft.Cloud.Media.Vod.Rest.Data.Models.Task"},
 "OutputMediaAssets":{"__deferred":{"uri":"https://acct.restv2.westus.media.azure.net/api/Tasks('nb%3Atid%3AUUID%3A45547fae-f89c-406c-8202-773ce47f4ac8')/OutputMediaAssets"}},
 "InputMediaAssets":{"__deferred":{"uri":"https://acct.restv2.westus.media.azure.net/api/Tasks('nb%3Atid%3AUUID%3A45547fae-f89c-406c-8202-773ce47f4ac8')/InputMediaAssets"}},
 "Id":"nb:tid:UUID:45547fae-f89c-406c-8202-773ce47f4ac8","Configuration":"Adaptive Streaming","EndTime":"2020-04-15T18:46:11.477Z",
 "ErrorDetails":{"__metadata":{"type":"Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.ErrorDetail)"},"results":[]},
 "HistoricalEvents":{"__metadata":{"type":"Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.TaskHistoricalEvent)"},
   "results":[{"Code":"Finished","Message":"","TimeStamp":"2020-04-15T18:46:11.477"}]},
 "MediaProcessorId":"nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56","Name":"encode","PerfMessage":"perf","Priority":0,
 "Progress":100,"RunningDuration":39605,"StartTime":"2020-04-15T18:45:24.54Z","State":3,
 "TaskBody":"<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<taskBody></taskBody>","Options":0,"EncryptionScheme":"None",
 "TaskNotificationSubscriptions":{"__metadata":{"type":"Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.TaskNotificationSubscription)"},
   "results":[{"IncludeTaskProgress":true,"NotificationEndPointId":"nb:nepid:UUID:12ed9f0d-0000-0000-0000-000000000000","TargetTaskState":2}]}}]}}`);

    const task = {
      Id: 'nb:tid:UUID:45547fae-f89c-406c-8202-773ce47f4ac8',
      Configuration: 'Adaptive Streaming',
      EndTime: Date.UTC(2020, 3, 15, 18, 46, 11, 477),
      ErrorDetails: [],
      HistoricalEvents: [{ Code: 'Finished', Message: '', TimeStamp: Date.UTC(2020, 3, 15, 18, 46, 11, 477) }],
      MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56',
      Name: 'encode',
      PerfMessage: 'perf',
      Priority: 0,
      Progress: 100,
      RunningDuration: 39605,
      StartTime: Date.UTC(2020, 3, 15, 18, 45, 24, 540),
      State: 3,
      TaskBody: '<?xml version="1.0" encoding="utf-16"?>\r\n<taskBody></taskBody>',
      Options: 0,
      EncryptionScheme: 'None',
      TaskNotificationSubscriptions: [{ IncludeTaskProgress: true, NotificationEndPointId: 'nb:nepid:UUID:12ed9f0d-0000-0000-0000-000000000000', TargetTaskState: 2 }],
    };
    const body = verboseList([
      verboseEntity(task, {
        baseUri: 'https://acct.restv2.westus.media.azure.net/api',
        set: 'Tasks',
        type: AMS_TYPES.Task,
        navigation: ['OutputMediaAssets', 'InputMediaAssets'],
        collections: {
          ErrorDetails: AMS_TYPES.ErrorDetail,
          HistoricalEvents: AMS_TYPES.TaskHistoricalEvent,
          TaskNotificationSubscriptions: AMS_TYPES.TaskNotificationSubscription,
        },
        dates: ['EndTime', 'StartTime', 'HistoricalEvents/TimeStamp'],
      }),
    ]);
    expect(shape(body)).toEqual(shape(sample));
    const ours = (body.d.results as Record<string, unknown>[])[0]!;
    expect(Object.keys(ours)).toEqual(Object.keys(sample.d.results[0]));
    const theirs = sample.d.results[0];
    for (const k of ['__metadata', 'OutputMediaAssets', 'InputMediaAssets', 'ErrorDetails', 'TaskNotificationSubscriptions', 'EndTime', 'StartTime', 'State', 'RunningDuration']) {
      expect(ours[k]).toEqual(theirs[k]);
    }
    // The sample's event TimeStamp has no zone; ours says Z. Same instant:
    expect(parseODataDate((ours.HistoricalEvents as { results: { TimeStamp: string }[] }).results[0]!.TimeStamp)).toBe(
      parseODataDate(theirs.HistoricalEvents.results[0].TimeStamp),
    );
  });

  it('wraps a null collection as an empty one and lets navigation win over a same-named property', () => {
    const e = verboseEntity({ Id: 'x', Tasks: [1], ErrorDetails: null }, { baseUri: 'http://h/api', set: 'Jobs', type: AMS_TYPES.Job, navigation: ['Tasks'], collections: { ErrorDetails: AMS_TYPES.ErrorDetail } });
    expect(e.Tasks).toEqual({ __deferred: { uri: "http://h/api/Jobs('x')/Tasks" } });
    expect(e.ErrorDetails).toEqual({ __metadata: { type: 'Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.ErrorDetail)' }, results: [] });
  });

  it('uses meta.key when given and refuses an entity without a key', () => {
    expect(verboseEntity({ Name: 'x' }, { baseUri: 'http://h/api', set: 'Jobs', type: AMS_TYPES.Job, key: 'k' }).__metadata).toEqual({
      id: "http://h/api/Jobs('k')",
      uri: "http://h/api/Jobs('k')",
      type: AMS_TYPES.Job,
    });
    expect(() => verboseEntity({ Name: 'x' }, { baseUri: 'http://h/api', set: 'Jobs', type: AMS_TYPES.Job })).toThrow(/has no string `Id`/);
  });

  it('builds lists with __count as a string, single entities and property values', () => {
    expect(verboseList([], { count: 42 })).toEqual({ d: { __count: '42', results: [] } });
    expect(verboseList([{ a: 1 }])).toEqual({ d: { results: [{ a: 1 }] } });
    expect(verboseSingle({ a: 1 })).toEqual({ d: { a: 1 } });
    expect(verboseProperty('State', 2)).toEqual({ d: { State: 2 } });
  });
});

describe('minimal metadata envelopes (reference §9)', () => {
  it('builds the Doc-Progress shape', () => {
    const sample = { 'odata.metadata': 'https://media.windows.net/api/$metadata#Jobs', value: [{ Id: 'nb:jid:UUID:1', Created: '2015-02-11T01:46:08.897', State: 2 }] };
    const body = minimalList('https://media.windows.net/api', 'Jobs', [{ Id: 'nb:jid:UUID:1', Created: Date.UTC(2015, 1, 11, 1, 46, 8, 897), State: 2 }], { dates: ['Created'] });
    expect(shape(body)).toEqual(shape(sample));
    expect(body['odata.metadata']).toBe(sample['odata.metadata']);
    expect(body.value).toEqual([{ Id: 'nb:jid:UUID:1', Created: '2015-02-11T01:46:08.897Z', State: 2 }]);
  });

  it('adds odata.count, and builds single entities and property values', () => {
    expect(minimalList('http://h/api/', 'Tasks', [], { count: 3 })).toEqual({ 'odata.metadata': 'http://h/api/$metadata#Tasks', 'odata.count': '3', value: [] });
    expect(minimalSingle('http://h/api', 'Jobs', { Id: 'x', Created: 0 }, { dates: ['Created'] })).toEqual({
      'odata.metadata': 'http://h/api/$metadata#Jobs/@Element',
      Id: 'x',
      Created: '1970-01-01T00:00:00Z',
    });
    expect(minimalProperty('http://h/api', 'Edm.Int32', 2)).toEqual({ 'odata.metadata': 'http://h/api/$metadata#Edm.Int32', value: 2 });
  });
});

describe('error bodies', () => {
  it('odataError builds the JSON light and the verbose forms', () => {
    expect(odataError('ODATA_QUERY_INVALID', 'bad')).toEqual({ 'odata.error': { code: 'ODATA_QUERY_INVALID', message: { lang: 'en-US', value: 'bad' } } });
    expect(odataError('ODATA_QUERY_INVALID', 'bad', { verbose: true })).toEqual({ error: { code: 'ODATA_QUERY_INVALID', message: { lang: 'en-US', value: 'bad' } } });
  });

  it('errorResponse maps our errors to their status and hides unexpected ones', () => {
    expect(errorResponse(new ODataQueryError('$top: nope', { option: '$top' }))).toEqual({
      status: 400,
      body: { 'odata.error': { code: 'ODATA_QUERY_INVALID', message: { lang: 'en-US', value: '$top: nope' } } },
    });
    expect(errorResponse(new ODataQueryError('x', { option: '$expand', code: 'ODATA_EXPAND_UNSUPPORTED' })).status).toBe(501);
    expect(errorResponse(new JobGraphError('SOMETHING', 'msg'), { verbose: true })).toEqual({ status: 400, body: { error: { code: 'SOMETHING', message: { lang: 'en-US', value: 'msg' } } } });
    const hidden = errorResponse(new Error('secret stack detail'));
    expect(hidden.status).toBe(500);
    expect(JSON.stringify(hidden.body)).not.toContain('secret');
  });
});

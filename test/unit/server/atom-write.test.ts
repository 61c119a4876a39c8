import { describe, expect, it } from 'vitest';
import { atomEntry, atomError, atomFeed, atomLinks, atomProperty, atomUri, escapeXml } from '../../../src/server/odata/atom-write.js';
import { ASSETS, MEDIA_PROCESSORS } from '../../../src/server/entities.js';
import {
  AMS_TYPES,
  ASSET_URI,
  ATOM,
  BASE,
  D,
  JOBS,
  JOB_ID,
  M,
  TASKS,
  TASK_BODY,
  TASK_ID,
  UPDATED,
  kid,
  kids,
  parseXml,
  sampleJob,
  sampleTask,
  type XNode,
} from './atom-helpers.js';

const REL = 'http://schemas.microsoft.com/ado/2007/08/dataservices/related/';
const properties = (entry: XNode): XNode => kid(kid(entry, ATOM, 'content'), M, 'properties');
const prop = (entry: XNode, name: string): XNode => kid(properties(entry), D, name);

describe('atomEntry()', () => {
  it('writes a job as AMS does: id, category, edit and related links, content with typed properties', () => {
    const xml = atomEntry(JOBS, sampleJob(), { baseUri: BASE, updated: UPDATED });
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?><entry ')).toBe(true);
    const entry = parseXml(xml);
    expect(entry.ns).toBe(ATOM);
    expect(entry.local).toBe('entry');
    expect(entry.attrs['{http://www.w3.org/XML/1998/namespace}base']).toBe(`${BASE}/`);
    expect(kid(entry, ATOM, 'id').text).toBe(`${BASE}/Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')`);
    const category = kid(entry, ATOM, 'category');
    expect(category.attrs).toEqual({ term: AMS_TYPES.Job, scheme: 'http://schemas.microsoft.com/ado/2007/08/dataservices/scheme' });
    const links = kids(entry, ATOM, 'link');
    expect(links.map((l) => l.attrs.rel)).toEqual(['edit', `${REL}Tasks`, `${REL}OutputMediaAssets`, `${REL}InputMediaAssets`]);
    expect(links[0]!.attrs).toEqual({ rel: 'edit', title: 'Job', href: "Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')" });
    expect(links[1]!.attrs).toEqual({
      rel: `${REL}Tasks`,
      type: 'application/atom+xml;type=feed',
      title: 'Tasks',
      href: "Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')/Tasks",
    });
    expect(kid(entry, ATOM, 'updated').text).toBe('2026-12-04T12:00:00Z');
    expect(kid(kid(entry, ATOM, 'author'), ATOM, 'name').text).toBe('');
    expect(kid(entry, ATOM, 'content').attrs.type).toBe('application/xml');
    // Properties in the entity's order, navigation left out.
    expect(properties(entry).children.map((c) => c.local)).toEqual(Object.keys(sampleJob()));
    expect(prop(entry, 'Name').attrs).toEqual({});
    expect(prop(entry, 'Name').text).toBe('NewTestJob');
    expect(prop(entry, 'Priority').attrs).toEqual({ [`{${M}}type`]: 'Edm.Int32' });
    expect(prop(entry, 'Priority').text).toBe('10');
    expect(prop(entry, 'RunningDuration').attrs[`{${M}}type`]).toBe('Edm.Double');
    expect(prop(entry, 'Created').attrs[`{${M}}type`]).toBe('Edm.DateTime');
    expect(prop(entry, 'Created').text).toBe('2020-04-15T18:45:24.54Z');
    expect(prop(entry, 'EndTime').attrs).toEqual({ [`{${M}}null`]: 'true' });
    expect(prop(entry, 'TemplateId').attrs).toEqual({ [`{${M}}null`]: 'true' });
    expect(prop(entry, 'JobNotificationSubscriptions').attrs[`{${M}}type`]).toBe(`Collection(${AMS_TYPES.JobNotificationSubscription})`);
    expect(prop(entry, 'JobNotificationSubscriptions').children).toEqual([]);
  });

  it('writes a task: complex collections as d:element lists with typed members, CRLF and markup of the TaskBody intact', () => {
    const entry = parseXml(atomEntry(TASKS, sampleTask(), { baseUri: BASE, updated: UPDATED }));
    expect(kid(entry, ATOM, 'category').attrs.term).toBe(AMS_TYPES.Task);
    expect(kids(entry, ATOM, 'link').map((l) => l.attrs.title)).toEqual(['Task', 'OutputMediaAssets', 'InputMediaAssets']);
    const events = prop(entry, 'HistoricalEvents');
    expect(events.attrs[`{${M}}type`]).toBe(`Collection(${AMS_TYPES.TaskHistoricalEvent})`);
    const elements = kids(events, D, 'element');
    expect(elements).toHaveLength(2);
    expect(kid(elements[1]!, D, 'Message').text).toBe('done <ok>');
    expect(kid(elements[1]!, D, 'TimeStamp').attrs[`{${M}}type`]).toBe('Edm.DateTime');
    expect(kid(elements[1]!, D, 'TimeStamp').text).toBe('2020-04-15T18:46:11.477Z');
    expect(kid(elements[0]!, D, 'Message').text).toBe('');
    const subs = kid(prop(entry, 'TaskNotificationSubscriptions'), D, 'element');
    expect(kid(subs, D, 'IncludeTaskProgress').attrs[`{${M}}type`]).toBe('Edm.Boolean');
    expect(kid(subs, D, 'IncludeTaskProgress').text).toBe('true');
    expect(kid(subs, D, 'TargetTaskState').attrs[`{${M}}type`]).toBe('Edm.Int32');
    expect(prop(entry, 'ErrorDetails').attrs[`{${M}}type`]).toBe(`Collection(${AMS_TYPES.ErrorDetail})`);
    expect(prop(entry, 'ErrorDetails').children).toEqual([]);
    expect(prop(entry, 'TaskBody').text).toBe(TASK_BODY);
    expect(prop(entry, 'RunningDuration').text).toBe('39605.5');
  });

  it('writes dates held as epoch ms, Date or /Date(ms)/ as ISO 8601', () => {
    const ms = Date.UTC(2020, 3, 15, 18, 45, 24, 540);
    for (const Created of [ms, new Date(ms), `/Date(${ms})/`]) {
      const entry = parseXml(atomEntry(JOBS, { ...sampleJob(), Created }, { baseUri: BASE, updated: UPDATED }));
      expect(prop(entry, 'Created').text).toBe('2020-04-15T18:45:24.54Z');
    }
    const bad = parseXml(atomEntry(JOBS, { ...sampleJob(), Created: Number.NaN, LastModified: new Date(Number.NaN), StartTime: 'soon' }, { baseUri: BASE, updated: UPDATED }));
    expect([prop(bad, 'Created').text, prop(bad, 'LastModified').text, prop(bad, 'StartTime').text]).toEqual(['NaN', 'Invalid Date', 'soon']);
  });

  it('limits related links to $select and takes a key that is not the Id', () => {
    const entry = parseXml(atomEntry(JOBS, { Name: 'x' }, { baseUri: `${BASE}/`, updated: UPDATED, key: JOB_ID, select: ['Name', 'Tasks'] }));
    expect(kids(entry, ATOM, 'link').map((l) => l.attrs.title)).toEqual(['Job', 'Tasks']);
    expect(properties(entry).children.map((c) => c.local)).toEqual(['Name']);
    expect(kid(entry, ATOM, 'id').text).toContain(`${BASE}/Jobs(`);
  });

  it('escapes markup in every value and attribute, and writes characters XML cannot carry as U+FFFD', () => {
    const nasty = 'a&b<c>d"e\'f]]>g\u0001h\u0000i\ud800j\uffffk\r\nl\tm😀';
    const entry = parseXml(atomEntry(JOBS, { ...sampleJob(), Id: `nb:jid:UUID:"<&>'`, Name: nasty }, { baseUri: 'https://h/api?x="1"&y=<2>', updated: UPDATED }));
    expect(prop(entry, 'Name').text).toBe('a&b<c>d"e\'f]]>g\ufffdh\ufffdi\ufffdj\ufffdk\r\nl\tm😀');
    expect(kid(entry, ATOM, 'id').text).toContain('https://h/api?x="1"&y=<2>/Jobs(');
  });

  it('types properties no schema knows by their values', () => {
    const entry = parseXml(atomEntry(ASSETS, { Id: 'nb:cid:UUID:1', Name: 'in', Extra: 2.5, Flag: false, Nested: { A: 1 } }, { baseUri: BASE, updated: UPDATED }));
    expect(prop(entry, 'Extra').attrs[`{${M}}type`]).toBe('Edm.Double');
    expect(prop(entry, 'Flag').text).toBe('false');
    expect(kid(prop(entry, 'Nested'), D, 'A').attrs[`{${M}}type`]).toBe('Edm.Int32');
  });

  it('throws TypeError without a baseUri or a key', () => {
    expect(() => atomEntry(JOBS, sampleJob(), {} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => atomEntry(JOBS, { Name: 'x' }, { baseUri: BASE })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('golden: a job entry with a notification subscription, byte for byte, in the shape of the AMS $batch response sample', () => {
    const job = { ...sampleJob(), JobNotificationSubscriptions: [{ NotificationEndPointId: 'nb:nepid:UUID:36e510df-8560-4bae-a698-87723f677e98', TargetJobState: 2 }] };
    const expected = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<entry xml:base="https://media.windows.net/api/" xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">',
      `<id>https://media.windows.net/api/Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')</id>`,
      '<category term="Microsoft.Cloud.Media.Vod.Rest.Data.Models.Job" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme" />',
      `<link rel="edit" title="Job" href="Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')" />`,
      `<link rel="http://schemas.microsoft.com/ado/2007/08/dataservices/related/Tasks" type="application/atom+xml;type=feed" title="Tasks" href="Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')/Tasks" />`,
      `<link rel="http://schemas.microsoft.com/ado/2007/08/dataservices/related/OutputMediaAssets" type="application/atom+xml;type=feed" title="OutputMediaAssets" href="Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')/OutputMediaAssets" />`,
      `<link rel="http://schemas.microsoft.com/ado/2007/08/dataservices/related/InputMediaAssets" type="application/atom+xml;type=feed" title="InputMediaAssets" href="Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')/InputMediaAssets" />`,
      '<title />',
      '<updated>2026-12-04T12:00:00Z</updated>',
      '<author>',
      '<name />',
      '</author>',
      '<content type="application/xml">',
      '<m:properties>',
      '<d:Id>nb:jid:UUID:40dc7bef-6bd9-2247-9f3d-d80bc257d715</d:Id>',
      '<d:Name>NewTestJob</d:Name>',
      '<d:Created m:type="Edm.DateTime">2020-04-15T18:45:24.54Z</d:Created>',
      '<d:LastModified m:type="Edm.DateTime">2020-04-15T18:46:11.477Z</d:LastModified>',
      '<d:EndTime m:null="true" />',
      '<d:Priority m:type="Edm.Int32">10</d:Priority>',
      '<d:RunningDuration m:type="Edm.Double">0</d:RunningDuration>',
      '<d:StartTime m:null="true" />',
      '<d:State m:type="Edm.Int32">0</d:State>',
      '<d:TemplateId m:null="true" />',
      '<d:JobNotificationSubscriptions m:type="Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.JobNotificationSubscription)">',
      '<d:element>',
      '<d:NotificationEndPointId>nb:nepid:UUID:36e510df-8560-4bae-a698-87723f677e98</d:NotificationEndPointId>',
      '<d:TargetJobState m:type="Edm.Int32">2</d:TargetJobState>',
      '</d:element>',
      '</d:JobNotificationSubscriptions>',
      '</m:properties>',
      '</content>',
      '</entry>',
    ].join('');
    expect(atomEntry(JOBS, job, { baseUri: BASE, updated: UPDATED })).toBe(expected);
  });

  it('golden: a media processor entry, byte for byte', () => {
    const mp = { Id: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', Description: 'Media Encoder Standard', Name: 'Media Encoder Standard', Sku: '', Vendor: 'Microsoft', Version: '1.1' };
    expect(atomEntry(MEDIA_PROCESSORS, mp, { baseUri: BASE, updated: UPDATED })).toBe(
      '<?xml version="1.0" encoding="utf-8"?>' +
        '<entry xml:base="https://media.windows.net/api/" xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">' +
        "<id>https://media.windows.net/api/MediaProcessors('nb%3Ampid%3AUUID%3Aff4df607-d419-42f0-bc17-a481b1331e56')</id>" +
        '<category term="Microsoft.Cloud.Media.Vod.Rest.Data.Models.MediaProcessor" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme" />' +
        `<link rel="edit" title="MediaProcessor" href="MediaProcessors('nb%3Ampid%3AUUID%3Aff4df607-d419-42f0-bc17-a481b1331e56')" />` +
        '<title /><updated>2026-12-04T12:00:00Z</updated><author><name /></author>' +
        '<content type="application/xml"><m:properties>' +
        '<d:Id>nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56</d:Id><d:Description>Media Encoder Standard</d:Description>' +
        '<d:Name>Media Encoder Standard</d:Name><d:Sku /><d:Vendor>Microsoft</d:Vendor><d:Version>1.1</d:Version>' +
        '</m:properties></content></entry>',
    );
  });
});

describe('atomFeed()', () => {
  it('writes a feed of entries with id, title, self link, and no count or next unless asked', () => {
    const feed = parseXml(atomFeed(TASKS, [sampleTask(), { ...sampleTask(), Id: 'nb:tid:UUID:2' }], { baseUri: BASE, updated: UPDATED }));
    expect(feed.local).toBe('feed');
    expect(kid(feed, ATOM, 'id').text).toBe(`${BASE}/Tasks`);
    expect(kid(feed, ATOM, 'title').text).toBe('Tasks');
    expect(kids(feed, ATOM, 'link').map((l) => l.attrs)).toEqual([{ rel: 'self', title: 'Tasks', href: 'Tasks' }]);
    expect(kids(feed, M, 'count')).toEqual([]);
    const entries = kids(feed, ATOM, 'entry');
    expect(entries.map((e) => kid(e, ATOM, 'id').text)).toEqual([
      `${BASE}/Tasks('nb%3Atid%3AUUID%3A45547fae-f89c-406c-8202-773ce47f4ac8')`,
      `${BASE}/Tasks('nb%3Atid%3AUUID%3A2')`,
    ]);
    expect(prop(entries[0]!, 'Id').text).toBe(TASK_ID);
  });

  it('writes m:count for $inlinecount, a next link after the entries, and a navigation path as id and title', () => {
    const path = "Jobs('nb%3Ajid%3AUUID%3A1')/Tasks";
    const next = `${BASE}/${path}?$skip=1`;
    const feed = parseXml(atomFeed(TASKS, [sampleTask()], { baseUri: BASE, updated: UPDATED, path, count: 7, next }));
    expect(kid(feed, M, 'count').text).toBe('7');
    expect(kid(feed, ATOM, 'id').text).toBe(`${BASE}/${path}`);
    expect(kid(feed, ATOM, 'title').text).toBe('Tasks');
    expect(feed.children.at(-1)!.attrs).toEqual({ rel: 'next', href: next });
    const names = feed.children.map((c) => c.local);
    expect(names.indexOf('count')).toBeLessThan(names.indexOf('entry'));
  });

  it('writes projected items (no Id) under the keys given, and refuses keys that do not match the items', () => {
    const feed = parseXml(atomFeed(TASKS, [{ Name: 'a' }, { Name: 'b' }], { baseUri: BASE, updated: UPDATED, select: ['Name'], keys: [TASK_ID, 'nb:tid:UUID:2'] }));
    const entries = kids(feed, ATOM, 'entry');
    expect(entries.map((e) => kid(e, ATOM, 'id').text)).toEqual([
      `${BASE}/Tasks('nb%3Atid%3AUUID%3A45547fae-f89c-406c-8202-773ce47f4ac8')`,
      `${BASE}/Tasks('nb%3Atid%3AUUID%3A2')`,
    ]);
    expect(kids(entries[1]!, ATOM, 'link').map((l) => l.attrs)).toEqual([{ rel: 'edit', title: 'Task', href: "Tasks('nb%3Atid%3AUUID%3A2')" }]);
    expect(properties(entries[0]!).children.map((c) => c.local)).toEqual(['Name']);
    expect(() => atomFeed(TASKS, [{ Name: 'a' }], { baseUri: BASE })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('options.keys') }));
    expect(() => atomFeed(TASKS, [{ Name: 'a' }], { baseUri: BASE, keys: [] })).toThrow(RangeError);
  });

  it('writes an empty feed', () => {
    const feed = parseXml(atomFeed(JOBS, [], { baseUri: BASE, updated: UPDATED, count: 0 }));
    expect(kids(feed, ATOM, 'entry')).toEqual([]);
    expect(kid(feed, M, 'count').text).toBe('0');
  });
});

describe('atomProperty(), atomLinks(), atomUri(), atomError()', () => {
  it('writes a property document with its own namespace declarations', () => {
    const xml = atomProperty(JOBS, 'State', 2);
    expect(xml).toBe(`<?xml version="1.0" encoding="utf-8"?><d:State xmlns:d="${D}" xmlns:m="${M}" m:type="Edm.Int32">2</d:State>`);
    const node = parseXml(atomProperty(TASKS, 'ErrorDetails', [{ Code: 'ErrorProcessingTask', Message: 'bad & worse' }]));
    expect(node.ns).toBe(D);
    expect(node.attrs[`{${M}}type`]).toBe(`Collection(${AMS_TYPES.ErrorDetail})`);
    expect(kid(kid(node, D, 'element'), D, 'Message').text).toBe('bad & worse');
    expect(parseXml(atomProperty(JOBS, 'EndTime', null)).attrs[`{${M}}null`]).toBe('true');
    expect(parseXml(atomProperty(JOBS, 'Name', 'a<b')).text).toBe('a<b');
    expect(parseXml(atomProperty(JOBS, 'RunningDuration', Number.NaN)).text).toBe('NaN');
    expect(parseXml(atomProperty(JOBS, 'RunningDuration', -Infinity)).text).toBe('-INF');
    const created = parseXml(atomProperty(JOBS, 'Created', '/Date(1336771959431)/'));
    expect([created.attrs[`{${M}}type`], created.text]).toEqual(['Edm.DateTime', '2012-05-11T21:32:39.431Z']);
  });

  it('writes $links documents, many and single', () => {
    const links = parseXml(atomLinks([ASSET_URI, `${ASSET_URI}&x`], { count: 2 }));
    expect(links.ns).toBe(D);
    expect(links.local).toBe('links');
    expect(kids(links, D, 'uri').map((u) => u.text)).toEqual([ASSET_URI, `${ASSET_URI}&x`]);
    expect(kid(links, M, 'count').text).toBe('2');
    expect(parseXml(atomLinks([])).children).toEqual([]);
    const one = parseXml(atomUri(ASSET_URI));
    expect([one.ns, one.local, one.text]).toEqual([D, 'uri', ASSET_URI]);
  });

  it('writes an OData XML error', () => {
    const err = parseXml(atomError('ENTITY_NOT_FOUND', 'no Job has Id "<x>"'));
    expect([err.ns, err.local]).toEqual([M, 'error']);
    expect(kid(err, M, 'code').text).toBe('ENTITY_NOT_FOUND');
    expect(kid(err, M, 'message').text).toBe('no Job has Id "<x>"');
  });
});

describe('escapeXml()', () => {
  it('returns clean text as it is and keeps surrogate pairs', () => {
    const s = 'plain text 😀 é';
    expect(escapeXml(s)).toBe(s);
    expect(escapeXml('a\tb\nc', true)).toBe('a&#9;b&#10;c');
    expect(escapeXml('a\tb\nc')).toBe('a\tb\nc');
  });
});

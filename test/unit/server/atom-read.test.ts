import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtomReadError, atomRequestKind, readAtomEntry, readAtomLinks } from '../../../src/server/odata/atom-read.js';
import { atomEntry, atomLinks, atomUri } from '../../../src/server/odata/atom-write.js';
import { checkDefinition } from '../../../src/server/job-check.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { ASSET_URI, BASE, D, JOBS, M, MES, TASKS, TASK_BODY, UPDATED, sampleJob, sampleTask } from './atom-helpers.js';

const NS = `xmlns="http://www.w3.org/2005/Atom" xmlns:d="${D}" xmlns:m="${M}"`;
const REL = 'http://schemas.microsoft.com/ado/2007/08/dataservices/related/';
const FEED = 'application/atom+xml;type=feed';
const JOB_OPTIONS = { related: { Tasks: TASKS } };
const escaped = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('\r', '&#13;');
const entryOf = (props: string, extra = ''): string => `<?xml version="1.0" encoding="utf-8"?><entry ${NS}>${extra}<content type="application/xml"><m:properties>${props}</m:properties></content></entry>`;
const BODY = '<?xml version="1.0" encoding="utf-8"?><taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>';

/** The error `fn` throws, which must be an AtomReadError. */
function refusal(fn: () => unknown): AtomReadError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AtomReadError);
    return err as AtomReadError;
  }
  throw new Error('expected an AtomReadError, nothing was thrown');
}

/** Whether the JSON path takes the object as a valid job definition. */
function jsonPathAccepts(job: unknown): { kind: string; lines?: string[] } {
  const { outcome } = checkDefinition({ text: JSON.stringify(job), profile: 'ams', processors: [{ Id: MES, Name: 'Media Encoder Standard' }], maxDiagnostics: 20 }, sequentialIds());
  return outcome.kind === 'invalid' || outcome.kind === 'too-many-warnings' ? { kind: outcome.kind, lines: outcome.lines } : { kind: outcome.kind };
}

/** A Job entry with inline Tasks, the form of the issue and of a hand-written client. */
function inlineJob(tasks: string[]): string {
  const entries = tasks.map((t) => `<entry><content type="application/xml"><m:properties>${t}</m:properties></content></entry>`).join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?><entry ${NS}>` +
    `<link rel="${REL}InputMediaAssets" type="${FEED}" title="InputMediaAssets" href="${escaped(ASSET_URI)}" />` +
    `<link rel="${REL}Tasks" type="${FEED}" title="Tasks"><m:inline><feed>${entries}</feed></m:inline></link>` +
    '<id /><title /><updated>2026-12-04T12:00:00Z</updated><author><name /></author>' +
    `<content type="application/xml"><m:properties><d:Name>Inline</d:Name><d:Priority m:type="Edm.Int32">5</d:Priority></m:properties></content></entry>`
  );
}

describe('readAtomEntry(): what clients send', () => {
  it('reads a Job with an InputMediaAssets link and inline Tasks into the object the JSON path takes', () => {
    const task = (name: string, body: string): string =>
      `<d:Name>${name}</d:Name><d:MediaProcessorId>${MES}</d:MediaProcessorId><d:Configuration>H264 Smooth Streaming 720p</d:Configuration><d:TaskBody>${escaped(body)}</d:TaskBody><d:Priority m:type="Edm.Int32">2</d:Priority>`;
    const chained = BODY.replace('JobInputAsset(0)', 'JobOutputAsset(0)').replace('JobOutputAsset(0)</outputAsset>', 'JobOutputAsset(1)</outputAsset>');
    const job = readAtomEntry(inlineJob([task('Encode', BODY), task('Package', chained)]), JOBS, JOB_OPTIONS);
    expect(job).toEqual({
      Name: 'Inline',
      Priority: 5,
      InputMediaAssets: [{ __metadata: { uri: ASSET_URI } }],
      Tasks: [
        { Name: 'Encode', MediaProcessorId: MES, Configuration: 'H264 Smooth Streaming 720p', TaskBody: BODY, Priority: 2 },
        { Name: 'Package', MediaProcessorId: MES, Configuration: 'H264 Smooth Streaming 720p', TaskBody: chained, Priority: 2 },
      ],
    });
    expect(jsonPathAccepts(job)).toEqual({ kind: 'valid' });
  });

  it('reads the .NET SDK (WCF Data Services) Job entry: untyped collection, null Id dropped, read-only echoes passed on', () => {
    // As in the v2 REST reference's $batch sample (Create a Job with notifications).
    const xml =
      `<?xml version="1.0" encoding="utf-8"?><entry ${NS} xmlns:georss="http://www.georss.org/georss" xmlns:gml="http://www.opengis.net/gml">` +
      `<link rel="${REL}InputMediaAssets" type="${FEED}" title="InputMediaAssets" href="https://media.windows.net/API/Assets('nb%3Acid%3AUUID%3A33662ded-f00b-4020-9fcf-4c4a22070c01')" />` +
      '<id /><title /><updated>2013-04-20T22:41:57Z</updated><author><name /></author><content type="application/xml"><m:properties>' +
      '<d:Created m:type="Edm.DateTime">0001-01-01T00:00:00</d:Created><d:EndTime m:null="true" /><d:Id m:null="true" />' +
      '<d:JobNotificationSubscriptions><d:element><d:NotificationEndPointId>nb:nepid:UUID:36e510df-8560-4bae-a698-87723f677e98</d:NotificationEndPointId>' +
      '<d:TargetJobState m:type="Edm.Int32">2</d:TargetJobState></d:element></d:JobNotificationSubscriptions>' +
      '<d:LastModified m:type="Edm.DateTime">0001-01-01T00:00:00</d:LastModified><d:Name>My MP4 to Smooth Streaming encoding job</d:Name>' +
      '<d:Priority m:type="Edm.Int32">0</d:Priority><d:RunningDuration m:type="Edm.Double">0</d:RunningDuration><d:StartTime m:null="true" />' +
      '<d:State m:type="Edm.Int32">0</d:State><d:TemplateId m:null="true" /></m:properties></content></entry>';
    const job = readAtomEntry(xml, JOBS, JOB_OPTIONS);
    expect(job).toEqual({
      InputMediaAssets: [{ __metadata: { uri: "https://media.windows.net/API/Assets('nb%3Acid%3AUUID%3A33662ded-f00b-4020-9fcf-4c4a22070c01')" } }],
      Created: '0001-01-01T00:00:00Z',
      EndTime: null,
      JobNotificationSubscriptions: [{ NotificationEndPointId: 'nb:nepid:UUID:36e510df-8560-4bae-a698-87723f677e98', TargetJobState: 2 }],
      LastModified: '0001-01-01T00:00:00Z',
      Name: 'My MP4 to Smooth Streaming encoding job',
      Priority: 0,
      RunningDuration: 0,
      StartTime: null,
      State: 0,
      TemplateId: null,
    });
  });

  it('reads the .NET SDK Task entry ($1/Tasks in a $batch): empty Id dropped, empty collections as []', () => {
    const xml = entryOf(
      '<d:Configuration>H264 Smooth Streaming 720p</d:Configuration><d:EncryptionKeyId m:null="true" /><d:EndTime m:null="true" />' +
        `<d:ErrorDetails /><d:HistoricalEvents /><d:Id></d:Id><d:MediaProcessorId>${MES}</d:MediaProcessorId><d:Name>My Mp4 to Smooth Task</d:Name>` +
        `<d:Options m:type="Edm.Int32">0</d:Options><d:PerfMessage m:null="true" /><d:Progress m:type="Edm.Double">0</d:Progress><d:TaskBody>${escaped(TASK_BODY)}</d:TaskBody>`,
    );
    const task = readAtomEntry(xml, TASKS);
    expect(task).toEqual({
      Configuration: 'H264 Smooth Streaming 720p',
      EncryptionKeyId: null,
      EndTime: null,
      ErrorDetails: [],
      HistoricalEvents: [],
      MediaProcessorId: MES,
      Name: 'My Mp4 to Smooth Task',
      Options: 0,
      PerfMessage: null,
      Progress: 0,
      TaskBody: TASK_BODY,
    });
    // A $batch's Job and its Tasks together make a definition the JSON path takes.
    const job = { InputMediaAssets: [{ __metadata: { uri: ASSET_URI } }], Tasks: [{ ...task, TaskBody: BODY }] };
    expect(jsonPathAccepts(job)).toEqual({ kind: 'valid' });
  });

  it('reads the PHP SDK shape: atom:/meta:/data: prefixes declared per element, no m:type, numbers and dates by the schema', () => {
    const data = (name: string, value: string): string => `<data:${name} xmlns:data="${D}">${value}</data:${name}>`;
    const xml =
      '<atom:entry xmlns:atom="http://www.w3.org/2005/Atom">' +
      `<atom:link href="https://media.windows.net/API/Assets('nb%3Acid%3AUUID%3A1')" type="${FEED}" title="InputAssets" rel="${REL}InputMediaAssets"/>` +
      `<atom:link href="https://media.windows.net/API/Assets('nb%3Acid%3AUUID%3A2')" type="${FEED}" title="InputAssets" rel="${REL}InputMediaAssets"/>` +
      `<atom:content type="application/xml"><meta:properties xmlns:meta="${M}">` +
      data('Name', 'php job') +
      data('Priority', '3') +
      data('StartTime', '2013-04-20T22:41:57+02:00') +
      `</meta:properties></atom:content></atom:entry>`;
    expect(readAtomEntry(xml, JOBS, JOB_OPTIONS)).toEqual({
      Name: 'php job',
      Priority: 3,
      StartTime: '2013-04-20T20:41:57Z',
      InputMediaAssets: [{ __metadata: { uri: "https://media.windows.net/API/Assets('nb%3Acid%3AUUID%3A1')" } }, { __metadata: { uri: "https://media.windows.net/API/Assets('nb%3Acid%3AUUID%3A2')" } }],
    });
    const task = readAtomEntry(
      `<atom:entry xmlns:atom="http://www.w3.org/2005/Atom"><atom:content type="application/xml"><meta:properties xmlns:meta="${M}">${data('Options', '1')}${data('TaskBody', escaped(BODY))}${data('MediaProcessorId', MES)}</meta:properties></atom:content></atom:entry>`,
      TASKS,
    );
    expect(task).toEqual({ Options: 1, TaskBody: BODY, MediaProcessorId: MES });
    // Collections of complex values, untyped all the way down, typed by the element type.
    const subs = readAtomEntry(
      `<atom:entry xmlns:atom="http://www.w3.org/2005/Atom"><atom:content type="application/xml"><meta:properties xmlns:meta="${M}">` +
        `<data:TaskNotificationSubscriptions xmlns:data="${D}"><data:element xmlns:data="${D}">${data('IncludeTaskProgress', '1')}${data('NotificationEndPointId', 'nb:nepid:UUID:1')}${data('TargetTaskState', '2')}</data:element></data:TaskNotificationSubscriptions>` +
        `</meta:properties></atom:content></atom:entry>`,
      TASKS,
    );
    expect(subs).toEqual({ TaskNotificationSubscriptions: [{ IncludeTaskProgress: true, NotificationEndPointId: 'nb:nepid:UUID:1', TargetTaskState: 2 }] });
    const empty = readAtomEntry(entryOf('<d:ErrorDetails><d:element/></d:ErrorDetails>'), TASKS);
    expect(empty).toEqual({ ErrorDetails: [{}] });
  });

  it('converts every m:type it knows, and collections of primitives', () => {
    const job = readAtomEntry(
      entryOf(
        '<d:A m:type="Edm.Int32">-7</d:A><d:B m:type="Edm.Double">1.5e3</d:B><d:C m:type="Edm.Boolean">1</d:C><d:D m:type="Edm.Guid">910ffdc1-2e25-4b17-8a42-61ffd4b8914c</d:D>' +
          '<d:E m:type="Edm.DateTimeOffset">2020-04-15T18:45:24.5400000-01:00</d:E><d:F m:type="Edm.String">  spaced  </d:F><d:G m:type="Edm.Int64">9007199254740991</d:G>' +
          '<d:H m:type="Collection(Edm.Int32)"><d:element>1</d:element><d:element>2</d:element></d:H><d:I m:type="Edm.Double">INF</d:I><d:J m:type="Edm.Byte">255</d:J>' +
          '<d:K m:type="Edm.DateTime">/Date(1336771959431)/</d:K><d:L><![CDATA[<taskBody/> & more]]></d:L><d:N m:null="false">x</d:N>',
      ),
      JOBS,
    );
    expect(job).toEqual({
      A: -7,
      B: 1500,
      C: true,
      D: '910ffdc1-2e25-4b17-8a42-61ffd4b8914c',
      E: '2020-04-15T19:45:24.54Z',
      F: '  spaced  ',
      G: 9007199254740991,
      H: [1, 2],
      I: Infinity,
      J: 255,
      K: '2012-05-11T21:32:39.431Z',
      L: '<taskBody/> & more',
      N: 'x',
    });
  });

  it('resolves relative hrefs against xml:base and reads inline asset entries by their id', () => {
    const xml =
      `<entry xml:base="https://media.windows.net/api/" ${NS}>` +
      `<link rel="${REL}InputMediaAssets" href="Assets('nb%3Acid%3AUUID%3A1')" />` +
      `<link rel="${REL}InputMediaAssets"><m:inline><entry><id>https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A2')</id></entry></m:inline></link>` +
      `<link rel="${REL}InputMediaAssets"><m:inline><feed><entry><link rel="edit" href="Assets('nb%3Acid%3AUUID%3A3')"/></entry></feed></m:inline></link>` +
      '</entry>';
    expect(readAtomEntry(xml, JOBS, JOB_OPTIONS)).toEqual({
      InputMediaAssets: [1, 2, 3].map((n) => ({ __metadata: { uri: `https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A${n}')` } })),
    });
  });

  it('accepts a BOM, comments, processing instructions and whitespace between elements, and keeps a property named __proto__ as data', () => {
    const xml = `\ufeff<?xml version="1.0"?>\n<!-- a job -->\n<entry ${NS}>\n  <content type="application/xml">\n    <m:properties>\n      <d:Name>x</d:Name>\n      <d:__proto__>p</d:__proto__>\n    </m:properties>\n  </content>\n</entry>\n`;
    const job = readAtomEntry(xml, JOBS);
    expect(Object.getPrototypeOf(job)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(job))).toEqual(JSON.parse('{"Name":"x","__proto__":"p"}'));
  });
});

describe('round trips', () => {
  it('an entry the writer wrote reads back to the same properties', () => {
    const job = readAtomEntry(atomEntry(JOBS, sampleJob(), { baseUri: BASE, updated: UPDATED }), JOBS);
    const { InputMediaAssets, OutputMediaAssets, Tasks, ...props } = job;
    expect(props).toEqual(sampleJob());
    const self = `${BASE}/Jobs('nb%3Ajid%3AUUID%3A40dc7bef-6bd9-2247-9f3d-d80bc257d715')`;
    expect([Tasks, OutputMediaAssets, InputMediaAssets]).toEqual(['Tasks', 'OutputMediaAssets', 'InputMediaAssets'].map((n) => [{ __metadata: { uri: `${self}/${n}` } }]));

    const task = readAtomEntry(atomEntry(TASKS, sampleTask(), { baseUri: BASE, updated: UPDATED }), TASKS);
    delete task.InputMediaAssets;
    delete task.OutputMediaAssets;
    expect(task).toEqual(sampleTask());
    expect(task.TaskBody).toBe(TASK_BODY); // CRLF and &amp; survive
  });

  it('a task the writer wrote, posted inline in a Job, is a definition the JSON path takes', () => {
    const written = atomEntry(TASKS, { ...sampleTask(), TaskBody: BODY }, { baseUri: BASE, updated: UPDATED });
    const inner = written.slice(written.indexOf('<entry'));
    const xml = `<entry ${NS}><link rel="${REL}InputMediaAssets" href="${escaped(ASSET_URI)}"/><link rel="${REL}Tasks"><m:inline><feed>${inner.replace(/ xml:base="[^"]*"| xmlns(:\w)?="[^"]*"/g, '')}</feed></m:inline></link><content type="application/xml"><m:properties><d:Name>rt</d:Name></m:properties></content></entry>`;
    const job = readAtomEntry(xml, JOBS, JOB_OPTIONS);
    expect((job.Tasks as unknown[]).length).toBe(1);
    expect(jsonPathAccepts(job)).toEqual({ kind: 'valid' });
  });

  it('any string survives write then read, but for the characters XML 1.0 cannot carry, which become U+FFFD', () => {
    const xmlSafe = (s: string): string => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 20 }), (name, key) => {
        const written = atomEntry(JOBS, { ...sampleJob(), Id: `nb:jid:UUID:${key}`, Name: name, TemplateId: name }, { baseUri: BASE, updated: UPDATED });
        const read = readAtomEntry(written, JOBS);
        expect(read.Name).toBe(xmlSafe(name));
        expect(read.TemplateId).toBe(xmlSafe(name));
        expect(read.Id).toBe(`nb:jid:UUID:${key}`);
      }),
      { numRuns: 300 },
    );
  });

  it('$links documents the writer wrote read back', () => {
    expect(readAtomLinks(atomUri(ASSET_URI))).toEqual([ASSET_URI]);
    expect(readAtomLinks(atomLinks([ASSET_URI, `${ASSET_URI}x`], { count: 2, next: 'https://n' }))).toEqual([ASSET_URI, `${ASSET_URI}x`]);
  });
});

describe('readAtomEntry(): refusals, each a typed error with its place', () => {
  it('refuses a DOCTYPE, even one that declares entities to expand, without expanding anything', () => {
    const laughs = `<?xml version="1.0"?>\n<!DOCTYPE entry [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n<entry ${NS}><content type="application/xml"><m:properties><d:Name>&c;</d:Name></m:properties></content></entry>`;
    const e = refusal(() => readAtomEntry(laughs, JOBS));
    expect([e.code, e.line, e.column, e.status]).toEqual(['ATOM_DOCTYPE_FORBIDDEN', 2, 1, 400]);
    expect(e.hint).toMatch(/DOCTYPE/);
  });

  it('refuses a wrong root: a feed, an entry in no namespace, anything else', () => {
    expect(refusal(() => readAtomEntry(`<feed xmlns="http://www.w3.org/2005/Atom"/>`, JOBS)).hint).toBe('POST one entry, not a feed');
    const bare = refusal(() => readAtomEntry('<entry/>', JOBS));
    expect([bare.code, bare.line, bare.column]).toEqual(['ATOM_ROOT_INVALID', 1, 1]);
    expect(bare.hint).toContain('xmlns="http://www.w3.org/2005/Atom"');
    expect(refusal(() => readAtomEntry('{"Name":"json"}', JOBS)).code).toBe('ATOM_MALFORMED');
    expect(refusal(() => readAtomEntry('', JOBS)).code).toBe('ATOM_ROOT_INVALID');
    expect(refusal(() => readAtomEntry(' \n ', JOBS)).code).toBe('ATOM_ROOT_INVALID');
    expect(refusal(() => readAtomEntry('<?xml version="1.0"?><!-- nothing -->', JOBS)).code).toBe('ATOM_MALFORMED');
    expect(refusal(() => readAtomEntry('<Job><Name>x</Name></Job>', JOBS)).code).toBe('ATOM_ROOT_INVALID');
  });

  it('refuses malformed XML at the spot, with a hint', () => {
    const cases: Array<[string, string, RegExp]> = [
      [`<entry ${NS}>\n<content type="application/xml"><m:properties><d:Name>x</d:Nam>`, 'unexpected close tag', /close every element/],
      [`<entry ${NS}>\n<content>`, 'unclosed tag', /close every element/],
      [`<entry ${NS}/>\n<entry ${NS}/>`, 'one root', /one root element/],
      [`<entry xmlns="http://www.w3.org/2005/Atom">\n<m:properties/></entry>`, 'unbound namespace prefix', /xmlns:m=/],
      [entryOf('<d:Name>AT&T</d:Name>'), 'entity', /&amp;/],
      [entryOf('<d:Name>a\u0001b</d:Name>'), 'disallowed character', /cannot carry/],
      [entryOf(`<d:TaskBody><?xml version="1.0"?><taskBody/></d:TaskBody>`), 'XML declaration', /escaped/],
      [`<entry ${NS} a="1" a="2"/>`, 'attribute', /./],
    ];
    for (const [xml, message, hint] of cases) {
      const e = refusal(() => readAtomEntry(xml, JOBS));
      expect(e.code, xml).toBe('ATOM_MALFORMED');
      expect(e.message).toContain(message);
      expect(e.hint).toMatch(hint);
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.column).toBeGreaterThanOrEqual(1);
    }
    const e = refusal(() => readAtomEntry(`<entry ${NS}>\n<content type="application/xml"><m:properties><d:Name>x</d:Nam>`, JOBS));
    expect(e.line).toBe(2);
    const amp = entryOf('<d:Name>AT&T</d:Name>');
    expect(amp.slice(refusal(() => readAtomEntry(amp, JOBS)).column! - 1)).toMatch(/^&T</);
  });

  it('refuses values that do not fit their m:type, or the schema type when untyped', () => {
    const cases: Array<[string, string]> = [
      ['<d:Priority m:type="Edm.Int32">abc</d:Priority>', 'Edm.Int32'],
      ['<d:Priority m:type="Edm.Int32">2147483648</d:Priority>', 'Edm.Int32'],
      ['<d:Priority m:type="Edm.Int32">1.5</d:Priority>', 'Edm.Int32'],
      ['<d:Priority m:type="Edm.Int32"></d:Priority>', 'Edm.Int32'],
      ['<d:Priority>high</d:Priority>', 'Edm.Int32'],
      ['<d:X m:type="Edm.Boolean">yes</d:X>', 'Edm.Boolean'],
      ['<d:X m:type="Edm.Double">1,5</d:X>', 'Edm.Double'],
      ['<d:Created m:type="Edm.DateTime">yesterday</d:Created>', 'Edm.DateTime'],
      ['<d:X m:type="Edm.Guid">not-a-guid</d:X>', 'Edm.Guid'],
      ['<d:X m:type="Edm.Byte">256</d:X>', 'Edm.Byte'],
      ['<d:X m:null="maybe">1</d:X>', 'm:null'],
    ];
    for (const [props, type] of cases) {
      const e = refusal(() => readAtomEntry(entryOf(props), JOBS));
      expect([e.code, e.line], props).toEqual(['ATOM_VALUE_INVALID', 1]);
      expect(e.message).toContain(type);
      expect(e.hint).toBeDefined();
      // The column is the property's `<`.
      expect(entryOf(props).slice(e.column! - 1)).toMatch(/^<d:/);
    }
    const unknown = refusal(() => readAtomEntry(entryOf('<d:X m:type="Edm.Float">1</d:X>'), JOBS));
    expect(unknown.code).toBe('ATOM_TYPE_UNSUPPORTED');
    expect(refusal(() => readAtomEntry(entryOf('<d:X m:type="Some.Type">1</d:X>'), JOBS)).code).toBe('ATOM_TYPE_UNSUPPORTED');
  });

  it('refuses content that is not OData Atom: properties outside the data namespace, twice, nulls with values, markup in strings', () => {
    const cases: Array<[string, string, RegExp]> = [
      [entryOf('<Name xmlns="">x</Name>'), 'ATOM_CONTENT_INVALID', /xmlns:d=/],
      [entryOf('<Name>x</Name>'), 'ATOM_CONTENT_INVALID', /namespace/],
      [entryOf('<d:Name>x</d:Name><d:Name>y</d:Name>'), 'ATOM_PROPERTY_DUPLICATE', /once/],
      [entryOf('<d:EndTime m:null="true">2020-01-01</d:EndTime>'), 'ATOM_CONTENT_INVALID', /not both/],
      [entryOf('<d:JobNotificationSubscriptions><d:item/></d:JobNotificationSubscriptions>'), 'ATOM_CONTENT_INVALID', /d:element/],
      [`<entry ${NS}><content type="text">hello</content></entry>`, 'ATOM_CONTENT_INVALID', /application\/xml/],
      [`<entry ${NS}><content type="application/xml"><properties/></content></entry>`, 'ATOM_CONTENT_INVALID', /m:properties/],
      [`<entry ${NS}><m:properties/><content type="application/xml"><m:properties/></content></entry>`, 'ATOM_CONTENT_INVALID', /once/],
      [`<entry ${NS}><category term="${TASKS.type}" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"/></entry>`, 'ATOM_ENTITY_TYPE_INVALID', /Job/],
      [`<entry ${NS}><link rel="${REL}InputMediaAssets" title="InputMediaAssets"/></entry>`, 'ATOM_LINK_INVALID', /href=/],
      [`<entry ${NS}><link rel="${REL}Tasks" href="Tasks('nb%3Atid%3AUUID%3A1')"/></entry>`, 'ATOM_LINK_INVALID', /m:inline/],
      [`<entry ${NS}><link rel="${REL}" href="x"/></entry>`, 'ATOM_LINK_INVALID', /InputMediaAssets/],
      [`<entry ${NS}><link rel="${REL}Tasks"><m:inline><x/></m:inline></link></entry>`, 'ATOM_CONTENT_INVALID', /feed/],
      [`<entry ${NS}><link rel="${REL}Name" href="x"/>${entryOf('<d:Name>x</d:Name>').slice(entryOf('').indexOf('<content'), -'</entry>'.length)}</entry>`, 'ATOM_PROPERTY_DUPLICATE', /once/],
    ];
    for (const [xml, code, hint] of cases) {
      const e = refusal(() => readAtomEntry(xml, JOBS, JOB_OPTIONS));
      expect(e.code, xml).toBe(code);
      expect(e.hint, xml).toMatch(hint);
      expect(e.line, xml).toBe(1);
    }
  });

  it('refuses a TaskBody whose markup is not escaped, at the inner element', () => {
    const xml = entryOf(`<d:Name>t</d:Name><d:TaskBody>${BODY.slice(BODY.indexOf('<taskBody>'))}</d:TaskBody>`);
    const e = refusal(() => readAtomEntry(xml, TASKS));
    expect(e.code).toBe('ATOM_CONTENT_INVALID');
    expect(e.hint).toMatch(/&lt;taskBody&gt;/);
    expect(xml.slice(e.column! - 1)).toMatch(/^<taskBody>/);
  });

  it('refuses input over the size, depth and element limits quickly, without a crash or a hang', () => {
    const huge = entryOf(`<d:Name>${'x'.repeat(2 * 1024 * 1024)}</d:Name>`);
    const big = refusal(() => readAtomEntry(huge, JOBS));
    expect([big.code, big.status]).toEqual(['ATOM_TOO_LARGE', 413]);
    expect(refusal(() => readAtomEntry(entryOf('<d:Name>x</d:Name>'), JOBS, { maxLength: 100 })).code).toBe('ATOM_TOO_LARGE');

    const deep = `<entry ${NS}>${'<a>'.repeat(200_000)}`;
    const started = performance.now();
    const d = refusal(() => readAtomEntry(deep, JOBS));
    expect([d.code, d.line]).toEqual(['ATOM_TOO_DEEP', 1]);
    expect(deep.slice(d.column! - 1, d.column! + 2)).toBe('<a>');

    const wide = entryOf('<d:X/>'.repeat(150_000));
    expect(refusal(() => readAtomEntry(wide, JOBS)).code).toBe('ATOM_TOO_LARGE');
    expect(refusal(() => readAtomEntry(entryOf('<d:X/><d:Y/>'), JOBS, { maxElements: 4 })).code).toBe('ATOM_TOO_LARGE');
    expect(refusal(() => readAtomEntry(entryOf(''), JOBS, { maxDepth: 2 })).code).toBe('ATOM_TOO_DEEP');
    // Generous bound: these are refused in milliseconds; a quadratic path would take minutes.
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('never fails otherwise than with an AtomReadError, whatever is cut, repeated or inserted in a valid body', () => {
    const valid = inlineJob([`<d:Name>t</d:Name><d:MediaProcessorId>${MES}</d:MediaProcessorId><d:TaskBody>${escaped(BODY)}</d:TaskBody><d:Priority m:type="Edm.Int32">2</d:Priority>`]);
    const noise = fc.constantFrom('<', '>', '&', '"', "'", '/', '=', ':', ' ', '<!DOCTYPE x>', '<![CDATA[', ']]>', '<!--', 'm:null="true" ', 'm:type="Edm.Int32" ', '</d:Name>', '<d:element>', '\u0000', '\ud800', 'xmlns:d="urn:x" ');
    fc.assert(
      fc.property(fc.nat(valid.length), fc.nat(40), noise, fc.nat(3), (at, cut, insert, times) => {
        const text = valid.slice(0, at) + insert.repeat(times) + valid.slice(Math.min(valid.length, at + cut));
        try {
          const out = readAtomEntry(text, JOBS, JOB_OPTIONS);
          expect(typeof out).toBe('object');
        } catch (err) {
          expect(err).toBeInstanceOf(AtomReadError);
          const e = err as AtomReadError;
          expect(e.line === undefined || (e.line >= 1 && e.column! >= 1)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('throws TypeError and RangeError for misused arguments', () => {
    expect(() => readAtomEntry(42 as never, JOBS)).toThrow(TypeError);
    expect(() => readAtomEntry('<entry/>', JOBS, { maxDepth: -1 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('readAtomLinks()', () => {
  it('reads a single <uri> and a <links> list, trimmed, resolving against xml:base', () => {
    expect(readAtomLinks(`<uri xmlns="${D}">\n  ${escaped(ASSET_URI)}\n</uri>`)).toEqual([ASSET_URI]);
    expect(readAtomLinks(`<links xmlns="${D}" xml:base="https://media.windows.net/api/"><uri>Assets('a')</uri><uri>https://x/api/Assets('b')</uri></links>`)).toEqual([
      "https://media.windows.net/api/Assets('a')",
      "https://x/api/Assets('b')",
    ]);
    expect(readAtomLinks(`<links xmlns="${D}"/>`)).toEqual([]);
  });

  it('refuses a wrong root, an empty uri, markup inside a uri, and foreign elements', () => {
    const cases: Array<[string, string]> = [
      ['<uri>https://x</uri>', 'ATOM_ROOT_INVALID'],
      [`<entry xmlns="http://www.w3.org/2005/Atom"/>`, 'ATOM_ROOT_INVALID'],
      [`<uri xmlns="${D}">  </uri>`, 'ATOM_LINK_INVALID'],
      [`<uri xmlns="${D}"><a/></uri>`, 'ATOM_LINK_INVALID'],
      [`<links xmlns="${D}"><link/></links>`, 'ATOM_CONTENT_INVALID'],
      [`<!DOCTYPE uri><uri xmlns="${D}">x</uri>`, 'ATOM_DOCTYPE_FORBIDDEN'],
      [`<uri xmlns="${D}">x`, 'ATOM_MALFORMED'],
    ];
    for (const [xml, code] of cases) expect(refusal(() => readAtomLinks(xml)).code, xml).toBe(code);
    expect(refusal(() => readAtomLinks('<uri>https://x</uri>')).hint).toContain(`xmlns="${D}"`);
  });
});

describe('atomRequestKind()', () => {
  it('tells Atom entries, XML documents and other bodies apart by Content-Type', () => {
    expect(atomRequestKind('application/atom+xml')).toBe('atom');
    expect(atomRequestKind('application/atom+xml;type=entry;charset=utf-8')).toBe('atom');
    expect(atomRequestKind('Application/XML')).toBe('xml');
    expect(atomRequestKind('text/xml; charset="UTF-8"')).toBe('xml');
    expect(atomRequestKind('application/json;odata=verbose')).toBe('other');
    expect(atomRequestKind(undefined)).toBe('other');
    expect(atomRequestKind('application/atom+xml;charset=utf-16')).toBe('charset');
  });
});

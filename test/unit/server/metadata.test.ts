import { SaxesParser } from 'saxes';
import type { SaxesTagNS } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEdmx, CSDL_V3_NAMESPACE, DATASERVICES_METADATA_NAMESPACE, EDMX_NAMESPACE } from '../../../src/server/odata/index.js';
import { MES, REFERENCE_BIND_BODY, VERBOSE, chainJob, enc, request, seed, startServer, type TestServer } from './helpers.js';

const NS = 'Microsoft.Cloud.Media.Vod.Rest.Data.Models';

// ------------------------------------------------------------------ the document, read back

interface Property {
  type: string;
  nullable: boolean;
}
interface EntityType {
  key: string[];
  properties: Map<string, Property>;
  /** Navigation property → its association and roles. */
  navigation: Map<string, { relationship: string; from: string; to: string }>;
}
interface Parsed {
  root: SaxesTagNS;
  dataServices: SaxesTagNS;
  schemaNamespace: string;
  entityTypes: Map<string, EntityType>;
  complexTypes: Map<string, Map<string, Property>>;
  associations: Map<string, Map<string, { type: string; multiplicity: string }>>;
  container: SaxesTagNS;
  entitySets: Map<string, string>;
  associationSets: Map<string, { association: string; ends: Map<string, string> }>;
  functionImports: Map<string, { attributes: Record<string, string>; parameters: Record<string, string>[] }>;
}

const plain = (tag: SaxesTagNS): Record<string, string> => Object.fromEntries(Object.values(tag.attributes).map((a) => [a.name, a.value]));

/** Reads the EDMX with saxes (namespaces on): throws on any well-formedness error. */
function parseEdmx(xml: string): Parsed {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: SaxesTagNS[] = [];
  const p: Partial<Parsed> & Pick<Parsed, 'entityTypes' | 'complexTypes' | 'associations' | 'entitySets' | 'associationSets' | 'functionImports'> = {
    entityTypes: new Map(),
    complexTypes: new Map(),
    associations: new Map(),
    entitySets: new Map(),
    associationSets: new Map(),
    functionImports: new Map(),
  };
  let owner: Map<string, Property> | undefined;
  let entity: EntityType | undefined;
  let association: Map<string, { type: string; multiplicity: string }> | undefined;
  let associationSet: Parsed['associationSets'] extends Map<string, infer V> ? V : never;
  let fn: { attributes: Record<string, string>; parameters: Record<string, string>[] } | undefined;
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', (tag) => {
    const parent = stack.at(-1)?.local;
    const a = plain(tag);
    stack.push(tag);
    if (tag.uri === EDMX_NAMESPACE) {
      if (tag.local === 'Edmx') p.root = tag;
      if (tag.local === 'DataServices') p.dataServices = tag;
      return;
    }
    expect(tag.uri, `<${tag.name}> is in the CSDL v3 namespace`).toBe(CSDL_V3_NAMESPACE);
    switch (tag.local) {
      case 'Schema':
        p.schemaNamespace = a.Namespace;
        break;
      case 'EntityType':
        entity = { key: [], properties: new Map(), navigation: new Map() };
        owner = entity.properties;
        p.entityTypes.set(a.Name!, entity);
        break;
      case 'ComplexType':
        entity = undefined;
        owner = new Map();
        p.complexTypes.set(a.Name!, owner);
        break;
      case 'PropertyRef':
        entity!.key.push(a.Name!);
        break;
      case 'Property':
        owner!.set(a.Name!, { type: a.Type!, nullable: a.Nullable !== 'false' });
        break;
      case 'NavigationProperty':
        entity!.navigation.set(a.Name!, { relationship: a.Relationship!, from: a.FromRole!, to: a.ToRole! });
        break;
      case 'Association':
        association = new Map();
        p.associations.set(a.Name!, association);
        break;
      case 'End':
        if (parent === 'Association') association!.set(a.Role!, { type: a.Type!, multiplicity: a.Multiplicity! });
        else associationSet!.ends.set(a.Role!, a.EntitySet!);
        break;
      case 'EntityContainer':
        p.container = tag;
        break;
      case 'EntitySet':
        p.entitySets.set(a.Name!, a.EntityType!);
        break;
      case 'AssociationSet':
        associationSet = { association: a.Association!, ends: new Map() };
        p.associationSets.set(a.Name!, associationSet);
        break;
      case 'FunctionImport':
        fn = { attributes: a, parameters: [] };
        p.functionImports.set(a.Name!, fn);
        break;
      case 'Parameter':
        fn!.parameters.push(a);
        break;
      case 'Key':
        break;
      default:
        throw new Error(`unexpected element <${tag.name}>`);
    }
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml).close();
  if (error !== undefined) throw error;
  return p as Parsed;
}

// ------------------------------------------------------------------ values against types

const INT32 = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31;
const DATE = (v: unknown): boolean => typeof v === 'string' && (/^\/Date\(-?\d+\)\/$/.test(v) || !Number.isNaN(Date.parse(v)));
const PRIMITIVE: Record<string, (v: unknown) => boolean> = {
  'Edm.String': (v) => typeof v === 'string',
  'Edm.Int32': INT32,
  'Edm.Double': (v) => typeof v === 'number' && Number.isFinite(v),
  'Edm.Boolean': (v) => typeof v === 'boolean',
  'Edm.DateTime': DATE,
};

/**
 * Checks one entity from the wire against its entity type: the same property names (no more, no
 * fewer), each value of its declared type, null only where Nullable, complex elements likewise.
 * Returns the complex types it saw elements of.
 */
function checkEntity(doc: Parsed, typeName: string, entity: Record<string, unknown>, verbose: boolean, where: string): Set<string> {
  const type = doc.entityTypes.get(typeName);
  expect(type, `${where}: entity type ${typeName}`).toBeDefined();
  const seen = new Set<string>();
  const own = Object.keys(entity).filter((k) => k !== '__metadata' && !type!.navigation.has(k));
  expect(own.sort(), `${where}: properties on the wire and in $metadata`).toEqual([...type!.properties.keys()].sort());
  if (verbose) {
    expect((entity.__metadata as { type: string }).type, `${where}: __metadata.type`).toBe(`${NS}.${typeName}`);
    const deferred = Object.keys(entity).filter((k) => type!.navigation.has(k));
    expect(deferred.sort(), `${where}: deferred links and navigation properties`).toEqual([...type!.navigation.keys()].sort());
    for (const k of deferred) expect(entity[k], `${where}.${k}`).toEqual({ __deferred: { uri: expect.stringMatching(new RegExp(`/${k}$`)) } });
  }
  for (const name of own) {
    const prop = type!.properties.get(name)!;
    const value = entity[name];
    const at = `${where}.${name} (${prop.type})`;
    if (value === null) {
      expect(prop.nullable, `${at} is null on the wire, so must be Nullable`).toBe(true);
      continue;
    }
    const collection = /^Collection\((.+)\)$/.exec(prop.type);
    if (collection === null) {
      expect(PRIMITIVE[prop.type]?.(value), `${at}: ${JSON.stringify(value)}`).toBe(true);
      continue;
    }
    const element = collection[1]!;
    expect(element.startsWith(`${NS}.`), at).toBe(true);
    const complexName = element.slice(NS.length + 1);
    const complex = doc.complexTypes.get(complexName);
    expect(complex, `${at}: complex type ${complexName}`).toBeDefined();
    let items = value as unknown[];
    if (verbose) {
      expect((value as { __metadata: unknown }).__metadata, at).toEqual({ type: prop.type });
      items = (value as { results: unknown[] }).results;
    }
    expect(Array.isArray(items), at).toBe(true);
    for (const item of items as Record<string, unknown>[]) {
      seen.add(complexName);
      expect(Object.keys(item).sort(), `${at} element`).toEqual([...complex!.keys()].sort());
      for (const [k, p] of complex!) {
        const v = item[k];
        if (v === null) expect(p.nullable, `${at}/${k} is null`).toBe(true);
        else expect(PRIMITIVE[p.type]?.(v), `${at}/${k} (${p.type}): ${JSON.stringify(v)}`).toBe(true);
      }
    }
  }
  return seen;
}

// ------------------------------------------------------------------ the server

let s: TestServer;
let xml: string;
let doc: Parsed;
let finished: string;
let failed: string;
let posted: string;
let templateId: string;

beforeAll(async () => {
  s = await startServer();
  const withSubscriptions = chainJob(2, 'Subscribed ladder');
  withSubscriptions.JobNotificationSubscriptions = [{ NotificationEndPointId: 'nb:nepid:UUID:cb5d707b-4db8-45fe-a558-19f8d3306093', TargetJobState: 2 }];
  finished = seed(s.engine, withSubscriptions);
  failed = seed(s.engine, chainJob(1, 'Failing job', 'fail'));
  const r = await request(s.port, '/api/Jobs', { method: 'POST', body: REFERENCE_BIND_BODY });
  expect(r.status).toBe(201);
  posted = r.json.Id;
  // An asset of its own, with no AlternateId (null on the wire).
  expect((await request(s.port, '/api/Assets', { method: 'POST', body: JSON.stringify({ Name: 'uploaded' }) })).status).toBe(201);
  // A job template with two TaskTemplates, one of them with no NumberofInputAssets on the template (null on the wire).
  const template = await request(s.port, '/api/JobTemplates', { method: 'POST', body: TEMPLATE_BODY });
  expect(template.status).toBe(201);
  templateId = template.json.Id;
  await Promise.all([finished, failed, posted].map((id) => s.engine.done(id)));
  const m = await request(s.port, '/api/$metadata');
  xml = m.text;
  doc = parseEdmx(xml);
});

afterAll(async () => {
  await s.close();
});

describe('GET /api/$metadata', () => {
  it('answers an EDMX 1.0 document as application/xml', async () => {
    const r = await request(s.port, '/api/$metadata');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/xml;charset=utf-8');
    expect(r.text.startsWith('<?xml version="1.0" encoding="utf-8"')).toBe(true);
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.text)));
  });

  it('is well-formed XML in the EDMX and CSDL v3 namespaces, OData 3.0', () => {
    expect(doc.root.attributes.Version?.value).toBe('1.0');
    const ds = Object.values(doc.dataServices.attributes).filter((a) => a.uri === DATASERVICES_METADATA_NAMESPACE);
    expect(Object.fromEntries(ds.map((a) => [a.local, a.value]))).toEqual({ DataServiceVersion: '3.0', MaxDataServiceVersion: '3.0' });
    expect(doc.schemaNamespace).toBe(NS);
    expect(Object.values(doc.container.attributes).find((a) => a.local === 'IsDefaultEntityContainer')?.value).toBe('true');
  });

  it('describes Job, Task, MediaProcessor and Asset, each keyed by Id, in the sets the server routes', () => {
    expect([...doc.entityTypes.keys()]).toEqual(['Job', 'Task', 'MediaProcessor', 'Asset', 'JobTemplate', 'TaskTemplate']);
    for (const t of doc.entityTypes.values()) {
      expect(t.key).toEqual(['Id']);
      expect(t.properties.get('Id')).toEqual({ type: 'Edm.String', nullable: false });
    }
    expect(Object.fromEntries(doc.entitySets)).toEqual({
      Jobs: `${NS}.Job`,
      Tasks: `${NS}.Task`,
      MediaProcessors: `${NS}.MediaProcessor`,
      Assets: `${NS}.Asset`,
      JobTemplates: `${NS}.JobTemplate`,
      TaskTemplates: `${NS}.TaskTemplate`,
    });
    expect([...doc.complexTypes.keys()].sort()).toEqual(['ErrorDetail', 'JobNotificationSubscription', 'TaskHistoricalEvent', 'TaskNotificationSubscription']);
  });

  it('types the properties of the reference: Int32 states, Double durations, DateTime dates, complex collections', () => {
    const job = doc.entityTypes.get('Job')!.properties;
    const task = doc.entityTypes.get('Task')!.properties;
    expect(job.get('State')).toEqual({ type: 'Edm.Int32', nullable: false });
    expect(job.get('RunningDuration')).toEqual({ type: 'Edm.Double', nullable: false });
    expect(job.get('StartTime')).toEqual({ type: 'Edm.DateTime', nullable: true });
    expect(task.get('Progress')).toEqual({ type: 'Edm.Double', nullable: false });
    expect(task.get('ErrorDetails')).toEqual({ type: `Collection(${NS}.ErrorDetail)`, nullable: false });
    expect(task.get('HistoricalEvents')).toEqual({ type: `Collection(${NS}.TaskHistoricalEvent)`, nullable: false });
    expect(Object.fromEntries(doc.complexTypes.get('TaskHistoricalEvent')!)).toEqual({
      Code: { type: 'Edm.String', nullable: false },
      Message: { type: 'Edm.String', nullable: false },
      TimeStamp: { type: 'Edm.DateTime', nullable: false },
    });
  });

  it('links Job.Tasks, Job/Task.InputMediaAssets and OutputMediaAssets through associations and association sets', () => {
    const links: string[] = [];
    for (const [typeName, t] of doc.entityTypes) {
      for (const [name, nav] of t.navigation) {
        links.push(`${typeName}.${name}`);
        const assocName = nav.relationship.slice(NS.length + 1);
        const ends = doc.associations.get(assocName);
        expect(ends, nav.relationship).toBeDefined();
        expect(ends!.get(nav.from)?.type).toBe(`${NS}.${typeName}`);
        const target = ends!.get(nav.to)!;
        expect(target.multiplicity).toBe('*');
        const set = [...doc.associationSets.values()].find((a) => a.association === nav.relationship);
        expect(set, `association set of ${nav.relationship}`).toBeDefined();
        expect(doc.entitySets.get(set!.ends.get(nav.from)!)).toBe(`${NS}.${typeName}`);
        expect(doc.entitySets.get(set!.ends.get(nav.to)!)).toBe(target.type);
      }
    }
    expect(links.sort()).toEqual(['Job.InputMediaAssets', 'Job.OutputMediaAssets', 'Job.Tasks', 'JobTemplate.TaskTemplates', 'Task.InputMediaAssets', 'Task.OutputMediaAssets']);
    const jobTasks = doc.associations.get('Job_Tasks')!;
    expect([...jobTasks.values()]).toEqual([
      { type: `${NS}.Job`, multiplicity: '1' },
      { type: `${NS}.Task`, multiplicity: '*' },
    ]);
  });

  it('declares CancelJob as the server serves it: GET, one string parameter jobid, no return type', () => {
    const cancel = doc.functionImports.get('CancelJob');
    expect(cancel?.attributes).toEqual({ Name: 'CancelJob', 'm:HttpMethod': 'GET' });
    expect(cancel?.parameters).toEqual([{ Name: 'jobid', Type: 'Edm.String', Mode: 'In' }]);
    expect([...doc.functionImports.keys()]).toEqual(['CancelJob']);
  });

  it('answers HEAD, Accept: application/xml, */* and $format=xml; refuses a JSON-only Accept with 406', async () => {
    const head = await request(s.port, '/api/$metadata', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    for (const accept of ['application/xml', 'application/xml, application/json;q=0.5', '*/*', 'text/*', 'application/atom+xml, application/*;q=0.1']) {
      const r = await request(s.port, '/api/$metadata', { accept });
      expect(r.status, accept).toBe(200);
      expect(r.text).toBe(xml);
    }
    expect((await request(s.port, '/api/$metadata?$format=xml', { accept: 'application/json' })).status).toBe(200);
    for (const [path, accept] of [
      ['/api/$metadata', 'application/json'],
      ['/api/$metadata', VERBOSE],
      ['/api/$metadata?$format=json', 'application/xml'],
    ] as const) {
      const r = await request(s.port, path, { accept });
      expect(r.status, `${path} ${accept}`).toBe(406);
      expect((r.json['odata.error'] ?? r.json.error).code).toBe('NOT_ACCEPTABLE');
    }
  });

  it('takes no query option but $format, and only GET', async () => {
    const top = await request(s.port, '/api/$metadata?$top=1');
    expect(top.status).toBe(400);
    expect(top.json['odata.error'].code).toBe('QUERY_OPTION_NOT_APPLICABLE');
    // The reference's tip for browsers (?api-version=2.x) is not an OData option: ignored.
    expect((await request(s.port, '/api/$metadata?api-version=2.19')).status).toBe(200);
    const post = await request(s.port, '/api/$metadata', { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });
});

const TEMPLATE_BODY = JSON.stringify({
  Name: 'Template',
  TemplateType: 1,
  JobTemplateBody:
    '<jobTemplate><taskBody taskTemplateId="nb:ttid:UUID:00000000-0000-4000-8000-0000000000a1"><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody></jobTemplate>',
  TaskTemplates: [{ Id: 'nb:ttid:UUID:00000000-0000-4000-8000-0000000000a1', MediaProcessorId: MES, Name: 'encode', NumberofInputAssets: 1, NumberofOutputAssets: 1 }],
});

describe('$metadata describes exactly what the server writes', () => {
  const formats = [
    ['minimal metadata', undefined, false],
    ['verbose', VERBOSE, true],
  ] as const;

  it.each(formats)('every property of every entity served (%s) is in $metadata with a matching type, and vice versa', async (_, accept, verbose) => {
    const get = async (path: string): Promise<Record<string, unknown>[]> => {
      const r = await request(s.port, path, accept === undefined ? {} : { accept });
      expect(r.status, path).toBe(200);
      return verbose ? (r.json.d.results ?? [r.json.d]) : (r.json.value ?? [r.json]);
    };
    const strip = (e: Record<string, unknown>): Record<string, unknown> => (verbose ? e : Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'odata.metadata')));
    const seenTypes = new Set<string>();
    const seenComplex = new Set<string>();
    const check = (typeName: string, entities: Record<string, unknown>[], where: string): void => {
      expect(entities.length, `${where} is not empty`).toBeGreaterThan(0);
      seenTypes.add(typeName);
      for (const e of entities) for (const c of checkEntity(doc, typeName, strip(e), verbose, where)) seenComplex.add(c);
    };
    check('Job', await get('/api/Jobs'), 'Jobs');
    check('Job', await get(`/api/Jobs(${enc(posted)})`), 'Jobs(…)');
    const tasks = await get('/api/Tasks');
    check('Task', tasks, 'Tasks');
    check('Task', await get(`/api/Tasks(${enc(tasks[0]!.Id as string)})`), 'Tasks(…)');
    const assets = await get('/api/Assets');
    check('Asset', assets, 'Assets');
    expect(assets.some((a) => a.AlternateId === null), 'an asset with a null AlternateId was served').toBe(true);
    check('Asset', await get(`/api/Assets(${enc(assets[0]!.Id as string)})`), 'Assets(…)');
    check('MediaProcessor', await get('/api/MediaProcessors'), 'MediaProcessors');
    check('MediaProcessor', await get(`/api/MediaProcessors(${enc(MES)})`), 'MediaProcessors(…)');
    check('JobTemplate', await get('/api/JobTemplates'), 'JobTemplates');
    check('JobTemplate', await get(`/api/JobTemplates(${enc(templateId)})`), 'JobTemplates(…)');
    check('TaskTemplate', await get('/api/TaskTemplates'), 'TaskTemplates');
    check('TaskTemplate', await get(`/api/JobTemplates(${enc(templateId)})/TaskTemplates`), 'JobTemplates(…)/TaskTemplates');
    for (const id of [finished, posted]) {
      check('Task', await get(`/api/Jobs(${enc(id)})/Tasks`), 'Jobs(…)/Tasks');
      check('Asset', await get(`/api/Jobs(${enc(id)})/InputMediaAssets`), 'Jobs(…)/InputMediaAssets');
      check('Asset', await get(`/api/Jobs(${enc(id)})/OutputMediaAssets`), 'Jobs(…)/OutputMediaAssets');
    }
    for (const t of tasks) {
      const key = enc(t.Id as string);
      check('Asset', await get(`/api/Tasks(${key})/InputMediaAssets`), 'Tasks(…)/InputMediaAssets');
      check('Asset', await get(`/api/Tasks(${key})/OutputMediaAssets`), 'Tasks(…)/OutputMediaAssets');
    }
    // Nothing in $metadata went unchecked: every type was served, every complex type had elements.
    expect([...seenTypes].sort()).toEqual([...doc.entityTypes.keys()].sort());
    expect([...seenComplex].sort()).toEqual([...doc.complexTypes.keys()].sort());
  });

  it('a verbose server writing \\/Date(ms)\\/ matches Edm.DateTime too', async () => {
    const t = await startServer({ verboseDateStyle: 'msjson' });
    try {
      seed(t.engine, chainJob(1, 'msjson'));
      const r = await request(t.port, '/api/Jobs', { accept: VERBOSE });
      const job = r.json.d.results[0];
      expect(job.Created).toMatch(/^\/Date\(\d+\)\/$/);
      checkEntity(doc, 'Job', job, true, 'Jobs (msjson)');
    } finally {
      await t.close();
    }
  });
});

describe('writeEdmx()', () => {
  it('refuses a link to a type that has no entity set', () => {
    expect(() =>
      writeEdmx({
        namespace: 'N',
        containerName: 'C',
        entityTypes: [{ name: 'A', key: ['Id'], properties: [{ name: 'Id', type: 'Edm.String', nullable: false }], navigation: [{ name: 'Bs', target: 'B', targetMultiplicity: '*', sourceMultiplicity: '*' }] }],
        complexTypes: [],
        entitySets: [{ name: 'As', entityType: 'A' }],
        functionImports: [],
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('B has no entity set') }));
  });

  it('escapes names for XML attributes', () => {
    const text = writeEdmx({ namespace: 'N&"<', containerName: 'C', entityTypes: [], complexTypes: [], entitySets: [], functionImports: [] });
    expect(text).toContain('Namespace="N&amp;&quot;&lt;"');
    expect(() => parseEdmx(text)).not.toThrow();
  });
});

/**
 * An off-the-shelf OData client against the server: Microsoft's datajs 1.0.3 (OData v1–v2 verbose
 * JSON, reads `$metadata` as CSDL) reads the server's `$metadata` and drives it with what it learnt
 * there: the entity set names, the date properties it converts, the CancelJob function import.
 *
 * datajs is a browser library: it looks for XMLHttpRequest and DOMParser on `window`. It gets a
 * `window` of polyfills (xmlhttprequest, @xmldom/xmldom) while it loads, which it keeps; the global
 * is removed right after.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobState } from '../../../src/job/enums.js';
import { REFERENCE_VERBOSE_BODY, TOKEN, chainJob, seed, startServer, type TestServer } from './helpers.js';

/** What this test uses of datajs's `OData` (the package ships no types). */
interface DataJs {
  request(request: DataJsRequest, success: (data: any, response: DataJsResponse) => void, error: (err: DataJsError) => void, handler?: unknown, httpClient?: unknown, metadata?: unknown): void;
  metadataHandler: unknown;
}
interface DataJsRequest {
  requestUri: string;
  method?: string;
  headers?: Record<string, string>;
  data?: unknown;
}
interface DataJsResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
interface DataJsError {
  message: string;
  response?: DataJsResponse;
}

function loadDataJs(): DataJs {
  const require = createRequire(import.meta.url);
  const { XMLHttpRequest } = require('xmlhttprequest') as { XMLHttpRequest: unknown };
  const { DOMParser } = require('@xmldom/xmldom') as { DOMParser: unknown };
  const window: Record<string, unknown> = { XMLHttpRequest, DOMParser, setTimeout, clearTimeout, JSON };
  const g = globalThis as { window?: unknown };
  g.window = window;
  try {
    require('datajs');
  } finally {
    delete g.window;
  }
  return window.OData as DataJs;
}

const OData = loadDataJs();
const auth = { Authorization: `Bearer ${TOKEN}` };

/** One datajs request as a promise; a refusal keeps datajs's error (message, response). */
function send(request: DataJsRequest, options: { handler?: unknown; metadata?: unknown } = {}): Promise<{ data: any; response: DataJsResponse }> {
  return new Promise((resolve, reject) => {
    OData.request(
      { ...request, headers: { ...auth, ...request.headers } },
      (data, response) => resolve({ data, response }),
      (err) => reject(Object.assign(new Error(`datajs: ${err.message}`), { response: err.response })),
      options.handler,
      undefined,
      options.metadata,
    );
  });
}

interface Metadata {
  dataServices: {
    dataServiceVersion: string;
    schema: Array<{
      namespace: string;
      entityType: Array<{ name: string; property: Array<{ name: string; type: string }> }>;
      entityContainer: Array<{
        name: string;
        entitySet: Array<{ name: string; entityType: string }>;
        functionImport?: Array<{ name: string; httpMethod?: string; parameter?: Array<{ name: string; type: string }> }>;
      }>;
    }>;
  };
}

let s: TestServer;
let metadata: Metadata;
/** Entity set of each entity type, as $metadata names it. */
let setOf: (type: string) => string;
let finished: string;
let created: string;

beforeAll(async () => {
  // datajs 1.0 reads an Edm.DateTime in JSON only as \/Date(ms)\/ (OData v2 verbose); the
  // server writes that form when asked (see the last test for the ISO default).
  s = await startServer({ verboseDateStyle: 'msjson' });
  finished = seed(s.engine, chainJob(2, 'Encode ladder'));
  seed(s.engine, chainJob(1, 'Held job', 'hold'));
  await s.engine.done(finished);
  metadata = (await send({ requestUri: `${s.url}/$metadata` }, { handler: OData.metadataHandler })).data as Metadata;
  const container = metadata.dataServices.schema[0]!.entityContainer[0]!;
  setOf = (type) => container.entitySet.find((e) => e.entityType === `${metadata.dataServices.schema[0]!.namespace}.${type}`)!.name;
});

afterAll(async () => {
  await s?.close();
});

describe('datajs 1.0.3 against the server', () => {
  it('reads $metadata: the schema, the entity sets, CancelJob', () => {
    expect(metadata.dataServices.dataServiceVersion).toBe('3.0');
    const schema = metadata.dataServices.schema[0]!;
    expect(schema.namespace).toBe('Microsoft.Cloud.Media.Vod.Rest.Data.Models');
    expect(schema.entityType.map((t) => t.name)).toEqual(['Job', 'Task', 'MediaProcessor', 'Asset', 'JobTemplate', 'TaskTemplate']);
    expect(['Job', 'Task', 'MediaProcessor', 'Asset', 'JobTemplate', 'TaskTemplate'].map((t) => setOf(t))).toEqual(['Jobs', 'Tasks', 'MediaProcessors', 'Assets', 'JobTemplates', 'TaskTemplates']);
    const cancel = schema.entityContainer[0]!.functionImport?.find((f) => f.name === 'CancelJob');
    expect(cancel?.httpMethod).toBe('GET');
    expect(cancel?.parameter).toEqual([expect.objectContaining({ name: 'jobid', type: 'Edm.String' })]);
  });

  it('lists Jobs, turning the dates $metadata types as Edm.DateTime into Dates', async () => {
    const { data, response } = await send({ requestUri: `${s.url}/${setOf('Job')}` }, { metadata });
    expect(response.statusCode).toBe(200);
    expect(data.results.map((j: { Name: string }) => j.Name)).toEqual(['Encode ladder', 'Held job']);
    const job = data.results[0];
    expect(job.__metadata.type).toBe('Microsoft.Cloud.Media.Vod.Rest.Data.Models.Job');
    expect(job.Created).toBeInstanceOf(Date);
    expect(job.EndTime).toBeInstanceOf(Date);
    expect(data.results[1].EndTime).toBeNull();
  });

  it('filters by State and by Name', async () => {
    const jobs = setOf('Job');
    const byState = await send({ requestUri: `${s.url}/${jobs}?$filter=${encodeURIComponent(`State eq ${JobState.Finished}`)}` }, { metadata });
    expect(byState.data.results.map((j: { Id: string }) => j.Id)).toEqual([finished]);
    const byName = await send({ requestUri: `${s.url}/${jobs}?$filter=${encodeURIComponent("startswith(Name,'Held')")}` }, { metadata });
    expect(byName.data.results.map((j: { Name: string }) => j.Name)).toEqual(['Held job']);
  });

  it('creates a job with inline tasks (the reference body) and reads it and its tasks back', async () => {
    const body = JSON.parse(REFERENCE_VERBOSE_BODY) as { Tasks: { Configuration: string }[] };
    body.Tasks[0]!.Configuration = 'hold'; // stays Processing until canceled
    const post = await send({ requestUri: `${s.url}/${setOf('Job')}`, method: 'POST', data: body }, { metadata });
    expect(post.response.statusCode).toBe(201);
    created = post.data.Id;
    expect(created).toMatch(/^nb:jid:UUID:/);
    expect(post.data.Created).toBeInstanceOf(Date);

    const back = await send({ requestUri: post.data.__metadata.uri }, { metadata });
    expect(back.data.Id).toBe(created);
    expect(back.data.Name).toBe('NewTestJob');
    const tasks = await send({ requestUri: back.data.Tasks.__deferred.uri }, { metadata });
    expect(tasks.data.results.map((t: { Configuration: string }) => t.Configuration)).toEqual(['hold', 'H264 Smooth Streaming 720p']);
    expect(tasks.data.results[0].__metadata.type).toBe('Microsoft.Cloud.Media.Vod.Rest.Data.Models.Task');
  });

  it('cancels it through the CancelJob function import as $metadata declares it', async () => {
    const cancel = metadata.dataServices.schema[0]!.entityContainer[0]!.functionImport!.find((f) => f.name === 'CancelJob')!;
    const param = cancel.parameter![0]!.name;
    const call = { requestUri: `${s.url}/${cancel.name}?${param}=${encodeURIComponent(`'${created}'`)}`, method: cancel.httpMethod };
    const r = await send(call, { metadata });
    expect(r.response.statusCode).toBe(204);
    await s.engine.done(created);
    const back = await send({ requestUri: `${s.url}/${setOf('Job')}('${encodeURIComponent(created)}')` }, { metadata });
    expect(back.data.State).toBe(JobState.Canceled);
    // A second cancel is refused, and datajs hands the OData error through.
    const again = await send(call, { metadata }).catch((e: { response?: DataJsResponse }) => e);
    expect(again.response?.statusCode).toBe(400);
    expect(JSON.parse(again.response!.body).error.code).toBe('JOB_FINAL');
  });

  it('with the default ISO 8601 dates (what AMS writes today), datajs refuses the Edm.DateTime values', async () => {
    const iso = await startServer();
    try {
      seed(iso.engine, chainJob(1, 'iso'));
      const err = await send({ requestUri: `${iso.url}/Jobs` }, { metadata }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toBe('datajs: Invalid date/time value');
    } finally {
      await iso.close();
    }
  });
});

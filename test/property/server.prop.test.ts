import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../../src/scheduler/views.js';
import { jobFromGraph } from '../../src/workload/ams-job.js';
import { VERBOSE, chainJob, request, seed, startServer, type TestServer } from '../unit/server/helpers.js';

/**
 * Over real HTTP: the task listing agrees with a plain reference (Array.filter, a stable sort,
 * slice) for any $filter, $orderby, $skip and $top, in both formats and in each of the listing's
 * paths (no filter; a filter on fixed properties, read from the model; one on live properties,
 * read from views). And no request target, method or header makes the server answer 5xx (but
 * 501 for the parts of the Media Services API it does not implement).
 */

type Pred = (t: TaskView) => boolean;
interface Filter {
  text: string;
  pred: Pred;
}

const atom: fc.Arbitrary<Filter> = fc.oneof(
  fc.tuple(fc.constantFrom('eq', 'ne', 'lt', 'ge'), fc.integer({ min: 0, max: 6 })).map(([op, n]): Filter => ({
    text: `State ${op} ${n}`,
    pred: (t) => (op === 'eq' ? t.State === n : op === 'ne' ? t.State !== n : op === 'lt' ? t.State < n : t.State >= n),
  })),
  fc.integer({ min: -1, max: 4 }).map((n): Filter => ({ text: `Priority gt ${n}`, pred: (t) => t.Priority > n })),
  fc.constantFrom('J1', 'J2', 'Jx', 'K').map((p): Filter => ({ text: `startswith(Name,'${p}')`, pred: (t) => t.Name.startsWith(p) })),
  fc.constantFrom('0', '1', 'k 2').map((p): Filter => ({ text: `endswith(Name,'${p}')`, pred: (t) => t.Name.endsWith(p) })),
  fc.constant<Filter>({ text: 'EndTime eq null', pred: (t) => t.EndTime === null }),
  fc.constant<Filter>({ text: 'Progress eq 100', pred: (t) => t.Progress === 100 }),
  fc.constantFrom('hold', 'H264 Single Bitrate 720p').map((c): Filter => ({ text: `Configuration eq '${c}'`, pred: (t) => t.Configuration === c })),
);

const filter: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('f'), tie('f')).map(([a, b]): Filter => ({ text: `(${a.text}) and (${b.text})`, pred: (t) => a.pred(t) && b.pred(t) })),
    fc.tuple(tie('f'), tie('f')).map(([a, b]): Filter => ({ text: `(${a.text}) or (${b.text})`, pred: (t) => a.pred(t) || b.pred(t) })),
    tie('f').map((a): Filter => ({ text: `not (${a.text})`, pred: (t) => !a.pred(t) })),
  ),
})).f;

const ORDERS: ReadonlyArray<readonly [string, (a: TaskView, b: TaskView) => number]> = [
  ['Name', (a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)],
  ['Name desc', (a, b) => (a.Name > b.Name ? -1 : a.Name < b.Name ? 1 : 0)],
  ['Priority desc', (a, b) => b.Priority - a.Priority],
  ['State,Priority', (a, b) => a.State - b.State || a.Priority - b.Priority],
];

describe('GET /api/Tasks agrees with a reference', () => {
  let s: TestServer;
  let tasks: TaskView[];

  beforeAll(async () => {
    s = await startServer({ profile: 'relaxed' });
    const make = (name: string, n: number, configuration: string) =>
      jobFromGraph(
        { nodeCount: n, from: Array.from({ length: n - 1 }, (_, i) => i), to: Array.from({ length: n - 1 }, (_, i) => i + 1), priority: Array.from({ length: n }, (_, i) => (i * 7) % 5) },
        { name, nameOf: (i) => `${name} task ${i}`, configurationOf: () => configuration },
      );
    const done: string[] = [];
    for (let j = 0; j < 12; j++) {
      const kind = j % 4;
      const id = seed(s.engine, make(`J${j}`, 3 + (j % 5), kind === 1 ? 'hold' : kind === 2 ? 'fail' : 'H264 Single Bitrate 720p'));
      if (kind !== 1) done.push(id);
      if (kind === 3) s.engine.cancel(id);
    }
    await Promise.all(done.map((id) => s.engine.done(id)));
    tasks = s.engine.scheduler.tasks();
  });

  afterAll(async () => {
    await s.close();
  });

  it('for any $filter, $orderby, $skip and $top', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(filter, { nil: undefined }),
        fc.option(fc.constantFrom(...ORDERS), { nil: undefined }),
        fc.nat({ max: 60 }),
        fc.option(fc.nat({ max: 40 }), { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        async (f, order, skip, top, verbose, inlineCount) => {
          const params = new URLSearchParams({ $select: 'Id' });
          if (f !== undefined) params.set('$filter', f.text);
          if (order !== undefined) params.set('$orderby', order[0]);
          if (skip > 0) params.set('$skip', String(skip));
          if (top !== undefined) params.set('$top', String(top));
          if (inlineCount) params.set('$inlinecount', 'allpages');
          const r = await request(s.port, `/api/Tasks?${params.toString().replaceAll('+', '%20')}`, verbose ? { accept: VERBOSE } : {});
          expect(r.status).toBe(200);
          const matched = f === undefined ? tasks : tasks.filter(f.pred);
          const ordered = order === undefined ? matched : [...matched].sort(order[1]);
          const expected = ordered.slice(skip, top === undefined ? undefined : skip + top).map((t) => t.Id);
          const got = verbose ? r.json.d.results.map((t: { Id: string }) => t.Id) : r.json.value.map((t: { Id: string }) => t.Id);
          expect(got).toEqual(expected);
          const count = verbose ? r.json.d.__count : r.json['odata.count'];
          expect(count).toBe(inlineCount ? String(matched.length) : undefined);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('no request makes the server fail', () => {
  let s: TestServer;
  const errors: unknown[] = [];

  beforeAll(async () => {
    s = await startServer({ onError: (e) => errors.push(e) });
    seed(s.engine, chainJob(2, 'fixture'));
  });

  afterAll(async () => {
    await s.close();
  });

  const FRAGMENTS = [
    '/api', '/API', '/', 'Jobs', 'Tasks', 'MediaProcessors', 'CancelJob', 'Assets', '$count', '$metadata', '(', ')', "'", "''", '%27', '%', '%2', '%zz', '%C3',
    '%FF', '%28', 'nb:jid:UUID:', 'nb%3Ajid%3AUUID%3A', '00000000-0000-4000-8000-000000000001', 'guid', '?', '&', '=', '+', '#', '$filter=', '$top=', '$skip=',
    '$select=', '$orderby=', '$expand=', '$format=', '$inlinecount=', 'jobid=', 'State', '%20eq%20', '%20and%20', 'not%20', '-1', '1', '99999999999', ',', 'Name',
    'State/x', 'startswith(Name,', 'datetime', "'2020-01-01'", 'null', '\u00e9', 'verbose', 'atom', 'allpages', '..', '//',
  ];
  const target = fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 14 }).map((parts) => {
    const t = parts.join('');
    return t.startsWith('/') ? t : `/api/${t}`;
  });
  const headers = fc.record(
    {
      Accept: fc.constantFrom('application/json;odata=verbose', 'application/json', 'application/atom+xml', '*/*', 'text/plain;q=0.1', ''),
      DataServiceVersion: fc.constantFrom('3.0', '1.0', '4.0', 'x'),
      MaxDataServiceVersion: fc.constantFrom('3.0', '2.0', '0.1'),
      'x-ms-version': fc.constantFrom('2.19', '2.11', '3.0', ''),
      'Content-Type': fc.constantFrom('application/json', 'application/json;odata=verbose', 'application/xml', 'application/json;charset=latin1'),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 50 }), fc.constant(JSON.stringify(chainJob(1, 'fuzzed'))), fc.json({ maxDepth: 2 }));

  /** An error answer's code and message: OData JSON, or the XML m:error of a client that asked for Atom. */
  const errorOf = (r: { text: string; json: any; headers: Record<string, unknown> }): { code: unknown; message: unknown } => {
    if (String(r.headers['content-type']).startsWith('application/xml')) {
      const code = /<m:code>([^<]*)<\/m:code>/.exec(r.text)?.[1];
      const message = /<m:message xml:lang="en-US">([^<]*)<\/m:message>/.exec(r.text)?.[1];
      return { code, message };
    }
    const e = r.json?.['odata.error'] ?? r.json?.error;
    return { code: e?.code, message: e?.message?.value };
  };

  it('for any path, query, method, headers and body', async () => {
    await fc.assert(
      fc.asyncProperty(target, fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'), headers, body, async (path, method, h, b) => {
        const r = await request(s.port, path, { method, headers: h as Record<string, string>, ...(b !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: b } : {}) });
        expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(200);
        // 501 is the one 5xx allowed: a part of the Media Services API this server does not have.
        if (r.status !== 501) expect(r.status, `${method} ${path}: ${r.text}`).toBeLessThan(500);
        // A HEAD answer has the GET's headers and no body (RFC 9110 §9.3.2): nothing to read a code from.
        if (method === 'HEAD') expect(r.text, `${method} ${path}`).toBe('');
        else if (r.status === 501) expect(errorOf(r).code, `${method} ${path}: ${r.text}`).toBe('NOT_IMPLEMENTED');
        if (r.status >= 400 && method !== 'HEAD') {
          const e = errorOf(r);
          expect(typeof e.code, `${method} ${path}: ${r.text}`).toBe('string');
          expect(typeof e.message).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
    expect(errors).toEqual([]);
    expect((await request(s.port, '/api/Jobs')).status).toBe(200);
  });
});

describe('a refused job definition gets a bounded answer', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer({ validationWorkers: 0, profile: 'relaxed', maxDiagnostics: 500, maxBodyBytes: 16 * 1024 * 1024 });
  });

  afterAll(async () => {
    await s.close();
  });

  // Tasks that are wrong in many ways at once, with long names, processor ids and TaskBodies.
  const long = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ minLength: 2000, maxLength: 6000 }), fc.constant('\u0001'.repeat(3000)), fc.constant('\u{1F600}'.repeat(2000)));
  const badTask = fc.oneof(
    fc.constant(null),
    fc.constant({}),
    fc.record({ Name: long, MediaProcessorId: fc.oneof(long, fc.constant('nb:mpid:UUID:00000000-0000-4000-8000-000000000000')), TaskBody: fc.oneof(long, long.map((t) => `<taskBody><inputAsset>${t}</inputAsset>`)) }),
  );
  const definition = fc.record({ Name: long, Tasks: fc.array(badTask, { minLength: 1, maxLength: 300 }) });

  it('at most 64 KiB, and listed plus omitted counts every diagnostic', async () => {
    await fc.assert(
      fc.asyncProperty(definition, fc.boolean(), async (def, verbose) => {
        const r = await request(s.port, '/api/Jobs', { method: 'POST', body: JSON.stringify(def), ...(verbose ? { accept: VERBOSE } : {}) });
        expect(r.status).toBe(400);
        expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(64 * 1024);
        const e = r.json['odata.error'] ?? r.json.error;
        expect(e.code).toBe('VALIDATION_FAILED');
        const inner = e.innererror;
        expect(inner.diagnostics.length + inner.omitted).toBe(inner.problems);
        expect(inner.errors + inner.warnings).toBeLessThanOrEqual(inner.problems);
        expect(e.message.value.split('\n').length).toBe(1 + inner.diagnostics.length + (inner.omitted > 0 ? 1 : 0));
      }),
      { numRuns: 40 },
    );
  });
});

import http from 'node:http';
import net from 'node:net';
import { Engine } from '../../../src/run/engine.js';
import { ProcessorError, type Processor } from '../../../src/run/processor.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { createServer, type JobGraphServer, type ServerOptions } from '../../../src/server/index.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';
import type { JobDefinition } from '../../../src/job/model.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const OTHER_TOKEN = 'other-token-0123456789abcdef';
export const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
export const PACKAGER = 'nb:mpid:UUID:a2f9afe9-7146-4882-a5f7-da4a85e06a93';
export const VERBOSE = 'application/json;odata=verbose';

/** Waits until the task's signal fires: the task stays Processing until its job is canceled. */
const hold = (signal: AbortSignal): Promise<void> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/**
 * Test processors that need no clock: Configuration `hold` keeps a task Processing until it is
 * canceled, `fail` fails it, anything else finishes at once.
 */
export function testProcessors(): Processor[] {
  const behave = async (ctx: Parameters<Processor['run']>[0]): Promise<void> => {
    const c = (ctx.configuration ?? '').toLowerCase();
    if (c.includes('hold')) return hold(ctx.signal);
    if (c.includes('fail')) throw new ProcessorError('ErrorExecutingTaskUnsupportedFormat', 'the input format is not supported');
  };
  return [
    { id: MES, name: 'Media Encoder Standard', vendor: 'Microsoft', version: '1.1', sku: '', description: 'test encoder', run: behave },
    { id: PACKAGER, name: 'Test Packager', vendor: 'jobgraph', version: '1.0', run: behave },
  ];
}

export interface TestServer {
  engine: Engine;
  api: JobGraphServer;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An engine with {@link testProcessors} and a facade on 127.0.0.1, port 0. */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const engine = new Engine({ processors: testProcessors(), cancelGraceMs: 50, retry: { maxAttempts: 1 } });
  const api = createServer(engine, { tokens: [TOKEN, OTHER_TOKEN], ids: sequentialIds(), onError: () => {}, ...options });
  const { url, address } = await api.listen({ port: 0, host: '127.0.0.1' });
  return {
    engine,
    api,
    url,
    port: address.port,
    async close() {
      await api.close({ graceMs: 100 });
      await engine.close();
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Bearer token; `null` sends no Authorization header. @defaultValue TOKEN */
  token?: string | null;
  accept?: string;
}

/**
 * Sends one request with the path exactly as given (no URL normalization), on a fresh connection.
 */
export function request(port: number, path: string, options: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (options.accept !== undefined) headers.Accept = options.accept;
  if (options.body !== undefined && headers['Content-Type'] === undefined) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes raw bytes on a socket and reads until the server closes it. */
export function rawRequest(port: number, data: string | Buffer, options: { endAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(data);
      if (options.endAfterWrite === true) socket.end();
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(err)));
  });
}

/** The body of an HTTP response in raw text. */
export function rawBody(response: string): string {
  const i = response.indexOf('\r\n\r\n');
  return i < 0 ? '' : response.slice(i + 4);
}

/** A job of `n` chained tasks on MES with the given Configuration, as a Create-Job body. */
export function chainJob(n: number, name: string, configuration = 'H264 Single Bitrate 720p'): JobDefinition {
  const from = Array.from({ length: n - 1 }, (_, i) => i);
  const to = from.map((i) => i + 1);
  return jobFromGraph({ nodeCount: n, from, to }, { name, configurationOf: () => configuration, nameOf: (i) => `${name} task ${i}` });
}

/** Submits straight to the engine (no HTTP): the fixture for read tests. */
export function seed(engine: Engine, definition: JobDefinition): string {
  return engine.submit(definition).id;
}

/** The reference's Create Job body (reference §4, Doc-Encode): two chained tasks, odata=verbose links. */
export const REFERENCE_VERBOSE_BODY = `{"Name":"NewTestJob",
 "InputMediaAssets":[{"__metadata":{"uri":"https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')"}}],
 "Tasks":[
  {"Configuration":"H264 Adaptive Bitrate MP4 Set 720p","MediaProcessorId":"nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56",
   "TaskBody":"<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?><taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>"},
  {"Configuration":"H264 Smooth Streaming 720p","MediaProcessorId":"nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56",
   "TaskBody":"<?xml version=\\"1.0\\" encoding=\\"utf-16\\"?><taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(1)</outputAsset></taskBody>"}]}`;

/** The non-verbose variant (reference §4, Gridwich): `@odata.bind`, task Name and TaskNotificationSubscriptions. */
export const REFERENCE_BIND_BODY = JSON.stringify({
  Name: 'Gridwich encode',
  'InputMediaAssets@odata.bind': ["https://myaccount.restv2.westus.media.azure.net/api/Assets('nb:cid:UUID:4c0d4b0e-5b1c-4e57-a4a1-2d9a3c6c8f10')"],
  Tasks: [
    {
      Name: 'encode',
      Configuration: 'H264 Multiple Bitrate 720p',
      MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56',
      TaskBody: '<?xml version="1.0" encoding="utf-8"?><taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset assetCreationOptions="0" assetFormatOption="0" assetName="encoded">JobOutputAsset(0)</outputAsset></taskBody>',
      TaskNotificationSubscriptions: [{ IncludeTaskProgress: true, NotificationEndPointId: 'nb:nepid:UUID:12ed9f0d-0000-4000-8000-000000000001', TargetTaskState: 2 }],
    },
  ],
});

/** `Jobs('…')` with the key percent-encoded, as AMS writes it. */
export const enc = (id: string): string => `'${encodeURIComponent(id)}'`;

/**
 * Create-Job bodies that are slow to validate, each under 1 MiB (issue 9, point 6), with what
 * validateJob made of them before the server bounded them (2.0 s of event loop and a 400 of
 * 81 MiB for the first).
 */
export function hostileBodies(): { name: string; body: string }[] {
  const input = [{ __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } }];
  const oneTask = (taskBody: string): string => JSON.stringify({ Name: 'hostile', InputMediaAssets: input, Tasks: [{ Configuration: 'c', MediaProcessorId: MES, TaskBody: taskBody }] });
  return [
    // 0.95 MiB: 200,002 diagnostics.
    { name: '200k null tasks', body: JSON.stringify({ Name: 'hostile', Tasks: new Array(200_000).fill(null) }) },
    // 0.29 MiB: a deep XML stack.
    { name: '100k unclosed tags', body: oneTask(`<taskBody>${'<a>'.repeat(100_000)}`) },
    // 0.95 MiB: 200,000 diagnostics.
    { name: '200k duplicate attributes', body: oneTask(`<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset${" a=''".repeat(200_000)}>JobOutputAsset(0)</outputAsset></taskBody>`) },
    // 0.83 MiB and no error: 80,000 warnings, which a valid definition may have.
    {
      name: '80k unknown attributes (valid)',
      body: oneTask(`<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset${Array.from({ length: 80_000 }, (_, k) => ` x${k}='1'`).join('')}>JobOutputAsset(0)</outputAsset></taskBody>`),
    },
  ];
}

/**
 * Sends a GET (through `get`, which resolves with the status) every `intervalMs` until `count` were
 * sent or `stop()` says so, at most `maxInFlight` at once; resolves with each one's latency counted
 * from when it was due, not from when it was sent, so a stalled event loop (which delays the
 * sending too when client and server share it) shows in full.
 */
export function pacedGets(get: () => Promise<number>, opts: { count: number; intervalMs: number; maxInFlight?: number; stop?: () => boolean }): Promise<number[]> {
  const { count, intervalMs, maxInFlight = 64, stop = () => false } = opts;
  const latencies: number[] = [];
  const start = performance.now();
  let sent = 0;
  let inFlight = 0;
  let ended = false;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const now = performance.now();
      if (!ended && (sent >= count || stop())) ended = true;
      while (!ended && sent < count && start + sent * intervalMs <= now && inFlight < maxInFlight) {
        const due = start + sent * intervalMs;
        sent++;
        inFlight++;
        get().then((status) => {
          if (status !== 200) reject(new Error(`GET answered ${status}`));
          latencies.push(performance.now() - due);
          inFlight--;
        }, reject);
      }
      if (ended && inFlight === 0) resolve(latencies);
      else setTimeout(tick, 1);
    };
    tick();
  });
}

/**
 * An Engine on an SQLite store file with a server in front, for tests that restart both: open it,
 * use `port`, `close()` it, open the same file again.
 */
export async function openStoredServer(file: string): Promise<{ engine: Engine; api: JobGraphServer; port: number; close: () => Promise<void> }> {
  const engine = await Engine.open({ processors: testProcessors(), store: file });
  const api = createServer(engine, { tokens: [TOKEN], ids: sequentialIds(), onError: () => {}, validationWorkers: 0 });
  const { address } = await api.listen({ port: 0 });
  return { engine, api, port: address.port, close: async () => (await api.close({ graceMs: 100 }), await engine.close()) };
}

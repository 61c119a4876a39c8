import { parseArgs } from 'node:util';
import { Engine, type EngineOptions } from '../run/engine.js';
import { StoreError } from '../store/run-store.js';
import { demoProcessors } from '../run/demo-processors.js';
import { createServer } from '../server/server.js';
import { ServerConfigError } from '../server/errors.js';
import { isLoopbackAddress, parseTokenFile, parseTokenList } from '../server/auth.js';
import type { Dispatcher } from '../run/dispatcher.js';
import { CliError, ioMessage, type CliIO, type CliOptions, integer, processSignals, timeScaleFlag } from './io.js';
import { redisFlag, waitForRedis } from './redis.js';
import { loadProcessors } from './worker.js';

export const SERVE_USAGE = `Usage: jobgraph serve [--port N] [--host H] [--token-file F] [--insecure-local] [--processors FILE]
                      [--redis URL [--prefix P]] [options]

Serves the Media Services v2 REST API (OData v3 JSON: /api/Jobs, /api/Tasks, /api/CancelJob, …)
over an engine with the built-in demo processors, or your own (--processors), until SIGINT
(Ctrl-C) or SIGTERM.
  --port N            port to listen on (default 8080; 0 picks a free one)
  --host H            address to bind (default 127.0.0.1)
  --token-file F      bearer tokens, one per line ('#' starts a comment); JOBGRAPH_TOKENS
                      (comma-separated) adds more. Clients send Authorization: Bearer <token>
  --insecure-local    serve without tokens, on 127.0.0.1 (or ::1) only
  --reserved-units N  tasks that may run at once over all processors; 0 means one at a time,
                      as on the service (default 3)
  --time-scale X      multiply every demo duration by X, from 0 to 1000 (default 1: a 720p encode
                      takes ~5 s); not with --processors
  --max-body BYTES    largest request body (default 1048576)
  --profile P         validation of POST /api/Jobs: ams (the service's quotas, default) or relaxed
  --validation-workers N
                      threads that check POSTed job definitions, off the event loop (default 1
                      on two CPUs, 2 on more); 0 checks them on the event loop
  --validation-timeout MS
                      longest check of one job definition on a worker (default 5000); then 400
  --max-diagnostics N diagnostics listed when a job definition is refused (default 100)
  --base-uri URL      service root written in responses, e.g. https://media.example.com/api
  --access-log        one line per request on stderr
  --data FILE         where jobs, tasks and their history are kept, across restarts and crashes
                      (an SQLite file; default ./jobgraph.db); :memory: keeps nothing
  --sync full         also survive a power loss, at an fsync per write (default: normal, which
                      survives a crash or kill of the process)
  --processors FILE   use the processors of this ES module instead of the demo ones: a path from the
                      working directory, or a file: URL, whose default export, or export named
                      processors, is an array of processors or a function that returns one (or a
                      promise of one), as for 'jobgraph worker --processors'. Jobs must name their
                      MediaProcessorIds, /api/MediaProcessors lists them; they run the tasks here,
                      or with --redis only check jobs, and the workers need the same module
  --redis URL         run the tasks on 'jobgraph worker' processes through Redis (redis://host:port,
                      rediss://host:port or unix:///path/to/redis.sock), in their pool
                      reserved-units, instead of in this process; the processors here (the demo
                      ones or --processors) only check MediaProcessorIds and are listed, the
                      workers' run the tasks. Tasks running on workers go on while the server is
                      down, and are followed again at its next start with the same --data. Until
                      Redis answers, the server waits (it says so after 10 s)
  --prefix P          prefix of the Redis keys, the workers' (default jobgraph)
Without a token the server does not start, unless --insecure-local is given.
Exit status: 0 after a clean shutdown, 2 for usage, configuration or I/O errors.`;

export interface ServeCommandDeps {
  /** Installs the shutdown handler (default: SIGINT and SIGTERM); returns its removal. */
  onStop?: (handler: (signal: string) => void) => () => void;
  /** Told the service root once the server listens. */
  onListening?: (url: string) => void;
  /** With --redis: how long Redis may stay silent before the server says so. @defaultValue 10000 */
  quietMs?: number;
}

/** An engine on a store file; a store that cannot be used is a usage error (exit 2), and is left as it was. */
async function openEngine(options: EngineOptions, data: string, sync: 'normal' | 'full'): Promise<Engine> {
  try {
    return await Engine.open({ ...options, store: data, synchronous: sync });
  } catch (err) {
    if (err instanceof StoreError) throw new CliError(`${err.message} [${err.code}]`);
    throw err;
  }
}

/** The options of `jobgraph serve`, for parseArgs and for naming a mistyped one. */
export const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'token-file': { type: 'string' },
  'insecure-local': { type: 'boolean', default: false },
  'reserved-units': { type: 'string' },
  'time-scale': { type: 'string' },
  'max-body': { type: 'string' },
  profile: { type: 'string' },
  'validation-workers': { type: 'string' },
  'validation-timeout': { type: 'string' },
  'max-diagnostics': { type: 'string' },
  'base-uri': { type: 'string' },
  'access-log': { type: 'boolean', default: false },
  data: { type: 'string' },
  sync: { type: 'string' },
  processors: { type: 'string' },
  redis: { type: 'string' },
  prefix: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies CliOptions;

/** `jobgraph serve`: the REST facade over the demo processors (or --processors), until a signal stops it. */
export async function serveCommand(args: string[], io: CliIO, deps: ServeCommandDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: SERVE_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`takes no file, got ${JSON.stringify(positionals[0])}`);
  const port = integer('--port', values.port, 0, 65535) ?? 8080;
  const units = integer('--reserved-units', values['reserved-units'], 0, 1_000_000) ?? 3;
  const maxBodyBytes = integer('--max-body', values['max-body'], 1, 1024 * 1024 * 1024) ?? 1024 * 1024;
  const validationWorkers = integer('--validation-workers', values['validation-workers'], 0, 64);
  const validationTimeoutMs = integer('--validation-timeout', values['validation-timeout'], 1, 3_600_000);
  const maxDiagnostics = integer('--max-diagnostics', values['max-diagnostics'], 1, 100_000);
  if (values.processors !== undefined && values['time-scale'] !== undefined) throw new CliError('--time-scale scales the demo processors: it does not go with --processors');
  const timeScale = timeScaleFlag(values['time-scale'], 1);
  const profile = values.profile ?? 'ams';
  if (profile !== 'ams' && profile !== 'relaxed') throw new CliError(`--profile must be ams or relaxed, not ${JSON.stringify(profile)}`);
  const insecure = values['insecure-local'] === true;
  const data = values.data ?? './jobgraph.db';
  if (data === '') throw new CliError('--data needs a file name (or :memory: to keep nothing)');
  const sync = values.sync ?? 'normal';
  if (sync !== 'normal' && sync !== 'full') throw new CliError(`--sync must be normal or full, not ${JSON.stringify(sync)}`);
  const redis = redisFlag(values.redis, values.prefix);
  if (values.processors === '') throw new CliError('--processors needs a file');
  const processors = values.processors !== undefined ? await loadProcessors(values.processors) : demoProcessors({ timeScale });

  // Tokens: the file's, then the environment's.
  const tokens: string[] = [];
  const sources: string[] = [];
  const file = values['token-file'];
  if (file !== undefined) {
    let text: string;
    try {
      text = await io.readFile(file);
    } catch (err) {
      throw new CliError(ioMessage(file, err));
    }
    const fromFile = parseTokenFile(text);
    if (fromFile.length === 0) throw new CliError(`--token-file ${file} holds no token (one a line; '#' lines are comments)`);
    tokens.push(...fromFile);
    sources.push(file);
  }
  const fromEnv = parseTokenList(io.env.JOBGRAPH_TOKENS).filter((t) => !tokens.includes(t));
  if (fromEnv.length > 0) {
    tokens.push(...fromEnv);
    sources.push('JOBGRAPH_TOKENS');
  }
  if (tokens.length === 0 && !insecure) {
    throw new CliError('no bearer token is configured: give --token-file FILE or set JOBGRAPH_TOKENS, or --insecure-local to serve on 127.0.0.1 without authentication');
  }
  const host = values.host ?? '127.0.0.1';
  if (tokens.length === 0 && !isLoopbackAddress(host) && host !== 'localhost') {
    throw new CliError(`--insecure-local serves on loopback only, not on ${JSON.stringify(host)}: configure tokens to listen there`);
  }
  if (tokens.length > 0 && insecure) io.stderr.write('jobgraph serve: tokens are configured, so --insecure-local is ignored: every request needs a token\n');

  let dispatcher: Dispatcher | undefined;
  if (redis !== undefined) {
    // A signal stops the wait for Redis: nothing was started.
    const abort = new AbortController();
    let signal = '';
    const removeWait = (deps.onStop ?? processSignals)((s) => {
      signal ||= s;
      abort.abort();
    });
    let answered: boolean;
    try {
      answered = await waitForRedis(redis, { quietMs: deps.quietMs, signal: abort.signal, onSlow: (m) => io.stderr.write(`jobgraph serve: ${m}\n`) });
    } finally {
      removeWait();
    }
    if (!answered) {
      io.stderr.write(`jobgraph serve: ${signal} before Redis answered: stopped\n`);
      return 0;
    }
    const { BullMQDispatcher } = await import('../distributed/bullmq-dispatcher.js');
    dispatcher = new BullMQDispatcher({ connection: redis.url, ...(values.prefix !== undefined ? { prefix: values.prefix } : {}) });
  }

  const engineOptions = {
    processors,
    ...(dispatcher !== undefined ? { dispatcher } : {}),
    // Reserved units are an account-wide budget: one pool that every task draws from.
    pools: { 'reserved-units': Math.max(1, units) },
    poolOf: () => 'reserved-units',
    retry: { maxAttempts: 3, baseDelayMs: Math.max(1, 1000 * timeScale), maxDelayMs: Math.max(1, 30_000 * timeScale) },
  };
  let engine: Engine;
  try {
    engine = data === ':memory:' ? new Engine(engineOptions) : await openEngine(engineOptions, data, sync);
  } catch (err) {
    await dispatcher?.close().catch(() => undefined);
    throw err;
  }
  if (engine.recovery !== undefined) {
    const r = engine.recovery;
    const followed = r.reattached > 0 ? `, ${r.reattached} task${r.reattached === 1 ? '' : 's'} followed on the workers` : '';
    io.stderr.write(`jobgraph serve: ${data}: ${r.jobs} job${r.jobs === 1 ? '' : 's'} kept, ${r.running} running${r.requeued > 0 ? `, ${r.requeued} task${r.requeued === 1 ? '' : 's'} to run again` : ''}${followed}\n`);
  }
  if (redis !== undefined) {
    io.stderr.write(`jobgraph serve: tasks run on the workers of Redis at ${redis.where}${values.prefix !== undefined ? ` (prefix ${values.prefix})` : ''}, pool reserved-units: start them with jobgraph worker --redis URL\n`);
  }

  let api;
  try {
    api = createServer(engine, {
      ...(tokens.length > 0 ? { tokens } : { insecureLocal: true }),
      maxBodyBytes,
      profile,
      ...(validationWorkers !== undefined ? { validationWorkers } : {}),
      ...(validationTimeoutMs !== undefined ? { validationTimeoutMs } : {}),
      ...(maxDiagnostics !== undefined ? { maxDiagnostics } : {}),
      ...(values['base-uri'] !== undefined ? { baseUri: values['base-uri'] } : {}),
      onError: (error, request) => {
        io.stderr.write(`jobgraph serve: ${request.method} ${request.url} (request-id ${request.requestId}) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      },
      ...(values['access-log']
        ? {
            onRequest: (e) =>
              io.stderr.write(`${new Date().toISOString()} ${e.remoteAddress ?? '-'} ${e.method} ${e.url} ${e.status} ${e.durationMs.toFixed(1)}ms ${e.requestId}\n`),
          }
        : {}),
    });
  } catch (err) {
    await engine.close();
    if (err instanceof ServerConfigError || (err as { code?: string }).code === 'ERR_INVALID_ARG_VALUE') throw new CliError((err as Error).message.replace(/^createServer: /, ''));
    throw err;
  }

  let url: string;
  try {
    ({ url } = await api.listen({ port, host }));
  } catch (err) {
    await engine.close();
    const e = err as NodeJS.ErrnoException;
    if (err instanceof ServerConfigError) throw new CliError(e.message.replace(/^createServer: /, ''));
    const why = e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' ? 'no such local address' : e.message;
    throw new CliError(`cannot listen on ${host}:${port}: ${why}`);
  }

  let stopping = false;
  let stopped!: (signal: string) => void;
  const stop = new Promise<string>((resolve) => (stopped = resolve));
  const remove = (deps.onStop ?? processSignals)((signal) => {
    if (stopping) {
      // A second signal: stop waiting for requests in flight.
      api.server.closeAllConnections();
      return;
    }
    stopping = true;
    stopped(signal);
  });

  const auth = tokens.length > 0 ? `${tokens.length} bearer token${tokens.length === 1 ? '' : 's'} from ${sources.join(' and ')}` : 'WITHOUT authentication: insecure local mode';
  io.stdout.write(`jobgraph serve: listening on ${url}/, ${auth}; Ctrl-C stops\n`);
  deps.onListening?.(url);

  const signal = await stop;
  const onWorkers = redis !== undefined ? ' (their tasks on workers go on meanwhile)' : '';
  io.stderr.write(`jobgraph serve: ${signal}: closing the server and ${engine.recovery !== undefined ? `stopping; running jobs go on at the next start with --data ${data}${onWorkers}` : 'canceling running jobs'}…\n`);
  try {
    await api.close({ graceMs: 5000 });
    await engine.close();
  } finally {
    remove();
  }
  io.stderr.write('jobgraph serve: stopped\n');
  return 0;
}

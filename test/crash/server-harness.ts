// The server crash test's machinery: the real `jobgraph serve --data FILE` as a child process
// (bin/jobgraph.js, which runs the BUILT library in dist/), a plain HTTP client that tells a
// request that never reached the server from one that was cut, and the Create-Job bodies.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/jobgraph.js', import.meta.url));
export const DIST_MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** Throws if dist/ is missing (the CLI runs it); warns if it is older than the sources it tests. */
export function requireDist(): void {
  if (!existsSync(DIST_MAIN)) throw new Error(`the server crash test runs the built CLI (bin/jobgraph.js), and ${DIST_MAIN} is missing: run \`npm run build\` (npm test builds it first)`);
  const stale = ['cli/serve', 'run/engine', 'run/durable', 'run/recover', 'store/sqlite-store', 'store/journal', 'server/handler'].filter((m) => {
    const src = fileURLToPath(new URL(`../../src/${m}.ts`, import.meta.url));
    const built = fileURLToPath(new URL(`../../dist/src/${m}.js`, import.meta.url));
    return !existsSync(built) || (existsSync(src) && statSync(built).mtimeMs < statSync(src).mtimeMs);
  });
  if (stale.length > 0) console.warn(`server crash test: dist/ is older than src/ for ${stale.join(', ')}: run \`npm run build\` to test the current code`);
}

/** What a server said on stderr when it opened its store: `FILE: N jobs kept, R running, K tasks to run again`. */
export interface Kept {
  jobs: number;
  running: number;
  requeued: number;
}

const LISTENING = /^jobgraph serve: listening on http:\/\/127\.0\.0\.1:(\d+)\/api\/, /m;
const KEPT = /: (\d+) jobs? kept, (\d+) running(?:, (\d+) tasks? to run again)?$/m;

/** One `jobgraph serve` process. */
export class ServerProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly spawnedAt = performance.now();
  stdout = '';
  stderr = '';
  port: number | undefined;
  /** ms from spawn to the `listening` line. */
  listeningMs: number | undefined;
  /** Resolves with the port once the server listens; rejects if it exits first or takes too long. */
  readonly ready: Promise<number>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The SIGKILL was sent by us. */
  killed = false;
  /** POSTs this client had sent to this server and not yet seen answered, now and at the kill. */
  inFlight = 0;
  inFlightAtKill = 0;
  #hang: ReturnType<typeof setTimeout>;

  constructor(args: string[], readyTimeoutMs: number, hardTimeoutMs: number) {
    this.child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JOBGRAPH_TOKENS: '' } });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
    this.ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not listen within ${readyTimeoutMs} ms; stderr:\n${this.stderr}`)), readyTimeoutMs);
      this.child.stdout.on('data', (chunk: string) => {
        this.stdout += chunk;
        const m = LISTENING.exec(this.stdout);
        if (m !== null && this.port === undefined) {
          this.port = Number(m[1]);
          this.listeningMs = performance.now() - this.spawnedAt;
          clearTimeout(timer);
          resolve(this.port);
        }
      });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (code ${code}, signal ${signal}) before it listened; stderr:\n${this.stderr}`));
      });
    });
    this.ready.catch(() => {}); // the caller may race it against exited
    // Never leave a child behind, whatever the test does.
    this.#hang = setTimeout(() => this.child.kill('SIGKILL'), hardTimeoutMs);
    void this.exited.then(() => clearTimeout(this.#hang));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, counting the POSTs in flight. */
  kill(): void {
    if (!this.alive || this.killed) return;
    this.inFlightAtKill = this.inFlight;
    this.killed = this.child.kill('SIGKILL');
  }

  /** What it reported of its store at start-up. */
  get kept(): Kept | undefined {
    const m = KEPT.exec(this.stderr);
    return m === null ? undefined : { jobs: Number(m[1]), running: Number(m[2]), requeued: Number(m[3] ?? 0) };
  }
}

export interface Reply {
  status: number;
  text: string;
  json: any;
}

/**
 * One request on a fresh connection. Rejects with the socket's error: `ECONNREFUSED` means that
 * nothing reached a server; any other error (ECONNRESET, socket hang up) that the request may or
 * may not have been handled. `ETIMEDOUT` after `timeoutMs`.
 */
export function send(port: number, method: string, path: string, body?: string, timeoutMs = 15_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
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
        resolve({ status: res.statusCode ?? 0, text, json });
      });
      res.on('error', reject);
      res.on('aborted', () => reject(Object.assign(new Error('the response was cut'), { code: 'ECONNRESET' })));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `PRAGMA integrity_check` of the file as it is, through a read-only connection: it neither
 * recovers nor checkpoints the WAL, so the next server opens the store exactly as the kill left it.
 */
export function integrity(file: string): string[] | undefined {
  if (!existsSync(file)) return undefined; // killed before the store was created
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return db.prepare('PRAGMA integrity_check').pluck().all() as string[];
  } catch (err) {
    return [`the store cannot be read: ${err instanceof Error ? err.message : String(err)}`];
  } finally {
    db?.close();
  }
}

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const PACKAGER = 'nb:mpid:UUID:a2f9afe9-7146-4882-a5f7-da4a85e06a93';
const THUMBNAILER = 'nb:mpid:UUID:5f3c1d8e-2b7a-4c6e-9f10-3a4b5c6d7e8f';
const INPUT = [{ __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } }];
const taskBody = (input: string, output: number): string =>
  `<?xml version="1.0" encoding="utf-8"?><taskBody><inputAsset>${input}</inputAsset><outputAsset>JobOutputAsset(${output})</outputAsset></taskBody>`;

/**
 * The Create-Job body of the `n`th job (odata=verbose links, as the reference's): by `n % 3`, one
 * encode; an adaptive encode then a Smooth Streaming encode of its output (the reference job); or
 * an encode whose output a packager and a thumbnailer read. Every task finishes (no demo
 * configuration word that fails). Task names are `<job name> <step>`.
 */
export function jobBody(name: string, n: number): { body: string; tasks: string[] } {
  const task = (step: string, Configuration: string, MediaProcessorId: string, input: string, output: number) => ({
    Name: `${name} ${step}`,
    Configuration,
    MediaProcessorId,
    TaskBody: taskBody(input, output),
  });
  const Tasks =
    n % 3 === 0
      ? [task('encode', 'H264 Single Bitrate 720p', MES, 'JobInputAsset(0)', 0)]
      : n % 3 === 1
        ? [task('encode', 'H264 Adaptive Bitrate MP4 Set 720p', MES, 'JobInputAsset(0)', 0), task('stream', 'H264 Smooth Streaming 720p', MES, 'JobOutputAsset(0)', 1)]
        : [
            task('encode', 'H264 Multiple Bitrate 720p', MES, 'JobInputAsset(0)', 0),
            task('package', 'Smooth Streaming', PACKAGER, 'JobOutputAsset(0)', 1),
            task('thumbnails', 'PNG 320x180', THUMBNAILER, 'JobOutputAsset(0)', 2),
          ];
  return { body: JSON.stringify({ Name: name, InputMediaAssets: INPUT, Tasks }), tasks: Tasks.map((t) => t.Name) };
}

/**
 * A small pool of `node:worker_threads` that check `POST /api/Jobs` bodies off the event loop, so
 * one client sending definitions that are slow to validate (a megabyte of `null` tasks, a TaskBody
 * of 100,000 unclosed tags) cannot stall every other request. Bounded on every side: a few
 * workers, a short queue (then 503), a time limit per check (then the worker is terminated and
 * replaced) and a heap limit per worker.
 */
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClientGoneError } from './body.js';
import { HttpError } from './errors.js';
import type { CheckOutcome, CheckRequest } from './job-check.js';
import type { TemplateCheckRequest, TemplateOutcome } from './templates.js';
import type { WorkerRequest, WorkerTask } from './validate-worker.js';

/** Options of a {@link ValidationPool}. */
export interface ValidationPoolOptions {
  /** Workers, started on the first check. */
  readonly size: number;
  /** Checks that may wait for a worker; one more is refused with 503. */
  readonly maxQueue: number;
  /** Longest check; the worker is then terminated and the check refused. */
  readonly timeLimitMs: number;
  /** Old-generation heap of a worker, in MiB; a check that needs more is refused. @defaultValue 512 */
  readonly maxHeapMb?: number;
}

type Outcome = CheckOutcome | TemplateOutcome;

interface Pending {
  readonly id: number;
  readonly request: WorkerRequest;
  readonly resolve: (outcome: Outcome) => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  task: Pending | undefined;
  timer: NodeJS.Timeout | undefined;
}

type WorkerMessage = { ready: true } | { id: number; outcome: Outcome } | { id: number; failure: string };

/**
 * The worker script beside this module. The built package loads the `.js` file and needs nothing
 * more. Under TypeScript sources (vitest, tsx) it is the `.ts` file, which a worker loads through
 * tsx's `tsImport` (a devDependency): Node 20 does not apply `--import tsx` hooks in a worker.
 */
let script: URL | undefined;
function workerScript(): URL {
  script ??= locateWorkerScript();
  return script;
}

function locateWorkerScript(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./validate-worker.js', import.meta.url);
  const source = new URL('./validate-worker.ts', import.meta.url).href;
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const tsx = pathToFileURL(join(dirname(manifest), api)).href;
  const code = `import { tsImport } from ${JSON.stringify(tsx)};\nawait tsImport(${JSON.stringify(source)}, ${JSON.stringify(import.meta.url)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** The refusal of a check `p` that passed a limit; `problem` is told what was checked. */
function tooCostly(p: Pending | undefined, problem: (what: string) => string, details: Record<string, unknown>): HttpError {
  const template = p?.request.kind === 'template';
  return new HttpError(400, 'VALIDATION_TOO_COSTLY', `${problem(template ? 'job template' : 'job definition')}; no ${template ? 'template' : 'job'} was created. Run \`jobgraph validate\` on the definition to see what is wrong with it`, {
    details,
  });
}

/** Checks job definitions on worker threads. */
export class ValidationPool {
  readonly #size: number;
  readonly #maxQueue: number;
  readonly #timeLimitMs: number;
  readonly #maxHeapMb: number;
  readonly #slots: Slot[] = [];
  #queue: Pending[] = [];
  #nextId = 1;
  #closed = false;
  #drained: (() => void) | undefined;

  constructor(options: ValidationPoolOptions) {
    this.#size = options.size;
    this.#maxQueue = options.maxQueue;
    this.#timeLimitMs = options.timeLimitMs;
    this.#maxHeapMb = options.maxHeapMb ?? 512;
  }

  /** Workers running (started or starting). */
  get workers(): number {
    return this.#slots.length;
  }

  /** Checks waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Checks a body on a worker.
   *
   * @param signal - aborts a check still waiting for a worker (its client went away); one a
   *   worker is running ends anyway, and its outcome is dropped
   * @throws HttpError `SERVER_BUSY` (503, `Retry-After`) when the queue is full or the pool closed;
   *   `VALIDATION_TOO_COSTLY` (400) when the check passes the time or heap limit
   * @throws ClientGoneError when `signal` aborts while the check waits
   * @throws Error when a worker fails (a bug, or a worker that cannot start)
   */
  check(request: CheckRequest, signal?: AbortSignal): Promise<CheckOutcome> {
    return this.#run({ kind: 'job', ...request }, signal) as Promise<CheckOutcome>;
  }

  /** Checks a JobTemplate body on a worker; as {@link ValidationPool.check}. */
  checkTemplate(request: TemplateCheckRequest, signal?: AbortSignal): Promise<TemplateOutcome> {
    return this.#run({ kind: 'template', ...request }, signal) as Promise<TemplateOutcome>;
  }

  #run(request: WorkerRequest, signal: AbortSignal | undefined): Promise<Outcome> {
    if (this.#closed) return Promise.reject(new HttpError(503, 'SERVER_BUSY', 'the server is shutting down; retry against another instance', { closeConnection: true }));
    if (signal?.aborted === true) return Promise.reject(new ClientGoneError());
    // Waiting for a worker that is starting (or not yet started) does not count as queued.
    const busy = this.#slots.reduce((n, s) => n + (s.task === undefined ? 0 : 1), 0);
    if (this.#queue.length >= this.#size - busy + this.#maxQueue) {
      return Promise.reject(
        new HttpError(503, 'SERVER_BUSY', `${this.#queue.length} job definitions are waiting to be checked already; retry in a second`, {
          headers: { 'Retry-After': '1' },
          details: { queued: this.#queue.length },
        }),
      );
    }
    return new Promise<Outcome>((resolve, reject) => {
      const id = this.#nextId++;
      const onAbort = (): void => {
        const i = this.#queue.findIndex((p) => p.id === id);
        if (i < 0) return; // running: let it end
        this.#queue.splice(i, 1);
        reject(new ClientGoneError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push({ id, request, resolve, reject, signal, onAbort });
      this.#pump();
    });
  }

  /**
   * Takes no more checks, refuses those waiting (503), lets the running ones end (each within the
   * time limit), then stops the workers.
   */
  close(): Promise<void> {
    this.#closed = true;
    const waiting = this.#queue;
    this.#queue = [];
    for (const p of waiting) this.#settle(p, undefined, new HttpError(503, 'SERVER_BUSY', 'the server is shutting down; retry against another instance', { closeConnection: true }));
    return new Promise<void>((resolve) => {
      this.#drained = () => {
        this.#drained = undefined;
        void Promise.all(this.#slots.splice(0).map((s) => s.worker.terminate())).then(() => resolve());
      };
      if (this.#slots.every((s) => s.task === undefined)) this.#drained();
    });
  }

  /** Stops every worker now; the checks running or waiting are refused (503). */
  async terminate(): Promise<void> {
    this.#closed = true;
    const shutting = (): HttpError => new HttpError(503, 'SERVER_BUSY', 'the server is shutting down; retry against another instance', { closeConnection: true });
    for (const p of this.#queue.splice(0)) this.#settle(p, undefined, shutting());
    const slots = this.#slots.splice(0);
    for (const s of slots) this.#release(s, shutting());
    await Promise.all(slots.map((s) => s.worker.terminate()));
    this.#drained?.();
  }

  #pump(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.ready && slot.task === undefined) this.#dispatch(slot, this.#queue.shift()!);
    }
    if (this.#queue.length > 0 && this.#slots.length < this.#size) this.#spawn();
  }

  #spawn(): void {
    const worker = new Worker(workerScript(), {
      // Not the process's flags: `--input-type` or `--eval`-only ones stop a worker from starting.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb },
      stdout: false,
      stderr: false,
    });
    // An idle worker must not keep a process alive whose server was never closed.
    worker.unref();
    const slot: Slot = { worker, ready: false, task: undefined, timer: undefined };
    this.#slots.push(slot);
    worker.on('message', (msg: WorkerMessage) => this.#onMessage(slot, msg));
    worker.on('error', (err: Error) => this.#onDeath(slot, err));
    worker.on('exit', (code) => this.#onDeath(slot, new Error(`the validation worker exited with code ${code}`)));
  }

  #dispatch(slot: Slot, p: Pending): void {
    slot.task = p;
    const task: WorkerTask = { id: p.id, ...p.request };
    slot.worker.postMessage(task);
    slot.timer = setTimeout(() => this.#onTimeout(slot), this.#timeLimitMs);
    slot.timer.unref();
  }

  #onMessage(slot: Slot, msg: WorkerMessage): void {
    if (!this.#slots.includes(slot)) return;
    if ('ready' in msg) {
      slot.ready = true;
      this.#pump();
      return;
    }
    const p = slot.task;
    if (p === undefined || p.id !== msg.id) return;
    clearTimeout(slot.timer);
    slot.task = undefined;
    slot.timer = undefined;
    if ('outcome' in msg) this.#settle(p, msg.outcome, undefined);
    else this.#settle(p, undefined, new Error(`the validation worker failed: ${msg.failure}`));
    if (this.#drained !== undefined && this.#slots.every((s) => s.task === undefined)) this.#drained();
    this.#pump();
  }

  #onTimeout(slot: Slot): void {
    if (!this.#remove(slot)) return;
    void slot.worker.terminate();
    this.#release(slot, tooCostly(slot.task, (what) => `the ${what} took longer than ${this.#timeLimitMs} ms to check`, { limitMs: this.#timeLimitMs }));
    this.#afterLoss();
  }

  #onDeath(slot: Slot, err: Error & { code?: string }): void {
    if (!this.#remove(slot)) return;
    const wasReady = slot.ready;
    this.#release(
      slot,
      err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooCostly(slot.task, (what) => `checking the ${what} took more than ${this.#maxHeapMb} MiB of memory`, { limitMb: this.#maxHeapMb }) : err,
    );
    if (!wasReady) {
      // A worker that cannot start would fail again at once: refuse what waits rather than loop.
      for (const p of this.#queue.splice(0)) this.#settle(p, undefined, new Error(`the validation worker could not start: ${err.message}`, { cause: err }));
    }
    this.#afterLoss();
  }

  #remove(slot: Slot): boolean {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return false;
    this.#slots.splice(i, 1);
    return true;
  }

  /** Refuses the check a removed worker was running. */
  #release(slot: Slot, err: unknown): void {
    clearTimeout(slot.timer);
    const p = slot.task;
    slot.task = undefined;
    if (p !== undefined) this.#settle(p, undefined, err);
  }

  #afterLoss(): void {
    if (this.#drained !== undefined && this.#slots.every((s) => s.task === undefined)) this.#drained();
    this.#pump();
  }

  #settle(p: Pending, outcome: Outcome | undefined, err: unknown): void {
    p.signal?.removeEventListener('abort', p.onAbort);
    if (outcome !== undefined) p.resolve(outcome);
    else p.reject(err);
  }
}

// The distributed tests' machinery: start worker and orchestrator processes (the BUILT library,
// dist/), kill them by PID, read back the executions the workers recorded in Redis, and check them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { DIST_INDEX, KEYS } from './fixture.mjs';

export const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
export const ORCHESTRATOR = fileURLToPath(new URL('./orchestrator.mjs', import.meta.url));

/** A child process, with what it printed. */
export class Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<{ prefix: string; resolve: (line: string) => void }> = [];

  constructor(
    readonly label: string,
    script: string,
    options: unknown,
  ) {
    // stdin stays open and unused: the child exits when it closes (this process died).
    this.proc = spawn(process.execPath, [script, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (this.proc.pid === undefined) throw new Error(`${label}: could not spawn ${script}`);
    this.pid = this.proc.pid;
    let partial = '';
    this.proc.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => (line.startsWith(w.prefix) ? (w.resolve(line), false) : true));
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first line that starts with `prefix`; rejects if the child exits first or after `timeoutMs`. */
  waitFor(prefix: string, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((l) => l.startsWith(prefix));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label} (pid ${this.pid}) did not print "${prefix}…" within ${timeoutMs} ms\n${this.describe()}`)), timeoutMs);
      this.#waiters.push({ prefix, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        if (!this.lines.some((l) => l.startsWith(prefix))) reject(new Error(`${this.label} (pid ${this.pid}) exited (code ${code}, signal ${signal}) before printing "${prefix}…"\n${this.describe()}`));
      });
    });
  }

  /** SIGKILL by PID (a no-op once it has exited); resolves when it has exited. */
  async kill(): Promise<void> {
    if (this.alive) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    await this.exited;
  }

  /** Its last lines and stderr, for failure messages. */
  describe(): string {
    const last = this.lines.slice(-8).join('\n    ');
    return `  ${this.label} (pid ${this.pid}): last stdout lines:\n    ${last || '(none)'}\n  stderr: ${this.stderr.trim() || '(none)'}`;
  }
}

/** Every child a test started: killed by PID when the test ends, whatever happened. */
export class Children {
  readonly all: Child[] = [];

  start(label: string, script: string, options: unknown): Child {
    const c = new Child(label, script, options);
    this.all.push(c);
    return c;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.all.map((c) => c.kill()));
    this.all.length = 0;
  }

  describe(): string {
    return this.all.map((c) => c.describe()).join('\n');
  }
}

/** Options of worker.mjs. */
export interface WorkerOptions {
  socket: string;
  name: string;
  concurrency: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  seed: number;
  sleepMin: number;
  sleepMax: number;
}

/** Starts the workers and waits until each has its queues' connections up; `context` adds to a failure's message. */
export async function startWorkers(children: Children, options: WorkerOptions[], context: () => string): Promise<Child[]> {
  const started = options.map((o) => children.start(`worker ${o.name}`, WORKER, o));
  try {
    await Promise.all(started.map((c) => c.waitFor('ready', 30_000)));
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${context()}`);
  }
  return started;
}

/** Whether a redis-server still runs and its socket is there, for failure messages. */
export function redisState(redis: { pid: number; path: string } | undefined): string {
  if (redis === undefined) return 'no Redis started';
  let alive = true;
  try {
    process.kill(redis.pid, 0);
  } catch {
    alive = false;
  }
  return `redis-server pid ${redis.pid} ${alive ? 'runs' : 'is GONE'}, its socket ${redis.path} is ${existsSync(redis.path) ? 'there' : 'MISSING'}`;
}

/** One line of the recorder's log (worker.mjs). */
export interface LogRecord {
  e: 'S' | 'E';
  task: string;
  i: number;
  a: number;
  w: string;
  x: number;
  n: number;
  /** S only: 1 when the execution started held. */
  h?: number;
  /** S only: [producer task id, the end number in its output metadata]. */
  in?: Array<[string, number | null]>;
}

/** One execution: its start, and its end unless its worker died first. */
export interface Execution {
  task: string;
  i: number;
  a: number;
  w: string;
  start: number;
  end: number | undefined;
  held: boolean;
  inputs: Array<[string, number | null]>;
}

export async function readExecutions(client: Redis): Promise<Execution[]> {
  const lines = await client.lrange(KEYS.log, 0, -1);
  const byKey = new Map<string, Execution>();
  for (const line of lines) {
    const r = JSON.parse(line) as LogRecord;
    const key = `${r.w}#${r.x}`;
    if (r.e === 'S') {
      if (byKey.has(key)) throw new Error(`the log has two starts of execution ${key}`);
      byKey.set(key, { task: r.task, i: r.i, a: r.a, w: r.w, start: r.n, end: undefined, held: r.h === 1, inputs: r.in ?? [] });
    } else {
      const x = byKey.get(key);
      if (x === undefined || x.end !== undefined) throw new Error(`the log has an end of execution ${key} without its start, or two ends`);
      x.end = r.n;
    }
  }
  return [...byKey.values()];
}

/** What the executions say, checked against the workload's edges (by task index). */
export interface Analysis {
  problems: string[];
  executions: number;
  /** Executions by worker. */
  byWorker: Record<string, number>;
  /** Executions that started and never ended (their worker died), by task index. */
  orphans: Execution[];
  /**
   * Executions on the dead worker that ended but whose completion never reached Redis (the worker
   * died between the processor's return and BullMQ's acknowledgement): the task ran again elsewhere.
   */
  unacknowledged: Execution[];
  /** Task indexes with more than one start. */
  rerun: number[];
  /** Most executions running at once, from the sequence numbers. */
  maxRunning: number;
}

/**
 * Checks that each of the n tasks has exactly one accepted execution, that every start of a task
 * came after the end of each producer's accepted execution and read that end's output metadata,
 * and counts what ran at once. An execution that never ended counts as running until sequence
 * number `orphansEndBy` (default: for ever).
 *
 * A task ends once, except when `deadWorker` ran it and died before BullMQ took in the completion:
 * then it ran again on another worker, and that second execution is the accepted one.
 */
export function analyse(executions: Execution[], n: number, edges: ReadonlyArray<readonly [number, number]>, options: { orphansEndBy?: number; deadWorker?: string } = {}): Analysis {
  const problems: string[] = [];
  const note = (p: string): void => void (problems.length < 30 ? problems.push(p) : problems.length === 30 && problems.push('… (more problems left out)'));
  const starts = new Map<number, Execution[]>();
  const byWorker: Record<string, number> = {};
  const taskIdOf = new Map<number, string>();
  for (const x of executions) {
    if (!(Number.isInteger(x.i) && x.i >= 0 && x.i < n)) note(`an execution of task index ${x.i}, not in 0..${n - 1}`);
    const known = taskIdOf.get(x.i);
    if (known !== undefined && known !== x.task) note(`task index ${x.i} ran as two task ids, ${known} and ${x.task}`);
    taskIdOf.set(x.i, x.task);
    byWorker[x.w] = (byWorker[x.w] ?? 0) + 1;
    starts.set(x.i, [...(starts.get(x.i) ?? []), x]);
  }
  const accepted = new Map<number, Execution>();
  const unacknowledged: Execution[] = [];
  for (let i = 0; i < n; i++) {
    const xs = starts.get(i) ?? [];
    const ends = xs.filter((x) => x.end !== undefined);
    const survivors = ends.length > 1 ? ends.filter((x) => x.w !== options.deadWorker) : ends;
    if (ends.length === 0) note(`task ${i} never ended (${xs.length} starts)`);
    else if (survivors.length !== 1) note(`task ${i} ended ${ends.length} times: ${ends.map((x) => `on ${x.w} (end #${x.end})`).join(', ')}`);
    else {
      accepted.set(i, survivors[0]!);
      unacknowledged.push(...ends.filter((x) => x !== survivors[0]));
    }
  }
  for (const [p, c] of edges) {
    const producer = accepted.get(p);
    if (producer === undefined) continue;
    for (const x of starts.get(c) ?? []) {
      if (!(x.start > producer.end!)) note(`task ${c} started (#${x.start} on ${x.w}) before its producer ${p} ended (#${producer.end} on ${producer.w})`);
      const input = x.inputs.find(([id]) => id === producer.task);
      if (input === undefined) note(`task ${c} (#${x.start}) was not given producer ${p}'s output`);
      else if (input[1] !== producer.end) note(`task ${c} (#${x.start}) read producer ${p}'s output metadata ${JSON.stringify(input[1])}, not that of its accepted execution (end #${producer.end})`);
    }
  }
  // Sweep the sequence numbers: +1 at a start, -1 at an end.
  const orphansEndBy = options.orphansEndBy ?? Infinity;
  const steps: Array<[number, number]> = [];
  for (const x of executions) {
    steps.push([x.start, 1]);
    const end = x.end ?? orphansEndBy;
    if (Number.isFinite(end)) steps.push([end, -1]);
  }
  steps.sort((a, b) => a[0] - b[0]);
  let running = 0;
  let maxRunning = 0;
  for (const [, d] of steps) maxRunning = Math.max(maxRunning, (running += d));
  const rerun = [...starts].filter(([, xs]) => xs.length > 1).map(([i]) => i).sort((a, b) => a - b);
  return { problems, executions: executions.length, byWorker, orphans: executions.filter((x) => x.end === undefined), unacknowledged, rerun, maxRunning };
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined; rejects after `timeoutMs` with `what`. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: () => string, everyMs = 25): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Rejects after `ms` with `what()`; for awaiting a promise that must settle in time. */
export function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Fails with the fix when dist/ is missing; warns when it is older than the sources the children run. */
export function checkDist(): void {
  if (!existsSync(DIST_INDEX)) throw new Error(`the distributed tests run the built library in child processes, and ${DIST_INDEX} is missing: run \`npm run build\` (npm test builds it first)`);
  const stale = ['distributed/bullmq-dispatcher', 'distributed/worker', 'distributed/wire', 'run/engine', 'run/recover'].filter((m) => {
    const src = fileURLToPath(new URL(`../../src/${m}.ts`, import.meta.url));
    const built = fileURLToPath(new URL(`../../dist/src/${m}.js`, import.meta.url));
    return !existsSync(built) || statSync(built).mtimeMs < statSync(src).mtimeMs;
  });
  if (stale.length > 0) console.warn(`distributed tests: dist/ is older than src/ for ${stale.join(', ')}: run \`npm run build\` to test the current code`);
}

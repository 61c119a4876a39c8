/**
 * Distributed execution against the in-process dispatcher, on the same workloads in the same
 * process: a 10,000-task layered DAG and a 1,000-task chain of no-op tasks, run end to end (submit
 * to `done`) by one long-lived Engine (`concurrency: 16`) either with a BullMQDispatcher, the
 * tasks running on 2 worker processes × concurrency 8 (bench/distributed-worker.ts) through a
 * private Redis (no persistence, Unix socket), or with the default in-process dispatcher.
 *
 * Beside the timed figure, every run records per-task latency (a task's Processing → Finished, as
 * the scheduler announces them: claimed and dispatched → completion taken in) and, for BullMQ, the
 * CPU time of the orchestrator, the workers and Redis. A summary is printed (as `[child]` lines of
 * the bench output) once the process has been idle for a moment; see bench/README.md, section
 * "Distributed execution", for what each figure means.
 *
 * The Redis server and the workers live as long as this bench process needs them: they are stopped
 * once no run has started for IDLE_MS (the protocol has no teardown hook; the child process would
 * otherwise never exit), on exit whatever the cause, and by the workers themselves if this process
 * is killed (bench/distributed-worker.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from './protocol.js';
import { PREFIXES } from './distributed-prefixes.js';
import { formatCount, resident, shared } from './protocol.js';
import { makeWorkload, type ShapeName } from '../src/workload/shapes.js';
import { jobFromGraph } from '../src/workload/ams-job.js';
import { validateJob, type ValidationResult } from '../src/validate/validate.js';
import { Engine } from '../src/run/engine.js';
import { BullMQDispatcher } from '../src/distributed/bullmq-dispatcher.js';
import { TaskState } from '../src/job/enums.js';
import type { JobView } from '../src/scheduler/views.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../test/helpers/redis.js';

const CONCURRENCY = 16;
const WORKERS = 2;
const WORKER_CONCURRENCY = 8;
/** Stop Redis and the workers (and print the summary) once no run has started for this long. */
const IDLE_MS = 2000;
/** The goals for BullMQ on this machine. */
const GOAL_LAYERED_10K_MS = 3500;
const GOAL_HOP_MS = 2;
/** Jobs run through a new BullMQ engine before its first measured run. */
const WARM_UP: Array<[ShapeName, number]> = [
  ['layered', 3000],
  ['chain', 200],
];

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const processors = [{ id: MES, name: 'no-op', run: () => undefined }];
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const workerFile = join(root, 'bench', 'distributed-worker.ts');

/**
 * `bullmq`: the orchestrator's engine has `concurrency: 16`, the workers' slots, so it hands out no
 * more than they can run; `bullmq-open`: it has no limit and hands out every ready task, the
 * workers' 2 × 8 slots being the only bound (tasks wait in Redis): the prototype's setup.
 */
type Kind = 'bullmq' | 'bullmq-open' | 'in-process';
const IMPL: Record<Kind, string> = {
  bullmq: `BullMQ, ${WORKERS} workers × ${WORKER_CONCURRENCY}`,
  'bullmq-open': `BullMQ, ${WORKERS} workers × ${WORKER_CONCURRENCY}, no limit at the orchestrator`,
  'in-process': 'in-process',
};

// ---------------------------------------------------------------------------------------------
// Figures of each run, beside the harness's wall clock.

interface RunRecord {
  ms: number;
  n: number;
  /** Per-task Processing → Finished, ms. */
  latencyP50: number;
  latencyP95: number;
  /** Chain only: dispatch of one task to dispatch of its successor, ms. */
  hopP50?: number;
  hopP95?: number;
  /** CPU ms during the run: this process (orchestrator), the workers together, Redis. */
  cpu: { orchestrator: number; workers: number | null; redis: number | null };
}

/** What the scheduler listener fills during a run. */
class Recorder {
  readonly started = new Map<number, number>();
  readonly latencies: number[] = [];
  readonly dispatches: number[] = [];
}
let recording: Recorder | undefined;

/** Subscribed once per engine, before its first job: a job handle's `on` comes too late for the tasks claimed inside `submit`. */
function listen(engine: Engine): Engine {
  engine.scheduler.on('taskStateChange', (e) => {
    const r = recording;
    if (r === undefined) return;
    if (e.newState === TaskState.Processing) {
      const now = performance.now();
      r.started.set(e.serial, now);
      r.dispatches.push(now);
    } else if (e.newState === TaskState.Finished) {
      const at = r.started.get(e.serial);
      if (at !== undefined) r.latencies.push(performance.now() - at);
    }
  });
  return engine;
}

const records = new Map<string, RunRecord[]>();
const printed = new Map<string, number>();

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
const med = (xs: number[]): number => quantile(xs, 0.5);

// ---------------------------------------------------------------------------------------------
// Redis, the workers and the BullMQ engine: started on demand, stopped when idle or on exit.

interface Stack {
  redis: TestRedis;
  workers: ChildProcess[];
  engine: Engine | undefined;
  /** The same, with no concurrency limit of its own. */
  open: Engine | undefined;
}

/** What is running now, for the exit hook (set as soon as each part is up). */
let live: Stack | undefined;
let starting: Promise<Stack> | undefined;
/** Linux's USER_HZ, the unit of /proc/<pid>/stat times (100 on every Linux ABI). */
const CLOCK_TICK = 100;

process.on('exit', () => {
  const s = live;
  if (s === undefined) return;
  for (const w of s.workers) w.kill('SIGKILL');
  if (isRedisAt(s.redis.pid, s.redis.path)) process.kill(s.redis.pid, 'SIGKILL');
  const dir = dirname(s.redis.path);
  if (basename(dir).startsWith('jobgraph-redis-')) rmSync(dir, { recursive: true, force: true });
});

function stack(): Promise<Stack> {
  return (starting ??= startStack().catch((err: unknown) => {
    starting = undefined;
    throw err;
  }));
}

async function startStack(): Promise<Stack> {
  if (!haveRedis) throw new Error(noRedisReason);
  const redis = await startRedis();
  const s: Stack = { redis, workers: [], engine: undefined, open: undefined };
  live = s;
  try {
    for (let k = 0; k < WORKERS; k++) {
      s.workers.push(
        fork(workerFile, [redis.url, String(redis.pid), String(WORKER_CONCURRENCY)], {
          cwd: root,
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 2, 2, 'ipc'],
        }),
      );
    }
    await Promise.all(s.workers.map((w) => readyOf(w)));
    s.engine = listen(new Engine({ processors, concurrency: CONCURRENCY, dispatcher: new BullMQDispatcher({ connection: redis.url, prefix: PREFIXES[0] }) }));
    s.open = listen(new Engine({ processors, dispatcher: new BullMQDispatcher({ connection: redis.url, prefix: PREFIXES[1] }) }));
    // Untimed warm-up (about 2 s an engine): opens the pool's queue and event stream, and warms the
    // code on every side, so the first measured run is not the first the engines, the workers and Redis see.
    for (const engine of [s.engine, s.open]) {
      for (const [shape, n] of WARM_UP) {
        const warm = await watched(engine.submit(validateJob(jobFromGraph(makeWorkload(shape, n)), { profile: 'relaxed' })).done, s);
        if (warm.State !== TaskState.Finished) throw new Error(`distributed bench: the warm-up job ended in state ${warm.State}`);
        engine.forget(warm.Id);
      }
    }
    return s;
  } catch (err) {
    await stopStack(s);
    throw err;
  }
}

function readyOf(w: ChildProcess): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('distributed bench: a worker was not ready after 30 s')), 30_000);
    w.once('message', () => {
      clearTimeout(timer);
      resolvePromise();
    });
    w.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`distributed bench: a worker exited before it was ready (${signal ?? code})`));
    });
  });
}

async function stopStack(s: Stack): Promise<void> {
  // Bounded: with Redis gone (killed from outside), closing the dispatcher's connections waits for
  // ever; the workers and Redis are stopped anyway, and the dangling connections then keep this
  // process alive only until the driver's time limit (the results are printed by then).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const closed = Promise.all(
    [s.engine, s.open].map((e) => e?.close().catch((err: unknown) => console.log(`distributed bench: closing an engine: ${err instanceof Error ? err.message : String(err)}`))),
  );
  await Promise.race([closed, new Promise<void>((r) => (timer = setTimeout(() => (console.log('distributed bench: the engine did not close within 5 s'), r()), 5000)))]);
  clearTimeout(timer);
  await Promise.all(
    s.workers.map(
      (w) =>
        new Promise<void>((resolvePromise) => {
          if (w.exitCode !== null || w.signalCode !== null) return resolvePromise();
          const hard = setTimeout(() => w.kill('SIGKILL'), 5000);
          w.once('exit', () => {
            clearTimeout(hard);
            resolvePromise();
          });
          if (w.connected) w.send('stop');
          else w.kill('SIGTERM');
        }),
    ),
  );
  await s.redis.stop();
  if (live === s) live = undefined;
}

/** Whether `pid` is still the redis-server on `socket` (and not a process that got its pid since). */
function isRedisAt(pid: number, socket: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(socket);
  } catch {
    if (existsSync('/proc/self')) return false;
    // No /proc (not Linux): whether the pid is alive will do.
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Why the stack can no longer run anything (Redis or a worker gone), or undefined. */
function broken(s: Stack): string | undefined {
  if (!isRedisAt(s.redis.pid, s.redis.path)) return `the bench's Redis (pid ${s.redis.pid}) is gone`;
  const dead = s.workers.find((w) => w.exitCode !== null || w.signalCode !== null);
  if (dead !== undefined) return `worker pid ${dead.pid} exited (${dead.signalCode ?? dead.exitCode})`;
  return undefined;
}

/** CPU ms of a process from /proc (utime + stime), or null where it cannot be read. */
function cpuOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICK;
  } catch {
    return null;
  }
}

function otherCpu(s: Stack | undefined): { workers: number | null; redis: number | null } {
  if (s === undefined) return { workers: null, redis: null };
  let workers: number | null = 0;
  for (const w of s.workers) {
    const c = w.pid === undefined ? null : cpuOf(w.pid);
    workers = c === null || workers === null ? null : workers + c;
  }
  return { workers, redis: cpuOf(s.redis.pid) };
}

// ---------------------------------------------------------------------------------------------
// Idle: print the summary of the runs since the last one, stop what runs.

let idleTimer: ReturnType<typeof setTimeout> | undefined;

function disarm(): void {
  clearTimeout(idleTimer);
  idleTimer = undefined;
}

function armIdle(): void {
  disarm();
  idleTimer = setTimeout(() => void idle(), IDLE_MS);
}

async function idle(): Promise<void> {
  idleTimer = undefined;
  summarise();
  const s = starting;
  starting = undefined;
  // A stack that failed to start has stopped what it had started already.
  const up = await s?.catch(() => undefined);
  if (up !== undefined) await stopStack(up).catch((err: unknown) => console.log(`distributed bench: stopping Redis and the workers: ${err instanceof Error ? err.message : String(err)}`));
}

const fmt = (ms: number): string =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(1)} ms` : ms >= 0.1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`;
const range = (xs: number[]): string => (xs.length === 1 ? fmt(xs[0]!) : `${fmt(med(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`);

function summarise(): void {
  for (const [id, all] of records) {
    if ((printed.get(id) ?? 0) === all.length) continue;
    printed.set(id, all.length);
    for (const [k, r] of all.entries()) {
      if (r.cpu.workers === null && r.cpu.redis === null) continue;
      console.log(
        `${id} run ${k + 1}${k === 0 ? ' (cold)' : ''}: ${fmt(r.ms)}, task latency p50 ${fmt(r.latencyP50)} p95 ${fmt(r.latencyP95)}` +
          (r.hopP50 !== undefined ? `, hop p50 ${fmt(r.hopP50)} p95 ${fmt(r.hopP95!)}` : '') +
          `; CPU orchestrator ${fmt(r.cpu.orchestrator)}, workers ${r.cpu.workers === null ? '?' : fmt(r.cpu.workers)}, Redis ${r.cpu.redis === null ? '?' : fmt(r.cpu.redis)}`,
      );
    }
    // The first run of a case is its cold run (not a harness sample) unless it is the only one.
    const rs = all.length > 1 ? all.slice(1) : all;
    const n = rs[0]!.n;
    const ms = rs.map((r) => r.ms);
    const parts = [
      `${id}: ${rs.length} run(s)${all.length > 1 ? ' after the cold one' : ' (cold)'}: ${range(ms)}`,
      `${formatCount(Math.round((n * 1000) / med(ms)))} tasks/s`,
      `${fmt(med(ms) / n)} per task (total ÷ ${formatCount(n)})`,
      `task latency p50 ${range(rs.map((r) => r.latencyP50))}, p95 ${range(rs.map((r) => r.latencyP95))}`,
    ];
    if (rs[0]!.hopP50 !== undefined) parts.push(`hop p50 ${range(rs.map((r) => r.hopP50!))}, p95 ${range(rs.map((r) => r.hopP95!))}`);
    const withCpu = rs.filter((r) => r.cpu.workers !== null && r.cpu.redis !== null);
    if (withCpu.length > 0) {
      const wall = med(withCpu.map((r) => r.ms));
      const share = (xs: number[]): string => `${fmt(med(xs))} (${((100 * med(xs)) / wall).toFixed(0)} % of a core)`;
      parts.push(
        `CPU per run: orchestrator ${share(withCpu.map((r) => r.cpu.orchestrator))}, workers ${share(withCpu.map((r) => r.cpu.workers!))}, Redis ${share(withCpu.map((r) => r.cpu.redis!))}`,
      );
    }
    if (id.endsWith('/bullmq') || id.endsWith('/bullmq-open')) {
      if (id.includes('/layered/10000/')) parts.push(`goal ≤ ${fmt(GOAL_LAYERED_10K_MS)}: ${med(ms) <= GOAL_LAYERED_10K_MS ? 'met' : 'not met'}`);
      if (id.includes('/chain/')) parts.push(`goal ≤ ${fmt(GOAL_HOP_MS)} a hop: ${med(ms) / n <= GOAL_HOP_MS ? 'met' : 'not met'}`);
    }
    console.log(parts.join('; '));
  }
}

// ---------------------------------------------------------------------------------------------
// The cases.

/** The in-process engine: one for the whole process, as an application keeps it. */
const inProcessEngine = shared(() => resident(listen(new Engine({ processors, concurrency: CONCURRENCY }))));

/** The job each engine ran last: forgotten (untimed) before the next, so engines stay the same size. */
const lastJob = new Map<Engine, string>();

interface Input {
  id: string;
  kind: Kind;
  n: number;
  chain: boolean;
  definition: unknown;
}

interface Fresh {
  engine: Engine;
  result: ValidationResult;
  stack: Stack | undefined;
}

const definitionOf = new Map<string, () => unknown>();
function definition(shape: ShapeName, n: number): () => unknown {
  const key = `${shape}/${n}`;
  let d = definitionOf.get(key);
  if (d === undefined) definitionOf.set(key, (d = shared(() => jobFromGraph(makeWorkload(shape, n)))));
  return d;
}

async function setup(id: string, kind: Kind, shape: ShapeName, n: number): Promise<Input> {
  disarm();
  const def = definition(shape, n)();
  // Validated once here (untimed) to fail early; each run validates again in `fresh` (untimed) for
  // new task ids: BullMQ takes a job id it has already completed as done, and runs nothing.
  if (!validateJob(def, { profile: 'relaxed' }).valid) throw new Error(`distributed bench: ${shape} ${n} is invalid`);
  if (kind !== 'in-process') await stack();
  else inProcessEngine();
  return { id, kind, n, chain: shape === 'chain', definition: def };
}

async function fresh(input: Input): Promise<Fresh> {
  disarm();
  let s = input.kind !== 'in-process' ? await stack() : undefined;
  const why = s === undefined ? undefined : broken(s);
  if (why !== undefined) {
    console.log(`distributed bench: ${why}: starting Redis and the workers again`);
    starting = undefined;
    await stopStack(s!);
    s = await stack();
  }
  const engine = (input.kind === 'bullmq-open' ? s?.open : s?.engine) ?? inProcessEngine();
  const last = lastJob.get(engine);
  if (last !== undefined) {
    engine.forget(last);
    lastJob.delete(engine);
  }
  const result = validateJob(input.definition, { profile: 'relaxed' });
  if (!result.valid) throw new Error('distributed bench: the job is invalid');
  return { engine, result, stack: s };
}

async function run(input: Input, f?: Fresh): Promise<JobView> {
  const { engine, result, stack: s } = f!;
  const r = new Recorder();
  recording = r;
  try {
    const cpu0 = process.cpuUsage();
    const other0 = otherCpu(s);
    const t0 = performance.now();
    const handle = engine.submit(result);
    // A run whose Redis or worker died (killed from outside) would wait for ever: end it with the reason.
    const view = s === undefined ? await handle.done : await watched(handle.done, s);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const other1 = otherCpu(s);
    lastJob.set(engine, handle.id);
    if (view.State !== TaskState.Finished) throw new Error(`distributed bench: the job ended in state ${view.State}`);
    if (r.latencies.length !== input.n) throw new Error(`distributed bench: ${r.latencies.length} of ${input.n} tasks were seen Processing then Finished`);
    const rec: RunRecord = {
      ms,
      n: input.n,
      latencyP50: quantile(r.latencies, 0.5),
      latencyP95: quantile(r.latencies, 0.95),
      cpu: {
        orchestrator: (cpu.user + cpu.system) / 1000,
        workers: other0.workers === null || other1.workers === null ? null : other1.workers - other0.workers,
        redis: other0.redis === null || other1.redis === null ? null : other1.redis - other0.redis,
      },
    };
    if (input.chain) {
      const hops: number[] = [];
      for (let k = 1; k < r.dispatches.length; k++) hops.push(r.dispatches[k]! - r.dispatches[k - 1]!);
      rec.hopP50 = quantile(hops, 0.5);
      rec.hopP95 = quantile(hops, 0.95);
    }
    let list = records.get(input.id);
    if (list === undefined) records.set(input.id, (list = []));
    list.push(rec);
    return view;
  } finally {
    recording = undefined;
    armIdle();
  }
}

function watched<T>(done: Promise<T>, s: Stack): Promise<T> {
  let timer: ReturnType<typeof setInterval> | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const why = broken(s);
      if (why !== undefined) reject(new Error(`distributed bench: ${why} during the run`));
    }, 1000);
  });
  return Promise.race([done, failed]).finally(() => clearInterval(timer));
}

export const cases: BenchCase<Input, JobView, Fresh>[] = [];
for (const [shape, n] of [
  ['layered', 10_000],
  ['chain', 1000],
] as Array<[ShapeName, number]>) {
  for (const kind of ['bullmq', 'bullmq-open', 'in-process'] as Kind[]) {
    const id = `distributed/${shape}/${n}/${kind}`;
    cases.push({
      id,
      table: 'distributed',
      row: `${shape} ${formatCount(n)}`,
      impl: IMPL[kind],
      role: 'ours',
      n,
      ...(kind !== 'in-process' ? { baseline: IMPL['in-process'] } : {}),
      quick: true,
      memory: false,
      setup: () => setup(id, kind, shape, n),
      fresh,
      run,
    });
  }
}

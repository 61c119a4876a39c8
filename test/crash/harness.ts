// The crash test's machinery: start the child, kill it at planned moments, read back what it and
// its store say, and check all of it against the crash-free expectation.
import type { RecoveryReport } from '../../src/run/engine.js';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NotificationMessage, Processor } from '../../src/index.js';
import { CONCURRENCY, ENDPOINT_ID, JOBS, PROCESSORS, RETRY, STATE, STATE_NAMES, expectedStates, prng } from './workload.mjs';

export const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));
export const DIST_INDEX = fileURLToPath(new URL('../../dist/src/index.js', import.meta.url));
export const DIST_SQLITE_STORE = fileURLToPath(new URL('../../dist/src/store/sqlite-store.js', import.meta.url));

/** What `Engine.open` reported in a child (engine.recovery). */
export type Recovery = RecoveryReport;

/**
 * When to kill a child: `delayMs` after it was spawned, after it reported its engine open, or after
 * it reported its `nth` submit (or, if it submits fewer jobs than that, after its last one).
 */
export interface KillPlan {
  from: 'spawn' | 'opened' | 'submitted';
  delayMs: number;
  nth?: number;
}

export interface ChildRun {
  index: number;
  plan: KillPlan | undefined;
  /** SIGKILL was sent while the child was alive. */
  killed: boolean;
  /** What the child had last reported when the kill was sent (or when it exited). */
  phase: 'starting' | 'opened' | 'submitting' | 'all-submitted' | 'done';
  /** Jobs the child submitted before it died or ended. */
  submitted: number;
  recovery: Recovery | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  hung: boolean;
  stderr: string;
  /** Wall time of the run, and from spawn to `opened`. */
  ms: number;
  openMs: number | undefined;
}

/** Runs the child once on `dir`, killing it as planned; never rejects. */
export function runChild(dir: string, index: number, plan: KillPlan | undefined, timeoutMs: number): Promise<ChildRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: ChildRun = { index, plan, killed: false, phase: 'starting', submitted: 0, recovery: undefined, code: null, signal: null, hung: false, stderr: '', ms: 0, openMs: undefined };
    let phase: ChildRun['phase'] = 'starting';
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const kill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      run.killed = child.kill('SIGKILL');
      run.phase = phase;
    };
    const hangTimer = setTimeout(() => {
      run.hung = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    if (plan?.from === 'spawn') killTimer = setTimeout(kill, plan.delayMs);
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const [word, ...rest] = line.split(' ');
        if (word === 'opened') {
          phase = 'opened';
          run.openMs = performance.now() - started;
          run.recovery = JSON.parse(rest.join(' ')) as Recovery;
          if (plan?.from === 'opened') killTimer = setTimeout(kill, plan.delayMs);
        } else if (word === 'submitting') phase = 'submitting';
        else if (word === 'submitted') {
          run.submitted++;
          if (plan?.from === 'submitted' && run.submitted === plan.nth) killTimer = setTimeout(kill, plan.delayMs);
        } else if (word === 'all-submitted') {
          phase = 'all-submitted';
          if (plan?.from === 'submitted' && killTimer === undefined) killTimer = setTimeout(kill, plan.delayMs);
        }
        else if (word === 'done') phase = 'done';
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (run.stderr += chunk));
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      clearTimeout(hangTimer);
      run.code = code;
      run.signal = signal;
      if (!run.killed) run.phase = phase;
      run.ms = performance.now() - started;
      resolve(run);
    });
  });
}

export interface LoopResult {
  runs: ChildRun[];
  kills: number;
  /** The last child ended by itself with every job ended. */
  finished: boolean;
  /** Why the loop stopped without that. */
  failure: string | undefined;
}

/**
 * Kills the child at `minKills` random moments (from `seed`), restarting it each time, then lets
 * it run until every job has ended. A fifth of the kills are counted from the spawn (0-300 ms:
 * during start-up, import, Engine.open and its recovery). While no child has yet submitted every
 * job, the others come 0-25 ms after the child's 1st, 2nd or 3rd submit (the child goes on
 * for 0-15 ms in the turn of each submit, then waits 3-28 ms before the next): after a job is
 * written but before its first events are, or between submits; each leaves the store with part of
 * the jobs. Later ones come 1-351 ms after the engine is open, most of them early (1 + 350·u²).
 */
export async function crashLoop(
  dir: string,
  seed: number,
  options: { minKills: number; maxRestarts: number; childTimeoutMs: number; afterKill?: (run: ChildRun) => void },
): Promise<LoopResult> {
  const rnd = prng(seed);
  const runs: ChildRun[] = [];
  let kills = 0;
  let allSubmitted = false;
  for (let r = 0; r < options.maxRestarts; r++) {
    let plan: KillPlan | undefined;
    if (kills < options.minKills) {
      const fromSpawn = rnd() < 0.2;
      if (fromSpawn) plan = { from: 'spawn', delayMs: Math.floor(rnd() * 300) };
      else if (!allSubmitted) plan = { from: 'submitted', nth: 1 + Math.floor(rnd() * 3), delayMs: Math.floor(rnd() * 25) };
      else plan = { from: 'opened', delayMs: 1 + Math.floor(350 * rnd() ** 2) };
    }
    const run = await runChild(dir, r, plan, options.childTimeoutMs);
    runs.push(run);
    if (run.phase === 'all-submitted' || run.phase === 'done') allSubmitted = true;
    if (run.hung) return { runs, kills, finished: false, failure: `child #${r} did not end within ${options.childTimeoutMs} ms (phase ${run.phase}); stderr:\n${run.stderr}` };
    if (run.killed) {
      kills++;
      options.afterKill?.(run);
      continue;
    }
    if (run.code === 0 && run.phase === 'done') return { runs, kills, finished: true, failure: undefined };
    return { runs, kills, finished: false, failure: `child #${r} exited by itself with code ${run.code} signal ${run.signal} (phase ${run.phase}); stderr:\n${run.stderr}` };
  }
  return { runs, kills, finished: false, failure: `no child finished the jobs within ${options.maxRestarts} restarts` };
}

/**
 * `PRAGMA integrity_check` of the store as a killed child left it (database and WAL), through a
 * read-only connection: it neither recovers nor checkpoints the WAL, so the next child still opens
 * the store exactly as the kill left it. (SqliteStore would take the lock and checkpoint on close.)
 */
export function integrityAsLeft(dir: string): string[] | undefined {
  if (!existsSync(join(dir, 'runs.db'))) return undefined; // killed before the store was created
  let db: Database.Database | undefined;
  try {
    db = new Database(join(dir, 'runs.db'), { readonly: true, fileMustExist: true });
    return db.prepare('PRAGMA integrity_check').pluck().all() as string[];
  } catch (err) {
    return [`the store cannot be read: ${err instanceof Error ? err.message : String(err)}`];
  } finally {
    db?.close();
  }
}

/** What the store holds once the loop is over, read by an Engine opened on it in this process. */
export interface Inspection {
  /** `PRAGMA integrity_check` before the inspecting engine opened the store, and after it closed it. */
  integrity: string[];
  integrityAfter: string[];
  recovery: Recovery;
  jobs: Map<string, number | undefined>;
  tasks: Map<string, { state: number; codes: string[] } | undefined>;
  /** Tasks the inspecting engine ran (none should run: every job has ended). */
  ran: string[];
  /** Messages the inspecting engine's hub delivered (re-sends: none expected). */
  resent: NotificationMessage[];
}

/**
 * The built library, as the child runs it: the inspection must read the store with the code that
 * wrote it (src/ may have moved on since the last build). SqliteStore is not exported from the
 * package's index, so it comes from its module, dist/src/store/sqlite-store.js.
 */
async function builtLibrary(): Promise<{ lib: typeof import('../../src/index.js'); SqliteStore: typeof import('../../src/store/sqlite-store.js').SqliteStore }> {
  const lib = (await import(pathToFileURL(DIST_INDEX).href)) as typeof import('../../src/index.js');
  const store = (await import(pathToFileURL(DIST_SQLITE_STORE).href)) as typeof import('../../src/store/sqlite-store.js');
  return { lib, SqliteStore: store.SqliteStore };
}

export async function inspectStore(dir: string): Promise<Inspection> {
  const { lib, SqliteStore } = await builtLibrary();
  const { Engine, NotificationHub } = lib;
  const path = join(dir, 'runs.db');
  const check = (): string[] => {
    const store = new SqliteStore(path);
    try {
      return store.integrityCheck();
    } finally {
      store.close();
    }
  };
  const integrity = check();
  const ran: string[] = [];
  const resent: NotificationMessage[] = [];
  const hub = new NotificationHub();
  hub.registerEndPoint({ Id: ENDPOINT_ID, Name: 'inspection', EndPointType: 'Callback', callback: (m) => void resent.push(m) });
  const processors: Processor[] = PROCESSORS.map((p) => ({
    id: p.id,
    name: p.name,
    run: (ctx) => {
      ran.push(ctx.taskId);
      throw new Error('the inspection runs nothing');
    },
  }));
  const engine = await Engine.open({ processors, store: path, retry: RETRY, concurrency: CONCURRENCY, notifications: hub });
  const jobs = new Map<string, number | undefined>();
  const tasks = new Map<string, { state: number; codes: string[] } | undefined>();
  for (const def of JOBS) {
    jobs.set(def.Id, engine.scheduler.job(def.Id)?.State);
    for (const t of def.Tasks) {
      const view = engine.scheduler.task(t.Id);
      tasks.set(t.Id, view === undefined ? undefined : { state: view.State, codes: view.HistoricalEvents.map((e) => e.Code) });
    }
  }
  // Re-sends go out a turn after open.
  await new Promise((r) => setTimeout(r, 20));
  await hub.flush();
  const recovery = engine.recovery as Recovery;
  await engine.close();
  await hub.close();
  return { integrity, integrityAfter: check(), recovery, jobs, tasks, ran, resent };
}

interface Execution {
  file: string;
  pid: number;
  task: string;
  attempt: number;
  nonce: string;
  /** Line number of the start and end in their file (file order is time order: one child at a time). */
  startLine: number;
  start: number;
  inputs: Array<[string, string | null]>;
  endLine: number | undefined;
  end: number | undefined;
  result: 'ok' | 'retry' | 'fatal' | 'abort' | undefined;
}

interface LogLine {
  e: 'S' | 'E';
  pid: number;
  task: string;
  a: number;
  t: number;
  n: string;
  in?: Array<[string, string | null]>;
  r?: Execution['result'];
}

/** Every execution the processors logged, by task, in file order. */
export function readExecutions(dir: string, problems: string[]): Map<string, Execution[]> {
  const byTask = new Map<string, Execution[]>();
  for (const file of readdirSync(dir).filter((f) => /^exec-.*\.log$/.test(f)).sort()) {
    const byNonce = new Map<string, Execution>();
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.forEach((text, i) => {
      if (text === '') return;
      let l: LogLine;
      try {
        l = JSON.parse(text) as LogLine;
      } catch {
        problems.push(`${file}:${i + 1}: a torn or unreadable line: ${text.slice(0, 120)}`);
        return;
      }
      if (l.e === 'S') {
        const x: Execution = { file, pid: l.pid, task: l.task, attempt: l.a, nonce: l.n, startLine: i, start: l.t, inputs: l.in ?? [], endLine: undefined, end: undefined, result: undefined };
        byNonce.set(l.n, x);
        let list = byTask.get(l.task);
        if (list === undefined) byTask.set(l.task, (list = []));
        list.push(x);
      } else {
        const x = byNonce.get(l.n);
        if (x === undefined || x.end !== undefined) problems.push(`${file}:${i + 1}: an end without its start (execution ${l.n} of ${l.task})`);
        else {
          x.endLine = i;
          x.end = l.t;
          x.result = l.r;
        }
      }
    });
  }
  return byTask;
}

interface Delivery {
  pid: number;
  type: number;
  job: string;
  task: string;
  state: string;
  etag: string;
}

export interface Verdict {
  problems: string[];
  stats: {
    executions: number;
    /** Executions that never ended (their process was killed) and that ended but were not accepted. */
    cutShort: number;
    redone: number;
    deliveries: number;
    duplicateDeliveries: number;
    requeuedEvents: number;
    notStoppedEvents: number;
  };
}

const FINAL_NAMES = new Set(['Finished', 'Error', 'Canceled']);

/** Checks everything the issue asks (and a little more) against the crash-free expectation. */
export function verify(dir: string, inspection: Inspection): Verdict {
  const problems: string[] = [];
  const expected = expectedStates();
  const name = (s: number | undefined): string => (s === undefined ? 'missing' : (STATE_NAMES[s] ?? String(s)));
  const cap = (list: string[], what: string): void => {
    // Report every kind of problem, but not a thousand times the same.
    if (list.length > 25) problems.push(...list.slice(0, 25), `… and ${list.length - 25} more ${what}`);
    else problems.push(...list);
  };

  // The store: intact, every job and task there in its crash-free final state, nothing left to do.
  if (JSON.stringify(inspection.integrity) !== '["ok"]') problems.push(`PRAGMA integrity_check after the loop: ${inspection.integrity.join('; ')}`);
  if (JSON.stringify(inspection.integrityAfter) !== '["ok"]') problems.push(`PRAGMA integrity_check after the inspection: ${inspection.integrityAfter.join('; ')}`);
  if (inspection.recovery.running !== 0) problems.push(`the store still holds ${inspection.recovery.running} running jobs`);
  if (inspection.recovery.resent !== 0) problems.push(`the store still holds ${inspection.recovery.resent} notifications never marked delivered (re-sent: ${inspection.resent.map((m) => `${m.Properties.JobId} ${m.Properties.TaskId ?? ''} ${m.Properties.NewState}`).join(', ')})`);
  if (inspection.ran.length > 0) problems.push(`reopening the finished store ran tasks again: ${inspection.ran.slice(0, 5).join(', ')}`);
  const stateProblems: string[] = [];
  for (const [id, want] of expected.jobs) {
    const got = inspection.jobs.get(id);
    if (got !== want) stateProblems.push(`job ${id}: ${name(got)}, expected ${name(want)}`);
  }
  let requeuedEvents = 0;
  let notStoppedEvents = 0;
  const historyProblems: string[] = [];
  for (const [id, want] of expected.tasks) {
    const got = inspection.tasks.get(id);
    if (got?.state !== want.state) stateProblems.push(`task ${id} (${want.behaviour.kind}): ${name(got?.state)}, expected ${name(want.state)}`);
    if (got === undefined) continue;
    const count = (code: string): number => got.codes.filter((c) => c === code).length;
    const requeued = count('Requeued');
    requeuedEvents += requeued;
    notStoppedEvents += count('NotStopped');
    // Attempts counted by the store: every Processing event but those a Requeued took back.
    const counted = count('Processing') - requeued;
    const wantCounted = want.state === STATE.Finished ? want.acceptedAttempt : want.state === STATE.Error ? (want.behaviour.kind === 'fatal' ? 1 : RETRY.maxAttempts) : undefined;
    if (wantCounted !== undefined && counted !== wantCounted) historyProblems.push(`task ${id} (${want.behaviour.kind}): its history counts ${counted} attempts (${got.codes.join(' ')}), expected ${wantCounted}`);
  }
  cap(stateProblems, 'wrong final states');
  cap(historyProblems, 'wrong attempt counts');

  // The processors' logs.
  const execs = readExecutions(dir, problems);
  const accepted = new Map<string, Execution>();
  let executions = 0;
  let cutShort = 0;
  let redone = 0;
  const execProblems: string[] = [];
  for (const [id, list] of execs) {
    executions += list.length;
    const want = expected.tasks.get(id);
    if (want === undefined) {
      execProblems.push(`an execution of a task not in the workload: ${id}`);
      continue;
    }
    const canStart = want.producers.every((p) => expected.tasks.get(p)?.state === STATE.Finished);
    if (!canStart) execProblems.push(`task ${id} ran (${list.length}×), but one of its producers never finishes`);
    // Attempt numbers: 1 first; the same again after a lost attempt; one more only after a retryable failure.
    for (let k = 0; k < list.length; k++) {
      const x = list[k]!;
      if (x.attempt > RETRY.maxAttempts) execProblems.push(`task ${id} ran attempt ${x.attempt} > maxAttempts ${RETRY.maxAttempts}`);
      const prev = list[k - 1];
      const ok = prev === undefined ? x.attempt === 1 : x.attempt === prev.attempt || (x.attempt === prev.attempt + 1 && prev.result === 'retry');
      if (!ok) execProblems.push(`task ${id}: execution ${x.nonce} has attempt ${x.attempt} after ${prev === undefined ? 'none' : `attempt ${prev.attempt} that ended ${prev.result ?? 'never'}`}`);
      // Within one process (no kill in between) an attempt that ended is never run again as is.
      if (prev !== undefined && prev.pid === x.pid && x.attempt === prev.attempt && prev.result !== undefined && prev.result !== 'abort') execProblems.push(`task ${id}: attempt ${x.attempt} ran again in process ${x.pid} after it had ended ${prev.result}`);
      // One process never runs a task twice at once.
      if (prev !== undefined && prev.pid === x.pid && (prev.endLine === undefined || prev.endLine > x.startLine)) execProblems.push(`task ${id} ran twice at once in process ${x.pid}`);
      if (x.end === undefined) cutShort++;
    }
    if (want.state === STATE.Finished) {
      let acc: Execution | undefined;
      for (const x of list) if (x.result === 'ok' && (acc === undefined || x.endLine! > acc.endLine!)) acc = x;
      if (acc === undefined) {
        execProblems.push(`task ${id} is expected Finished but no execution of it succeeded`);
        continue;
      }
      accepted.set(id, acc);
      redone += list.filter((x) => x !== acc && x.result === 'ok').length;
      if (acc.attempt !== want.acceptedAttempt) execProblems.push(`task ${id} (${want.behaviour.kind}:${want.behaviour.n}) succeeded at attempt ${acc.attempt}, expected ${want.acceptedAttempt}`);
      const later = list.find((x) => x.startLine > acc.endLine!);
      if (later !== undefined) execProblems.push(`task ${id} ran again (execution ${later.nonce}, attempt ${later.attempt}) after its accepted execution ${acc.nonce} had succeeded`);
    } else if (want.state === STATE.Error) {
      const last = list[list.length - 1];
      const wantResult = want.behaviour.kind === 'fatal' ? 'fatal' : 'retry';
      if (last === undefined || last.result !== wantResult) execProblems.push(`task ${id} (${want.behaviour.kind}) ended Error but its last execution ended ${last?.result ?? 'never'}`);
    } else if (want.behaviour.kind === 'hold') {
      for (const x of list) if (x.result !== undefined && x.result !== 'abort') execProblems.push(`holding task ${id} ended ${x.result} without being aborted`);
    }
  }
  cap(execProblems, 'execution problems');

  // Producers before consumers: each accepted execution started after the accepted execution of
  // every producer of its inputs had ended, and read the metadata that very execution returned.
  const orderProblems: string[] = [];
  for (const [id, acc] of accepted) {
    const want = expected.tasks.get(id)!;
    for (const p of want.producers) {
      const pa = accepted.get(p);
      if (pa === undefined) {
        orderProblems.push(`task ${id} finished but its producer ${p} has no accepted execution`);
        continue;
      }
      if (!(acc.start >= pa.end!)) orderProblems.push(`task ${id}: its accepted execution ${acc.nonce} started ${(pa.end! - acc.start).toFixed(3)} ms before its producer ${p}'s accepted execution ${pa.nonce} ended`);
      const read = acc.inputs.find(([task]) => task === p);
      if (read === undefined || read[1] !== pa.nonce) orderProblems.push(`task ${id}: its accepted execution read ${p}'s metadata of execution ${read?.[1] ?? 'none'}, not of the accepted execution ${pa.nonce}`);
    }
  }
  for (const [id, want] of expected.tasks) if (want.state === STATE.Finished && !execs.has(id)) orderProblems.push(`task ${id} is expected Finished but never ran`);
  cap(orderProblems, 'order problems');

  // Notifications: each job's final JobStateChange, and each subscribed task's final
  // TaskStateChange, delivered at least once, always with the same ETag, and no other final state.
  const deliveries: Delivery[] = [];
  const notifyFile = join(dir, 'notify.log');
  if (existsSync(notifyFile)) {
    for (const text of readFileSync(notifyFile, 'utf8').split('\n')) {
      if (text === '') continue;
      try {
        deliveries.push(JSON.parse(text) as Delivery);
      } catch {
        problems.push(`notify.log: a torn or unreadable line: ${text.slice(0, 120)}`);
      }
    }
  }
  const finals = new Map<string, Delivery[]>();
  for (const d of deliveries) {
    if (!FINAL_NAMES.has(d.state)) continue;
    const key = d.type === 1 ? d.job : d.task;
    let list = finals.get(key);
    if (list === undefined) finals.set(key, (list = []));
    list.push(d);
  }
  const notifyProblems: string[] = [];
  const checkFinal = (key: string, what: string, want: number): void => {
    const list = finals.get(key) ?? [];
    if (list.length === 0) {
      notifyProblems.push(`${what} ${key}: its final state (${name(want)}) was never notified`);
      return;
    }
    const states = new Set(list.map((d) => d.state));
    const etags = new Set(list.map((d) => d.etag));
    if (states.size !== 1 || !states.has(name(want))) notifyProblems.push(`${what} ${key}: final states notified ${[...states].join(', ')}, expected ${name(want)}`);
    if (etags.size !== 1) notifyProblems.push(`${what} ${key}: its final-state message was delivered ${list.length}× with ${etags.size} different ETags`);
  };
  for (const [id, want] of expected.jobs) checkFinal(id, 'job', want);
  for (const def of JOBS) {
    for (const t of def.Tasks) {
      const subscribed = (t.TaskNotificationSubscriptions?.length ?? 0) > 0;
      if (subscribed) checkFinal(t.Id, 'task', expected.tasks.get(t.Id)!.state);
      else if (finals.has(t.Id)) notifyProblems.push(`task ${t.Id} does not subscribe, yet a TaskStateChange was delivered for it`);
    }
  }
  cap(notifyProblems, 'notification problems');
  const distinct = new Set(deliveries.map((d) => `${d.type} ${d.job} ${d.task} ${d.etag}`)).size;

  return { problems, stats: { executions, cutShort, redone, deliveries: deliveries.length, duplicateDeliveries: deliveries.length - distinct, requeuedEvents, notStoppedEvents } };
}

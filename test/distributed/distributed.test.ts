// Distributed execution on a real Redis and real worker processes: BullMQDispatcher (orchestrator
// side) and createWorker (worker side), with the workers and, in the restart test, the orchestrator
// as child processes of the BUILT library (dist/: `npm test` builds it first; else `npm run build`).
// The orchestrator of the first two tests runs in this process, from the sources.
//
// Each worker's processor records every execution in Redis with a global sequence number at its
// start and at its end (worker.mjs), so the tests check across processes: every task ended exactly
// once, every start came after the end of each producer and read that end's output, the pool's
// slots bounded what ran at once, and which tasks ran twice.
//
// 1. A 1,000-task layered DAG on 2 workers × concurrency 8, with the pool limited to 5 slots.
// 2. The same with short locks, and one worker SIGKILLed at about 30 % while it runs tasks: only
//    the tasks it had started run again, and their histories say `Requeued`.
// 3. The orchestrator (a durable Engine.open on SQLite) SIGKILLed at about 40 % while tasks run and
//    started again: it resumes (does not submit again), takes in the results that arrived while it
//    was down and those of the attempts still running when it came back, and nothing runs twice.
//
// Random choices (task sleep times, kill moments, which worker dies) come from a seed: DIST_SEED=<n>
// replays one; CI uses a fixed seed; otherwise each run draws one, printed in every failure message.
// Scheduling across processes is not seeded, so a seed replays the plan, not the interleaving.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BullMQDispatcher, Engine, type Processor, type TaskView } from '../../src/index.js';
import { queueName } from '../../src/distributed/wire.js';
import { haveRedis, noRedisReason, startRedis, type TestRedis } from '../helpers/redis.js';
import { KEYS, MPID, PROCESSOR_NAME, layeredJob, sleepOf } from './fixture.mjs';
import { Children, ORCHESTRATOR, analyse, checkDist, readExecutions, redisState, startWorkers, until, within, type WorkerOptions } from './harness.js';

const fromEnv = process.env.DIST_SEED;
const SEED = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : process.env.CI ? 20261128 : (Date.now() ^ (Math.random() * 0x100000000)) >>> 0;
const SEED_NOTE = `seed ${SEED} (DIST_SEED=${SEED} replays it)`;

const FINISHED = 3;
/** The pool's slots: fewer than the workers' 2 × 8, so the pool is what limits. */
const SLOTS = 5;
const CONCURRENCY = 8;
/** How long a job may take before the test gives up and says where it stands. */
const JOB_TIMEOUT_MS = 60_000;

/** Tasks run on the workers; the orchestrator only needs to know the processor. */
const stub: Processor = {
  id: MPID,
  name: PROCESSOR_NAME,
  run() {
    throw new Error('the orchestrator ran a task itself: tasks must run on the workers');
  },
};

/** A number in [min, max] drawn from the seed for one purpose. */
const draw = (purpose: number, min: number, max: number): number => sleepOf(SEED, 1_000_000 + purpose, min, max);

function workerOptions(socket: string, names: string[], extra: Partial<WorkerOptions> = {}): WorkerOptions[] {
  return names.map((name) => ({ socket, name, concurrency: CONCURRENCY, seed: SEED, sleepMin: 2, sleepMax: 8, ...extra }));
}

/** Where the engine's tasks stand, for timeout messages. */
function standing(engine: Engine): string {
  const count = (state: number) => engine.scheduler.tasks({ state }).length;
  return `tasks finished ${count(3)}, processing ${count(2)}, scheduled ${count(1)}, queued ${count(0)}`;
}

function codes(t: TaskView): string[] {
  return t.HistoricalEvents.map((e) => e.Code);
}

describe.skipIf(!haveRedis)(`distributed execution on Redis with worker processes${haveRedis ? '' : ` (skipped: ${noRedisReason})`}`, () => {
  const children = new Children();
  let redis: TestRedis | undefined;
  let client: Redis | undefined;
  let engine: Engine | undefined;
  const dirs: string[] = [];
  /** The seed, and where Redis stands: in every failure message. */
  const replay = (): string => `${SEED_NOTE}; ${redisState(redis)}`;

  afterEach(async () => {
    // Whatever happened: every child by its PID, then the engine, then Redis.
    await children.killAll();
    if (engine !== undefined) {
      const e = engine;
      engine = undefined;
      await within(e.close(), 15_000, () => 'engine.close() in afterEach').catch((err: unknown) => console.warn(`distributed test cleanup: ${String(err)}`));
    }
    client?.disconnect();
    client = undefined;
    await redis?.stop(true);
    redis = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function setUp(): Promise<{ socket: string; url: string; client: Redis }> {
    checkDist();
    redis = await startRedis();
    client = new Redis({ path: redis.path, maxRetriesPerRequest: null });
    return { socket: redis.path, url: redis.url, client };
  }

  it(`runs a 1,000-task DAG on 2 worker processes: each task once, in dependency order, at most ${SLOTS} at once`, async () => {
    const N = 1000;
    const { socket, url, client } = await setUp();
    const { definition, edges } = await layeredJob(N, 'layered 1000');
    await startWorkers(children, workerOptions(socket, ['w1', 'w2']), replay);
    const started = performance.now();
    engine = new Engine({ processors: [stub], dispatcher: new BullMQDispatcher({ connection: url }), pools: { [MPID]: SLOTS } });
    const e = engine;
    const handle = e.submit(definition);
    const final = await within(handle.done, JOB_TIMEOUT_MS, () => `the job did not end; ${standing(e)}; ${replay()}\n${children.describe()}`);
    const seconds = (performance.now() - started) / 1000;

    const context = `${replay()}\n${children.describe()}`;
    expect(final.State, context).toBe(FINISHED);
    const tasks = e.scheduler.tasks({ jobId: handle.id });
    expect(tasks.filter((t) => t.State !== FINISHED).map((t) => `${t.Name}: state ${t.State}`), context).toEqual([]);
    // No worker died: nothing was requeued.
    expect(tasks.filter((t) => codes(t).includes('Requeued')).map((t) => t.Name), context).toEqual([]);

    const a = analyse(await readExecutions(client), N, edges);
    console.log(`distributed, 1,000 tasks on 2 workers: ${seconds.toFixed(1)} s, ${a.executions} executions, by worker ${JSON.stringify(a.byWorker)}, at most ${a.maxRunning} at once; ${SEED_NOTE}`);
    expect(a.problems, context).toEqual([]);
    expect(a.executions, context).toBe(N);
    expect(a.rerun, context).toEqual([]);
    expect(a.maxRunning, context).toBeLessThanOrEqual(SLOTS);
    expect(a.maxRunning, context).toBeGreaterThan(1);
    expect(Object.keys(a.byWorker).sort(), context).toEqual(['w1', 'w2']);
  }, 120_000);

  it('a worker SIGKILLed while it runs tasks: the job finishes, only the tasks it had started run again, and their histories say Requeued', async () => {
    const N = 1000;
    const { socket, url, client } = await setUp();
    const { definition, edges } = await layeredJob(N, 'layered 1000, a worker dies');
    // Short locks: the dead worker's tasks are back in their queue after about 1 + max(2, 1) s.
    await startWorkers(children, workerOptions(socket, ['w1', 'w2'], { lockDurationMs: 2000, stalledIntervalMs: 1000 }), replay);
    const [victim, survivor] = draw(1, 0, 1) === 0 ? ['w1', 'w2'] : ['w2', 'w1'];
    const victimChild = children.all.find((c) => c.label === `worker ${victim}`)!;
    const killAt = Math.round((N * draw(2, 25, 35)) / 100);

    const started = performance.now();
    engine = new Engine({ processors: [stub], dispatcher: new BullMQDispatcher({ connection: url }), pools: { [MPID]: SLOTS } });
    const e = engine;
    const handle = e.submit(definition);
    const context = () => `${replay()}; victim ${victim} killed after ${killAt} executions ended\n${children.describe()}`;

    await until(async () => (Number(await client.get(KEYS.ended)) >= killAt ? true : undefined), JOB_TIMEOUT_MS, () => `${killAt} executions to end; ${standing(e)}; ${context()}`);
    // From now on, what starts on the victim holds until the kill: the kill lands while it runs tasks.
    await client.set(KEYS.hold(victim), '1');
    await until(async () => (Number(await client.get(KEYS.held(victim))) >= 1 ? true : undefined), 30_000, () => `an execution to start held on ${victim}; ${standing(e)}; ${context()}`);
    await victimChild.kill();
    // Every execution the victim ever started has started by now; those that had not ended never will.
    const killedAtSeq = Number(await client.get(KEYS.seq));
    const killedAfterMs = performance.now() - started;

    const final = await within(handle.done, JOB_TIMEOUT_MS, () => `the job did not end after the kill; ${standing(e)}; ${context()}`);
    const seconds = (performance.now() - started) / 1000;
    expect(final.State, context()).toBe(FINISHED);
    const tasks = e.scheduler.tasks({ jobId: handle.id });
    expect(tasks.filter((t) => t.State !== FINISHED).map((t) => `${t.Name}: state ${t.State}`), context()).toEqual([]);

    // The dead worker's executions count as running until the kill: what BullMQ held for it at least.
    const executions = await readExecutions(client);
    const a = analyse(executions, N, edges, { orphansEndBy: killedAtSeq, deadWorker: victim });
    const cutShort = [...new Set(a.orphans.map((x) => x.i))].sort((x, y) => x - y);
    const unacknowledged = a.unacknowledged.map((x) => x.i).sort((x, y) => x - y);
    const lost = [...new Set([...cutShort, ...unacknowledged])].sort((x, y) => x - y);
    const requeued = tasks.filter((t) => codes(t).includes('Requeued')).map((t) => Number(t.Name.slice(5))).sort((x, y) => x - y);
    console.log(
      `distributed, worker ${victim} SIGKILLed at ${(killedAfterMs / 1000).toFixed(1)} s (after ${killAt} of ${N} ended): ${seconds.toFixed(1)} s in all, ${a.executions} executions, ` +
        `by worker ${JSON.stringify(a.byWorker)}; on ${victim}: cut short ${cutShort.join(', ') || 'none'}, ended but not acknowledged ${unacknowledged.join(', ') || 'none'}; ` +
        `run again ${a.rerun.join(', ')}; Requeued in history ${requeued.join(', ')}; at most ${a.maxRunning} at once; ${SEED_NOTE}`,
    );
    expect(a.problems, context()).toEqual([]);
    // The kill landed while the victim ran tasks, and only its executions were cut short.
    expect(a.orphans.length, context()).toBeGreaterThan(0);
    expect(a.orphans.filter((x) => x.w !== victim), context()).toEqual([]);
    // Only tasks the dead worker had started ran more than once: those it was running (a start and
    // no end), and those whose processor had returned but whose completion BullMQ had not taken in
    // when the worker died (the at-least-once window). Each ran exactly twice, the second time on
    // the survivor, and that run is the accepted one.
    expect(a.rerun, context()).toEqual(lost);
    for (const i of lost) {
      const runs = executions.filter((x) => x.i === i);
      expect(runs.map((x) => `${x.w === victim ? 'lost' : 'accepted'} on ${x.w}`).sort(), `task ${i}; ${context()}`).toEqual([`accepted on ${survivor}`, `lost on ${victim}`]);
    }
    expect(a.executions, context()).toBe(N + lost.length);
    // Their histories say why they ran again. A job the victim had taken but whose processor had not
    // recorded its start yet is requeued too, so Requeued may name a few more, never more than the
    // pool's slots (what BullMQ had handed out at once).
    expect(lost.filter((i) => !requeued.includes(i)), `tasks run again without a Requeued event; ${context()}`).toEqual([]);
    expect(requeued.length, context()).toBeLessThanOrEqual(SLOTS);
    expect(a.maxRunning, context()).toBeLessThanOrEqual(SLOTS);
  }, 120_000);

  it('the orchestrator SIGKILLed at about 40 % and started again on its store: it resumes without submitting again, follows the attempts still running, the job finishes, nothing runs twice', async () => {
    const N = 400;
    const { socket, client } = await setUp();
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-distributed-'));
    dirs.push(dir);
    const { edges } = await layeredJob(N, `layered ${N}`);
    const names = ['w1', 'w2'];
    await startWorkers(children, workerOptions(socket, names), replay);
    const options = { socket, store: join(dir, 'run.db'), n: N, slots: SLOTS, out: join(dir, 'final.json') };
    const killAt = Math.round((N * draw(3, 35, 45)) / 100);
    const context = () => `${replay()}; orchestrator killed after ${killAt} executions ended; dir ${dir}\n${children.describe()}`;
    const ended = async () => Number(await client.get(KEYS.ended));

    const started = performance.now();
    const first = children.start('orchestrator #1', ORCHESTRATOR, options);
    await first.waitFor('submitted', 30_000);
    await until(async () => ((await ended()) >= killAt ? true : undefined), JOB_TIMEOUT_MS, () => `${killAt} executions to end; ${context()}`);
    // From now on, executions that start are held until the test releases them: the kill lands
    // while they run.
    for (const w of names) await client.set(KEYS.hold(w), '1');
    await until(async () => ((await client.mget(names.map(KEYS.held))).some((v) => Number(v) > 0) ? true : undefined), 30_000, () => `an execution to start held; ${context()}`);
    await first.kill();
    const endedAtKill = await ended();
    const queue = `jobgraph:${queueName(MPID)}`;
    const [active, wait, prioritized] = ((await client.multi().llen(`${queue}:active`).llen(`${queue}:wait`).zcard(`${queue}:prioritized`).exec()) ?? []).map(([, v]) => Number(v));
    const inRedis = { active, waiting: wait! + prioritized! };
    // While no orchestrator runs, w1's held executions end (their results wait in Redis); w2's run on
    // until the new orchestrator has taken them up.
    await client.del(KEYS.hold('w1'));
    await client.set(KEYS.release('w1'), '1');

    const second = children.start('orchestrator #2', ORCHESTRATOR, options);
    const opened = JSON.parse((await second.waitFor('opened', 30_000)).slice('opened '.length)) as { jobs: number; running: number; requeued: number; reattached: number };
    // Engine.open has returned: w2's held executions may end now, and their results must reach it.
    const seqAtOpen = Number(await client.get(KEYS.seq));
    await client.del(KEYS.hold('w2'));
    await client.set(KEYS.release('w2'), '1');
    const exit = await within(second.exited, JOB_TIMEOUT_MS, () => `the restarted orchestrator did not finish; ${context()}`);
    const seconds = (performance.now() - started) / 1000;
    expect(exit, context()).toEqual({ code: 0, signal: null });
    expect(second.stderr.trim(), context()).toBe('');
    // It resumed the job of the store, and did not submit it again.
    expect(opened, context()).toMatchObject({ jobs: 1, running: 1, requeued: 0 });
    expect(second.lines.filter((l) => l.startsWith('submitted')), context()).toEqual([]);

    const final = JSON.parse(readFileSync(options.out, 'utf8')) as { job: { State: number }; tasks: Array<{ Name: string; State: number; events: string[] }> };
    expect(final.job.State, context()).toBe(FINISHED);
    expect(final.tasks.length).toBe(N);
    expect(final.tasks.filter((t) => t.State !== FINISHED).map((t) => `${t.Name}: state ${t.State}`), context()).toEqual([]);
    expect(final.tasks.filter((t) => t.events.includes('Requeued')).map((t) => t.Name), context()).toEqual([]);

    const executions = await readExecutions(client);
    const a = analyse(executions, N, edges);
    const held = executions.filter((x) => x.held);
    const heldOn = (w: string) => held.filter((x) => x.w === w);
    const endedBeforeOpen = held.filter((x) => x.end! <= seqAtOpen).length;
    console.log(
      `distributed, orchestrator SIGKILLed after ${endedAtKill} of ${N} ended with ${held.length} executions held (${heldOn('w1').length} on w1, released while it was down, ` +
        `${endedBeforeOpen} of them ended before the restart opened; ${heldOn('w2').length} on w2, released after); Redis then had ${inRedis.active} active, ${inRedis.waiting} waiting; ` +
        `restarted: ${seconds.toFixed(1)} s in all, recovery ${JSON.stringify(opened)}, ${a.executions} executions, by worker ${JSON.stringify(a.byWorker)}; ${SEED_NOTE}`,
    );
    expect(a.problems, context()).toEqual([]);
    expect(a.rerun, context()).toEqual([]);
    expect(a.executions, context()).toBe(N);
    expect(a.maxRunning, context()).toBeLessThanOrEqual(SLOTS);
    // The held executions were running when the orchestrator died: every one ran once, and the new
    // orchestrator took in its result, whether it arrived while no orchestrator ran (w1's, most
    // likely) or after the new one had taken the attempt up (w2's, for certain).
    expect(held.length, context()).toBeGreaterThan(0);
    expect(heldOn('w2').filter((x) => !(x.end! > seqAtOpen)), context()).toEqual([]);
    expect(opened.reattached, context()).toBeGreaterThanOrEqual(held.length);
  }, 120_000);
});

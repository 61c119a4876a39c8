// The server crash test: the real `jobgraph serve --data FILE` (a child process running
// bin/jobgraph.js, so the BUILT library in dist/) is SIGKILLed at seeded random moments while a
// client POSTs jobs to it, a few requests in flight at a time, and restarted on the same file each
// time. After the last kill a server starts once more and is left to run until every job has
// ended. Then: every job that got a 201 is there, with its Id and Name, and Finished; every job
// there was POSTed (by a request that got a 201 or was cut by a kill; none from a request that
// never reached a server), once, and is complete (all its tasks, each Finished, with a history
// from Scheduled or Queued to Finished); each restart kept at least every job answered 201 before
// it; `PRAGMA integrity_check` is ok after every kill (the file as the kill left it) and after
// the last server stopped (SIGTERM, exit 0).
//
// The kill moments come from a seeded PRNG: CRASH_SEED=<n> replays a seed's plan; CI uses a fixed
// seed; otherwise each run draws one (printed, and in every failure message). Request timing and
// the server's own timing are not seeded: a seed replays the kill plan, not the interleaving.
// A passing run removes its temporary directory; a failing one keeps it (its path is in the message).
// SERVER_CRASH_VERBOSE=1 prints each server's life (kill moment, what it kept, its POSTs) on success too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess, integrity, jobBody, requireDist, send } from './server-harness.js';
import { prng } from './workload.mjs';

const MIN_KILLS = 12;
/** POSTs in flight at once: each client POSTs its next job as soon as the last one is answered. */
const CLIENTS = 4;
/** The server: demo durations × TIME_SCALE (an encode 10–15 ms, a package 4 ms), UNITS tasks at once. */
const TIME_SCALE = '0.002';
const UNITS = '16';
/** Hard caps: a server that does not listen, one left running, the wait for every job to end. */
const READY_TIMEOUT_MS = 20_000;
const SERVER_HARD_TIMEOUT_MS = 150_000;
const DRAIN_TIMEOUT_MS = 60_000;

const fromEnv = process.env.CRASH_SEED;
const SEED = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : process.env.CI ? 20261128 : (Date.now() ^ (Math.random() * 0x100000000)) >>> 0;

const FINAL = new Set([3, 4, 5]);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** When to kill a server: `delayMs` after it was spawned (during start-up and recovery, or just after), or after it listened. */
interface KillPlan {
  from: 'spawn' | 'listening';
  delayMs: number;
}

interface Life {
  server: ServerProcess;
  plan: KillPlan | undefined;
  /** 201s received before this server was spawned (all from earlier servers). */
  createdBefore: number;
  /** POSTs that got a 201 or were cut, before this server was spawned: the most jobs it may find. */
  deliveredBefore: number;
  posts: number;
  created: number;
  cut: number;
  refused: number;
}

interface Post {
  n: number;
  name: string;
  tasks: string[];
  life: number;
  outcome: 'pending' | 'created' | 'cut' | 'refused' | 'status';
  id?: string;
  detail?: string;
}

const children = new Set<ServerProcess>();

afterEach(async () => {
  // Whatever happened, no server is left running.
  for (const s of children) {
    if (s.alive) s.child.kill('SIGKILL');
    await s.exited;
  }
  children.clear();
});

function spawnServer(data: string): ServerProcess {
  const s = new ServerProcess(
    ['--insecure-local', '--port', '0', '--data', data, '--time-scale', TIME_SCALE, '--reserved-units', UNITS, '--validation-workers', '0'],
    READY_TIMEOUT_MS,
    SERVER_HARD_TIMEOUT_MS,
  );
  children.add(s);
  return s;
}

/** Every job, page by page (the service returns at most 1000 at a time). */
async function listJobs(port: number): Promise<Array<{ Id: string; Name: string; State: number }>> {
  const all: Array<{ Id: string; Name: string; State: number }> = [];
  for (let skip = 0; ; skip += 1000) {
    const r = await send(port, 'GET', `/api/Jobs?$select=Id,Name,State&$skip=${skip}&$top=1000&$inlinecount=allpages`);
    if (r.status !== 200) throw new Error(`GET /api/Jobs: ${r.status} ${r.text.slice(0, 300)}`);
    const page = r.json.value as Array<{ Id: string; Name: string; State: number }>;
    all.push(...page);
    if (page.length < 1000) {
      if (Number(r.json['odata.count']) !== all.length) throw new Error(`GET /api/Jobs: odata.count ${r.json['odata.count']} but ${all.length} jobs listed`);
      return all;
    }
  }
}

const unexpectedStderr = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => l !== '')
    .filter((l) => !/^jobgraph serve: (\S+: \d+ jobs? kept, \d+ running(, \d+ tasks? to run again)?|SIGTERM: closing the server and stopping; running jobs go on at the next start with --data \S+…|stopped)$/.test(l));

describe('jobgraph serve --data, killed with SIGKILL while a client POSTs jobs', () => {
  it(`keeps every job it answered 201, and ends them all after a restart (${MIN_KILLS} kills, seed ${SEED})`, async () => {
    requireDist();
    const dir = mkdtempSync(join(tmpdir(), `jobgraph-server-crash-${SEED}-`));
    const data = join(dir, 'served.db');
    const started = performance.now();
    const rnd = prng(SEED);
    const lives: Life[] = [];
    const posts: Post[] = [];
    const problems: string[] = [];
    let created = 0;
    const delivered = (): number => posts.filter((p) => p.outcome === 'created' || p.outcome === 'cut').length;
    const context = (): string =>
      `seed ${SEED} (CRASH_SEED=${SEED} replays the kill plan), dir ${dir}\n` +
      lives
        .map((l, i) => {
          const s = l.server;
          const plan = l.plan === undefined ? 'not killed' : `kill ${l.plan.delayMs} ms after ${l.plan.from}`;
          const kept = s.kept === undefined ? 'never opened' : `kept ${s.kept.jobs} jobs (${l.createdBefore} answered 201 before), ${s.kept.running} running, ${s.kept.requeued} tasks to run again`;
          const listened = s.listeningMs === undefined ? 'never listened' : `listened after ${Math.round(s.listeningMs)} ms`;
          return `  #${i}: ${plan}; ${kept}; ${listened}; ${l.posts} POSTs: ${l.created} 201, ${l.cut} cut, ${l.refused} refused; ${s.killed ? `killed with ${s.inFlightAtKill} in flight` : 'not killed'}${s.stderr.trim() === '' ? '' : `; stderr: ${s.stderr.trim().split('\n').join('\n      ')}`}`;
        })
        .join('\n');

    // ---- The clients: POST as fast as they can to whichever server is up.
    let current: Life | undefined;
    let stopPosting = false;
    let wake: Array<() => void> = [];
    const setCurrent = (life: Life | undefined): void => {
      current = life;
      for (const w of wake) w();
      wake = [];
    };
    const live = async (): Promise<Life | undefined> => {
      while (!stopPosting && current === undefined) await new Promise<void>((r) => wake.push(r));
      return stopPosting ? undefined : current;
    };
    let next = 0;
    const client = async (): Promise<void> => {
      for (;;) {
        const life = await live();
        if (life === undefined) return;
        const n = next++;
        const name = `crash ${SEED} job ${n}`;
        const { body, tasks } = jobBody(name, n);
        const post: Post = { n, name, tasks, life: lives.indexOf(life), outcome: 'pending' };
        posts.push(post);
        life.posts++;
        life.server.inFlight++;
        try {
          const r = await send(life.server.port!, 'POST', '/api/Jobs', body);
          if (r.status === 201 && typeof r.json?.Id === 'string') {
            post.outcome = 'created';
            post.id = r.json.Id;
            created++;
            life.created++;
          } else {
            post.outcome = 'status';
            post.detail = `${r.status} ${r.text.slice(0, 300)}`;
          }
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // A server that does not answer within 15 s is a failure, not a cut.
          post.outcome = code === 'ECONNREFUSED' ? 'refused' : code === 'ETIMEDOUT' ? 'status' : 'cut';
          post.detail = `${code ?? ''} ${(err as Error).message}`;
          if (post.outcome === 'refused') life.refused++;
          else if (post.outcome === 'cut') life.cut++;
        } finally {
          life.server.inFlight--;
        }
        await sleep(0);
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);

    try {
      // ---- The kills: a sixth from the spawn, 0-900 ms (a server listens 0.5-0.8 s after its
      // spawn: node's start-up, Engine.open and its recovery of the store, or the first requests);
      // the others 20-920 ms after the server listened, most of them early (20 + 900·u²), while
      // the client's POSTs and the recovered jobs' tasks run.
      let kills = 0;
      while (kills < MIN_KILLS) {
        if (performance.now() - started > 90_000) throw new Error(`only ${kills} kills in 90 s\n${context()}`);
        const plan: KillPlan = rnd() < 1 / 6 ? { from: 'spawn', delayMs: Math.floor(rnd() * 900) } : { from: 'listening', delayMs: 20 + Math.floor(900 * rnd() ** 2) };
        const server = spawnServer(data);
        const life: Life = { server, plan, createdBefore: created, deliveredBefore: delivered(), posts: 0, created: 0, cut: 0, refused: 0 };
        lives.push(life);
        const kill = (): void => {
          if (current === life) setCurrent(undefined);
          server.kill();
        };
        let timer: ReturnType<typeof setTimeout> | undefined;
        if (plan.from === 'spawn') timer = setTimeout(kill, plan.delayMs);
        const up = await Promise.race([server.ready.then(() => true), server.exited.then(() => false)]).catch(() => false);
        if (up && server.alive) {
          setCurrent(life);
          if (plan.from === 'listening') timer = setTimeout(kill, plan.delayMs);
        }
        const exit = await server.exited;
        clearTimeout(timer);
        if (current === life) setCurrent(undefined);
        if (!server.killed) throw new Error(`server #${lives.length - 1} exited by itself (code ${exit.code}, signal ${exit.signal})\n${context()}`);
        kills++;
        const rows = integrity(data);
        if (rows !== undefined && JSON.stringify(rows) !== '["ok"]') problems.push(`after the kill of server #${lives.length - 1}: PRAGMA integrity_check says ${rows.join('; ')}`);
      }

      // ---- No more POSTs: the clients' last requests were cut by the last kill.
      stopPosting = true;
      setCurrent(undefined);
      await Promise.all(clients);

      // ---- One more start, no kill: every job must end.
      const final = spawnServer(data);
      lives.push({ server: final, plan: undefined, createdBefore: created, deliveredBefore: delivered(), posts: 0, created: 0, cut: 0, refused: 0 });
      const port = await final.ready;
      let jobs = await listJobs(port);
      const drainStarted = performance.now();
      while (jobs.some((j) => !FINAL.has(j.State))) {
        if (performance.now() - drainStarted > DRAIN_TIMEOUT_MS) {
          const open = jobs.filter((j) => !FINAL.has(j.State));
          throw new Error(`${open.length} of ${jobs.length} jobs had not ended ${DRAIN_TIMEOUT_MS} ms after the last restart, e.g. ${open.slice(0, 5).map((j) => `${j.Name} (${j.Id}) state ${j.State}`).join(', ')}\n${context()}`);
        }
        await sleep(100);
        jobs = await listJobs(port);
      }
      const drainMs = performance.now() - drainStarted;

      // ---- Every job: POSTed once, by a request that got a 201 or was cut; complete; Finished.
      const byName = new Map(posts.map((p) => [p.name, p]));
      const seen = new Map<string, string>();
      for (const j of jobs) {
        const p = byName.get(j.Name);
        if (p === undefined) problems.push(`job ${j.Id} is named ${JSON.stringify(j.Name)}, which was never POSTed`);
        else if (p.outcome === 'refused') problems.push(`job ${j.Id} (${j.Name}) is there, but its POST never reached a server (${p.detail})`);
        else if (p.outcome === 'created' && p.id !== j.Id) problems.push(`job ${j.Name} is there as ${j.Id}, but its 201 said ${p.id}`);
        if (seen.has(j.Name)) problems.push(`job ${j.Name} is there twice: ${seen.get(j.Name)} and ${j.Id}`);
        seen.set(j.Name, j.Id);
        if (j.State !== 3) problems.push(`job ${j.Name} (${j.Id}) ended in state ${j.State}, not 3 (Finished)`);
      }
      const present = new Set(jobs.map((j) => j.Id));
      for (const p of posts) {
        if (p.outcome === 'created' && !present.has(p.id!)) problems.push(`job ${p.name} (${p.id}) got a 201 from server #${p.life} but is not there`);
        if (p.outcome === 'status') problems.push(`POST of ${p.name} to server #${p.life}: ${p.detail} (a 201 or a cut connection expected)`);
        if (p.outcome === 'pending') problems.push(`POST of ${p.name} to server #${p.life} never settled`);
      }
      // Each restart kept every job answered 201 before it was spawned, no job that was not
      // POSTed, and no fewer jobs than the restart before it (nothing is deleted).
      let keptBefore = 0;
      lives.forEach((l, i) => {
        const kept = l.server.kept;
        if (kept !== undefined && kept.jobs < l.createdBefore) problems.push(`server #${i} kept ${kept.jobs} jobs, but ${l.createdBefore} had been answered 201 before it started`);
        if (kept !== undefined && kept.jobs > l.deliveredBefore) problems.push(`server #${i} kept ${kept.jobs} jobs, but only ${l.deliveredBefore} POSTs had been answered 201 or cut before it started`);
        if (kept !== undefined && kept.jobs < keptBefore) problems.push(`server #${i} kept ${kept.jobs} jobs, fewer than the ${keptBefore} an earlier start found`);
        keptBefore = Math.max(keptBefore, kept?.jobs ?? 0);
        const odd = unexpectedStderr(l.server.stderr);
        if (odd.length > 0) problems.push(`server #${i} wrote on stderr: ${odd.slice(0, 5).join(' | ')}`);
      });

      // Every job's tasks: all there, Finished, with a history from Scheduled/Queued to Finished.
      const byId = new Map(posts.filter((p) => p.id !== undefined).map((p) => [p.id!, p]));
      let tasksChecked = 0;
      let requeuedTasks = 0;
      const queue = jobs.slice();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let j = queue.shift(); j !== undefined; j = queue.shift()) {
            const p = byId.get(j.Id) ?? byName.get(j.Name);
            if (p === undefined) continue;
            const r = await send(port, 'GET', `/api/Jobs('${encodeURIComponent(j.Id)}')/Tasks?$select=Name,State,HistoricalEvents`);
            if (r.status !== 200) {
              problems.push(`GET the tasks of ${j.Name}: ${r.status} ${r.text.slice(0, 200)}`);
              continue;
            }
            const tasks = r.json.value as Array<{ Name: string; State: number; HistoricalEvents: Array<{ Code: string }> }>;
            const names = tasks.map((t) => t.Name).sort();
            if (JSON.stringify(names) !== JSON.stringify(p.tasks.slice().sort())) problems.push(`job ${j.Name} (${j.Id}) has tasks ${JSON.stringify(names)}, not ${JSON.stringify(p.tasks)}`);
            for (const t of tasks) {
              tasksChecked++;
              const codes = t.HistoricalEvents.map((e) => e.Code);
              if (codes.includes('Requeued')) requeuedTasks++;
              if (t.State !== 3) problems.push(`task ${t.Name} ended in state ${t.State}, not 3 (Finished): [${codes.join(' ')}]`);
              if (!['Scheduled', 'Queued'].includes(codes[0] ?? '') || codes.at(-1) !== 'Finished') problems.push(`task ${t.Name}: its history is [${codes.join(' ')}], not from Scheduled or Queued to Finished`);
            }
          }
        }),
      );

      // No task without its job (a cut POST leaves all of its job or nothing).
      const taskCount = await send(port, 'GET', '/api/Tasks/$count');
      if (taskCount.status !== 200 || Number(taskCount.text) !== tasksChecked) problems.push(`GET /api/Tasks/$count: ${taskCount.status} ${taskCount.text.slice(0, 200)}, but the jobs' tasks are ${tasksChecked}`);

      // ---- A clean stop: SIGTERM, exit 0; then the file is intact.
      final.child.kill('SIGTERM');
      const exit = await Promise.race([final.exited, sleep(15_000).then(() => undefined)]);
      if (exit === undefined) problems.push('the last server did not stop within 15 s of SIGTERM');
      else if (exit.code !== 0) problems.push(`the last server exited with code ${exit.code}, signal ${exit.signal} after SIGTERM`);
      if (!/jobgraph serve: stopped\n$/.test(final.stderr)) problems.push(`the last server did not say it stopped: ${final.stderr.slice(-300)}`);
      const rows = integrity(data);
      if (JSON.stringify(rows) !== '["ok"]') problems.push(`PRAGMA integrity_check after the last server stopped: ${rows?.join('; ') ?? 'no file'}`);

      const killed = lives.filter((l) => l.server.killed);
      const count = (o: Post['outcome']): number => posts.filter((p) => p.outcome === o).length;
      const evidence = {
        kills: killed.length,
        killsBeforeOpen: killed.filter((l) => l.server.kept === undefined).length,
        killsBeforeListening: killed.filter((l) => l.server.listeningMs === undefined).length,
        killsWithPostsInFlight: killed.filter((l) => l.server.inFlightAtKill > 0).length,
        killsThatCutPosts: killed.filter((l) => l.cut > 0).length,
        posted: posts.length,
        created: count('created'),
        cut: count('cut'),
        refused: count('refused'),
        present: jobs.length,
        presentOfCut: jobs.filter((j) => byName.get(j.Name)?.outcome === 'cut').length,
        restartsWithRunningJobs: lives.filter((l) => (l.server.kept?.running ?? 0) > 0).length,
        tasksToRunAgain: lives.reduce((n, l) => n + (l.server.kept?.requeued ?? 0), 0),
        tasksChecked,
        requeuedTasks,
        drainMs: Math.round(drainMs),
        seconds: Math.round((performance.now() - started) / 100) / 10,
      };
      console.log(`server crash test, seed ${SEED}: ${JSON.stringify(evidence)}`);
      if (process.env.SERVER_CRASH_VERBOSE) console.log(context());

      const ctx = context();
      expect(problems.slice(0, 50), ctx).toEqual([]);
      expect(evidence.kills, ctx).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(evidence.present, ctx).toBeLessThanOrEqual(evidence.created + evidence.cut);
      expect(evidence.present, ctx).toBeGreaterThanOrEqual(evidence.created);
      // The kills landed where the issue wants them: with POSTs in flight, and with jobs running.
      expect(evidence.created, ctx).toBeGreaterThanOrEqual(50);
      expect(evidence.killsWithPostsInFlight, ctx).toBeGreaterThanOrEqual(MIN_KILLS / 2);
      expect(evidence.killsThatCutPosts, ctx).toBeGreaterThan(0);
      expect(evidence.restartsWithRunningJobs, ctx).toBeGreaterThan(0);
      expect(evidence.tasksToRunAgain, ctx).toBeGreaterThan(0);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      stopPosting = true;
      setCurrent(undefined);
      for (const s of children) if (s.alive) s.child.kill('SIGKILL');
      await Promise.all(clients);
    }
  }, 180_000);
});

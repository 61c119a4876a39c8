import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor, ProcessorContext } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import type { RunBatch, RunStore, StoredRun } from '../../../src/store/run-store.js';
import { dagJob, MES } from '../../helpers/jobs.js';

/** Review of the durable submit: what a kill -9 right after `submit` returns keeps of the job. */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC_ENGINE = pathToFileURL(join(ROOT, 'src/run/engine.ts')).href;

const dirs: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close().catch(() => undefined)));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-review-submit-'));
  dirs.push(dir);
  return dir;
}

const never = (ctx: ProcessorContext): Promise<never> => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
function proc(run: (ctx: ProcessorContext) => unknown): Processor {
  return { id: MES, name: 'P', run: run as Processor['run'] };
}

/**
 * Runs `body` in a child process (TypeScript sources through tsx) with `Engine` and `store` in
 * scope; the body prints one JSON line and then SIGKILLs its own process. Returns that line.
 */
async function runAndKill(store: string, body: string): Promise<unknown> {
  const dir = tempDir();
  const script = join(dir, 'child.mts');
  writeFileSync(
    script,
    `import { writeSync } from 'node:fs';
const { Engine } = await import(${JSON.stringify(SRC_ENGINE)});
const store = ${JSON.stringify(store)};
const MES = ${JSON.stringify(MES)};
const hold = { id: MES, name: 'P', run: () => new Promise(() => {}) };
// Synchronous: the line is out before the process kills itself.
const report = (v) => writeSync(1, JSON.stringify(v) + '\\n');
${body}
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (err += String(c)));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
  if (signal !== 'SIGKILL') throw new Error(`the child was not killed (${signal}): ${err}`);
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('review: submit and kill -9 in the same turn', () => {
  it("keeps the job's failFast (the engine's option) and maxRunning through a kill -9 right after submit returned", async () => {
    const dir = tempDir();
    const store = join(dir, 'runs.db');
    const job = dagJob(4, []);
    const out = (await runAndKill(
      store,
      `const engine = await Engine.open({ processors: [hold], store, failFast: true });
const h = engine.submit(${JSON.stringify(job)}, { maxRunning: 1 });
report({ id: h.id });
process.kill(process.pid, 'SIGKILL');`,
    )) as { id: string };
    const engine = await Engine.open({ processors: [proc(never)], store, cancelGraceMs: 10 });
    engines.push(engine);
    const record = engine.scheduler.jobRecord(engine.scheduler.jobIndex(out.id));
    expect(record.failFast).toBe(true);
    expect(record.maxRunning).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(engine.scheduler.tasks({ jobId: out.id, state: TaskState.Processing })).toHaveLength(1);
  });

  it('stores the record of a job as the scheduler keeps it, in the transaction of submit', async () => {
    const store = new MemoryStore();
    const engine = await Engine.open({ processors: [proc(never)], store, failFast: true, cancelGraceMs: 10 });
    engines.push(engine);
    const h = engine.submit(dagJob(3, []), { maxRunning: 2, priority: 7 });
    // What a kill -9 now would leave: the submit's own transaction only.
    const status = JSON.parse(store.load().jobs[0]!.status) as Record<string, unknown>;
    const { id: _id, created: _created, ...record } = engine.scheduler.jobRecord(engine.scheduler.jobIndex(h.id));
    expect(status).toMatchObject(record);
  });

  it('writes nothing of a job whose maxRunning the scheduler refuses', async () => {
    const seen: string[] = [];
    const inner = new MemoryStore();
    const store: RunStore = {
      location: ':memory:',
      load: (): StoredRun => inner.load(),
      write: (b: RunBatch): void => {
        for (const j of b.jobs) seen.push(j.id);
        inner.write(b);
      },
      close: () => inner.close(),
    };
    const engine = await Engine.open({ processors: [proc(never)], store, cancelGraceMs: 10 });
    engines.push(engine);
    for (const maxRunning of [0, 1.5, -1, 2 ** 40]) {
      expect(() => engine.submit(dagJob(1, []), { maxRunning })).toThrow(/maxRunning/);
    }
    engine.flush();
    expect(seen).toEqual([]);
    expect(inner.load().jobs).toEqual([]);
  });
});

describe('review: job priorities at the edges of 32 bits', () => {
  it('reopens a store holding a job of Priority -2147483648 (a 32-bit integer the scheduler takes)', async () => {
    const dir = tempDir();
    const store = join(dir, 'runs.db');
    const a = await Engine.open({ processors: [proc(() => undefined)], store });
    const low = a.submit({ ...dagJob(1, []), Priority: -2147483648 });
    const high = a.submit(dagJob(1, []), { priority: 2147483647 });
    await Promise.all([low.done, high.done]);
    await a.close();
    const b = await Engine.open({ processors: [proc(never)], store });
    engines.push(b);
    expect(b.scheduler.job(low.id)!.Priority).toBe(-2147483648);
    expect(b.scheduler.job(high.id)!.Priority).toBe(2147483647);
  });

  it('takes the submit option priority -2147483648 with a store, as without one', async () => {
    const plain = new Engine({ processors: [proc(never)], cancelGraceMs: 10 });
    engines.push(plain);
    expect(plain.submit(dagJob(1, []), { priority: -2147483648 }).view().Priority).toBe(-2147483648);
    const store = new MemoryStore();
    const a = await Engine.open({ processors: [proc(never)], store, cancelGraceMs: 10 });
    engines.push(a);
    const h = a.submit(dagJob(1, []), { priority: -2147483648 });
    expect(h.view().Priority).toBe(-2147483648);
    await a.close();
    const b = await Engine.open({ processors: [proc(never)], store, cancelGraceMs: 10 });
    engines.push(b);
    expect(b.scheduler.job(h.id)!.Priority).toBe(-2147483648);
  });
});

describe('review: forget, then submit the same Id', () => {
  it('takes a job whose Id was forgotten earlier in the same turn, and keeps only the new one', async () => {
    const store = new MemoryStore();
    const a = await Engine.open({ processors: [proc(() => undefined)], store });
    const def = { ...dagJob(2, [[0, 1]]), Id: 'nb:jid:UUID:00000000-0000-4000-8000-00000000f0f0' };
    await a.submit(def).done;
    a.forget(def.Id);
    const again = a.submit({ ...def, Name: 'again' });
    expect((await again.done).State).toBe(TaskState.Finished);
    await a.close();
    const b = await Engine.open({ processors: [proc(never)], store });
    engines.push(b);
    expect(b.scheduler.jobs().map((j) => [j.Id, j.Name])).toEqual([[def.Id, 'again']]);
  });
});

describe('review: a job the scheduler refuses after it was written', () => {
  it('refuses a task Id already taken before writing the job, so a kill -9 cannot leave a store no open can read', async () => {
    const inner = new MemoryStore();
    // Dies (as a process killed by SIGKILL) right after a write that holds a job: what follows is never written.
    let armed = false;
    let dead = false;
    const store: RunStore = {
      location: ':memory:',
      load: (): StoredRun => inner.load(),
      write: (b: RunBatch): void => {
        if (dead) return;
        inner.write(b);
        if (armed && b.jobs.length > 0) dead = true;
      },
      close: () => undefined,
    };
    const a = await Engine.open({ processors: [proc(never)], store, cancelGraceMs: 10 });
    engines.push(a);
    const taskId = 'nb:tid:UUID:00000000-0000-4000-8000-0000000000aa';
    const first = dagJob(1, []);
    (first.Tasks![0] as { Id?: string }).Id = taskId;
    const kept = a.submit(first);
    a.flush();
    armed = true;
    const second = dagJob(2, [[0, 1]]);
    (second.Tasks![1] as { Id?: string }).Id = taskId;
    expect(() => a.submit(second)).toThrow(expect.objectContaining({ code: 'TASK_EXISTS' }));
    const b = await Engine.open({ processors: [proc(never)], store: inner, cancelGraceMs: 10 });
    engines.push(b);
    expect(b.scheduler.jobs().map((j) => j.Id)).toEqual([kept.id]);
  });
});

describe('a durable submit the scheduler refuses writes nothing', () => {
  /** A store that dies (as a process killed by SIGKILL) right after any write that holds a job. */
  function dyingStore(inner: MemoryStore): RunStore {
    return {
      location: ':memory:',
      load: (): StoredRun => inner.load(),
      write: (b: RunBatch): void => {
        inner.write(b);
        if (b.jobs.length > 0) throw new Error('killed');
      },
      close: () => undefined,
    };
  }

  it.each([
    ['a task heavier than its pool', 'WEIGHT_EXCEEDS_POOL', 2, {}],
    ['a poolOf that throws', 'CALLBACK_THREW', 2, { poolOf: () => { throw new Error('no pool'); } }],
    ['a policy key that throws', 'CALLBACK_THREW', 1, { policy: { name: 'k', key: () => { throw new Error('no key'); } } }],
  ] as const)('refuses %s before the job is written, so the store still opens as it was', async (_what, code, weight, extra) => {
    const inner = new MemoryStore();
    const options = { processors: [proc(never)], profile: 'relaxed' as const, pools: { [MES]: 1 }, cancelGraceMs: 10, ...extra };
    const a = await Engine.open({ ...options, store: dyingStore(inner) });
    engines.push(a);
    const def = dagJob(2, [[0, 1]]);
    (def.Tasks![1] as { Weight?: number }).Weight = weight;
    expect(() => a.submit(def)).toThrow(expect.objectContaining({ code }));
    // Opened again with the same options: nothing of the refused job is there.
    const b = await Engine.open({ ...options, store: inner });
    engines.push(b);
    expect(b.scheduler.jobs()).toEqual([]);
  });
});

describe('review: changes asked of a durable engine after close', () => {
  it('refuses cancel and forget once its store is closed (ENGINE_CLOSED), rather than returning as if they were kept', async () => {
    const store = new MemoryStore();
    const a = await Engine.open({ processors: [proc(never)], store, cancelGraceMs: 10 });
    const running = a.submit(dagJob(1, []));
    await new Promise((r) => setImmediate(r));
    await a.close();
    expect(() => a.cancel(running.id)).toThrow(expect.objectContaining({ code: 'ENGINE_CLOSED' }));
    const b = await Engine.open({ processors: [proc(() => undefined)], store });
    const ended = b.submit(dagJob(1, []));
    await ended.done;
    await b.close();
    expect(() => b.forget(ended.id)).toThrow(expect.objectContaining({ code: 'ENGINE_CLOSED' }));
    // What the next open finds is what those calls said: nothing changed.
    const c = await Engine.open({ processors: [proc(never)], store, cancelGraceMs: 10 });
    engines.push(c);
    expect(c.scheduler.job(ended.id)).toBeDefined();
    expect(c.scheduler.job(running.id)!.State).not.toBe(TaskState.Canceled);
  });
});

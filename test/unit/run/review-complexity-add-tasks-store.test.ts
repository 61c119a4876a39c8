import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { emptyBatch } from '../../../src/store/run-store.js';
import { encodeJobModel } from '../../../src/store/journal.js';
import { MES } from '../../helpers/jobs.js';

/**
 * Tasks added to a job of a durable engine are appended to the job's segments (journal format 2),
 * not written again with the whole model at each addition, which cost the job's size a call.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function storePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-grow-'));
  dirs.push(dir);
  return join(dir, 'runs.db');
}

const hold: Processor = { id: MES, name: 'Encoder', run: () => new Promise(() => {}) };
const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b89140')" } };
const body = (input: string, out: number): string => `<taskBody><inputAsset>${input}</inputAsset><outputAsset>JobOutputAsset(${out})</outputAsset></taskBody>`;
const first = (name: string): object => ({ Name: name, InputMediaAssets: [INPUT], Tasks: [{ Name: `${name}0`, MediaProcessorId: MES, TaskBody: body('JobInputAsset(0)', 0) }] });
const next = (name: string, i: number): object => ({ Tasks: [{ Name: `${name}${i}`, MediaProcessorId: MES, TaskBody: body(`JobOutputAsset(${i - 1})`, i) }] });

describe('a durable job grown a task at a time (review: complexity)', () => {
  it(
    'writes 3,000 one-task additions without writing the whole job again each time (was quadratic: 2,000 took 7.1 s), and a reopen has them all',
    async () => {
      const n = 3_000;
      const store = storePath();
      const a = await Engine.open({ processors: [hold], store, cancelGraceMs: 10 });
      const h = a.submit(first('t'));
      const started = performance.now();
      for (let i = 1; i <= n; i++) a.addTasks(h.id, next('t', i));
      const elapsed = performance.now() - started;
      const before = a.scheduler.tasks({ jobId: h.id }).map((t) => [t.Id, t.Name]);
      const blocks = a.scheduler.snapshot().blocks;
      await a.close();
      const db = new Database(store, { readonly: true });
      // The job's record holds one block for the 3,000 additions, and its model only the task it was submitted with.
      expect(JSON.parse(db.prepare('SELECT status FROM jobs').pluck().get() as string).grown).toHaveLength(1);
      expect(JSON.parse(db.prepare('SELECT model FROM models').pluck().get() as string)[8]).toHaveLength(1);
      db.close();
      const b = await Engine.open({ processors: [hold], store, cancelGraceMs: 10 });
      expect(b.scheduler.tasks({ jobId: h.id }).map((t) => [t.Id, t.Name])).toEqual(before);
      expect(b.scheduler.snapshot().blocks).toEqual(blocks);
      expect(b.scheduler.taskInfo(before[n]![0]!).dependencies).toEqual([before[n - 1]![0]]);
      await b.close();
      expect(elapsed).toBeLessThan(8_000);
    },
    120_000,
  );

  it('two jobs grown in turn keep their blocks apart, and a reopen numbers every task as it was', async () => {
    const store = storePath();
    const a = await Engine.open({ processors: [hold], store, cancelGraceMs: 10, concurrency: 1 });
    const x = a.submit(first('x'));
    const y = a.submit(first('y'));
    for (let i = 1; i <= 3; i++) {
      a.addTasks(x.id, next('x', i));
      // Two additions to x in a row (their block grows), then one to y.
      a.addTasks(x.id, { Tasks: [{ Name: `x${i}b`, MediaProcessorId: MES, TaskBody: body('JobInputAsset(0)', 100 + i) }] });
      a.addTasks(y.id, next('y', i));
    }
    const serials = (e: Engine): Array<[string, number]> => e.scheduler.tasks().map((t) => [t.Name, e.scheduler.taskSerial(t.Id)]);
    const before = serials(a);
    const blocks = a.scheduler.snapshot().blocks;
    await a.close();
    const b = await Engine.open({ processors: [hold], store, cancelGraceMs: 10, concurrency: 1 });
    expect(serials(b)).toEqual(before);
    expect(b.scheduler.snapshot().blocks).toEqual(blocks);
    await b.close();
  });

  it('keeps the extensions of plain tasks added to a plain job through a reopen', async () => {
    const store = storePath();
    const a = await Engine.open({ processors: [hold], store, cancelGraceMs: 10, concurrency: 1 });
    const h = a.submit({ maxRunning: 3, tasks: [{ id: 'a', processor: MES }] });
    a.addTasks(h.id, { tasks: [{ id: 'b', processor: MES, dependsOn: ['a'], weight: 2 }] });
    a.addTasks(h.id, { tasks: [{ id: 'c', processor: MES, dependsOn: ['b'], action: 'run', name: 'See' }] });
    const model = a.scheduler.jobModel(h.id);
    expect(model.extensions).toEqual({ maxRunning: 3, weight: [1, 2, 1], action: [0, 0, 1], label: [null, null, 'See'] });
    await a.close();
    const b = await Engine.open({ processors: [hold], store, cancelGraceMs: 10, concurrency: 1 });
    const after = b.scheduler.jobModel(h.id);
    expect(after.extensions).toEqual(model.extensions);
    expect(after.Tasks.map((t) => [t.index, t.Id, t.Name, t.TaskBody, t.inputs, t.outputs])).toEqual(model.Tasks.map((t) => [t.index, t.Id, t.Name, t.TaskBody, t.inputs, t.outputs]));
    await b.close();
  });

  it('reads a store written before segments of added tasks: the grown model, written again at each addition', async () => {
    const store = new MemoryStore();
    const a = await Engine.open({ processors: [hold], store, cancelGraceMs: 10 });
    const h = a.submit(first('t'));
    for (let i = 1; i <= 3; i++) a.addTasks(h.id, next('t', i));
    const before = a.scheduler.tasks({ jobId: h.id }).map((t) => [t.Id, t.Name, t.State]);
    const grown = encodeJobModel(a.scheduler.jobModel(h.id));
    // As the older engine left it: the model grown, no segment of added tasks.
    const old = new MemoryStore();
    const run = store.load();
    const batch = emptyBatch();
    for (const j of run.jobs) batch.jobs.push({ ...j, model: grown });
    for (const [job, list] of run.segments) for (const data of list) if (data[0] === 1) batch.segments.push({ job, data });
    expect(batch.segments.length).toBeLessThan([...run.segments.values()].flat().length);
    old.write(batch);
    const b = await Engine.open({ processors: [hold], store: old, cancelGraceMs: 10 });
    expect(b.scheduler.tasks({ jobId: h.id }).map((t) => [t.Id, t.Name, t.State])).toEqual(before);
    await b.close();
    await a.close();
  });

  it('refuses a damaged segment of added tasks: STORE_CORRUPT', async () => {
    const store = new MemoryStore();
    const a = await Engine.open({ processors: [hold], store, cancelGraceMs: 10 });
    const h = a.submit(first('t'));
    a.addTasks(h.id, next('t', 1));
    const run = store.load();
    const damaged = new MemoryStore();
    const batch = emptyBatch();
    batch.jobs.push(...run.jobs);
    for (const [job, list] of run.segments) {
      for (const data of list) {
        if (data[0] !== 2) batch.segments.push({ job, data });
        else batch.segments.push({ job, data: Uint8Array.from([...data.subarray(0, 16), ...Buffer.from('[[], [1], 0]'.padEnd(data.length - 16))]) });
      }
    }
    damaged.write(batch);
    await expect(Engine.open({ processors: [hold], store: damaged, cancelGraceMs: 10 })).rejects.toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringContaining('a segment of added tasks that cannot be read') });
    await a.close();
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor, ProcessorContext } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { ValidationError } from '../../../src/errors.js';
import { dagJob, MES } from '../../helpers/jobs.js';

/** Engine.addTasks: the tasks run, unknown processors are refused, and a store keeps them through a restart and a kill -9. */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-add-'));
  dirs.push(dir);
  return dir;
}

function proc(run: (ctx: ProcessorContext) => unknown, id = MES): Processor {
  return { id, name: 'Encoder', run: async (ctx) => run(ctx) as never };
}

function task(name: string, inputs: number[], out: number, processor = MES): Record<string, unknown> {
  const refs = inputs.length === 0 ? '<inputAsset>JobInputAsset(0)</inputAsset>' : inputs.map((i) => `<inputAsset>JobOutputAsset(${i})</inputAsset>`).join('');
  return { Name: name, MediaProcessorId: processor, TaskBody: `<taskBody>${refs}<outputAsset>JobOutputAsset(${out})</outputAsset></taskBody>` };
}

const never = (): Promise<never> => new Promise(() => {});

describe('Engine.addTasks', () => {
  it('runs the added tasks after their producers, and the job ends when they have', async () => {
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const engine = new Engine({
      processors: [
        proc(async (ctx) => {
          if (ctx.taskName === 'Task 0') await gate;
          ran.push(ctx.taskName);
        }),
      ],
    });
    const handle = engine.submit(dagJob(1, []));
    await new Promise((r) => setTimeout(r, 10));
    const views = engine.addTasks(handle.id, { Tasks: [task('C', [0], 1), task('D', [1], 2)] });
    expect(views.map((v) => v.State)).toEqual([TaskState.Queued, TaskState.Queued]);
    release();
    const end = await handle.done;
    expect(end.State).toBe(TaskState.Finished);
    expect(ran).toEqual(['Task 0', 'C', 'D']);
    await engine.close();
  });

  it('refuses a task no processor of the engine runs, changing nothing', async () => {
    const engine = new Engine({ processors: [proc(never)], cancelGraceMs: 10 });
    const handle = engine.submit(dagJob(1, []));
    let err: unknown;
    try {
      engine.addTasks(handle.id, { Tasks: [task('C', [0], 1, 'nb:mpid:UUID:00000000-0000-4000-8000-00000000dead')] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).diagnostics.map((d) => [d.code, d.task])).toEqual([['MEDIA_PROCESSOR_UNKNOWN', 0]]);
    expect(engine.scheduler.tasks({ jobId: handle.id })).toHaveLength(1);
    await engine.close();
  });

  it('a store keeps added tasks, their place in the order and their states through a restart', async () => {
    const store = join(tempDir(), 'runs.db');
    const a = await Engine.open({ processors: [proc(never)], store, concurrency: 1, cancelGraceMs: 10 });
    const first = a.submit(dagJob(2, [[0, 1]]));
    const second = a.submit(dagJob(1, []));
    const [c, d] = a.addTasks(first.id, { Tasks: [task('C', [0], 2), task('D', [], 3)] });
    await new Promise((r) => setTimeout(r, 20));
    const before = a.scheduler.tasks().map((t) => [t.Id, t.State]);
    const snapshotOrder = a.scheduler.snapshot().blocks;
    await a.close();
    const b = await Engine.open({ processors: [proc(never)], store, concurrency: 1, cancelGraceMs: 10 });
    // close() canceled the running task; states are as the store has them.
    expect(b.scheduler.tasks({ jobId: first.id }).map((t) => t.Name)).toEqual(['Task 0', 'Task 1', 'C', 'D']);
    expect(b.scheduler.snapshot().blocks).toEqual(snapshotOrder);
    expect(b.scheduler.task(c!.Id)).toBeDefined();
    expect(b.scheduler.task(d!.Id)).toBeDefined();
    expect(before.length).toBe(5);
    void second;
    await b.close();
  });

  it('an addition survives kill -9 of the process right after addTasks returned', async () => {
    const dir = tempDir();
    const store = join(dir, 'runs.db');
    const dist = pathToFileURL(fileURLToPath(new URL('../../../dist/src/index.js', import.meta.url))).href;
    const script = join(dir, 'child.mjs');
    writeFileSync(
      script,
      `const { Engine } = await import(${JSON.stringify(dist)});
const hold = { id: ${JSON.stringify(MES)}, name: 'Encoder', run: () => new Promise(() => {}) };
const engine = await Engine.open({ processors: [hold], store: ${JSON.stringify(store)} });
const body = (inputs, out) => '<taskBody>' + inputs + '<outputAsset>JobOutputAsset(' + out + ')</outputAsset></taskBody>';
const handle = engine.submit({ Name: 'grown', InputMediaAssets: [{ __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A00000000-0000-4000-8000-000000000001')" } }], Tasks: [{ Name: 'first', MediaProcessorId: hold.id, TaskBody: body('<inputAsset>JobInputAsset(0)</inputAsset>', 0) }] });
const added = engine.addTasks(handle.id, { Tasks: [{ Name: 'added', MediaProcessorId: hold.id, TaskBody: body('<inputAsset>JobOutputAsset(0)</inputAsset>', 1) }] });
process.stdout.write(JSON.stringify({ job: handle.id, added: added[0].Id }) + '\\n');
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += String(c)));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += String(c);
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const { job, added } = JSON.parse(line) as { job: string; added: string };
    const engine = await Engine.open({ processors: [proc(never)], store, cancelGraceMs: 10 });
    expect(engine.scheduler.tasks({ jobId: job }).map((t) => t.Name)).toEqual(['first', 'added']);
    expect(engine.scheduler.taskInfo(added).dependencies).toHaveLength(1);
    expect(engine.scheduler.stateOf(added)).toBe(TaskState.Queued);
    await engine.close();
  });
});

/**
 * What durability costs: the same Engine run of no-op tasks with no store, with a MemoryStore (the
 * journal is built but kept in memory) and with a SqliteStore on a file (WAL, synchronous NORMAL,
 * and FULL). The time runs from submit to `done` and a last flush, so every change is in the
 * store when the clock stops. And what reopening costs: `Engine.open` on a store holding a
 * finished run (every task with its history), until the engine is ready.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase } from './protocol.js';
import { formatCount, resident, shared } from './protocol.js';
import { makeWorkload, type ShapeName } from '../src/workload/shapes.js';
import { jobFromGraph } from '../src/workload/ams-job.js';
import { validateJob, type ValidationResult } from '../src/validate/validate.js';
import { sequentialIds } from '../src/job/ids.js';
import { Engine } from '../src/run/engine.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { TaskState } from '../src/job/enums.js';

const CONCURRENCY = 16;
const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const processors = [{ id: MES, name: 'no-op', run: () => undefined }];

type Kind = 'none' | 'memory' | 'sqlite' | 'sqlite-full';
const IMPL: Record<Kind, string> = { none: 'no store', memory: 'MemoryStore', sqlite: 'SqliteStore', 'sqlite-full': 'SqliteStore synchronous=full' };

const dir = shared(() => {
  const d = mkdtempSync(join(tmpdir(), 'jobgraph-bench-store-'));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
});
let files = 0;

/** The engine of the last run, closed (untimed) before the next one starts. */
let previous: Engine | undefined;

async function freshEngine(kind: Kind): Promise<Engine> {
  if (previous) await previous.close();
  previous = undefined;
  if (kind === 'none') return (previous = new Engine({ processors, concurrency: CONCURRENCY }));
  const store = kind === 'memory' ? new MemoryStore() : join(dir(), `run-${process.pid}-${files++}.db`);
  return (previous = await Engine.open({ processors, concurrency: CONCURRENCY, store, ...(kind === 'sqlite-full' ? { synchronous: 'full' as const } : {}) }));
}

function prepare(shape: ShapeName, n: number): ValidationResult {
  const result = validateJob(jobFromGraph(makeWorkload(shape, n)), { profile: 'relaxed', ids: sequentialIds() });
  if (!result.valid) throw new Error(`store bench: ${shape} ${n} is invalid`);
  return result;
}

/** Keeps a busy engine of each kind for the whole process, as an application would (see bench/README.md). */
const keepResident = shared(async () => {
  for (const kind of ['none', 'memory', 'sqlite'] as Kind[]) {
    const e = resident(kind === 'none' ? new Engine({ processors, concurrency: CONCURRENCY }) : await Engine.open({ processors, concurrency: CONCURRENCY, store: kind === 'memory' ? new MemoryStore() : join(dir(), `resident-${process.pid}-${kind}.db`) }));
    await e.submit(prepare('media', 60)).done;
  }
});

async function runOnce(input: ValidationResult, engine: Engine): Promise<number> {
  const final = await engine.submit(input).done;
  if (final.State !== TaskState.Finished) throw new Error(`the job ended ${final.State}`);
  engine.flush();
  return input.job!.Tasks.length;
}

export const cases: BenchCase[] = [];
for (const shape of ['layered', 'media'] as ShapeName[]) {
  for (const n of [10_000, 100_000]) {
    const row = `Engine run, ${shape} ${formatCount(n)}`;
    const batch = `store/${shape}/${n}`;
    // A validation result can be submitted once per scheduler: each run gets a fresh engine.
    const input = shared(async () => {
      await keepResident();
      return prepare(shape, n);
    });
    for (const kind of ['none', 'memory', 'sqlite', 'sqlite-full'] as Kind[]) {
      cases.push({
        id: `store/${shape}/${n}/${kind}`,
        table: 'store',
        row,
        impl: IMPL[kind],
        role: kind === 'sqlite' ? 'ours' : 'reference',
        n,
        ...(kind === 'sqlite' || kind === 'sqlite-full' ? { baseline: IMPL.memory } : kind === 'memory' ? { baseline: IMPL.none } : {}),
        batch,
        timeoutMs: 300_000,
        memory: false,
        setup: input,
        fresh: () => freshEngine(kind),
        run: (i: ValidationResult, engine: Engine) => runOnce(i, engine),
      });
    }
  }
}

// Reopening: a store holding a finished run of n tasks (3 to 4 events each), read back by Engine.open.
for (const [shape, n] of [
  ['layered', 100_000],
  ['media', 100_000],
] as Array<[ShapeName, number]>) {
  const path = shared(async () => {
    const p = join(dir(), `open-${shape}-${n}.db`);
    const e = await Engine.open({ processors, concurrency: CONCURRENCY, store: p });
    const final = await e.submit(prepare(shape, n)).done;
    if (final.State !== TaskState.Finished) throw new Error(`the job ended ${final.State}`);
    await e.close();
    return p;
  });
  cases.push({
    id: `store/open/${shape}/${n}`,
    table: 'store',
    row: `Engine.open, ${shape} ${formatCount(n)} finished`,
    impl: 'SqliteStore',
    role: 'ours',
    n,
    batch: `store/open/${shape}/${n}`,
    timeoutMs: 300_000,
    memory: false,
    setup: path,
    run: async (p: string) => {
      const e = await Engine.open({ processors, concurrency: CONCURRENCY, store: p });
      const tasks = e.recovery!.tasks;
      await e.close();
      return tasks;
    },
    check: (tasks: number) => {
      if (tasks !== n) throw new Error(`opened ${tasks} tasks, expected ${n}`);
    },
  });
}

import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { TaskState } from '../../../src/job/enums.js';
import { MES } from '../../helpers/jobs.js';

/** A processor that never ends: the tasks stay where they are until the engine closes. */
const hang: Processor = { id: MES, name: 'Encoder', run: () => new Promise<never>(() => {}) };

function weighted(n: number): { tasks: Array<{ id: string; processor: string; pool: string; weight: number }> } {
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push({ id: `t${i}`, processor: MES, pool: 'gpu', weight: 2 });
  return { tasks };
}

describe('Engine.open with many weighted tasks (review: complexity)', () => {
  it(
    'checks the weights of 16,000 ready tasks without asking explain() for each (was quadratic: 12,000 took 14 s)',
    async () => {
      const store = new MemoryStore();
      const options = { processors: [hang], store, pools: { gpu: 2 }, cancelGraceMs: 0 };
      const first = await Engine.open(options);
      const { id } = first.submit(weighted(16_000));
      await first.close();
      const started = performance.now();
      const again = await Engine.open(options);
      const elapsed = performance.now() - started;
      expect(again.recovery).toMatchObject({ jobs: 1, tasks: 16_000, requeued: 1 });
      expect(again.scheduler.job(id)!.State).toBe(TaskState.Processing);
      await again.close();
      expect(elapsed).toBeLessThan(4_000);
    },
    120_000,
  );

  it('still refuses a task yet to end that is heavier than its pool as given now', async () => {
    const store = new MemoryStore();
    const first = await Engine.open({ processors: [hang], store, pools: { gpu: 2 }, cancelGraceMs: 0 });
    first.submit(weighted(3));
    await first.close();
    await expect(Engine.open({ processors: [hang], store, pools: { gpu: 1 }, cancelGraceMs: 0 })).rejects.toMatchObject({ code: 'WEIGHT_EXCEEDS_POOL', message: expect.stringMatching(/has Weight 2 but its pool "gpu" now has 1 slot: it could never start/) });
    // A pool named by poolOf rather than the task counts as well; an ended task is not checked.
    const ok = await Engine.open({ processors: [hang], store, pools: { gpu: 2 }, cancelGraceMs: 0 });
    expect(ok.scheduler.tasks().filter((t) => t.State === TaskState.Scheduled)).toHaveLength(2);
    await ok.close();
  });

  it('takes a pool named like a member of Object.prototype (toString, __proto__) as a pool without slots, as any other name', async () => {
    for (const pool of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const store = new MemoryStore();
      const options = { processors: [hang], store, pools: { gpu: 2 }, cancelGraceMs: 0 };
      const first = await Engine.open(options);
      const { id } = first.submit({ tasks: [{ id: 'a', processor: MES, pool, weight: 2 }] });
      await first.close();
      // Was WEIGHT_EXCEEDS_POOL: 'its pool "toString" now has function toString() { [native code] } slots'.
      const again = await Engine.open(options);
      expect(again.recovery, pool).toMatchObject({ jobs: 1, tasks: 1 });
      expect(again.scheduler.job(id), pool).toBeDefined();
      await again.close();
    }
  });
});

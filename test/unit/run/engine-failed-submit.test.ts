import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { MES } from '../../helpers/jobs.js';

/**
 * A submit the scheduler refuses after validation (a `poolOf` of the user's throws) leaves no
 * trace: regression for a job left Queued for ever, `idle()` never resolving, and a store that
 * disagreed with memory.
 */

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close().catch(() => undefined)));
});

const proc: Processor = { id: MES, name: 'P', run: () => undefined };
const boom = new Error('poolOf boom');
const job = { name: 'E', tasks: [{ id: 'a', processor: MES }, { id: 'b', processor: MES }] };

describe('Engine.submit when poolOf throws', () => {
  it('throws CALLBACK_THREW, keeps nothing in memory or in the store, and stays idle', async () => {
    let broken = true;
    const store = new MemoryStore();
    const engine = await Engine.open({ processors: [proc], store, pools: { gpu: 1 }, poolOf: (t) => (broken && t.Name === 'b' ? (() => { throw boom; })() : 'gpu') });
    engines.push(engine);
    let err: unknown;
    try {
      engine.submit(job);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SchedulerError);
    expect((err as SchedulerError).code).toBe('CALLBACK_THREW');
    expect((err as SchedulerError).cause).toBe(boom);
    expect(engine.scheduler.jobs()).toEqual([]);
    engine.flush();
    expect(store.load().jobs).toEqual([]);
    await engine.idle();
    // Fixed, the same job runs to the end.
    broken = false;
    const h = engine.submit(job);
    await h.done;
    expect(engine.scheduler.jobs().map((j) => j.Id)).toEqual([h.id]);
  });
});

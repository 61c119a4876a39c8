import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { dagJob, MES } from '../../helpers/jobs.js';

/** Every view field but the running clock's. */
function portrait(engine: Engine): unknown {
  return engine.scheduler.tasks().map(({ RunningDuration: _r, ...t }) => t);
}

describe('WaitingForFreeResources in a durable run', () => {
  it('is journaled like any event: a reopened run shows the same waits and PerfMessages', async () => {
    const store = new MemoryStore();
    const processor: Processor = { id: MES, name: 'P', run: () => new Promise((r) => setTimeout(r, 2)) };
    const a = await Engine.open({ processors: [processor], store, concurrency: 1 });
    const h = a.submit(dagJob(3, [[0, 2]]));
    await h.done;
    await a.close();
    const waits = a.scheduler.tasks().map((t) => t.HistoricalEvents.filter((e) => e.Code === 'WaitingForFreeResources').length);
    expect(waits).toEqual([0, 1, 1]); // 1 waits for 0; 2, ready when 0 ends, waits for 1
    expect(a.scheduler.tasks()[1]!.PerfMessage).toMatch(/^waited \d+ ms for a slot; ran \d+ ms$/);
    const b = await Engine.open({ processors: [processor], store });
    try {
      expect(portrait(b)).toEqual(portrait(a));
    } finally {
      await b.close();
    }
  });
});

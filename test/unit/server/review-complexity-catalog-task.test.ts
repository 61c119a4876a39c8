import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import { Catalog } from '../../../src/server/catalog.js';
import { MES } from '../../helpers/jobs.js';

describe('Catalog: a task of a long chain, and many deletes (review: complexity)', () => {
  it(
    'finds each of 4,000 tasks of a 20,000-task chain without walking the chain per task (it took 7.9 s)',
    async () => {
      const n = 20_000;
      const engine = new Engine({ processors: [{ id: MES, name: 'hold', run: () => new Promise(() => {}) }], cancelGraceMs: 10 });
      const tasks = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, processor: MES, dependsOn: i > 0 ? [`t${i - 1}`] : [] }));
      const h = engine.submit({ tasks });
      const catalog = new Catalog(engine);
      const ids = engine.scheduler.tasks({ jobId: h.id }).map((t) => t.Id);
      const started = performance.now();
      for (let i = 0; i < n; i += 5) {
        const found = catalog.task(ids[i]!)!;
        expect(found.task.Id).toBe(ids[i]);
        expect(found.task.index).toBe(i);
        expect(found.job.Id).toBe(h.id);
      }
      const elapsed = performance.now() - started;
      expect(catalog.task('nb:tid:UUID:00000000-0000-4000-8000-000000000000')).toBeUndefined();
      catalog.dispose();
      await engine.close();
      expect(elapsed).toBeLessThan(4_000);
    },
    120_000,
  );

  it(
    'deletes 20,000 jobs one call each without copying the list per delete (it took 8 s), keeping the order of the rest',
    async () => {
      const n = 20_000;
      const engine = new Engine({ processors: [{ id: MES, name: 'no-op', run: () => undefined }], concurrency: 64 });
      const handles = Array.from({ length: n }, () => engine.submit({ tasks: [{ id: 'a', processor: MES }] }));
      await Promise.all(handles.map((h) => h.done));
      const catalog = new Catalog(engine);
      const ids = handles.map((h) => h.id);
      expect(catalog.jobIds()).toEqual(ids);
      // Every other job first, with a read between: the list and the deletions count as a reader sees them.
      const started = performance.now();
      for (let i = 0; i < n; i += 2) catalog.delete(ids[i]!);
      const half = catalog.jobIdsSince(0);
      expect(half.ids).toEqual(ids.filter((_, i) => i % 2 === 1));
      expect(half.deletions).toBe(n / 2);
      expect(catalog.jobIdsSince(n / 2 - 2).ids).toEqual([ids[n - 3], ids[n - 1]]);
      for (let i = 1; i < n; i += 2) catalog.delete(ids[i]!);
      const elapsed = performance.now() - started;
      expect(catalog.jobIds()).toEqual([]);
      expect(catalog.jobIdsSince(0).deletions).toBe(n);
      const later = engine.submit({ tasks: [{ id: 'a', processor: MES }] });
      await later.done;
      expect(catalog.jobIds()).toEqual([later.id]);
      catalog.dispose();
      await engine.close();
      expect(elapsed).toBeLessThan(3_000);
    },
    120_000,
  );
});

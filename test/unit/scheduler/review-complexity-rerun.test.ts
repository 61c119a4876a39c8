import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { Engine } from '../../../src/run/engine.js';
import { ProcessorError, type Processor } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { MES } from '../../helpers/jobs.js';

describe('rerun in a big job (review: complexity)', () => {
  it(
    'reruns each of 16,000 failed tasks of one job without a pass over the whole job per rerun (was quadratic: 8,000 took 7.8 s)',
    () => {
      const n = 16_000;
      const s = new Scheduler();
      const tasks = [];
      for (let i = 0; i < n; i++) tasks.push({ id: `t${i}`, dependsOn: i % 2 === 1 ? [`t${i - 1}`] : [] });
      const job = s.submit({ tasks });
      for (let c = s.next(); c; c = s.next()) s.fail(c, { message: 'boom' });
      const ids = s.tasks({ jobId: job.Id }).map((t) => t.Id);
      const started = performance.now();
      // A producer first, then its dependent (canceled when the producer failed): it waits on it again.
      for (const id of ids) s.rerun(id);
      const elapsed = performance.now() - started;
      const states = s.tasks({ jobId: job.Id }).map((t) => t.State);
      expect(states.filter((x) => x === TaskState.Scheduled)).toHaveLength(n / 2);
      expect(states.filter((x) => x === TaskState.Queued)).toHaveLength(n / 2);
      expect(s.explain(ids[1]!)).toMatchObject({ reason: 'waiting-on-dependencies', waitingOn: [{ taskId: ids[0] }] });
      expect(s.taskInfo(ids[1]!).allDependencies).toEqual([ids[0]]);
      expect(elapsed).toBeLessThan(4_000);
    },
    120_000,
  );

  it(
    'Engine.rerun finds the task\'s job without walking everything up- and downstream of it (taskInfo did, per rerun)',
    async () => {
      const n = 20_000;
      let failing = true;
      const proc: Processor = {
        id: MES,
        name: 'Encoder',
        run: async () => {
          if (failing) throw new ProcessorError('ErrorProcessingTask', 'boom');
        },
      };
      const engine = new Engine({ processors: [proc], retry: { maxAttempts: 1 } });
      const tasks = [];
      for (let i = 0; i < n; i++) tasks.push({ id: `t${i}`, processor: MES, dependsOn: i > 0 ? [`t${i - 1}`] : [] });
      const handle = engine.submit({ tasks });
      expect((await handle.done).State).toBe(TaskState.Error);
      const ids = engine.scheduler.tasks({ jobId: handle.id }).map((t) => t.Id);
      const started = performance.now();
      // Each canceled task, rerun alone, meets its canceled producer again at once: Canceled.
      for (let i = n - 1; i >= 1; i--) engine.rerun(ids[i]!);
      const elapsed = performance.now() - started;
      expect(engine.scheduler.task(ids[n - 1]!)!.HistoricalEvents.map((e) => e.Code)).toContain('Rerun');
      failing = false;
      engine.rerun(ids[0]!, { downstream: true });
      expect((await engine.done(handle.id)).State).toBe(TaskState.Finished);
      await engine.close();
      expect(elapsed).toBeLessThan(4_000);
    },
    120_000,
  );
});

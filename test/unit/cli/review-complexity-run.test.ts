import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { summaryTable } from '../../../src/cli/run.js';
import type { Engine } from '../../../src/run/engine.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { TaskState } from '../../../src/job/enums.js';
import type { TaskView } from '../../../src/scheduler/views.js';
import { chain } from '../../../src/workload/shapes.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';
import { runCli } from '../../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('jobgraph run on a long chain (review: complexity)', () => {
  it(
    'runs a 4,000-task chain at --time-scale 0 without a timer per step nor a walk of the chain per event (it took 51 s)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jobgraph-run-chain-'));
      dirs.push(dir);
      const file = join(dir, 'chain.json');
      writeFileSync(file, JSON.stringify(jobFromGraph(chain(4_000))));
      const started = performance.now();
      const r = await runCli(['run', file, '--time-scale', '0', '--reserved-units', '16']);
      const elapsed = performance.now() - started;
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // A line per state change: Scheduled → Processing → Finished (the first task starts Scheduled).
      expect(r.stdout.split('\n').filter((l) => l.includes('→ Finished'))).toHaveLength(4_000);
      expect(r.stdout).toContain('Task 3999: Queued → Scheduled');
      expect(r.stdout).toMatch(/job "Generated job" Finished in/);
      expect(elapsed).toBeLessThan(15_000);
    },
    120_000,
  );

  it('the summary table of 150,001 tasks: no spread of every row into Math.max (it overflowed the stack)', () => {
    const tasks = Array.from({ length: 150_001 }, (_, i) => ({ Name: `t${i}`, State: TaskState.Finished, StartTime: null, EndTime: null, RunningDuration: 0 }) as unknown as TaskView);
    const engine = { scheduler: { attemptsOf: () => 1 } } as unknown as Engine;
    const lines = summaryTable(engine, tasks).split('\n');
    expect(lines.length).toBeGreaterThan(150_001);
    expect(lines.at(-1)).toContain('t150000');
  });
});

describe('Scheduler.attemptsOf', () => {
  it('counts every start of a task, retries and reruns included, without its view', () => {
    const s = new Scheduler({ maxAttempts: 3 });
    const job = s.submit({ tasks: [{ id: 'a' }] });
    const id = s.tasks({ jobId: job.Id })[0]!.Id;
    expect(s.attemptsOf(id)).toBe(0);
    const first = s.next()!;
    expect(s.attemptsOf(first)).toBe(1);
    s.fail(first, { retryable: true });
    const second = s.next()!;
    expect([s.attemptsOf(id), second.attempt]).toEqual([2, 2]);
    s.fail(second, { message: 'for good' });
    s.rerun(id);
    s.complete(s.next()!);
    expect([s.attemptsOf(id), s.attemptsSinceRerun(id)]).toEqual([3, 1]);
    expect(() => s.attemptsOf('nb:tid:UUID:none')).toThrow(SchedulerError);
  });
});

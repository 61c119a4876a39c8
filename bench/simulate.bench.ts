/**
 * The simulator on the real Scheduler: an AMS job mix (`generate ams-mix`) of 10,000, 100,000 and
 * 1,000,000 tasks, with demo durations, 16 reserved units and each policy. The workload is validated
 * once in setup (`prepareWorkload`); the timed run is the simulation itself, metrics included.
 * Simulated tasks per second = n / median.
 */
import type { BenchCase } from './protocol.js';
import { formatCount, resident, shared } from './protocol.js';
import { generateWorkload } from '../src/workload/stream.js';
import { prepareWorkload, simulate, type PolicyName } from '../src/simulate/simulator.js';
import { demoDurations } from '../src/simulate/durations.js';
import { Scheduler } from '../src/scheduler/scheduler.js';

const POLICIES: PolicyName[] = ['priority', 'critical-path', 'fifo'];

export const cases: BenchCase[] = [];
for (const n of [10_000, 100_000, 1_000_000]) {
  const input = shared(() => {
    resident(new Scheduler());
    const w = generateWorkload('ams-mix', { tasks: n, seed: 20240601, rate: 600 });
    const prepared = prepareWorkload(w.jobs);
    const tasks = prepared.results.reduce((s, r) => s + r.job!.Tasks.length, 0);
    return { prepared, tasks };
  });
  for (const policy of POLICIES) {
    cases.push({
      id: `simulate/ams-mix/${n}/${policy}`,
      table: 'simulate',
      row: `ams-mix ${formatCount(n)}`,
      impl: policy,
      role: 'ours',
      n,
      batch: `simulate/${n}`,
      memory: false,
      timeoutMs: 600_000,
      setup: input,
      run: (i: { prepared: ReturnType<typeof prepareWorkload>; tasks: number }) => {
        const r = simulate(i.prepared, { policy, reservedUnits: 16, durations: demoDurations(0.25), record: false });
        if (r.tasks !== i.tasks || !(r.makespan >= r.lowerBound - 1e-6)) throw new Error('simulate bench: wrong result');
        return r.tasks;
      },
    });
  }
}

/**
 * The drain loop the scheduler benches time, on serials: keep `concurrency` tasks running — claim
 * with nextIndex(), completeIndex() the oldest — until nothing is left. Shared by
 * bench/scheduler.bench.ts (warm) and bench/user-side.bench.ts (cold).
 */
import type { Scheduler } from '../src/scheduler/scheduler.js';

/** @returns how many tasks were completed. */
export function drainByIndex(s: Scheduler, concurrency: number): number {
  const ring = new Int32Array(concurrency);
  let head = 0;
  let count = 0;
  let done = 0;
  for (;;) {
    for (let serial = s.nextIndex(); serial !== -1; serial = s.nextIndex()) ring[(head + count++) % concurrency] = serial;
    if (count === 0) break;
    s.completeIndex(ring[head]!);
    head = (head + 1) % concurrency;
    count--;
    done++;
  }
  return done;
}

import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { dagJob, MES, PACKAGER, tickClock } from '../../helpers/jobs.js';

/** A clock the test moves by hand. */
function handClock(start = Date.UTC(2026, 11, 4)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const codes = (s: Scheduler, id: string): string[] => s.task(id)!.HistoricalEvents.map((e) => e.Code);

describe('WaitingForFreeResources', () => {
  it('is logged once for a task noted twice (ready, started, retried, ready again) before the slots fill', () => {
    // A (9) feeds Z1–Z3 (9); T (5) and X (0) are roots. Three slots.
    const s = new Scheduler({ concurrency: 3, now: tickClock(), ids: sequentialIds(), maxAttempts: 3 });
    s.submit(dagJob(6, [[0, 3], [0, 4], [0, 5]], { priority: [9, 5, 0, 9, 9, 9] }));
    const ids = s.tasks().map((t) => t.Id);
    const a = s.next()!;
    const t = s.next()!;
    expect([a.taskId, t.taskId]).toEqual([ids[0], ids[1]]);
    // T goes back to the ready set, noted a second time while slots are free.
    s.fail(t, { retryable: true });
    s.complete(a);
    // Z1–Z3 outrank T and take the three slots: T waits, once.
    expect([s.next()!.taskId, s.next()!.taskId, s.next()!.taskId]).toEqual([ids[3], ids[4], ids[5]]);
    expect(codes(s, ids[1]!)).toEqual(['Scheduled', 'Processing', 'Retrying', 'Scheduled', 'WaitingForFreeResources']);
    expect(codes(s, ids[2]!)).toEqual(['Scheduled', 'WaitingForFreeResources']);
  });

  it('is logged once when next() takes the last slot while a task is ready, not at every next()', () => {
    const s = new Scheduler({ concurrency: 1, now: tickClock(), ids: sequentialIds() });
    s.submit(dagJob(2, [[0, 1]]));
    s.submit(dagJob(1, []));
    const [a, b, c] = s.tasks().map((t) => t.Id);
    const first = s.next()!;
    expect(first.taskId).toBe(a);
    // The other job's task was ready with the slot free; next() took the slot: it waits now.
    expect(codes(s, c!)).toEqual(['Scheduled', 'WaitingForFreeResources']);
    for (let i = 0; i < 5; i++) expect(s.next()).toBeUndefined();
    expect(codes(s, c!)).toEqual(['Scheduled', 'WaitingForFreeResources']);
    s.complete(first);
    // b became ready as the slot freed, and goes first (lower serial): it never waited.
    const second = s.next()!;
    expect(second.taskId).toBe(b);
    expect(codes(s, b!)).toEqual(['Queued', 'Scheduled', 'Processing']);
    expect(codes(s, c!)).toEqual(['Scheduled', 'WaitingForFreeResources']);
    s.complete(second);
    expect(s.next()!.taskId).toBe(c);
    expect(codes(s, c!)).toEqual(['Scheduled', 'WaitingForFreeResources', 'Processing']);
  });

  it('is logged at once for a task that becomes ready while the concurrency is full', () => {
    const s = new Scheduler({ concurrency: 1, now: tickClock(), ids: sequentialIds() });
    s.submit(dagJob(1, []));
    s.next();
    const job = s.submit(dagJob(1, []));
    expect(codes(s, s.tasks({ jobId: job.Id })[0]!.Id)).toEqual(['Scheduled', 'WaitingForFreeResources']);
  });

  it('is logged at once for a task that becomes ready in a full pool, and never for one that starts with a slot free', () => {
    const s = new Scheduler({ pools: { [MES]: 1 }, now: tickClock(), ids: sequentialIds() });
    // 0 → 1, 0 → 2; 1 and 2 in MES, 3 in another pool (unlimited).
    s.submit(dagJob(4, [[0, 1], [0, 2]], { processor: (i) => (i === 3 ? PACKAGER : MES) }));
    const ids = s.tasks().map((t) => t.Id);
    const t0 = s.next()!;
    const t3 = s.next()!;
    expect([t0.index, t3.index]).toEqual([0, 3]);
    const other = s.next(); // nothing: MES is full
    expect(other).toBeUndefined();
    s.complete(t0); // 1 and 2 become ready; MES has its slot free again
    expect(codes(s, ids[1]!)).toEqual(['Queued', 'Scheduled']);
    const t1 = s.next()!; // takes MES's only slot: 2 now waits
    expect(t1.index).toBe(1);
    expect(codes(s, ids[2]!)).toEqual(['Queued', 'Scheduled', 'WaitingForFreeResources']);
    expect(codes(s, ids[1]!)).toEqual(['Queued', 'Scheduled', 'Processing']);
    expect(codes(s, ids[3]!)).toEqual(['Scheduled', 'Processing']);
    s.complete(t1);
    s.complete(t3);
    const t2 = s.next()!;
    s.complete(t2);
    expect(codes(s, ids[2]!)).toEqual(['Queued', 'Scheduled', 'WaitingForFreeResources', 'Processing', 'Finished']);
  });

  it('is logged once per wait: again when a retried task is passed over for a slot', () => {
    const s = new Scheduler({ concurrency: 1, now: tickClock(), ids: sequentialIds() });
    s.submit(dagJob(2, []));
    const [a, b] = s.tasks().map((t) => t.Id);
    s.complete(s.next()!); // a ran; b waited meanwhile
    const cb = s.next()!;
    expect(cb.taskId).toBe(b);
    s.fail(cb, { retryable: true }); // b is ready again with the slot free: no wait yet
    expect(codes(s, b!)).toEqual(['Scheduled', 'WaitingForFreeResources', 'Processing', 'Retrying', 'Scheduled']);
    s.submit(dagJob(1, [], { priority: [9] })); // ready with the slot free, and goes first
    const urgent = s.next()!;
    expect(urgent.taskId).not.toBe(b);
    expect(codes(s, b!)).toEqual(['Scheduled', 'WaitingForFreeResources', 'Processing', 'Retrying', 'Scheduled', 'WaitingForFreeResources']);
    expect(codes(s, a!)).toEqual(['Scheduled', 'Processing', 'Finished']);
  });

  it('is not logged by a scheduler without limits', () => {
    const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
    s.submit(dagJob(20, []));
    for (let c = s.next(); c; c = s.next()) s.complete(c);
    expect(s.tasks().every((t) => !codes(s, t.Id).includes('WaitingForFreeResources'))).toBe(true);
  });

  it('survives a snapshot: the restored scheduler logs the same waits', () => {
    const run = (cut: boolean): string => {
      let s = new Scheduler({ concurrency: 2, now: tickClock(), ids: sequentialIds() });
      s.submit(dagJob(6, [[0, 3], [1, 4], [2, 5]]));
      const a = s.next()!;
      if (cut) s = Scheduler.restore(JSON.parse(JSON.stringify(s.snapshot())), { now: tickClock(Date.UTC(2026, 10, 28) + 100), processing: 'keep' });
      s.complete(a.taskId);
      for (let c = s.next(); c; c = s.next()) s.complete(c.taskId);
      return JSON.stringify(s.tasks().map((t) => codes(s, t.Id)));
    };
    expect(run(true)).toBe(run(false));
  });

  it('keeps the event log from growing during a drain: its rows are promised at submit', () => {
    // A clock that moves every 100 completions: the log keeps a time per reading (12 here), not per row.
    const clock = handClock();
    const s = new Scheduler({ concurrency: 4, now: clock.now, ids: sequentialIds() });
    for (let j = 0; j < 200; j++) s.submit(dagJob(6, [[0, 1], [0, 2], [0, 3], [0, 4], [1, 5], [2, 5], [3, 5], [4, 5]]), { priority: j % 7 });
    const bytes = s.byteLength;
    let done = 0;
    for (let c = s.nextIndex(); c !== -1 || s.running > 0; c = s.nextIndex()) {
      if (c === -1) continue;
      s.completeIndex(c);
      if (++done % 100 === 0) clock.advance(1);
    }
    // Read before the views: a view reads its task's events, and the links between them are made
    // then (4 bytes a row), not during the drain.
    expect(s.byteLength).toBe(bytes);
    expect(s.tasks({ state: 3 })).toHaveLength(1200);
  });
});

describe('PerfMessage', () => {
  it('says how long a task waited for a slot and ran', () => {
    const clock = handClock();
    const s = new Scheduler({ concurrency: 1, now: clock.now, ids: sequentialIds() });
    s.submit(dagJob(2, []));
    const [a, b] = s.tasks().map((t) => t.Id);
    expect(s.task(a!)!.PerfMessage).toBe('');
    const ca = s.next()!;
    clock.advance(1200);
    expect(s.task(b!)!.PerfMessage).toBe('waited 1.2 s for a slot');
    expect(s.task(a!)!.PerfMessage).toBe('ran 1.2 s');
    clock.advance(300);
    s.complete(ca);
    const cb = s.next()!;
    clock.advance(8000);
    s.complete(cb);
    expect(s.task(a!)!.PerfMessage).toBe('ran 1.5 s');
    expect(s.task(b!)!.PerfMessage).toBe('waited 1.5 s for a slot; ran 8.0 s');
  });

  it('counts every attempt and shows milliseconds below a second', () => {
    const clock = handClock();
    const s = new Scheduler({ now: clock.now, ids: sequentialIds() });
    s.submit(dagJob(1, []));
    const id = s.tasks()[0]!.Id;
    let c = s.next()!;
    clock.advance(400);
    s.fail(c, { retryable: true });
    clock.advance(5000); // waiting for the retry, not for a slot: not counted
    c = s.next()!;
    clock.advance(350);
    s.complete(c);
    expect(s.task(id)!.PerfMessage).toBe('ran 750 ms in 2 attempts');
  });
});

describe('the clock reading a completion shares with the start it allows', () => {
  it('stamps the start that follows a completion in the same run with the completion time (default clock)', async () => {
    const s = new Scheduler({ concurrency: 1, ids: sequentialIds() });
    s.submit(dagJob(3, []));
    const [a, b, c] = s.tasks().map((t) => t.Id);
    const ca = s.next()!;
    s.complete(ca);
    s.next();
    const finished = s.task(a!)!.HistoricalEvents.at(-1)!;
    const started = s.task(b!)!.HistoricalEvents.find((e) => e.Code === 'Processing')!;
    expect(started.TimeStamp).toBe(finished.TimeStamp);
    // In a later turn the clock is read again.
    s.complete(b!);
    await new Promise((r) => setTimeout(r, 5));
    s.next();
    const bEnd = Date.parse(s.task(b!)!.HistoricalEvents.at(-1)!.TimeStamp);
    const cStart = Date.parse(s.task(c!)!.HistoricalEvents.find((e) => e.Code === 'Processing')!.TimeStamp);
    expect(cStart).toBeGreaterThanOrEqual(bEnd + 4);
  });

  it('reads a given clock at every change', () => {
    let calls = 0;
    const s = new Scheduler({ concurrency: 1, now: () => ++calls, ids: sequentialIds() });
    s.submit(dagJob(2, [])); // 1
    const c = s.next()!; // 2
    s.complete(c); // 3
    s.next(); // 4
    expect(calls).toBe(4);
  });
});

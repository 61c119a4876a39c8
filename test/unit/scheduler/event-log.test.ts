import { describe, expect, it } from 'vitest';
import { EV, EVENT_CODES, EventLog, STATE_OF_EVENT } from '../../../src/scheduler/event-log.js';
import { TaskState } from '../../../src/job/enums.js';

describe('EventLog', () => {
  it('derives EV and EVENT_CODES from one table', () => {
    EVENT_CODES.forEach((code, i) => expect(EV[code]).toBe(i));
    expect(Object.keys(EV)).toEqual([...EVENT_CODES]);
    expect(STATE_OF_EVENT[EV.Processing]).toBe(TaskState.Processing);
    expect(STATE_OF_EVENT[EV.Retrying]).toBe(-1);
  });

  it('keeps rows across chunks: per-task history, journal copies and snapshot rows agree', () => {
    const log = new EventLog();
    const tasks = 3;
    log.ensureTasks(tasks);
    const rows = 200_000; // past three chunks of 65,536
    for (let r = 0; r < rows; r++) {
      if (r % 50_000 === 7) log.addText(r % tasks, EV.Log, r, `note ${r}`, 'Note');
      else log.add(r % tasks, EV.Scheduled, r);
    }
    expect(log.size).toBe(rows);
    const history = log.eventsOf(1);
    let last = rows - 1;
    while (last % tasks !== 1) last--;
    expect(history).toHaveLength((last - 1) / tasks + 1);
    expect(Date.parse(history.at(-1)!.TimeStamp)).toBe(last);
    expect(history.map((e) => Date.parse(e.TimeStamp)).every((t, i) => t === 1 + i * tasks)).toBe(true);
    const from = 65_530;
    const chunk = log.copyRows(from, from + 100);
    expect(Array.from(chunk.time)).toEqual(Array.from({ length: 100 }, (_, i) => from + i));
    expect(Array.from(chunk.task)).toEqual(Array.from({ length: 100 }, (_, i) => (from + i) % tasks));
    const all = log.rows();
    expect(all).toHaveLength(rows);
    expect(all[50_007]).toEqual([50_007 % tasks, EV.Log, 50_007, 'note 50007', 'Note']);
    expect(log.codeAt(150_007)).toBe('Note');
  });

  it('addEach logs what add() would, one task after another, across chunk ends', () => {
    const tasks = 70_000;
    const list = Int32Array.from({ length: tasks }, (_, i) => (i * 7919) % tasks);
    for (const then of [0, EV.WaitingForFreeResources]) {
      const each = new EventLog();
      const one = new EventLog();
      for (const log of [each, one]) {
        log.ensureTasks(tasks);
        log.add(0, EV.Queued, 1);
      }
      // Starts part-way into a chunk, so the rows cross into the next one (and, with `then`, a third).
      each.addEach(list, tasks, EV.Scheduled, 2, then);
      for (const t of list) {
        one.add(t, EV.Scheduled, 2);
        if (then !== 0) one.add(t, then, 2);
      }
      expect(each.size).toBe(one.size);
      expect(each.copyRows(0, each.size)).toEqual(one.copyRows(0, one.size));
      for (const t of [0, 1, 4242, tasks - 1]) expect(each.waitLogged(t)).toBe(then !== 0);
      expect(each.eventsOf(4242)).toEqual(one.eventsOf(4242));
    }
  });

  it('grows only by what is promised: a promise allocates, logging within it does not', () => {
    const log = new EventLog();
    log.ensureTasks(1);
    log.promise(100_000);
    const bytes = log.byteLength;
    // Rows that share their time (a completion and what it schedules; Date.now() within a millisecond).
    for (let r = 0; r < 100_000; r++) log.add(0, EV.Scheduled, 1_700_000_000_000 + Math.floor(r / 1000));
    // The rows need no more room; only the 100 readings are kept (12 bytes each, by doubling).
    expect(log.byteLength - bytes).toBeLessThanOrEqual(128 * 12);
    // At most one chunk of room beyond the promise, 5 bytes a row (task, code): the links to a
    // task's previous row (4 bytes more) are made when events are first read.
    expect(bytes).toBeLessThan((100_000 + 65_536) * 5 + 1024 + 128 * 12);
    const before = log.byteLength;
    expect(log.eventsOf(0)).toHaveLength(100_000);
    expect(log.byteLength - before).toBeGreaterThanOrEqual(100_000 * 4);
  });

  it('keeps a time only where the clock moved, and gives every row its time back', () => {
    const log = new EventLog();
    const tasks = 5;
    log.ensureTasks(tasks);
    // Runs of one reading (1–4 rows), readings going back and repeating, across chunk bounds.
    const times: number[] = [];
    let t = 1000;
    for (let r = 0; r < 140_000; ) {
      const run = 1 + (r % 4);
      t += (r % 7 === 3 ? -2 : 1) + (r % 11 === 0 ? 0.5 : 0);
      for (let k = 0; k < run && r < 140_000; k++, r++) {
        log.add(r % tasks, EV.Scheduled, t);
        times.push(t);
      }
    }
    expect(Array.from(log.copyRows(0, times.length).time)).toEqual(times);
    expect(Array.from(log.copyRows(65_530, 65_600).time)).toEqual(times.slice(65_530, 65_600));
    expect(log.rows().map((row) => row[2])).toEqual(times);
    const ofTask2 = times.filter((_, r) => r % tasks === 2).map((x) => new Date(x).toISOString());
    expect(log.eventsOf(2).map((e) => e.TimeStamp)).toEqual(ofTask2);
    expect(log.copyRows(10, 10).time).toHaveLength(0);
  });

  it('links rows when they are read: reads between writes, across chunks, see each task’s events in order', () => {
    const log = new EventLog();
    const tasks = 7;
    log.ensureTasks(tasks);
    const model: number[][] = Array.from({ length: tasks }, () => []);
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let r = 0; r < 150_000; r++) {
      const task = rand(tasks);
      log.add(task, r % 3 === 0 ? EV.Processing : EV.Scheduled, r);
      model[task]!.push(r);
      // Readers at uneven times: some rows are linked at once, most long after (or by a later read).
      if (rand(20_000) === 0) {
        const t = rand(tasks);
        expect(log.eventsOf(t).map((e) => Date.parse(e.TimeStamp))).toEqual(model[t]);
        expect(log.timesOf(t, false, () => r).attempts).toBe(model[t]!.filter((x) => x % 3 === 0).length);
      }
    }
    for (let t = 0; t < tasks; t++) expect(log.eventsOf(t).map((e) => Date.parse(e.TimeStamp))).toEqual(model[t]);
  });

  it('makes room for tasks’ last rows only when a reader links, and for tasks made room for after a read', () => {
    const log = new EventLog();
    log.ensureTasks(1_000);
    // Room for tasks writes nothing per task until someone reads (5 bytes a row and the codes only).
    const unread = log.byteLength;
    expect(unread).toBeLessThan(1_000 * 4);
    log.add(3, EV.Scheduled, 10);
    expect(log.eventsOf(3).map((e) => Date.parse(e.TimeStamp))).toEqual([10]);
    expect(log.byteLength - unread).toBeGreaterThanOrEqual(1_000 * 4);
    // Tasks given room after that read: their rows link to nothing earlier, and an earlier task's rows
    // still chain through the later ones.
    log.ensureTasks(50_000);
    log.add(40_000, EV.Scheduled, 11);
    log.add(3, EV.Processing, 12);
    log.add(49_999, EV.Scheduled, 13);
    expect(log.eventsOf(40_000).map((e) => e.Code)).toEqual(['Scheduled']);
    expect(log.eventsOf(3).map((e) => e.Code)).toEqual(['Scheduled', 'Processing']);
    expect(log.eventsOf(49_999).map((e) => Date.parse(e.TimeStamp))).toEqual([13]);
    // A task with no rows, past the room the first read made, has no events.
    expect(log.eventsOf(45_000)).toEqual([]);
    expect(log.timesOf(45_000, false, () => 0).attempts).toBe(0);
  });

  it('tells whether a task’s current wait was logged, logs aside', () => {
    const log = new EventLog();
    log.ensureTasks(1);
    log.add(0, EV.Scheduled, 1);
    expect(log.waitLogged(0)).toBe(false);
    log.add(0, EV.WaitingForFreeResources, 2);
    log.addText(0, EV.Log, 3, 'x', 'Note');
    expect(log.waitLogged(0)).toBe(true);
    log.add(0, EV.Processing, 4);
    expect(log.waitLogged(0)).toBe(false);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyBatch, StoreError, type RunBatch, type RunStore, type StoredRun } from '../../../src/store/run-store.js';

/**
 * What every RunStore must do, registered as `describe` blocks against a store made by `create`
 * (a fresh, empty store per test). Run by memory-store.test.ts and sqlite-store.test.ts.
 */
export function describeRunStore(name: string, create: () => RunStore): void {
  describe(`${name}: RunStore conformance`, () => {
    let store: RunStore;
    beforeEach(() => {
      store = create();
    });
    afterEach(() => {
      store.close();
    });

    it('loads an empty run from a new store', () => {
      expect(plain(store.load())).toEqual(plain(emptyRun()));
    });

    it('gives back every field of a batch', () => {
      store.write(
        batch({
          jobs: [job(1), job(2)],
          statuses: [{ key: 2, status: '{"priority":5}' }],
          segments: [
            { job: 1, data: bytes(1, 2, 3) },
            { job: 2, data: bytes() },
          ],
          progress: [{ job: 1, task: 0, value: 0.25 }],
          due: [{ job: 2, task: 3, value: 1_700_000_000_123.5 }],
          outputs: [{ job: 1, task: 1, value: bytes(9, 8) }],
          outboxAdd: [{ seq: 1, data: '{"event":"JobStateChange"}' }],
          meta: [{ key: 'options', value: '{"concurrency":4}' }],
        }),
      );
      expect(plain(store.load())).toEqual({
        jobs: [job(1), { ...job(2), status: '{"priority":5}' }],
        segments: [
          [1, [[1, 2, 3]]],
          [2, [[]]],
        ],
        progress: [{ job: 1, task: 0, value: 0.25 }],
        due: [{ job: 2, task: 3, value: 1_700_000_000_123.5 }],
        outputs: [{ job: 1, task: 1, value: [9, 8] }],
        outbox: [{ seq: 1, data: '{"event":"JobStateChange"}' }],
        meta: [['options', '{"concurrency":4}']],
      });
    });

    it('keeps text and numbers exactly (-0 comes back as 0, as SQLite stores it)', () => {
      const text = 'é ☃ 𝄞 \u0000 "\\ \n';
      store.write(
        batch({
          jobs: [{ key: 2 ** 40, id: text, model: text.repeat(1000), status: '' }],
          progress: [
            { job: 1, task: 0, value: Number.MAX_VALUE },
            { job: 1, task: 1, value: Number.MIN_VALUE },
            { job: 1, task: 2, value: -0 },
            { job: 1, task: 3, value: 0.1 + 0.2 },
            { job: 1, task: 4, value: Infinity },
            { job: 1, task: 5, value: 7 },
          ],
          meta: [{ key: text, value: text }],
        }),
      );
      const run = store.load();
      expect(run.jobs).toEqual([{ key: 2 ** 40, id: text, model: text.repeat(1000), status: '' }]);
      expect(run.progress.map((p) => p.value)).toEqual([Number.MAX_VALUE, Number.MIN_VALUE, 0, 0.1 + 0.2, Infinity, 7]);
      expect(Object.is(run.progress[2]!.value, 0)).toBe(true);
      expect([...run.meta]).toEqual([[text, text]]);
    });

    it('stores the bytes of a view, not of the buffer under it, and copies them', () => {
      const under = bytes(0, 1, 2, 3, 4, 5);
      const view = under.subarray(2, 4);
      store.write(batch({ segments: [{ job: 1, data: view }], outputs: [{ job: 1, task: 0, value: view }] }));
      under.fill(7);
      const run = store.load();
      expect([...run.segments.get(1)![0]!]).toEqual([2, 3]);
      expect([...run.outputs[0]!.value]).toEqual([2, 3]);
    });

    it('loads jobs by key, segments in writing order, task values by job then task, the outbox by seq', () => {
      store.write(batch({ jobs: [job(3)], segments: [{ job: 3, data: bytes(1) }, { job: 1, data: bytes(1) }], outboxAdd: [{ seq: 5, data: 'e' }] }));
      store.write(batch({ jobs: [job(1), job(2)], segments: [{ job: 3, data: bytes(2) }, { job: 2, data: bytes(1) }], outboxAdd: [{ seq: 2, data: 'b' }, { seq: 9, data: 'i' }] }));
      store.write(
        batch({
          segments: [{ job: 1, data: bytes(2) }, { job: 3, data: bytes(3) }],
          progress: [{ job: 2, task: 1, value: 1 }, { job: 1, task: 7, value: 2 }, { job: 2, task: 0, value: 3 }],
          due: [{ job: 3, task: 0, value: 1 }, { job: 1, task: 2, value: 2 }, { job: 1, task: 1, value: 3 }],
          outputs: [{ job: 2, task: 2, value: bytes(1) }, { job: 2, task: 1, value: bytes(2) }],
        }),
      );
      const run = plain(store.load());
      expect(run.jobs.map((j) => j.key)).toEqual([1, 2, 3]);
      expect(new Map(run.segments)).toEqual(
        new Map([
          [3, [[1], [2], [3]]],
          [1, [[1], [2]]],
          [2, [[1]]],
        ]),
      );
      expect(run.progress.map((p) => [p.job, p.task])).toEqual([[1, 7], [2, 0], [2, 1]]);
      expect(run.due.map((p) => [p.job, p.task])).toEqual([[1, 1], [1, 2], [3, 0]]);
      expect(run.outputs.map((p) => [p.job, p.task])).toEqual([[2, 1], [2, 2]]);
      expect(run.outbox.map((m) => m.seq)).toEqual([2, 5, 9]);
    });

    it('replaces statuses, models, progress, outputs, due times and meta values', () => {
      store.write(
        batch({
          jobs: [job(1)],
          models: [{ key: 1, model: 'm1' }],
          statuses: [{ key: 1, status: 's1' }],
          progress: [{ job: 1, task: 0, value: 0.1 }],
          outputs: [{ job: 1, task: 0, value: bytes(1) }],
          due: [{ job: 1, task: 0, value: 100 }],
          meta: [{ key: 'k', value: 'v1' }],
        }),
      );
      store.write(
        batch({
          statuses: [{ key: 1, status: 's2' }, { key: 1, status: 's3' }],
          models: [{ key: 1, model: 'm2' }, { key: 1, model: 'm3' }],
          progress: [{ job: 1, task: 0, value: 0.5 }],
          outputs: [{ job: 1, task: 0, value: bytes(2, 2) }],
          due: [{ job: 1, task: 0, value: 200 }],
          meta: [{ key: 'k', value: 'v2' }],
        }),
      );
      const run = plain(store.load());
      expect(run.jobs).toEqual([{ ...job(1), status: 's3', model: 'm3' }]);
      expect(run.progress).toEqual([{ job: 1, task: 0, value: 0.5 }]);
      expect(run.outputs).toEqual([{ job: 1, task: 0, value: [2, 2] }]);
      expect(run.due).toEqual([{ job: 1, task: 0, value: 200 }]);
      expect(run.meta).toEqual([['k', 'v2']]);
    });

    it('ignores a status for a job it does not hold', () => {
      store.write(batch({ jobs: [job(1)] }));
      store.write(batch({ statuses: [{ key: 2, status: 'x' }] }));
      expect(plain(store.load()).jobs).toEqual([job(1)]);
    });

    it('removes a due time on null, and a null for a task without one changes nothing', () => {
      store.write(batch({ due: [{ job: 1, task: 0, value: 5 }, { job: 1, task: 1, value: 6 }] }));
      store.write(batch({ due: [{ job: 1, task: 0, value: null }, { job: 4, task: 4, value: null }] }));
      expect(store.load().due).toEqual([{ job: 1, task: 1, value: 6 }]);
      // Within a batch, in order: set then remove, remove then set.
      store.write(batch({ due: [{ job: 2, task: 0, value: 1 }, { job: 2, task: 0, value: null }, { job: 1, task: 1, value: null }, { job: 1, task: 1, value: 9 }] }));
      expect(store.load().due).toEqual([{ job: 1, task: 1, value: 9 }]);
    });

    it('forgets a job with everything of its own and nothing of any other job', () => {
      const everything = (key: number): RunBatch =>
        batch({
          jobs: [job(key)],
          segments: [{ job: key, data: bytes(key) }, { job: key, data: bytes(key, key) }],
          progress: [{ job: key, task: 0, value: key }],
          due: [{ job: key, task: 1, value: key }],
          outputs: [{ job: key, task: 2, value: bytes(key) }],
        });
      store.write(everything(1));
      store.write(everything(2));
      store.write(everything(3));
      store.write(batch({ outboxAdd: [{ seq: 1, data: 'about job 2' }], meta: [{ key: 'job 2', value: 'x' }] }));
      store.write(batch({ forget: [2, 99] }));
      const run = plain(store.load());
      expect(run.jobs).toEqual([job(1), job(3)]);
      expect(run.segments).toEqual([
        [1, [[1], [1, 1]]],
        [3, [[3], [3, 3]]],
      ]);
      expect(run.progress).toEqual([{ job: 1, task: 0, value: 1 }, { job: 3, task: 0, value: 3 }]);
      expect(run.due).toEqual([{ job: 1, task: 1, value: 1 }, { job: 3, task: 1, value: 3 }]);
      expect(run.outputs).toEqual([{ job: 1, task: 2, value: [1] }, { job: 3, task: 2, value: [3] }]);
      // The outbox and meta are not the job's: they stay.
      expect(run.outbox).toEqual([{ seq: 1, data: 'about job 2' }]);
      expect(run.meta).toEqual([['job 2', 'x']]);
    });

    it('forgets last in a batch: a job added and forgotten in one batch leaves nothing, and a forgotten key can be used again', () => {
      store.write(batch({ jobs: [job(1)], segments: [{ job: 1, data: bytes(1) }], progress: [{ job: 1, task: 0, value: 1 }], forget: [1] }));
      expect(plain(store.load())).toEqual(plain(emptyRun()));
      store.write(batch({ jobs: [job(1)], segments: [{ job: 1, data: bytes(2) }] }));
      store.write(batch({ forget: [1] }));
      store.write(batch({ jobs: [job(1)], segments: [{ job: 1, data: bytes(3) }] }));
      const run = plain(store.load());
      expect(run.jobs).toEqual([job(1)]);
      expect(run.segments).toEqual([[1, [[3]]]]);
    });

    it('removes delivered notifications, including ones added by the same batch, and ignores unknown seqs', () => {
      store.write(batch({ outboxAdd: [{ seq: 1, data: 'a' }, { seq: 2, data: 'b' }, { seq: 3, data: 'c' }] }));
      store.write(batch({ outboxAdd: [{ seq: 4, data: 'd' }], outboxDone: [2, 4, 40] }));
      expect(store.load().outbox).toEqual([
        { seq: 1, data: 'a' },
        { seq: 3, data: 'c' },
      ]);
    });

    it('treats an empty batch as nothing', () => {
      store.write(emptyBatch());
      expect(plain(store.load())).toEqual(plain(emptyRun()));
    });

    it('refuses what is no batch (undefined, null, an object without its lists) with STORE_WRITE_FAILED, and stays usable', () => {
      // Regression: SqliteStore read the lists' lengths before its guard and let a raw TypeError out.
      store.write(batch({ jobs: [job(1)] }));
      const before = plain(store.load());
      for (const notABatch of [undefined, null, {}, { ...emptyBatch(), jobs: undefined }]) {
        const err = catchError(() => store.write(notABatch as unknown as RunBatch));
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe('STORE_WRITE_FAILED');
        expect(plain(store.load())).toEqual(before);
      }
      store.write(batch({ jobs: [job(2)] }));
      expect(plain(store.load()).jobs.map((j) => j.key)).toEqual([1, 2]);
    });

    describe('a failing batch writes nothing and leaves the store usable', () => {
      const cases: Array<[string, RunBatch]> = [
        ['a job key already stored (second job of the batch)', batch({ jobs: [job(2), job(1)] })],
        ['a job key repeated in the batch', batch({ jobs: [job(2), job(2)] })],
        ['a job Id already stored', batch({ jobs: [job(2), { ...job(3), id: job(1).id }] })],
        ['an outbox seq already stored', batch({ jobs: [job(2)], outboxAdd: [{ seq: 1, data: 'again' }] })],
        ['an outbox seq repeated in the batch', batch({ jobs: [job(2)], outboxAdd: [{ seq: 2, data: 'x' }, { seq: 2, data: 'y' }] })],
        ['a NaN progress', batch({ jobs: [job(2)], progress: [{ job: 2, task: 0, value: Number.NaN }] })],
        ['a NaN due time', batch({ jobs: [job(2)], due: [{ job: 2, task: 0, value: Number.NaN }] })],
        ['a job key that is not an integer', batch({ segments: [{ job: 1, data: bytes(1) }], jobs: [{ ...job(2), key: 2.5 }] })],
        ['a task that is not an integer', batch({ jobs: [job(2)], progress: [{ job: 2, task: 0.5, value: 1 }] })],
        ['a string with a lone surrogate', batch({ jobs: [job(2)], meta: [{ key: 'k', value: 'a\uD800' }] })],
      ];
      for (const [what, failing] of cases) {
        it(what, () => {
          store.write(batch({ jobs: [job(1)], outboxAdd: [{ seq: 1, data: 'first' }], meta: [{ key: 'k', value: 'v' }] }));
          const before = plain(store.load());
          // Everything else the batch would do, so that a partial write would show.
          const all = {
            ...failing,
            statuses: [{ key: 1, status: 'changed' }],
            segments: [...failing.segments, { job: 1, data: bytes(1) }],
            meta: [{ key: 'k', value: 'changed' }, ...failing.meta],
            outboxDone: [1],
            forget: [1],
          };
          const err = catchError(() => store.write(all));
          expect(err).toBeInstanceOf(StoreError);
          expect((err as StoreError).code).toBe('STORE_WRITE_FAILED');
          expect((err as StoreError).location).toBe(store.location);
          expect((err as StoreError).message).toMatch(/nothing of the batch was written/);
          expect(plain(store.load())).toEqual(before);
          store.write(batch({ jobs: [job(5)] }));
          expect(plain(store.load()).jobs.map((j) => j.key)).toEqual([1, 5]);
        });
      }
    });

    it('gives copies: changing what load() returned, or a written array, does not change the store', () => {
      const data = bytes(1, 2);
      const written = batch({ jobs: [job(1)], segments: [{ job: 1, data }], outputs: [{ job: 1, task: 0, value: data }], meta: [{ key: 'k', value: 'v' }] });
      store.write(written);
      written.jobs[0]!.status = 'mutated';
      data[0] = 99;
      const first = store.load();
      first.jobs[0]!.status = 'mutated';
      first.jobs.push(job(7));
      first.segments.get(1)![0]![1] = 99;
      first.segments.get(1)!.push(bytes(5));
      first.segments.set(8, []);
      first.outputs[0]!.value[0] = 99;
      first.meta.set('k', 'mutated');
      first.outbox.push({ seq: 1, data: 'x' });
      const second = plain(store.load());
      expect(second.jobs).toEqual([job(1)]);
      expect(second.segments).toEqual([[1, [[1, 2]]]]);
      expect(second.outputs).toEqual([{ job: 1, task: 0, value: [1, 2] }]);
      expect(second.meta).toEqual([['k', 'v']]);
      expect(second.outbox).toEqual([]);
    });

    it('throws STORE_CLOSED after close(), which may be called again', () => {
      store.write(batch({ jobs: [job(1)] }));
      store.close();
      store.close();
      for (const call of [() => store.load(), () => store.write(batch({ jobs: [job(2)] })), () => store.write(emptyBatch())]) {
        const err = catchError(call);
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe('STORE_CLOSED');
        expect((err as StoreError).message).toContain(store.location);
      }
    });
  });
}

/** A batch with the given fields, the others empty. */
export function batch(fields: Partial<RunBatch>): RunBatch {
  return { ...emptyBatch(), ...fields };
}

export function job(key: number): { key: number; id: string; model: string; status: string } {
  return { key, id: `nb:jid:00000000-0000-0000-0000-${String(key).padStart(12, '0')}`, model: `{"name":"job ${key}"}`, status: '{}' };
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function emptyRun(): StoredRun {
  return { jobs: [], segments: new Map(), progress: [], due: [], outputs: [], outbox: [], meta: new Map() };
}

/** A run in plain arrays, for toEqual: Buffers and Uint8Arrays alike become number arrays, Maps entry lists (in their order). */
export function plain(run: StoredRun) {
  return {
    jobs: run.jobs.map((j) => ({ key: j.key, id: j.id, model: j.model, status: j.status })),
    segments: [...run.segments].map(([job, list]) => [job, list.map((d) => [...d])] as const),
    progress: run.progress.map((p) => ({ ...p })),
    due: run.due.map((p) => ({ ...p })),
    outputs: run.outputs.map((p) => ({ job: p.job, task: p.task, value: [...p.value] })),
    outbox: run.outbox.map((m) => ({ ...m })),
    meta: [...run.meta],
  };
}

export function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

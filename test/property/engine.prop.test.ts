import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine, type JobHandle } from '../../src/run/engine.js';
import { ProcessorError, type Processor, type ProcessorContext } from '../../src/run/processor.js';
import { TaskState, isFinalState } from '../../src/job/enums.js';
import { sequentialIds } from '../../src/job/ids.js';
import { PROCESSORS, randomJob, toDefinition } from '../helpers/arbitraries.js';
import { dagJob } from '../helpers/jobs.js';

type Outcome = 'ok' | 'throw' | 'reject' | 'hang' | 'transient' | 'invalid' | 'sync';

const outcomeArb = fc.constantFrom<Outcome>('ok', 'ok', 'ok', 'throw', 'reject', 'hang', 'transient', 'invalid', 'sync');

describe('Engine properties', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('runs random DAGs under random outcomes within every rule', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(randomJob(7), fc.array(outcomeArb, { minLength: 7, maxLength: 7 }), fc.array(fc.nat(30), { minLength: 7, maxLength: 7 })), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
        async (jobs, concurrency, slots) => {
          let running = 0;
          const perPool = new Map<string, number>();
          const violations: string[] = [];
          const outcomeOf = new Map<string, Outcome>();
          const durationOf = new Map<string, number>();
          let engine!: Engine;
          const run = (id: string) => async (ctx: ProcessorContext): Promise<unknown> => {
            running++;
            perPool.set(id, (perPool.get(id) ?? 0) + 1);
            if (running > concurrency) violations.push(`concurrency ${running} > ${concurrency}`);
            if (slots !== undefined && id === PROCESSORS[0] && perPool.get(id)! > slots) violations.push(`pool ${perPool.get(id)} > ${slots}`);
            for (const dep of engine.scheduler.taskInfo(ctx.taskId).dependencies) {
              if (engine.scheduler.task(dep)!.State !== TaskState.Finished) violations.push(`${ctx.taskName} started before a dependency finished`);
            }
            const key = `${ctx.jobName}/${ctx.taskName}`;
            const outcome = outcomeOf.get(key)!;
            try {
              if (outcome === 'sync') throw new Error('sync');
              await new Promise((r) => setTimeout(r, durationOf.get(key)!));
              switch (outcome) {
                case 'throw':
                  throw new Error('boom');
                case 'reject':
                  return await Promise.reject(new ProcessorError('ErrorExecutingTaskMalformedContent', 'bad input'));
                case 'hang':
                  // Runs until the timeout aborts it (a processor that ignores its signal is a unit test).
                  return await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
                case 'transient':
                  if (ctx.attempt === 1) throw new ProcessorError('TransientError', 'try again');
                  return undefined;
                case 'invalid':
                  return 12;
                default:
                  return undefined;
              }
            } finally {
              running--;
              perPool.set(id, perPool.get(id)! - 1);
            }
          };
          const processors: Processor[] = PROCESSORS.map((id) => ({ id, name: id.slice(-4), run: (ctx) => run(id)(ctx) as never }));
          engine = new Engine({
            processors,
            concurrency,
            ...(slots !== undefined ? { pools: { [PROCESSORS[0]!]: slots } } : {}),
            timeoutMs: 100,
            retry: { maxAttempts: 2, baseDelayMs: 5, jitter: false },
            ids: sequentialIds(),
          });
          const finals = new Map<string, number>();
          engine.scheduler.on('taskStateChange', (e) => {
            if (isFinalState(e.newState)) finals.set(e.taskId, (finals.get(e.taskId) ?? 0) + 1);
          });
          const handles = jobs.map(([j, outcomes, durations], n) => {
            for (let i = 0; i < j.n; i++) {
              outcomeOf.set(`J${n}/Task ${i}`, outcomes[i]!);
              durationOf.set(`J${n}/Task ${i}`, durations[i]!);
            }
            return engine.submit(toDefinition(j, `J${n}`));
          });
          let settled = 0;
          for (const h of handles) void h.done.then(() => settled++);
          await vi.runAllTimersAsync();
          expect(settled).toBe(handles.length);
          expect(violations).toEqual([]);
          handles.forEach((h, n) => {
            const [j] = jobs[n]!;
            const tasks = engine.scheduler.tasks({ jobId: h.id });
            const outcomes = jobs[n]![1];
            // Expected final state per task, in topological terms: fails if its own outcome fails,
            // canceled if an ancestor did not finish.
            const expected: number[] = new Array(j.n);
            const preds = (i: number): number[] => j.edges.filter(([, v]) => v === i).map(([u]) => u);
            const resolve = (i: number): number => {
              if (expected[i] !== undefined) return expected[i]!;
              const ps = preds(i).map(resolve);
              const own = ['ok', 'transient'].includes(outcomes[i]!) ? TaskState.Finished : TaskState.Error;
              return (expected[i] = ps.every((s) => s === TaskState.Finished) ? own : TaskState.Canceled);
            };
            tasks.forEach((t, i) => {
              expect(t.State).toBe(resolve(i));
              expect(finals.get(t.Id)).toBe(1);
            });
          });
          await engine.close();
        },
      ),
      { numRuns: 500, interruptAfterTimeLimit: 50_000, markInterruptAsFailure: true, timeout: 2000 },
    );
  });
  it('ends every job whatever listeners cancel, close, submit, add tasks or rerun at any event, and never runs a processor unaborted in a canceled task', async () => {
    type Act = 'cancel-this' | 'cancel-any' | 'close' | 'submit' | 'add' | 'rerun';
    type Behaviour = 'ok' | 'throw' | 'obey' | 'ignore';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(randomJob(6), fc.array(fc.constantFrom<Behaviour>('ok', 'ok', 'throw', 'obey', 'ignore'), { minLength: 6, maxLength: 6 })), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.tuple(fc.constantFrom('taskStateChange', 'taskProgress', 'jobStateChange'), fc.nat(40), fc.constantFrom<Act>('cancel-this', 'cancel-any', 'close', 'submit', 'add', 'rerun'), fc.nat(5)), { minLength: 1, maxLength: 4 }),
        async (jobs, concurrency, acts) => {
          const behaviourOf = new Map<string, Behaviour>();
          const starts: Array<{ ctx: ProcessorContext; whileProcessing: boolean; abortedAtStart: boolean }> = [];
          let engine!: Engine;
          const processors: Processor[] = PROCESSORS.map((id) => ({
            id,
            name: id.slice(-4),
            run: async (ctx) => {
              starts.push({ ctx, whileProcessing: engine.scheduler.stateOf(ctx.taskId) === TaskState.Processing, abortedAtStart: ctx.signal.aborted });
              ctx.progress(10);
              const b = behaviourOf.get(`${ctx.jobName}/${ctx.taskName}`) ?? 'ok';
              if (b === 'ok') return undefined;
              if (b === 'throw') throw new Error('boom');
              if (b === 'obey') return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
              return new Promise(() => undefined);
            },
          }));
          engine = new Engine({ processors, concurrency, timeoutMs: 50, cancelGraceMs: 10, retry: { maxAttempts: 1 }, ids: sequentialIds() });
          const handles: JobHandle[] = [];
          const closings: Array<Promise<void>> = [];
          const seen = new Map<string, number>();
          const errored: string[] = [];
          const rerun = new Set<string>();
          let added = 0;
          engine.scheduler.on('taskStateChange', (e) => {
            if (e.newState === TaskState.Error) errored.push(e.taskId);
          });
          for (const [event, at, act, pick] of acts) {
            engine.scheduler.on(event as 'jobStateChange', (e) => {
              const n = (seen.get(event) ?? 0) + 1;
              seen.set(event, n);
              if (n !== at) return;
              if (act === 'cancel-this') engine.cancel(e.jobId);
              else if (act === 'cancel-any' && handles.length > 0) engine.cancel(handles[pick % handles.length]!.id);
              else if (act === 'close') closings.push(engine.close());
              else if (act === 'submit') {
                try {
                  handles.push(engine.submit(dagJob(2, [[0, 1]], { name: `S${handles.length}` })));
                } catch {
                  // ENGINE_CLOSED after a close
                }
              }
              // Refusals (the job ended or is being canceled, the engine closed, a task running downstream) are answers.
              else if (act === 'add') {
                try {
                  const k = added++;
                  engine.addTasks(e.jobId, { Tasks: [{ Name: `A${k}`, MediaProcessorId: PROCESSORS[0], TaskBody: `<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(${1000 + k})</outputAsset></taskBody>` }] });
                } catch {
                  // refused
                }
              } else if (act === 'rerun' && errored.length > 0) {
                try {
                  const id = errored[pick % errored.length]!;
                  engine.rerun(id);
                  rerun.add(id);
                } catch {
                  // refused
                }
              }
            });
          }
          jobs.forEach(([j, behaviours], n) => {
            for (let i = 0; i < j.n; i++) behaviourOf.set(`J${n}/Task ${i}`, behaviours[i]!);
            try {
              handles.push(engine.submit(toDefinition(j, `J${n}`)));
            } catch {
              // a listener closed the engine during an earlier submit
            }
          });
          let settled = 0;
          const all = handles.slice();
          for (const h of all) void h.done.then(() => settled++);
          await vi.runAllTimersAsync();
          expect(settled).toBe(all.length);
          for (const h of handles) expect(isFinalState(h.view().State)).toBe(true);
          closings.push(engine.close());
          let closed = 0;
          for (const c of closings) void c.then(() => closed++);
          await vi.runAllTimersAsync();
          expect(closed).toBe(closings.length);
          expect(engine.scheduler.running).toBe(0);
          for (const s of starts) {
            expect(s.whileProcessing || s.abortedAtStart).toBe(true);
            // A rerun task's earlier attempt may have ended by itself before the task was canceled.
            if (engine.scheduler.stateOf(s.ctx.taskId) === TaskState.Canceled && !rerun.has(s.ctx.taskId)) expect(s.ctx.signal.aborted).toBe(true);
          }
        },
      ),
      { numRuns: 300, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true, timeout: 2000 },
    );
  });
});

/**
 * What the facade lists: the engine's jobs and tasks as entities, minus the jobs deleted through
 * the API, with `$filter`, `$orderby`, `$skip` and `$top` applied.
 *
 * Views are built once per request, and only those that are needed: a task view carries its
 * HistoricalEvents, and building all 10,000 of them costs 9–40 ms (measured 2026-11, 2-core Xeon),
 * against 0.1 ms for the page of 100 that `GET /api/Tasks?$top=100` sends. So:
 * - no `$filter`/`$orderby`: the page is found by counting tasks per job; views are built for the page;
 * - `$filter`/`$orderby` on properties fixed at creation (Name, MediaProcessorId, Priority, …):
 *   they are read from the job model's Task objects, and views are built for the page;
 * - otherwise (State, Progress, dates…): the view of every candidate is built, once; when the filter
 *   confines State (`State eq 2`, `… and (State eq 1 or State eq 2)`), only tasks in those states
 *   are candidates, so "the tasks running now" costs as many views as there are.
 */
import type { Engine } from '../run/engine.js';
import type { Job, Task } from '../job/model.js';
import type { JobView, TaskView } from '../scheduler/views.js';
import { applyQuery } from './odata/index.js';
import type { DateStyle, FilterExpr, QueryOptions } from './odata/index.js';
import { TASKS, VIEW, jobEntity, taskEntity } from './entities.js';
import type { JobEntity, TaskEntity } from './entities.js';

/**
 * One page of a listing and the number of entities that matched; `total` is undefined when it was
 * not asked for (no `$inlinecount`) and finding the page did not need it.
 */
export interface Page<T> {
  readonly items: T[];
  readonly total: number | undefined;
}

/** The options a listing reads. */
export type ListOptions = Pick<QueryOptions<object>, 'filter' | 'filterExpr' | 'orderBy' | 'skip' | 'top' | 'maxTop' | 'inlineCount'>;

/** The properties a `$filter` and `$orderby` read (walked without recursion). */
export function referencedProperties(options: Pick<ListOptions, 'filterExpr' | 'orderBy'>): Set<string> {
  const out = new Set<string>(options.orderBy.map((o) => o.property));
  const stack: FilterExpr[] = options.filterExpr === undefined ? [] : [options.filterExpr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    switch (e.kind) {
      case 'property':
        out.add(e.path);
        break;
      case 'unary':
        stack.push(e.operand);
        break;
      case 'binary':
        stack.push(e.left, e.right);
        break;
      case 'call':
        stack.push(...e.args);
        break;
      case 'literal':
        break;
    }
  }
  return out;
}

const ALL_STATES = [0, 1, 2, 3, 4, 5, 6] as const;
/** Past this depth the analysis gives up (says "any state"), which is always sound. */
const MAX_STATE_DEPTH = 32;

/**
 * The states a task can be in and still match the filter: a superset, computed from comparisons of
 * `State` with a number joined by `and` and `or`; anything else (`not`, other properties) allows
 * every state. `undefined` means every state.
 *
 * Sound because `and` intersects and `or` unites supersets of where each side can be true, and a
 * comparison of State (never null) with a literal is exact.
 */
export function statesAllowed(expr: FilterExpr | undefined, depth = 0): number[] | undefined {
  if (expr === undefined || depth > MAX_STATE_DEPTH || expr.kind !== 'binary') return undefined;
  if (expr.op === 'and' || expr.op === 'or') {
    const a = statesAllowed(expr.left, depth + 1);
    const b = statesAllowed(expr.right, depth + 1);
    if (expr.op === 'and') return a === undefined ? b : b === undefined ? a : a.filter((s) => b.includes(s));
    return a === undefined || b === undefined ? undefined : ALL_STATES.filter((s) => a.includes(s) || b.includes(s));
  }
  let op = expr.op;
  let value: number;
  const l = expr.left;
  const r = expr.right;
  if (l.kind === 'property' && l.path === 'State' && r.kind === 'literal' && typeof r.value === 'number') value = r.value;
  else if (r.kind === 'property' && r.path === 'State' && l.kind === 'literal' && typeof l.value === 'number') {
    value = l.value;
    // 2 lt State is State gt 2.
    const flip: Partial<Record<typeof op, typeof op>> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };
    op = flip[op] ?? op;
  } else return undefined;
  switch (op) {
    case 'eq':
      return ALL_STATES.filter((s) => s === value);
    case 'ne':
      return ALL_STATES.filter((s) => s !== value);
    case 'lt':
      return ALL_STATES.filter((s) => s < value);
    case 'le':
      return ALL_STATES.filter((s) => s <= value);
    case 'gt':
      return ALL_STATES.filter((s) => s > value);
    case 'ge':
      return ALL_STATES.filter((s) => s >= value);
    default:
      return undefined;
  }
}

/**
 * Whether the filter reads nothing but State compared with numbers, joined by `and` and `or`: then
 * {@link statesAllowed} is exact, not a superset, and a task's state alone decides whether it matches.
 */
export function stateOnly(expr: FilterExpr | undefined, depth = 0): boolean {
  if (expr === undefined || depth > MAX_STATE_DEPTH || expr.kind !== 'binary') return false;
  if (expr.op === 'and' || expr.op === 'or') return stateOnly(expr.left, depth + 1) && stateOnly(expr.right, depth + 1);
  const l = expr.left;
  const r = expr.right;
  const compares = expr.op === 'eq' || expr.op === 'ne' || expr.op === 'lt' || expr.op === 'le' || expr.op === 'gt' || expr.op === 'ge';
  return compares && ((l.kind === 'property' && l.path === 'State' && r.kind === 'literal' && typeof r.value === 'number') || (r.kind === 'property' && r.path === 'State' && l.kind === 'literal' && typeof l.value === 'number'));
}

/** The start and length of a page of `total` entities. */
function pageWindow(options: ListOptions, total: number, countOnly: boolean): { start: number; count: number } {
  const start = Math.min(options.skip, total);
  const count = countOnly ? 0 : Math.max(0, Math.min(options.top ?? Infinity, options.maxTop, total - start));
  return { start, count };
}

/**
 * The engine's jobs and tasks as the API shows them. Deleting a job forgets it in the engine (and
 * its store): it leaves every listing and lookup, for good, across restarts.
 *
 * The ids of the jobs, in submission order, are kept here rather than asked of the scheduler per
 * request: `Scheduler.jobs()` builds a view of every job, which was a fifth of the time of
 * `GET /api/Tasks?$top=100` with 400 jobs. The list is read once from `jobs()`, then extended from
 * the scheduler's events: a job's first tasks become Scheduled inside `submit()`, so its first
 * event arrives before the next job exists, and the order is the submission order.
 */
export class Catalog {
  readonly #engine: Engine;
  /** In submission order; a deleted job's place is left empty until the list is next read. */
  #jobIds: Array<string | undefined> = [];
  /** Each listed job's place in #jobIds. */
  readonly #position = new Map<string, number>();
  /** Empty places in #jobIds. */
  #stale = 0;
  #deletions = 0;
  readonly #unsubscribe: Array<() => void>;

  constructor(engine: Engine) {
    this.#engine = engine;
    const s = engine.scheduler;
    for (const v of s.jobs()) this.#note(v.Id);
    this.#unsubscribe = [s.on('taskStateChange', (e) => this.#note(e.jobId)), s.on('jobStateChange', (e) => this.#note(e.jobId))];
  }

  #note(jobId: string): void {
    if (this.#position.has(jobId)) return;
    this.#position.set(jobId, this.#jobIds.length);
    this.#jobIds.push(jobId);
  }

  /** Stops listening to the scheduler. */
  dispose(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** Forgets an ended job, for good. */
  delete(jobId: string): void {
    this.#engine.forget(jobId);
    // Its place is emptied, not spliced out: a delete cost the whole list (20,000 deletes: 8 s).
    const at = this.#position.get(jobId);
    if (at !== undefined) {
      this.#position.delete(jobId);
      this.#jobIds[at] = undefined;
      this.#stale++;
    }
    this.#deletions++;
  }

  /** Ids of the jobs, in submission order. */
  jobIds(): string[] {
    return this.#compacted().slice();
  }

  /**
   * Ids of the jobs from position `start` on, and how many jobs were deleted so far: a reader that
   * follows the list (the asset registry) reads only what is new while `deletions` stays the same.
   */
  jobIdsSince(start: number): { ids: string[]; deletions: number } {
    return { ids: this.#compacted().slice(start), deletions: this.#deletions };
  }

  /** The list without the places deletes emptied (positions move then; `deletions` says so). */
  #compacted(): string[] {
    if (this.#stale > 0) {
      const out: string[] = [];
      for (const id of this.#jobIds) {
        if (id === undefined) continue;
        this.#position.set(id, out.length);
        out.push(id);
      }
      this.#jobIds = out;
      this.#stale = 0;
    }
    return this.#jobIds as string[];
  }

  /** A job's view, unless unknown or deleted. */
  job(jobId: string): JobView | undefined {
    return this.#engine.scheduler.job(jobId);
  }

  /** A job's model, unless unknown or deleted. */
  jobModel(jobId: string): Job | undefined {
    return this.job(jobId) === undefined ? undefined : this.#engine.scheduler.jobModel(jobId);
  }

  /** A task's view, its job and model, unless unknown or its job deleted. */
  task(taskId: string): { view: TaskView; job: Job; task: Task } | undefined {
    const s = this.#engine.scheduler;
    const view = s.task(taskId);
    if (view === undefined) return undefined;
    // By serial: taskInfo() walks every task up- and downstream of it (a GET of each task of a
    // long chain was quadratic).
    const { job, task } = s.modelOf(s.taskSerial(taskId));
    return { view, job, task };
  }

  /**
   * Jobs, filtered, ordered and paged, with dates written in `style`.
   *
   * @param countOnly - only `total` is wanted (`/$count`)
   */
  listJobs(options: ListOptions, style: DateStyle, countOnly = false): Page<JobEntity> {
    const s = this.#engine.scheduler;
    // The list itself, not a copy (read only here): a page of 10 jobs copied every id.
    const ids = this.#compacted();
    if (referencedProperties(options).size === 0) {
      const { start, count } = pageWindow(options, ids.length, countOnly);
      return { items: ids.slice(start, start + count).map((id) => jobEntity(s.job(id)!, style)), total: ids.length };
    }
    const page = this.#apply(
      ids.map((id) => jobEntity(s.job(id)!, 'ms')),
      options,
      countOnly,
    );
    return { items: page.items.map((e) => jobEntity(e[VIEW]!, style)), total: page.total };
  }

  /**
   * Tasks of every job (or of one), filtered, ordered and paged, in submission order unless
   * `$orderby` says otherwise, with dates written in `style`.
   *
   * @param job - only this job's tasks; the caller has checked it exists
   */
  listTasks(job: Job | undefined, options: ListOptions, style: DateStyle, countOnly = false): Page<TaskEntity> {
    const s = this.#engine.scheduler;
    const jobs = job !== undefined ? [job] : this.#compacted().map((id) => s.jobModel(id));
    const props = referencedProperties(options);
    const wire = (id: string): TaskEntity => taskEntity(s.task(id)!, style);

    if (props.size === 0) {
      let total = 0;
      for (const j of jobs) total += j.Tasks.length;
      const { start, count } = pageWindow(options, total, countOnly);
      const items: TaskEntity[] = [];
      let pos = 0;
      for (const j of jobs) {
        if (items.length >= count) break;
        const n = j.Tasks.length;
        if (pos + n > start) {
          for (let i = Math.max(0, start - pos); i < n && items.length < count; i++) items.push(wire(j.Tasks[i]!.Id));
        }
        pos += n;
      }
      return { items, total };
    }

    // A filter on State alone, in submission order: each task's state decides, read without its
    // view; views are built for the page only. (50 pages of the queued tasks of a 40,000-task job
    // built the view of each of them for every page: 5.8 s.)
    if (options.orderBy.length === 0 && props.size === 1 && props.has('State') && stateOnly(options.filterExpr)) {
      const allowed = new Uint8Array(8);
      for (const x of statesAllowed(options.filterExpr) ?? []) allowed[x] = 1;
      const counting = options.inlineCount || countOnly;
      const limit = countOnly ? 0 : Math.min(options.top ?? Infinity, options.maxTop);
      const items: TaskEntity[] = [];
      let total = 0;
      outer: for (const j of jobs) {
        for (const t of j.Tasks) {
          if (allowed[s.stateOf(t.Id)] !== 1) continue;
          if (total++ < options.skip) continue;
          if (items.length < limit) items.push(wire(t.Id));
          else if (!counting) break outer;
        }
      }
      return { items, total: counting ? total : undefined };
    }

    // The job model's Task objects carry the fixed properties under their REST names, so a filter
    // on those alone reads them as they are: no view, no copy.
    const fixed = [...props].every((p) => TASKS.fixed.has(p));
    const states = fixed ? undefined : statesAllowed(options.filterExpr);
    if (states !== undefined && states.length === 0) return { items: [], total: 0 };
    const stateFilter = states === undefined ? {} : { state: states };
    const candidatesOf = (j: Job): object[] => (fixed ? j.Tasks : s.tasks({ jobId: j.Id, ...stateFilter }).map((v) => taskEntity(v, 'ms')));
    const toWire = (c: object): TaskEntity => (fixed ? wire((c as Task).Id) : taskEntity((c as TaskEntity)[VIEW]!, style));

    const filter = options.filter;
    if (filter !== undefined && options.orderBy.length === 0 && !options.inlineCount && !countOnly) {
      // In submission order with no count wanted, the page is found by reading jobs until it is
      // full: `$top=100` of a filter stops at the hundredth match.
      const limit = Math.min(options.top ?? Infinity, options.maxTop);
      const items: TaskEntity[] = [];
      let skipped = 0;
      outer: for (const j of jobs) {
        if (items.length >= limit) break;
        for (const c of candidatesOf(j)) {
          if (!filter(c)) continue;
          if (skipped < options.skip) skipped++;
          else if (items.length < limit) items.push(toWire(c));
          else break outer;
        }
      }
      return { items, total: undefined };
    }

    const candidates: object[] = [];
    for (const j of jobs) for (const c of candidatesOf(j)) candidates.push(c);
    const page = this.#apply(candidates, options, countOnly);
    return { items: page.items.map(toWire), total: page.total };
  }

  #apply<T extends object>(entities: T[], options: ListOptions, countOnly: boolean): Page<T> {
    const q = options as unknown as Parameters<typeof applyQuery<T>>[1];
    return applyQuery(entities, countOnly ? { ...q, top: 0 } : q);
  }
}

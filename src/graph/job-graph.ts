import { MultiDirectedGraph } from 'graphology';
import { hasCycle } from 'graphology-dag';
import { topologicalGenerations } from '../core/generations.js';
import { ArgumentRangeError, ArgumentTypeError, CycleError, describeValue } from '../errors.js';
import { isLoadedJob, taskCountOf } from '../job/load.js';
import type { Job } from '../job/model.js';
import type { Dependencies } from './dependencies.js';

/** What a task node carries in the graphology graph. */
export interface TaskNodeAttributes {
  index: number;
  id: string;
  name: string;
  mediaProcessorId: string;
  priority: number;
}

/** What a dependency edge carries: the job output asset that makes it. */
export interface AssetEdgeAttributes {
  asset: number;
  label: string;
}

/**
 * The dependency graph of one job, on graphology: a node per task (keyed by its index as a string,
 * `"0"`, `"1"`, …), and an edge A → B for every `JobOutputAsset(k)` that A outputs and B takes as
 * input, labelled with k (a multigraph: two assets between the same tasks are two edges). This is the
 * model layer for inspection, export and validation; the scheduler runs on typed arrays instead.
 */
export class JobGraph {
  readonly graph: MultiDirectedGraph<TaskNodeAttributes, AssetEdgeAttributes>;

  /**
   * @param job a loaded job (validateJob(def).job), with `deps` its dependencies (validateJob's
   *   `dependencies`, or resolveDependencies(job)).
   * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when `job` is a definition, or `deps` not its.
   */
  constructor(job: Job, deps: Dependencies) {
    if (!isLoadedJob(job)) throw new ArgumentTypeError(`JobGraph: expected \`job\` to be a loaded job (pass validateJob(def).job), got ${describeValue(job)}`);
    const d = deps as Partial<Dependencies> | null | undefined;
    if (typeof d !== 'object' || d === null || !(d.from instanceof Int32Array) || !(d.to instanceof Int32Array) || !(d.asset instanceof Int32Array) || d.taskCount !== taskCountOf(job)) {
      throw new ArgumentTypeError(`JobGraph: expected \`deps\` to be the job's dependencies (validateJob(def).dependencies), got ${describeValue(deps)}`);
    }
    const g = new MultiDirectedGraph<TaskNodeAttributes, AssetEdgeAttributes>({ allowSelfLoops: true });
    for (const t of job.Tasks) {
      g.addNode(String(t.index), { index: t.index, id: t.Id, name: t.Name, mediaProcessorId: t.MediaProcessorId, priority: t.Priority });
    }
    for (let e = 0; e < deps.from.length; e++) {
      const k = deps.asset[e]!;
      g.addEdge(String(deps.from[e]), String(deps.to[e]), { asset: k, label: `JobOutputAsset(${k})` });
    }
    this.graph = g;
  }

  /** Number of tasks. */
  get order(): number {
    return this.graph.order;
  }

  /** Tasks that depend on no other task, by index. */
  roots(): number[] {
    return this.graph.filterNodes((n) => this.graph.inDegreeWithoutSelfLoops(n) === 0 && this.graph.inDegree(n) === 0).map(Number);
  }

  /** Tasks no other task depends on, by index. */
  leaves(): number[] {
    return this.graph.filterNodes((n) => this.graph.outDegree(n) === 0).map(Number);
  }

  /**
   * The tasks `index` waits on (distinct, ascending).
   * @throws ArgumentRangeError (`ERR_OUT_OF_RANGE`) when `index` is no task's; ArgumentTypeError
   *   (`ERR_INVALID_ARG_TYPE`) when it is not a number. So do the three below.
   */
  dependenciesOf(index: number): number[] {
    return this.graph.inNeighbors(this.#node('dependenciesOf', index)).map(Number).sort((a, b) => a - b);
  }

  /** The tasks that wait on `index` (distinct, ascending). */
  dependentsOf(index: number): number[] {
    return this.graph.outNeighbors(this.#node('dependentsOf', index)).map(Number).sort((a, b) => a - b);
  }

  /**
   * Every task `index` waits on, directly or through others (distinct, ascending). A task on a
   * cycle is among its own.
   */
  transitiveDependenciesOf(index: number): number[] {
    return this.#reach(this.#node('transitiveDependenciesOf', index), 'in');
  }

  /** Every task that waits on `index`, directly or through others (distinct, ascending). */
  transitiveDependentsOf(index: number): number[] {
    return this.#reach(this.#node('transitiveDependentsOf', index), 'out');
  }

  /** The node key of task `index`; an index that names no task is an error, not graphology's or an empty answer. */
  #node(call: string, index: unknown): string {
    const expected = `JobGraph.${call}: expected a task index, an integer in [0, ${this.graph.order})`;
    if (typeof index !== 'number') throw new ArgumentTypeError(`${expected}, got ${describeValue(index)}`);
    if (!Number.isInteger(index) || index < 0 || index >= this.graph.order) throw new ArgumentRangeError(`${expected}, got ${describeValue(index)}`);
    return String(index);
  }

  #reach(start: string, direction: 'in' | 'out'): number[] {
    const g = this.graph;
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const visit = (n: string): void => {
        if (seen.has(n)) return;
        seen.add(n);
        stack.push(n);
      };
      if (direction === 'in') g.forEachInNeighbor(node, visit);
      else g.forEachOutNeighbor(node, visit);
    }
    return [...seen].map(Number).sort((a, b) => a - b);
  }

  hasCycle(): boolean {
    return hasCycle(this.graph);
  }

  /**
   * The stages: generation 0 holds the roots, generation k the tasks whose dependencies all lie in
   * earlier generations. Each generation is sorted by task index.
   * @throws CycleError (code `CYCLE`) when the job has a cycle; `cycle` lists the task indices of one.
   */
  generations(): number[][] {
    const g = this.graph;
    const from = new Int32Array(g.size);
    const to = new Int32Array(g.size);
    let e = 0;
    g.forEachEdge((_edge, _attributes, source, target) => {
      from[e] = Number(source);
      to[e++] = Number(target);
    });
    try {
      return topologicalGenerations({ nodeCount: g.order, from, to }).map((gen) => Array.from(gen));
    } catch (err) {
      if (!(err instanceof CycleError)) throw err;
      const c = err.cycle;
      const shown = c.length > 12 ? [...c.slice(0, 10), '…', c[c.length - 1]] : c; // a long cycle, clipped
      throw new CycleError(c, `JobGraph.generations: the job has a cycle: tasks ${[...shown, c[0]].join(' → ')}; validate it to see every cycle`);
    }
  }
}

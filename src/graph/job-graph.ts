import { MultiDirectedGraph } from 'graphology';
import { hasCycle, topologicalGenerations } from 'graphology-dag';
import { CycleError } from '../errors.js';
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

  constructor(job: Job, deps: Dependencies) {
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

  /** The tasks `index` waits on (distinct, ascending). */
  dependenciesOf(index: number): number[] {
    return this.graph.inNeighbors(String(index)).map(Number).sort((a, b) => a - b);
  }

  /** The tasks that wait on `index` (distinct, ascending). */
  dependentsOf(index: number): number[] {
    return this.graph.outNeighbors(String(index)).map(Number).sort((a, b) => a - b);
  }

  /**
   * Every task `index` waits on, directly or through others (distinct, ascending). A task on a
   * cycle is among its own.
   */
  transitiveDependenciesOf(index: number): number[] {
    return this.#reach(index, 'in');
  }

  /** Every task that waits on `index`, directly or through others (distinct, ascending). */
  transitiveDependentsOf(index: number): number[] {
    return this.#reach(index, 'out');
  }

  #reach(index: number, direction: 'in' | 'out'): number[] {
    const g = this.graph;
    const start = String(index);
    if (!g.hasNode(start)) return [];
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
   * @throws CycleError (code `CYCLE`) when the job has a cycle.
   */
  generations(): number[][] {
    if (this.hasCycle()) throw new CycleError([], 'JobGraph.generations: the job has a cycle; validate it to see where');
    return topologicalGenerations(this.graph).map((gen) => gen.map(Number).sort((a, b) => a - b));
  }
}

/**
 * Compressed sparse row (CSR) adjacency built from an edge list, and the argument checks every core
 * entry point shares. Numbers only: no objects per node or edge.
 */
import { ArgumentRangeError, ArgumentTypeError, describeValue, thrownText } from '../errors.js';

/** The largest node count the core accepts: node indices must fit an int32. */
export const MAX_NODE_COUNT = 0x7fffffff;

/**
 * A directed graph as two parallel edge arrays: edge `e` runs from node `from[e]` to node `to[e]`
 * (`from[e]` must come before `to[e]`). Nodes are `0 .. nodeCount - 1`.
 */
export interface EdgeList {
  /** Number of nodes; every index in `from` and `to` lies in `[0, nodeCount)`. */
  readonly nodeCount: number;
  /** Tail of each edge. */
  readonly from: Int32Array;
  /** Head of each edge, same length as `from`. */
  readonly to: Int32Array;
}

/**
 * CSR adjacency: the successors of node `u` are `targets[offsets[u] .. offsets[u + 1])`, in the
 * order their edges appear in the edge list.
 */
export interface Csr {
  /** Number of nodes. */
  readonly nodeCount: number;
  /** `nodeCount + 1` entries; `offsets[nodeCount]` is the edge count. */
  readonly offsets: Int32Array;
  /** The head of every edge, grouped by tail. */
  readonly targets: Int32Array;
  /** Number of edges into each node (parallel edges counted each time). */
  readonly indegree: Int32Array;
}

/**
 * Builds CSR adjacency and in-degrees from an edge list, checking every argument on the way.
 *
 * O(nodeCount + edges) time; memory `4·(2·nodeCount + 1 + edges)` bytes. Parallel edges and
 * self-loops are kept as given.
 *
 * @param input - `{ nodeCount, from, to }` with `from` and `to` as `Int32Array`s of equal length.
 * @param call - Name of the public call, used in error messages.
 * @returns The CSR arrays; `indegree` is freshly allocated and the caller may consume it.
 * @throws {@link ArgumentTypeError} `ERR_INVALID_ARG_TYPE` if `input` is not an object, `nodeCount`
 *   is not a number or `from`/`to` are not `Int32Array`s.
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` if `nodeCount` is not an integer in
 *   `[0, 2^31 - 1]` or an edge names a node outside `[0, nodeCount)`; `ERR_INVALID_ARG_VALUE` if
 *   `from` and `to` differ in length.
 * @example
 * ```ts
 * const csr = buildCsr({ nodeCount: 3, from: Int32Array.of(0, 0), to: Int32Array.of(1, 2) });
 * csr.targets.subarray(csr.offsets[0], csr.offsets[1]); // Int32Array [1, 2]
 * ```
 */
export function buildCsr(input: EdgeList, call = 'buildCsr'): Csr {
  const g = readEdgeList(call, input);
  const n = g.nodeCount;
  const from = g.from;
  const to = g.to;
  const m = from.length;
  const offsets = new Int32Array(n + 1);
  const indegree = new Int32Array(n);
  // Count out-degrees at offsets[u] (not u + 1): after an inclusive prefix sum offsets[u] is the end
  // of u's slice, and filling backwards leaves it at the start, with no cursor array.
  for (let e = 0; e < m; e++) {
    const u = from[e]!;
    const v = to[e]!;
    // Unsigned compare: a negative index wraps above n, so one test checks both ends.
    if (u >>> 0 >= n || v >>> 0 >= n) throwEdgeOutOfRange(call, g, e);
    offsets[u]!++;
    indegree[v]!++;
  }
  const targets = new Int32Array(m);
  fillCsr(offsets, 0, n, from, to, targets, 0, 0);
  return { nodeCount: n, offsets, targets, indegree };
}

/**
 * The second half of every CSR build, shared by {@link buildCsr} and by callers that append the
 * blocks of many graphs to one pair of arrays (the Scheduler appends a block per job).
 *
 * On entry `offsets[at + u]` holds node `u`'s out-degree, for `u` in `[0, n)`. On return
 * `offsets[at + u]` is where `u`'s successors start in `targets`, `offsets[at + n]` is the end of the
 * block, and the successors of `u` (each `to[e] + shift`) are in edge-list order from
 * `targets[edgeStart]` on. Indices are not checked: count them first. With a `stride`, node `u`'s
 * slot is `offsets[(at + u) * stride]` instead (offsets kept in records, as the Scheduler's are).
 *
 * @param offsets - Degrees in, offsets out; `(at + n) * stride + 1` entries at least.
 * @param at - Where node 0 of this graph sits in `offsets`.
 * @param n - Nodes of this graph.
 * @param from - Edge tails, in `[0, n)`.
 * @param to - Edge heads, in `[0, n)`.
 * @param targets - Receives the heads from `edgeStart` on; `edgeStart + from.length` entries at least.
 * @param edgeStart - Where this graph's block starts in `targets`.
 * @param shift - Added to every head (the number of this graph's node 0 in `targets`' numbering).
 * @param stride - Slots from one node's offset to the next's.
 * @example
 * ```ts
 * const offsets = Int32Array.of(2, 0, 0); // node 0 has two successors
 * const targets = new Int32Array(2);
 * fillCsr(offsets, 0, 2, Int32Array.of(0, 0), Int32Array.of(1, 1), targets, 0, 0); // offsets [0, 2, 2]
 * ```
 * @internal
 */
export function fillCsr(offsets: Int32Array, at: number, n: number, from: Int32Array, to: Int32Array, targets: Int32Array, edgeStart: number, shift: number, stride = 1): void {
  // Inclusive prefix sums leave node u's offset at the end of u's slice; filling backwards moves it
  // to the start, with no cursor array.
  let sum = edgeStart;
  for (let u = at, end = at + n; u < end; u++) {
    sum += offsets[u * stride]!;
    offsets[u * stride] = sum;
  }
  offsets[(at + n) * stride] = sum;
  for (let e = from.length - 1; e >= 0; e--) targets[--offsets[(at + from[e]!) * stride]!] = to[e]! + shift;
}

/** An edge list as {@link readEdgeList} read it: own, plain data, each array checked once. */
export interface EdgeListArgs extends EdgeList {
  /** The `priority` array, when asked for and given. */
  readonly priority: Int32Array | undefined;
}

/**
 * Reads a caller's edge list once, into a plain object the algorithms can trust, checking its shape
 * (not the range of each index: {@link buildCsr} does that while it counts). Each property is read
 * once, so a getter cannot answer differently to the check and to the algorithm; an array that
 * cannot be read as it looks (a detached buffer, a subclass overriding `length`) is refused or copied.
 *
 * @param call - Name of the public call, used in error messages.
 * @param input - The value to read.
 * @param withPriority - Also read `priority` (an `Int32Array` of `nodeCount` entries, or `undefined`).
 * @returns `{ nodeCount, from, to, priority }`.
 * @throws {@link ArgumentTypeError} `ERR_INVALID_ARG_TYPE` for a wrong type, or a property that could
 *   not be read (what was thrown is the `cause`).
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` or `ERR_INVALID_ARG_VALUE` for a wrong value.
 * @example
 * ```ts
 * readEdgeList('topologicalOrder', { nodeCount: -1, from, to }); // throws ERR_OUT_OF_RANGE
 * ```
 * @internal
 */
export function readEdgeList(call: string, input: unknown, withPriority = false): EdgeListArgs {
  if (typeof input !== 'object' || input === null) {
    throw new ArgumentTypeError(`${call}: expected an object \`{ nodeCount, from, to }\`, got ${describeArg(input)}`);
  }
  const nodeCount = readArg(call, input, 'nodeCount');
  if (typeof nodeCount !== 'number') {
    throw new ArgumentTypeError(`${call}: expected \`nodeCount\` to be an integer >= 0, got ${describeArg(nodeCount)}`);
  }
  if (!Number.isInteger(nodeCount) || nodeCount < 0 || nodeCount > MAX_NODE_COUNT) {
    throw new ArgumentRangeError(
      `${call}: expected \`nodeCount\` to be an integer in [0, ${MAX_NODE_COUNT}], got ${describeArg(nodeCount)}`,
    );
  }
  const from = int32ArrayArg(call, 'from', readArg(call, input, 'from'));
  const to = int32ArrayArg(call, 'to', readArg(call, input, 'to'));
  if (from.length !== to.length) {
    throw new ArgumentRangeError(
      `${call}: \`from\` has ${from.length} entries but \`to\` has ${to.length}: give one entry per edge in each`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  const priority = withPriority ? readPriority(call, readArg(call, input, 'priority'), nodeCount) : undefined;
  return { nodeCount, from, to, priority };
}

/**
 * Checks an optional per-node `priority` array.
 *
 * @param call - Name of the public call, used in error messages.
 * @param priority - The value to check (`undefined` passes).
 * @param nodeCount - The expected length.
 * @returns The array to read (a copy when the caller's could lie about its length), or `undefined`.
 * @throws {@link ArgumentTypeError} `ERR_INVALID_ARG_TYPE` if it is neither `undefined` nor an `Int32Array`.
 * @throws {@link ArgumentRangeError} `ERR_INVALID_ARG_VALUE` if its length is not `nodeCount`.
 * @example
 * ```ts
 * readPriority('topologicalOrder', Int32Array.of(1, 2), 3); // throws ERR_INVALID_ARG_VALUE
 * ```
 * @internal
 */
export function readPriority(call: string, priority: unknown, nodeCount: number): Int32Array | undefined {
  if (priority === undefined) return undefined;
  const p = int32ArrayArg(call, 'priority', priority);
  if (p.length !== nodeCount) {
    throw new ArgumentRangeError(
      `${call}: \`priority\` has ${p.length} entries but nodeCount is ${nodeCount}: give one priority per node`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return p;
}

// The intrinsic typed-array accessors: they read an array's internal slots, which no subclass,
// own property or other realm can change, and never throw.
const TYPED_ARRAY = Object.getPrototypeOf(Int32Array.prototype) as object;
const typedArrayTag = Object.getOwnPropertyDescriptor(TYPED_ARRAY, Symbol.toStringTag)!.get as (this: unknown) => string | undefined;
const typedArrayLength = Object.getOwnPropertyDescriptor(TYPED_ARRAY, 'length')!.get as (this: unknown) => number;
const typedArrayKeys = (TYPED_ARRAY as { keys: (this: unknown) => unknown }).keys;

/** `input[key]`, read once; a getter or Proxy trap that throws is an ArgumentTypeError. */
function readArg(call: string, input: object, key: string): unknown {
  try {
    return (input as Record<string, unknown>)[key];
  } catch (err) {
    const e = new ArgumentTypeError(`${call}: \`${key}\` could not be read: ${thrownText(err)}`);
    Object.defineProperty(e, 'cause', { value: err, writable: true, configurable: true });
    throw e;
  }
}


/** `value` as an Int32Array the hot loops may read with `.length` and `[i]`. */
function int32ArrayArg(call: string, name: string, value: unknown): Int32Array {
  // The brand, not instanceof: Object.create(Int32Array.prototype) passes instanceof and throws on
  // every read, while another realm's Int32Array fails it and reads fine.
  if (typedArrayTag.call(value) !== 'Int32Array') {
    throw new ArgumentTypeError(
      `${call}: expected \`${name}\` to be an Int32Array, got ${describeArg(value)}` + (isListLike(value) ? `: convert it with Int32Array.from(${name})` : ''),
    );
  }
  const array = value as Int32Array;
  // A detached (transferred) buffer, or a resizable one shrunk below the view, reads as length 0:
  // silently no edges. The iterator check throws for exactly those.
  if (typedArrayLength.call(array) === 0) {
    try {
      typedArrayKeys.call(array);
    } catch {
      throw new ArgumentRangeError(
        `${call}: \`${name}\` is an Int32Array whose buffer was detached (transferred) or shrunk below it: pass it before transferring its buffer, or a copy`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
  }
  // A subclass or an own `length` may misstate the length the loops read: copy such an array (the
  // copy reads the true elements), as another realm's (rare, and cheap next to the sort).
  if (Object.getPrototypeOf(array) !== Int32Array.prototype || Object.hasOwn(array, 'length')) return new Int32Array(array);
  return array;
}

function isListLike(value: unknown): boolean {
  try {
    return Array.isArray(value) || ArrayBuffer.isView(value);
  } catch {
    return false; // a revoked Proxy
  }
}

// Cold path, kept out of the counting loop so that loop stays small.
function throwEdgeOutOfRange(call: string, input: EdgeList, e: number): never {
  const u = input.from[e]!;
  const name = u >>> 0 >= input.nodeCount ? 'from' : 'to';
  const value = name === 'from' ? u : input.to[e]!;
  throw new ArgumentRangeError(
    `${call}: \`${name}[${e}]\` is ${value} but nodeCount is ${input.nodeCount}: every node index must be in [0, nodeCount)`,
  );
}

/** Like `describeValue`, but names arrays by type and length instead of printing them whole. */
function describeArg(value: unknown): string {
  const tag = typedArrayTag.call(value);
  if (tag !== undefined) return `${tag}(${typedArrayLength.call(value)})`;
  try {
    if (Array.isArray(value)) return `an array of length ${(value as unknown[]).length}`;
    if (value instanceof DataView) return `DataView(${value.byteLength} bytes)`;
  } catch {
    // a revoked Proxy, or an array Proxy whose length throws: describeValue copes
  }
  return describeValue(value);
}

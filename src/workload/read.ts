/**
 * Reading a workload file, as `jobgraph generate` writes it: the `jobgraph.workload/1` container
 * or NDJSON (one `{ arrival, definition }` a line). Every command that takes a job takes one of
 * these too; this module tells the two apart from a lone job definition and hands the jobs out.
 *
 * A file is a workload when one of its first three non-blank lines is a JSON object with a
 * `definition` (NDJSON), or when the whole file is a JSON object whose `format` is `jobgraph.workload/1`.
 * Anything else (an array, a job with junk after it, broken JSON) is left to be read as a job
 * definition, so that it gets the diagnostics it always got.
 */

import type { Profile } from '../validate/validate.js';
import { WORKLOAD_FORMAT } from './stream.js';

/** One job of a workload file. */
export interface WorkloadEntry {
  /** 0-based, in file order: what `--job N` names and diagnostics say. */
  index: number;
  /** Seconds from the start (0 when missing, or when not seconds: see {@link arrivalProblem}). */
  arrival: number;
  /** Why the entry's `arrival` is refused, when it is given but is not a number of seconds >= 0. */
  arrivalProblem?: string;
  /** The parsed definition; for an NDJSON line that is not JSON, the line's text. */
  definition: unknown;
  /**
   * The entry's `additions` as written (`[{ at, tasks }]`: tasks added to the job while it runs),
   * present only when it has some; `jobgraph simulate` makes them, and checks them.
   */
  additions?: unknown;
  /** NDJSON: the 1-based line of the file. */
  line?: number;
  /** NDJSON: JSON.parse's complaint about a line that is not JSON. */
  malformed?: string;
}

/** A workload file, its jobs read on demand. */
export interface WorkloadFile {
  form: 'container' | 'ndjson';
  /** The container's `profile` (the one every job passes); NDJSON has none. */
  profile: Profile | undefined;
  /** How many jobs, without parsing them (NDJSON: the non-blank lines). */
  count(): number;
  /** The jobs in order; NDJSON lines are parsed one at a time, as asked for. */
  jobs(): Generator<WorkloadEntry, void, undefined>;
  /** Job `index` only (NDJSON parses that line alone), or undefined past the end. */
  job(index: number): WorkloadEntry | undefined;
}

/** Something that claims to be a workload but cannot be read as one. */
export class WorkloadFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkloadFormatError';
  }
}

/**
 * The workload in `text`, or undefined when `text` is not one (then it is a job definition).
 *
 * @throws {@link WorkloadFormatError} for a `jobgraph.workload/1` container without a `jobs` array.
 */
export function readWorkloadFile(text: string): WorkloadFile | undefined {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // A job never has a `definition` property: checking the text first spares parsing a big one-line
  // job twice. A few lines are looked at, so that NDJSON whose first line is broken is still NDJSON
  // (and its broken line reported as such).
  for (const line of leadingLines(body, 3)) {
    if (!line.includes('"definition"')) continue;
    const value = tryParse(line);
    if (isObject(value) && 'definition' in value) return ndjson(body);
  }
  if (!body.includes(WORKLOAD_FORMAT)) return undefined;
  const value = tryParse(body);
  if (!isObject(value) || value.format !== WORKLOAD_FORMAT) return undefined;
  if (!Array.isArray(value.jobs)) throw new WorkloadFormatError(`a ${WORKLOAD_FORMAT} container needs a "jobs" array of { arrival, definition }`);
  const jobs = value.jobs as unknown[];
  const profile = value.profile === 'ams' || value.profile === 'relaxed' ? value.profile : undefined;
  const entry = (index: number): WorkloadEntry => ({ index, ...split(jobs[index]) });
  return {
    form: 'container',
    profile,
    count: () => jobs.length,
    *jobs() {
      for (let i = 0; i < jobs.length; i++) yield entry(i);
    },
    job: (index) => (Number.isInteger(index) && index >= 0 && index < jobs.length ? entry(index) : undefined),
  };
}

function ndjson(text: string): WorkloadFile {
  function* lines(): Generator<{ text: string; line: number }, void, undefined> {
    let start = 0;
    let line = 1;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const t = text.slice(start, end);
      if (t.trim() !== '') yield { text: t, line };
      start = end + 1;
      line++;
    }
  }
  const entry = (index: number, l: { text: string; line: number }): WorkloadEntry => {
    try {
      return { index, line: l.line, ...split(JSON.parse(l.text)) };
    } catch (err) {
      return { index, line: l.line, arrival: 0, definition: l.text.replace(/\r$/, ''), malformed: (err as Error).message };
    }
  };
  return {
    form: 'ndjson',
    profile: undefined,
    count() {
      let n = 0;
      for (const _ of lines()) n++;
      return n;
    },
    *jobs() {
      let i = 0;
      for (const l of lines()) yield entry(i++, l);
    },
    job(index) {
      let i = 0;
      for (const l of lines()) if (i++ === index) return entry(index, l);
      return undefined;
    },
  };
}

/**
 * `{ arrival, definition, additions? }` of one job; a bare Create-Job body, or an entry without
 * `arrival`, arrives at 0. An `arrival` that is given but is no number of seconds >= 0 arrives at 0
 * with its problem told (`arrivalProblem`), for the commands to refuse: "soon" or -5 read as 0
 * would run a job at the start without a word.
 */
function split(v: unknown): { arrival: number; arrivalProblem?: string; definition: unknown; additions?: unknown } {
  if (isObject(v) && 'definition' in v) {
    const given = v.arrival;
    const problem = arrivalProblem(given);
    const arrival = problem === undefined && given !== undefined ? (given as number) : 0;
    const entry: { arrival: number; arrivalProblem?: string; definition: unknown; additions?: unknown } = { arrival, definition: v.definition };
    if (problem !== undefined) entry.arrivalProblem = problem;
    if (v.additions !== undefined) entry.additions = v.additions;
    return entry;
  }
  return { arrival: 0, definition: v };
}

/** Why an entry's `arrival` is refused (given, and no number of seconds >= 0), or undefined when it is not. */
export function arrivalProblem(given: unknown): string | undefined {
  if (given === undefined || (typeof given === 'number' && Number.isFinite(given) && given >= 0)) return undefined;
  return `"arrival" is ${describeArrival(given)}, not a number of seconds >= 0`;
}

function describeArrival(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `${typeof v === 'object' ? 'an object' : typeof v}`;
}

/** The first `n` non-blank lines. */
function leadingLines(text: string, n: number): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length && lines.length < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const t = text.slice(start, end);
    if (t.trim() !== '') lines.push(t);
    start = end + 1;
  }
  return lines;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The job's `Name`, when it has one. */
export function jobName(definition: unknown): string | undefined {
  return isObject(definition) && typeof definition.Name === 'string' ? definition.Name : undefined;
}

/** "job #3 \"media 3\"": how the CLI names a job of a workload. */
export function jobLabel(index: number, definition: unknown): string {
  const name = jobName(definition);
  return `job #${index}${name !== undefined && name !== '' ? ` ${JSON.stringify(name)}` : ''}`;
}

/**
 * The check of a `POST /api/Jobs` body, as the server answers it: `validateJob` plus the server's
 * own rule (a MediaProcessorId it has no processor for), reduced to an {@link CheckOutcome} whose
 * size does not depend on the input. Runs in a validation worker (validate-worker.ts) or inline,
 * and is the same code either way, so the two answer alike.
 */
import type { IdFactory } from '../job/ids.js';
import type { Job } from '../job/model.js';
import { validateJob, type Profile, type ValidationResult } from '../validate/validate.js';
import { byPlace, type Diagnostic } from '../diagnostics/diagnostic.js';
import { unknownProcessors } from '../run/processor.js';
import type { JobTemplateDefinition } from '../job/template.js';

/** A processor the engine has, as the check needs it: to name it in a hint. */
export interface KnownProcessor {
  readonly Id: string;
  readonly Name: string;
}

/** What one check takes; plain data, so it can be posted to a worker. */
export interface CheckRequest {
  readonly text: string;
  readonly profile: Profile;
  readonly processors: readonly KnownProcessor[];
  /** Most diagnostics listed in the answer. */
  readonly maxDiagnostics: number;
  /** The server's JobTemplates, for a body with TemplateId (absent: none is expanded). */
  readonly templates?: readonly JobTemplateDefinition[];
}

/**
 * A diagnostic as an answer lists it: its strings cut to {@link MAX_FIELD_CHARS} characters and
 * a cycle to its first {@link MAX_CYCLE_ENTRIES} steps (`cycleLength` then says how long it was).
 */
export type ListedDiagnostic = Diagnostic & { cycleLength?: number };

/**
 * The outcome of a check. `valid` carries nothing but the count of warnings: the caller validates
 * a valid definition again where it submits it (see `ValidationPool`). The others carry at most
 * `maxDiagnostics` diagnostics and a few KiB of text, whatever the body held.
 */
export type CheckOutcome =
  | { readonly kind: 'valid'; readonly warnings: number }
  | { readonly kind: 'malformed'; readonly diagnostic: ListedDiagnostic }
  | {
      /** `invalid`: errors. `too-many-warnings`: no error, but more warnings than {@link MAX_WARNINGS_ACCEPTED}. */
      readonly kind: 'invalid' | 'too-many-warnings';
      /** Problems found, listed or not. */
      readonly problems: number;
      /**
       * Errors and warnings among them. When the validator left problems out (its own cap) and
       * some of those were errors, the split of those is not known: `errors` is then a floor, and
       * `errors + warnings < problems`.
       */
      readonly errors: number;
      readonly warnings: number;
      /** The first diagnostics, job-level first, then by task, line and column. */
      readonly listed: ListedDiagnostic[];
      /** One line each for the listed diagnostics, in the text form of `jobgraph validate`. */
      readonly lines: string[];
      /** Diagnostics left out of `listed`. */
      readonly omitted: number;
    };

/** Longest string of a listed diagnostic (message, hint, task name), in UTF-16 units. */
export const MAX_FIELD_CHARS = 300;
/** Most steps of a listed cycle. */
export const MAX_CYCLE_ENTRIES = 32;
/**
 * Bytes of JSON the listed diagnostics may take, lines and objects together. With the rest of an
 * error answer (a few hundred bytes) every answer stays under {@link MAX_ANSWER_BYTES}.
 */
export const DIAGNOSTICS_BUDGET_BYTES = 48 * 1024;
/** The largest error answer the server sends, whatever the request. */
export const MAX_ANSWER_BYTES = 64 * 1024;
/**
 * A definition with no error but more warnings than this is refused. A valid definition is
 * validated again on the event loop to submit it (the engine takes only a result made on its own
 * thread, with the server's id factory), and warnings are what a 1 MiB body can hold without
 * limit: 80,000 unknown TaskBody attributes validate in 0.6 s (0.13–0.17 s with the validator's
 * own cap of 1,000 diagnostics; 90,000 unknown properties: 0.2 s), while any valid job of the
 * `ams` profile without warnings takes under 15 ms. Below that cap, so it holds with or without
 * it. A real definition has a few warnings at most; `jobgraph validate` lists them all.
 */
export const MAX_WARNINGS_ACCEPTED = 100;

/** Cuts a string to `max` UTF-16 units, with `…` at the end, never inside a surrogate pair. */
export function clip(s: string, max: number = MAX_FIELD_CHARS): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/** One diagnostic as one line, in the text form of `jobgraph validate`. */
export function diagnosticLine(d: Diagnostic): string {
  let s = '';
  if (d.task !== undefined) s += `task #${d.task}${d.taskName !== undefined && d.taskName !== '' ? ` ${JSON.stringify(d.taskName)}` : ''} `;
  if (d.line !== undefined) s += `${d.line}:${d.column ?? 1} `;
  s += `${d.severity} ${d.code} ${d.message}`;
  if (d.hint !== undefined && d.hint !== '') s += ` (hint: ${d.hint})`;
  return s;
}

/** A diagnostic with its strings and its cycle cut to what an answer lists. */
export function listedDiagnostic(d: Diagnostic): ListedDiagnostic {
  const out: ListedDiagnostic = { ...d, message: clip(d.message) };
  if (d.hint !== undefined) out.hint = clip(d.hint);
  if (d.taskName !== undefined) out.taskName = clip(d.taskName, 80);
  if (d.cycle !== undefined && d.cycle.length > MAX_CYCLE_ENTRIES) {
    out.cycle = d.cycle.slice(0, MAX_CYCLE_ENTRIES);
    out.cycleLength = d.cycle.length;
  }
  if (d.edges !== undefined) out.edges = d.edges.slice(0, MAX_CYCLE_ENTRIES).map((e) => ({ ...e, asset: clip(e.asset, 80) }));
  return out;
}

/**
 * The first diagnostics of a sorted list, at most `max` of them and at most
 * {@link DIAGNOSTICS_BUDGET_BYTES} of JSON (each listed twice: as a line and as an object).
 */
export function listDiagnostics(sorted: readonly Diagnostic[], max: number): { listed: ListedDiagnostic[]; lines: string[]; omitted: number } {
  const listed: ListedDiagnostic[] = [];
  const lines: string[] = [];
  let bytes = 0;
  for (const d of sorted) {
    if (listed.length >= max) break;
    const item = listedDiagnostic(d);
    const line = diagnosticLine(item);
    // +2: the comma between objects and the newline between lines.
    const cost = Buffer.byteLength(JSON.stringify(item)) + Buffer.byteLength(JSON.stringify(line)) + 2;
    if (bytes + cost > DIAGNOSTICS_BUDGET_BYTES) break;
    bytes += cost;
    listed.push(item);
    lines.push(line);
  }
  return { listed, lines, omitted: sorted.length - listed.length };
}


function unknownProcessorsOf(job: Job, processors: readonly KnownProcessor[]): Diagnostic[] {
  const known = new Set(processors.map((p) => p.Id));
  return unknownProcessors(job, (id) => known.has(id), 'this server has no processor for', () => `use one of GET /api/MediaProcessors: ${processors.map((p) => `${p.Id} (${p.Name})`).join(', ')}`);
}

/** How many problems the validator's TOO_MANY_DIAGNOSTICS says it left out; undefined if it does not say. */
function leftOutBy(summary: Diagnostic): number | undefined {
  const n = summary.omitted?.problems;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Checks a Create-Job body.
 *
 * The validator is given the answer's cap as its own `maxDiagnostics`, so past it problems are
 * counted, not built (200,000 `null` tasks: 0.7 s → well under that); its TOO_MANY_DIAGNOSTICS gives
 * the count (`omitted`) and stated in the answer's own words (`… and N more`).
 *
 * @param ids - the id factory of the jobs the server creates; give it only where the result is
 *   submitted (a worker's result is not: ids made there would be lost)
 * @returns the outcome, and the validation result (what the engine submits when it is valid)
 */
export function checkDefinition(request: CheckRequest, ids?: IdFactory): { outcome: CheckOutcome; result: ValidationResult } {
  const options = { profile: request.profile, maxDiagnostics: request.maxDiagnostics, ...(request.templates !== undefined ? { templates: request.templates } : {}) };
  const result = validateJob(request.text, ids === undefined ? options : { ...options, ids });
  let diagnostics = result.job === undefined ? result.diagnostics : [...result.diagnostics, ...unknownProcessorsOf(result.job, request.processors)];
  const summary = diagnostics.find((d) => d.code === 'TOO_MANY_DIAGNOSTICS');
  const leftOut = summary === undefined ? 0 : leftOutBy(summary);
  // A summary whose count cannot be read stays in the list: its message says it.
  if (summary !== undefined && leftOut !== undefined) diagnostics = diagnostics.filter((d) => d !== summary);
  let errors = 0;
  for (const d of diagnostics) if (d.severity === 'error') errors++;
  let warnings = diagnostics.length - errors;
  // A warning summary: every problem left out is a warning.
  if (summary !== undefined && summary.severity === 'warning') warnings += leftOut ?? 0;
  const problems = diagnostics.length + (leftOut ?? 0);
  const erroneous = errors > 0 || summary?.severity === 'error';
  if (!erroneous && warnings <= MAX_WARNINGS_ACCEPTED) return { outcome: { kind: 'valid', warnings }, result };
  const first = diagnostics.find((d) => d.severity === 'error');
  if (first?.code === 'JSON_MALFORMED') return { outcome: { kind: 'malformed', diagnostic: listedDiagnostic(first) }, result };
  // The validator sorts its own; the server's come after them and go in their place.
  diagnostics.sort(byPlace);
  const listing = listDiagnostics(diagnostics, request.maxDiagnostics);
  return { outcome: { kind: erroneous ? 'invalid' : 'too-many-warnings', problems, errors, warnings, ...listing, omitted: problems - listing.listed.length }, result };
}

import { codeInfo, type DiagnosticCode, type Severity } from './codes.js';

/** One edge of a reported cycle: task `from` outputs `asset`, which task `to` reads at line:column of its TaskBody. */
export interface CycleEdge {
  from: number;
  to: number;
  asset: string;
  line: number;
  column: number;
}

/**
 * One problem in a job definition. `task` is the index in `Tasks`; `line`/`column` are 1-based inside
 * that task's TaskBody (or inside the JSON text for JSON_MALFORMED); `cycle` lists task indices in
 * cycle order for CYCLE, with `edges` naming the asset behind each step.
 */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  task?: number;
  taskName?: string;
  line?: number;
  column?: number;
  hint?: string;
  /** The property of the Job (or of task `task`) the problem is about, when it is about one: `Priority`, `InputMediaAssets`, `TaskBody`… */
  property?: string;
  /**
   * For a job given as JSON text: where the problem is in that text (1-based line and column),
   * through the TaskBody string's escapes for a place inside a TaskBody, else at the property's key
   * (or the task's `{`). What editors and code scanning jump to.
   */
  fileLine?: number;
  fileColumn?: number;
  cycle?: number[];
  edges?: CycleEdge[];
  /**
   * The Id of the JobTemplate the problem is in (a job made from a template, or `validateJobTemplate`);
   * `line`/`column` are then 1-based in its JobTemplateBody.
   */
  template?: string;
  /** TOO_MANY_DIAGNOSTICS only: how many problems were found past the cap and not reported, and how many of those are errors. */
  omitted?: { problems: number; errors: number };
}

export type DiagnosticExtras = Omit<Partial<Diagnostic>, 'code' | 'message' | 'severity'>;

/** Makes a diagnostic, taking severity and the default hint from the catalogue. */
export function makeDiagnostic(code: DiagnosticCode, message: string, extras: DiagnosticExtras = {}): Diagnostic {
  const info = codeInfo(code)!;
  const d: Diagnostic = { code, severity: info.severity, message };
  if (extras.task !== undefined) d.task = extras.task;
  if (extras.taskName !== undefined) d.taskName = extras.taskName;
  if (extras.line !== undefined) d.line = extras.line;
  if (extras.column !== undefined) d.column = extras.column;
  d.hint = extras.hint ?? info.hint;
  if (extras.property !== undefined) d.property = extras.property;
  if (extras.fileLine !== undefined) d.fileLine = extras.fileLine;
  if (extras.fileColumn !== undefined) d.fileColumn = extras.fileColumn;
  if (extras.cycle !== undefined) d.cycle = extras.cycle;
  if (extras.edges !== undefined) d.edges = extras.edges;
  if (extras.template !== undefined) d.template = extras.template;
  return d;
}

/** The order diagnostics are reported in: job-level first, then by task, line and column (stable within a place). */
export function byPlace(a: Diagnostic, b: Diagnostic): number {
  return (a.task ?? -1) - (b.task ?? -1) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** Diagnostics kept per job (or per lone TaskBody) unless `maxDiagnostics` says otherwise. */
export const DEFAULT_MAX_DIAGNOSTICS = 1000;

/**
 * Collects diagnostics up to a cap. Past it they are counted, by severity, and not built: a hostile
 * definition can hold a problem every few bytes (a million unknown elements, a million `null`
 * tasks), and a million diagnostics cost hundreds of megabytes to hold and print while the first
 * thousand already say what is wrong. The checks ask {@link room} before they build a message
 * wherever a problem can repeat.
 */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  /** Problems found past the cap. */
  omitted = 0;
  /** Of those, errors. */
  omittedErrors = 0;

  constructor(readonly max: number) {}

  /** Whether one more diagnostic of `code` is kept; when not, it is counted as left out. */
  room(code: DiagnosticCode): boolean {
    if (this.list.length < this.max) return true;
    this.omitted++;
    if (codeInfo(code)!.severity === 'error') this.omittedErrors++;
    return false;
  }

  /** Diagnostics that can still be kept. */
  get remaining(): number {
    return this.max - this.list.length;
  }

  add(code: DiagnosticCode, message: string, extras?: DiagnosticExtras): void {
    if (this.room(code)) this.list.push(makeDiagnostic(code, message, extras));
  }

  /** Counts problems left out elsewhere (by the TaskBody parser, under the cap it was given). */
  leftOut(count: number, errors: number): void {
    this.omitted += count;
    this.omittedErrors += errors;
  }

  /** Whether any problem found is an error, kept or not. */
  hasError(): boolean {
    return this.omittedErrors > 0 || this.list.some((d) => d.severity === 'error');
  }

  /**
   * TOO_MANY_DIAGNOSTICS when problems were left out: an error when any of them is one, else a
   * warning (so `valid` is what it would be without the cap).
   */
  summary(): Diagnostic | undefined {
    if (this.omitted === 0) return undefined;
    const kept = this.list.length;
    const all = kept + this.omitted;
    const n = (x: number): string => x.toLocaleString('en-US');
    const d = makeDiagnostic(
      'TOO_MANY_DIAGNOSTICS',
      `${n(this.omitted)} more problem${this.omitted === 1 ? ' was' : 's were'} not reported (${n(all)} in all${this.omittedErrors === 0 ? '; those left out are all warnings' : ''}); fix these and validate again`,
    );
    if (this.omittedErrors === 0) d.severity = 'warning';
    d.omitted = { problems: this.omitted, errors: this.omittedErrors };
    return d;
  }
}

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
  cycle?: number[];
  edges?: CycleEdge[];
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
  if (extras.cycle !== undefined) d.cycle = extras.cycle;
  if (extras.edges !== undefined) d.edges = extras.edges;
  return d;
}

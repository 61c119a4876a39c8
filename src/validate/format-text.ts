import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { ArgumentTypeError, checkObject, describeValue } from '../errors.js';

export interface TextFormatOptions {
  /** ANSI colours; the CLI turns them on only on a TTY. */
  color?: boolean;
  /** The text the positions point into, per task (TaskBody) or for the whole file (JSON errors, a lone TaskBody). */
  sourceOf?: (d: Diagnostic) => string | undefined;
  /** The file's text: the excerpt of a problem placed in the file but not in a TaskBody (a property's). */
  fileText?: string;
  /** What the problem belongs to inside the file, after its place: `job #3 "media 3"` in a workload. */
  scope?: string;
}

const ANSI = { red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', bold: '\x1b[1m', dim: '\x1b[2m', reset: '\x1b[0m' };

/**
 * `text` with its control characters and line separators escaped as in JSON (`\n`, `\u001b`):
 * a message quotes names from the job, and a newline there split one diagnostic over two lines,
 * an escape sequence reached the terminal.
 */
function printable(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROL_ALL, (ch) => SHORT[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
}
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Checks that `d` (named `what` in the message) is a diagnostic a formatter can print: an object
 * with string `code` and `message`, a `severity` of 'error' or 'warning', and a string `hint` or none.
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE` for the severity)
 */
export function checkDiagnostic(call: string, what: string, d: unknown): asserts d is Diagnostic {
  checkObject(call, `\`${what}\``, d, '{ code, severity, message }');
  const x = d as Record<string, unknown>;
  for (const key of ['code', 'message'] as const) {
    if (typeof x[key] !== 'string') throw new ArgumentTypeError(`${call}: expected \`${what}.${key}\` to be a string, got ${describeValue(x[key])}`);
  }
  if (x.hint !== undefined && typeof x.hint !== 'string') throw new ArgumentTypeError(`${call}: expected \`${what}.hint\` to be a string, got ${describeValue(x.hint)}`);
  if (x.severity !== 'error' && x.severity !== 'warning') {
    throw new ArgumentTypeError(`${call}: expected \`${what}.severity\` to be 'error' or 'warning', got ${describeValue(x.severity)}`, 'ERR_INVALID_ARG_VALUE');
  }
}

/**
 * One diagnostic the way a compiler prints it:
 * `job.json:20:125: task #2 "Package", TaskBody 3:15: error OUTPUT_DUPLICATE: …` (the place in the
 * file when it is known, then the place in the TaskBody), then the source line with a caret and the
 * hint.
 * @throws TypeError (`ERR_INVALID_ARG_TYPE`) if `file` is not a string, `options` is not an object,
 *   or `d` is not an object with string `code` and `message` (and `hint`, if any);
 *   (`ERR_INVALID_ARG_VALUE`) if its `severity` is not 'error' or 'warning'
 */
export function formatDiagnosticText(file: string, d: Diagnostic, options: TextFormatOptions = {}): string {
  const call = 'formatDiagnosticText';
  if (typeof file !== 'string') throw new ArgumentTypeError(`${call}: expected \`file\` to be a string, got ${describeValue(file)}`);
  checkDiagnostic(call, 'diagnostic', d);
  checkObject(call, '`options`', options);
  const c = options.color ? ANSI : { red: '', yellow: '', cyan: '', bold: '', dim: '', reset: '' };
  // `file:line:column:` first when the place in the file is known: what editors and terminals link.
  const place = d.fileLine !== undefined ? `${file}:${d.fileLine}:${d.fileColumn ?? 1}` : file;
  const parts: string[] = [`${c.bold}${place}${c.reset}:`];
  if (options.scope !== undefined) parts.push(`${printable(options.scope)}:`);
  if (d.task !== undefined) parts.push(`task #${d.task}${d.taskName !== undefined ? ` ${printable(JSON.stringify(d.taskName))}` : ''}`);
  let head = parts.join(' ');
  if (d.line !== undefined && d.fileLine !== undefined && d.task !== undefined) head += `, TaskBody ${d.line}:${d.column ?? 1}:`;
  else if (d.line !== undefined && d.fileLine === undefined) head += ` ${d.line}:${d.column ?? 1}:`;
  else if (d.task !== undefined) head += ':';
  const sev = d.severity === 'error' ? `${c.red}${c.bold}error${c.reset}` : `${c.yellow}${c.bold}warning${c.reset}`;
  const lines = [`${head} ${sev} ${c.bold}${d.code}${c.reset}: ${printable(d.message)}`];
  // The excerpt: the TaskBody's line for a place in it, else the file's line for a place in the file.
  const source = options.sourceOf?.(d);
  let shown: { text: string; line: number; column: number } | undefined;
  if (source !== undefined && d.line !== undefined) shown = { text: source, line: d.line, column: d.column ?? 1 };
  else if (options.fileText !== undefined && d.fileLine !== undefined) shown = { text: options.fileText, line: d.fileLine, column: d.fileColumn ?? 1 };
  if (shown !== undefined) {
    const excerpt = sourceExcerpt(shown.text, shown.line, shown.column);
    if (excerpt) {
      const gutter = String(shown.line).length;
      lines.push(`${c.dim}${String(shown.line).padStart(gutter + 4)} |${c.reset} ${excerpt.text}`);
      lines.push(`${c.dim}${' '.repeat(gutter + 4)} |${c.reset} ${' '.repeat(excerpt.caret)}${c.red}^${c.reset}`);
    }
  }
  if (d.hint) lines.push(`    ${c.cyan}hint:${c.reset} ${printable(d.hint)}`);
  return lines.join('\n');
}

/**
 * The last few texts excerpts were cut from, with where their lines start, most recent first.
 * Diagnostics come sorted by task, and a task's point into its TaskBody and into the file in turn:
 * with one text remembered, the file's lines were found again for every task (500 tasks behind a
 * file of 400,000 lines took 24–45 s to print).
 */
const cache: Array<{ text: string; starts: number[] }> = [];
const CACHED_TEXTS = 4;

/** Offsets where the lines of `text` start (LF, CRLF and CR end a line), computed once while it is in use. */
function lineStarts(text: string): number[] {
  for (let k = 0; k < cache.length; k++) {
    const entry = cache[k]!;
    if (entry.text !== text) continue;
    if (k > 0) {
      cache.splice(k, 1);
      cache.unshift(entry);
    }
    return entry.starts;
  }
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  cache.unshift({ text, starts });
  if (cache.length > CACHED_TEXTS) cache.length = CACHED_TEXTS;
  return starts;
}

/**
 * The line `line` of `text`, cut to a window around `column`, with the caret's offset in it. Only
 * the window is copied: a TaskBody may be one line of megabytes, with a thousand diagnostics on it.
 */
export function sourceExcerpt(text: string, line: number, column: number, width = 100): { text: string; caret: number } | undefined {
  const starts = lineStarts(text);
  if (!Number.isInteger(line) || line < 1 || line > starts.length) return undefined;
  const from = starts[line - 1]!;
  let to = line < starts.length ? starts[line]! : text.length;
  // The line break is not part of the line.
  if (to > from && text.charCodeAt(to - 1) === 10) to--;
  if (to > from && text.charCodeAt(to - 1) === 13) to--;
  const length = to - from;
  let start = 0;
  const col = Math.max(0, Math.min(column - 1, length));
  if (length > width) start = Math.max(0, Math.min(col - Math.floor(width / 3), length - width));
  // Tabs and other controls would shift the caret: show each as one space.
  let shown = text.slice(from + start, from + Math.min(length, start + width)).replace(/[\x00-\x1f\x7f]/g, ' ');
  let caret = col - start;
  if (start > 0) {
    shown = '…' + shown;
    caret += 1;
  }
  if (start + width < length) shown += '…';
  return { text: shown, caret };
}

/** "2 errors, 1 warning" or "no problems". */
export function summarize(diagnostics: readonly Diagnostic[]): string {
  let errors = 0;
  let warnings = 0;
  let more = false;
  for (const d of diagnostics) {
    // TOO_MANY_DIAGNOSTICS is no problem of its own: it says more were found than are listed.
    if (d.code === 'TOO_MANY_DIAGNOSTICS') more = true;
    else if (d.severity === 'error') errors++;
    else warnings++;
  }
  if (errors + warnings === 0 && !more) return 'no problems';
  const p = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  const listed = [errors ? p(errors, 'error') : '', warnings ? p(warnings, 'warning') : ''].filter(Boolean).join(', ');
  return more ? `${listed || 'no problems'} listed, and more not reported: see TOO_MANY_DIAGNOSTICS` : listed;
}

import type { Diagnostic } from './diagnostic.js';

export interface TextFormatOptions {
  /** ANSI colours; the CLI turns them on only on a TTY. */
  color?: boolean;
  /** The text the positions point into, per task (TaskBody) or for the whole file (JSON errors, a lone TaskBody). */
  sourceOf?: (d: Diagnostic) => string | undefined;
}

const ANSI = { red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', bold: '\x1b[1m', dim: '\x1b[2m', reset: '\x1b[0m' };

/**
 * One diagnostic the way a compiler prints it:
 * `job.json: task #2 "Package" 3:15: error OUTPUT_DUPLICATE: … ` then the source line with a caret
 * and the hint.
 */
export function formatDiagnosticText(file: string, d: Diagnostic, options: TextFormatOptions = {}): string {
  const c = options.color ? ANSI : { red: '', yellow: '', cyan: '', bold: '', dim: '', reset: '' };
  const parts: string[] = [`${c.bold}${file}${c.reset}:`];
  if (d.task !== undefined) parts.push(`task #${d.task}${d.taskName !== undefined ? ` ${JSON.stringify(d.taskName)}` : ''}`);
  let head = parts.join(' ');
  if (d.line !== undefined) head += ` ${d.line}:${d.column ?? 1}:`;
  else if (d.task !== undefined) head += ':';
  const sev = d.severity === 'error' ? `${c.red}${c.bold}error${c.reset}` : `${c.yellow}${c.bold}warning${c.reset}`;
  const lines = [`${head} ${sev} ${c.bold}${d.code}${c.reset}: ${d.message}`];
  const source = options.sourceOf?.(d);
  if (source !== undefined && d.line !== undefined) {
    const excerpt = sourceExcerpt(source, d.line, d.column ?? 1);
    if (excerpt) {
      const gutter = String(d.line).length;
      lines.push(`${c.dim}${String(d.line).padStart(gutter + 4)} |${c.reset} ${excerpt.text}`);
      lines.push(`${c.dim}${' '.repeat(gutter + 4)} |${c.reset} ${' '.repeat(excerpt.caret)}${c.red}^${c.reset}`);
    }
  }
  if (d.hint) lines.push(`    ${c.cyan}hint:${c.reset} ${d.hint}`);
  return lines.join('\n');
}

/** The line `line` of `text`, cut to a window around `column`, with the caret's offset in it. */
export function sourceExcerpt(text: string, line: number, column: number, width = 100): { text: string; caret: number } | undefined {
  const all = text.split(/\r\n|\r|\n/);
  const raw = all[line - 1];
  if (raw === undefined) return undefined;
  // Tabs and other controls would shift the caret: show each as one space.
  const clean = raw.replace(/[\x00-\x1f\x7f]/g, ' ');
  let start = 0;
  const col = Math.max(0, Math.min(column - 1, clean.length));
  if (clean.length > width) start = Math.max(0, Math.min(col - Math.floor(width / 3), clean.length - width));
  let shown = clean.slice(start, start + width);
  let caret = col - start;
  if (start > 0) {
    shown = '…' + shown;
    caret += 1;
  }
  if (start + width < clean.length) shown += '…';
  return { text: shown, caret };
}

/** "2 errors, 1 warning" or "no problems". */
export function summarize(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (diagnostics.length === 0) return 'no problems';
  const p = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  return [errors ? p(errors, 'error') : '', warnings ? p(warnings, 'warning') : ''].filter(Boolean).join(', ');
}

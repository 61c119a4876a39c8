import { parseArgs } from 'node:util';
import { DEFAULT_MAX_DIAGNOSTICS, type Diagnostic } from '../diagnostics/diagnostic.js';
import { formatDiagnosticText, summarize } from '../validate/format-text.js';
import { formatSarif, type SarifFile } from '../validate/format-sarif.js';
import { validateJob, validateTaskBody, type Profile } from '../validate/validate.js';
import { CliError, ioMessage, packageVersion, useColor, type CliIO, type CliOptions } from './io.js';

export const VALIDATE_USAGE = `Usage: jobgraph validate <file…> [--format text|json|sarif] [--profile ams|relaxed] [--max-diagnostics N|all]

Checks AMS Create-Job bodies (JSON) and lone TaskBody documents (.xml) and reports every problem.
  --format           text (default, like a compiler), json ({"valid", "diagnostics"}), sarif (SARIF 2.1.0)
  --profile          ams (default: the service's quotas) or relaxed (no quotas, graphs of any size)
  --max-diagnostics  problems listed per file (default 1000); past it they are counted (TOO_MANY_DIAGNOSTICS)
A file named - is read from standard input. Exit status: 0 no errors, 1 errors, 2 usage or I/O error.`;

interface FileResult {
  file: string;
  source: string;
  isXml: boolean;
  valid: boolean;
  diagnostics: Diagnostic[];
  taskBodies: string[];
}

/** The options of `jobgraph validate`, for parseArgs and for naming a mistyped one. */
export const VALIDATE_OPTIONS = {
  format: { type: 'string', default: 'text' },
  profile: { type: 'string', default: 'ams' },
  'max-diagnostics': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies CliOptions;

export async function validateCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: VALIDATE_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(VALIDATE_USAGE + '\n');
    return 0;
  }
  const format = values.format!;
  if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new CliError(`--format must be text, json or sarif, not ${JSON.stringify(format)}`);
  const profile = values.profile as Profile;
  if (profile !== 'ams' && profile !== 'relaxed') throw new CliError(`--profile must be ams or relaxed, not ${JSON.stringify(values.profile)}`);
  const maxDiagnostics = readMaxDiagnostics(values['max-diagnostics']);
  if (positionals.length === 0) throw new CliError('name at least one job file (.json) or TaskBody (.xml)');

  const results: FileResult[] = [];
  let ioFailed = false;
  for (const file of positionals) {
    let source: string;
    try {
      source = await io.readFile(file);
    } catch (err) {
      io.stderr.write(`jobgraph validate: ${ioMessage(file, err)}\n`);
      ioFailed = true;
      continue;
    }
    const isXml = /\.xml$/i.test(file) || (file === '-' && /^\s*(<\?xml|<)/.test(source.replace(/^\uFEFF/, '')));
    if (isXml) {
      const r = validateTaskBody(source, { maxDiagnostics });
      results.push({ file, source, isXml, valid: r.valid, diagnostics: r.diagnostics, taskBodies: [] });
    } else {
      const r = validateJob(source, { profile, maxDiagnostics });
      const taskBodies = r.job ? r.job.Tasks.map((t) => t.TaskBody) : [];
      results.push({ file, source, isXml, valid: r.valid, diagnostics: r.diagnostics, taskBodies });
    }
  }

  if (format === 'json') {
    if (positionals.length === 1 && results.length === 1) {
      io.stdout.write(JSON.stringify({ valid: results[0]!.valid, diagnostics: results[0]!.diagnostics }, null, 2) + '\n');
    } else {
      const body = { valid: results.every((r) => r.valid) && !ioFailed, files: results.map((r) => ({ file: r.file, valid: r.valid, diagnostics: r.diagnostics })) };
      io.stdout.write(JSON.stringify(body, null, 2) + '\n');
    }
  } else if (format === 'sarif') {
    const files: SarifFile[] = results.map((r) => ({ file: r.file, diagnostics: r.diagnostics, physical: (d) => r.isXml || d.code === 'JSON_MALFORMED' }));
    io.stdout.write(JSON.stringify(formatSarif(files, packageVersion()), null, 2) + '\n');
  } else {
    const color = useColor(io);
    for (const r of results) {
      const sourceOf = (d: Diagnostic): string | undefined => (r.isXml || d.code === 'JSON_MALFORMED' ? r.source : d.task !== undefined ? r.taskBodies[d.task] : undefined);
      for (const d of r.diagnostics) io.stdout.write(formatDiagnosticText(r.file, d, r.isXml ? { color, sourceOf } : { color, sourceOf, fileText: r.source }) + '\n');
      io.stdout.write(`${r.file}: ${r.valid ? 'valid' : 'invalid'} (${summarize(r.diagnostics)})\n`);
    }
    if (positionals.length > 1) io.stdout.write(filesSummary(results, positionals.length - results.length) + '\n');
  }
  if (ioFailed) return 2;
  return results.every((r) => r.valid) ? 0 : 1;
}

/** `--max-diagnostics`: a whole number >= 1, or `all` for no cap (a hostile file may then take a lot of memory). */
function readMaxDiagnostics(v: string | undefined): number {
  if (v === undefined) return DEFAULT_MAX_DIAGNOSTICS;
  if (v === 'all') return Infinity;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) throw new CliError(`--max-diagnostics must be a whole number from 1 or "all", not ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * The last line for several files, so a long run need not be scrolled back:
 * "3 files: 1 valid, 2 invalid (9 errors, 1 warning)". Problems past --max-diagnostics count too.
 */
export function filesSummary(results: readonly { valid: boolean; diagnostics: readonly Diagnostic[] }[], unreadable: number): string {
  let errors = 0;
  let warnings = 0;
  for (const d of results.flatMap((r) => r.diagnostics)) {
    if (d.code === 'TOO_MANY_DIAGNOSTICS') {
      errors += d.omitted?.errors ?? 0;
      warnings += (d.omitted?.problems ?? 0) - (d.omitted?.errors ?? 0);
    } else if (d.severity === 'error') errors++;
    else warnings++;
  }
  const p = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  const valid = results.filter((r) => r.valid).length;
  const counts = [`${valid} valid`, `${results.length - valid} invalid`, ...(unreadable > 0 ? [`${unreadable} unreadable`] : [])];
  const problems = errors + warnings === 0 ? 'no problems' : [errors ? p(errors, 'error') : '', warnings ? p(warnings, 'warning') : ''].filter(Boolean).join(', ');
  return `${p(results.length + unreadable, 'file')}: ${counts.join(', ')} (${problems})`;
}

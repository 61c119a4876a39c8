import { CODES } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import { checkDiagnostic } from './format-text.js';

export interface SarifFile {
  /** The file as given on the command line (becomes the artifact URI). */
  file: string;
  diagnostics: readonly Diagnostic[];
  /** True when line/column point into the file itself (a lone TaskBody, or a JSON syntax error). */
  physical?: (d: Diagnostic) => boolean;
  /** The job of a workload the diagnostics are about: logical locations become `jobs[job].…`. */
  job?: number;
}

/**
 * SARIF 2.1.0 for code-scanning tools. The place in the file (`fileLine`/`fileColumn`, or a
 * position in a file that is a lone TaskBody) is the physical region; a task's problem also carries
 * its logical location (`Tasks[i].TaskBody`) and, inside a TaskBody, `properties.line/column` there.
 * @throws TypeError (`ERR_INVALID_ARG_TYPE`) if `files` is not an array of `{ file, diagnostics }`
 *   with a string `file`, an array of diagnostics (objects with string `code` and `message`), and
 *   `physical` a function if given, or `version` is not a string; (`ERR_INVALID_ARG_VALUE`) if a
 *   diagnostic's `severity` is not 'error' or 'warning'
 */
export function formatSarif(files: readonly SarifFile[], version: string): object {
  checkFiles(files);
  if (typeof version !== 'string') throw new ArgumentTypeError(`${CALL}: expected \`version\` to be a string, got ${describeValue(version)}`);
  const ruleIds = Object.keys(CODES) as Array<keyof typeof CODES>;
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const results = files.flatMap(({ file, diagnostics, physical, job }) =>
    diagnostics.map((d) => {
      const location: Record<string, unknown> = {};
      const artifact: Record<string, unknown> = { artifactLocation: { uri: toUri(file) } };
      if (d.fileLine !== undefined) artifact.region = { startLine: d.fileLine, startColumn: d.fileColumn ?? 1 };
      else if (d.line !== undefined && physical?.(d)) artifact.region = { startLine: d.line, startColumn: d.column ?? 1 };
      location.physicalLocation = artifact;
      const prefix = job !== undefined ? `jobs[${job}].` : '';
      if (d.task !== undefined) {
        const name = d.property ?? (d.line !== undefined ? 'TaskBody' : undefined);
        location.logicalLocations = [name !== undefined ? { name, fullyQualifiedName: `${prefix}Tasks[${d.task}].${name}`, kind: name === 'TaskBody' ? 'element' : 'property' } : { name: `Tasks[${d.task}]`, fullyQualifiedName: `${prefix}Tasks[${d.task}]`, kind: 'object' }];
      } else if (d.property !== undefined) {
        location.logicalLocations = [{ name: d.property, fullyQualifiedName: `${prefix}${d.property}`, kind: 'property' }];
      } else if (job !== undefined) {
        location.logicalLocations = [{ name: `jobs[${job}]`, fullyQualifiedName: `jobs[${job}]`, kind: 'object' }];
      }
      const properties: Record<string, unknown> = {};
      if (job !== undefined) properties.job = job;
      if (d.task !== undefined) properties.task = d.task;
      if (d.taskName !== undefined) properties.taskName = d.taskName;
      if (d.line !== undefined && !physical?.(d)) {
        properties.line = d.line;
        properties.column = d.column;
      }
      if (d.cycle) properties.cycle = d.cycle;
      if (d.edges) properties.edges = d.edges;
      const r: Record<string, unknown> = {
        ruleId: d.code,
        ruleIndex: ruleIndex.get(d.code),
        level: d.severity,
        message: { text: d.hint ? `${d.message} (hint: ${d.hint})` : d.message },
        locations: [location],
      };
      if (Object.keys(properties).length > 0) r.properties = properties;
      return r;
    }),
  );
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'jobgraph',
            version,
            rules: ruleIds.map((id) => ({
              id,
              shortDescription: { text: CODES[id].summary },
              help: { text: CODES[id].hint },
              defaultConfiguration: { level: CODES[id].severity },
            })),
          },
        },
        results,
      },
    ],
  };
}

const CALL = 'formatSarif';

function checkFiles(files: readonly SarifFile[]): void {
  if (!Array.isArray(files)) throw new ArgumentTypeError(`${CALL}: expected \`files\` to be an array of { file, diagnostics }, got ${describeValue(files)}`);
  files.forEach((f: unknown, i) => {
    checkObject(CALL, `\`files[${i}]\``, f, '{ file, diagnostics }');
    const { file, diagnostics, physical } = f as Record<string, unknown>;
    if (typeof file !== 'string') throw new ArgumentTypeError(`${CALL}: expected \`files[${i}].file\` to be a string, got ${describeValue(file)}`);
    if (!Array.isArray(diagnostics)) throw new ArgumentTypeError(`${CALL}: expected \`files[${i}].diagnostics\` to be an array, got ${describeValue(diagnostics)}`);
    if (physical !== undefined && typeof physical !== 'function') throw new ArgumentTypeError(`${CALL}: expected \`files[${i}].physical\` to be a function, got ${describeValue(physical)}`);
    diagnostics.forEach((d: unknown, j) => checkDiagnostic(CALL, `files[${i}].diagnostics[${j}]`, d));
  });
}

function toUri(file: string): string {
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}

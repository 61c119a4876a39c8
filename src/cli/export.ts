import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exportDot } from '../export/dot.js';
import { exportJson } from '../export/graph-export.js';
import { exportMermaid } from '../export/mermaid.js';
import { sequentialIds } from '../job/ids.js';
import { formatDiagnosticText, summarize } from '../validate/format-text.js';
import { validateJob, type Profile } from '../validate/validate.js';
import { jobLabel } from '../workload/read.js';
import { CliError, ioMessage, type CliIO, type CliOptions } from './io.js';
import { jobFlag, notAWorkload, pickJob, workloadOf } from './workload-input.js';

export const EXPORT_USAGE = `Usage: jobgraph export <job.json|workload|-> [--format dot|mermaid|json] [--output <file>] [options]

Draws a job's dependency graph: tasks (name, processor, priority), the assets between them, the
job inputs feeding them and the outputs no task reads. An invalid job is drawn too, its cycles and
missing assets in red. A workload ('jobgraph generate': container or NDJSON) of one job draws that
job; of several, the one --job names.
  --format          dot (Graphviz, default), mermaid (flowchart) or json ({ job, tasks, edges, cycles, valid })
  --output F        write to F instead of standard output (-o - is standard output)
  --job N           the job of a workload to draw, counted from 0
  --profile         ams (default: the service's quotas; for a workload, the profile it names) or
                    relaxed (no quotas, graphs of any size)
  --direction       LR (default, left to right) or TB (top to bottom)
  --no-inputs       leave out the job input nodes
  --no-sinks        leave out the unread output nodes
  --no-edge-labels  no asset names on the arrows between tasks, one arrow per pair of tasks: for big
                    graphs (json keeps every edge and its asset)
A file named - is read from standard input. Ids are numbered (nb:jid:UUID:…0001) so output repeats.
Exit status: 0 valid job, 1 invalid job (graph still written, problems on stderr), 2 usage or I/O error.`;

/** The options of `jobgraph export`, for parseArgs and for naming a mistyped one. */
export const EXPORT_OPTIONS = {
  format: { type: 'string', default: 'dot' },
  output: { type: 'string', short: 'o' },
  job: { type: 'string' },
  profile: { type: 'string' },
  direction: { type: 'string', default: 'LR' },
  'no-inputs': { type: 'boolean', default: false },
  'no-sinks': { type: 'boolean', default: false },
  'no-edge-labels': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} satisfies CliOptions;

/** `jobgraph export`: returns the exit status. */
export async function exportCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: EXPORT_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(EXPORT_USAGE + '\n');
    return 0;
  }
  const format = values.format!;
  if (format !== 'dot' && format !== 'mermaid' && format !== 'json') throw new CliError(`--format must be dot, mermaid or json, not ${JSON.stringify(format)}`);
  // Not given: 'ams', or the profile a workload names.
  const profileFlag = values.profile as Profile | undefined;
  if (profileFlag !== undefined && profileFlag !== 'ams' && profileFlag !== 'relaxed') throw new CliError(`--profile must be ams or relaxed, not ${JSON.stringify(values.profile)}`);
  const direction = values.direction!.toUpperCase();
  if (direction !== 'LR' && direction !== 'TB') throw new CliError(`--direction must be LR or TB, not ${JSON.stringify(values.direction)}`);
  if (positionals.length !== 1) throw new CliError('name exactly one job file (or - for standard input)');
  if (values.output === '') throw new CliError('--output needs a file name');
  const jobIndex = jobFlag(values.job);

  const file = positionals[0]!;
  let source: string;
  try {
    source = await io.readFile(file);
  } catch (err) {
    throw new CliError(ioMessage(file, err));
  }
  const workload = workloadOf(source, file);
  if (workload === undefined && jobIndex !== undefined) throw notAWorkload(file);
  const entry = workload !== undefined ? pickJob(workload, file, jobIndex) : undefined;
  // Numbered ids, not random ones: the same job gives the same bytes.
  const result = validateJob(entry !== undefined ? entry.definition : source, { profile: profileFlag ?? workload?.profile ?? 'ams', ids: sequentialIds() });
  const options = { inputs: !values['no-inputs'], sinks: !values['no-sinks'], edgeLabels: !values['no-edge-labels'], direction: direction as 'LR' | 'TB' };
  const text =
    format === 'dot' ? exportDot(result, options) : format === 'mermaid' ? exportMermaid(result, options) : JSON.stringify(exportJson(result), null, 2) + '\n';

  // `-o -` is standard output, as `-` is standard input: not a file named '-'.
  if (values.output !== undefined && values.output !== '-') {
    try {
      await writeFile(values.output, text);
    } catch (err) {
      throw new CliError(ioMessage(values.output, err).replace(/^cannot read/, 'cannot write'));
    }
  } else {
    io.stdout.write(text);
  }
  if (!result.valid) {
    const scope = entry !== undefined ? jobLabel(entry.index, entry.definition) : undefined;
    for (const d of result.diagnostics) if (d.severity === 'error') io.stderr.write(formatDiagnosticText(file, d, scope !== undefined ? { scope } : {}) + '\n');
    io.stderr.write(`${file}: ${scope !== undefined ? `${scope}: ` : ''}invalid (${summarize(result.diagnostics)}); the graph shows it as it stands\n`);
    return 1;
  }
  return 0;
}

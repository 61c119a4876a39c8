import { validateCommand, VALIDATE_OPTIONS, VALIDATE_USAGE } from './validate.js';
import { runCommand, RUN_OPTIONS, RUN_USAGE } from './run.js';
import { simulateCommand, SIMULATE_OPTIONS, SIMULATE_USAGE } from './simulate.js';
import { exportCommand, EXPORT_OPTIONS, EXPORT_USAGE } from './export.js';
import { generateCommand, GENERATE_OPTIONS, GENERATE_USAGE } from './generate.js';
import { serveCommand, SERVE_OPTIONS, SERVE_USAGE } from './serve.js';
import { workerCommand, WORKER_OPTIONS, WORKER_USAGE } from './worker.js';
import { CliError, packageVersion, processIO, type CliIO, type CliOptions } from './io.js';
import { isParseArgsError, parseErrorMessage } from './parse-error.js';
import { closest } from '../diagnostics/suggest.js';

type Command = (args: string[], io: CliIO) => Promise<number>;

/**
 * `run`'s stop: Ctrl-C or SIGTERM (what `kill`, systemd and docker stop send), as `serve` and
 * `worker` stop. The first of them stops the run; after it both have their default action again,
 * so a second one ends a stop that hangs.
 */
const onInterrupt = (handler: () => void): (() => void) => {
  const remove = (): void => {
    process.off('SIGINT', once);
    process.off('SIGTERM', once);
  };
  const once = (): void => {
    remove();
    handler();
  };
  process.on('SIGINT', once);
  process.on('SIGTERM', once);
  return remove;
};

const COMMANDS: Record<string, { run: Command; summary: string; usage: string; options: CliOptions }> = {
  validate: { run: validateCommand, summary: 'check job definitions and TaskBodies, every problem in one pass', usage: VALIDATE_USAGE, options: VALIDATE_OPTIONS },
  run: { run: (args, io) => runCommand(args, io, io === processIO ? { onInterrupt } : {}), summary: 'run a job with the demo processors or --processors (on workers: --redis), with live progress', usage: RUN_USAGE, options: RUN_OPTIONS },
  export: { run: exportCommand, summary: "draw a job's dependency graph as Graphviz DOT, Mermaid or JSON", usage: EXPORT_USAGE, options: EXPORT_OPTIONS },
  generate: { run: generateCommand, summary: 'make a workload: the benchmark shapes or a seeded mix of AMS jobs over time', usage: GENERATE_USAGE, options: GENERATE_OPTIONS },
  serve: { run: serveCommand, summary: 'serve the Media Services v2 REST API (OData v3 JSON) over the demo processors or --processors', usage: SERVE_USAGE, options: SERVE_OPTIONS },
  worker: {
    // A close that does not end leaves connections that keep the process alive: it exits.
    run: (args, io) => workerCommand(args, io, io === processIO ? { exit: (code) => process.exit(code) } : {}),
    summary: "run the tasks of 'run --redis' and 'serve --redis' from Redis, until SIGTERM or Ctrl-C",
    usage: WORKER_USAGE,
    options: WORKER_OPTIONS,
  },
  simulate: { run: simulateCommand, summary: 'compare scheduling policies and capacities on a workload, with Gantt charts and a report', usage: SIMULATE_USAGE, options: SIMULATE_OPTIONS },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: jobgraph <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'jobgraph help <command>' or 'jobgraph <command> --help' for a command's options.`;
}

const COMMANDS_HINT = "Run 'jobgraph --help' for the commands.";
const GLOBAL_OPTIONS = ['help', 'version'];

/** A mistake is said in one line and a hint, not under a page of usage that buries it. Exit status 2. */
function refuse(io: CliIO, who: string, message: string, hint: string): number {
  io.stderr.write(`${who}: ${message}\n${hint}\n`);
  return 2;
}

function unknownCommand(name: string): string {
  const match = closest(name, Object.keys(COMMANDS));
  return `unknown command ${JSON.stringify(name)}${match === undefined ? '' : `; did you mean ${JSON.stringify(match)}?`}`;
}

/** The `jobgraph` command. Returns the exit status: 0 ok, 1 the job is invalid or failed, 2 usage or I/O error. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(packageVersion() + '\n');
    return 0;
  }
  if (name === 'help') {
    if (rest.length > 1) return refuse(io, 'jobgraph help', `name one command, not ${rest.length}`, COMMANDS_HINT);
    const command = Object.hasOwn(COMMANDS, rest[0]!) ? COMMANDS[rest[0]!]! : undefined;
    if (!command) return refuse(io, 'jobgraph help', unknownCommand(rest[0]!), COMMANDS_HINT);
    io.stdout.write(command.usage + '\n');
    return 0;
  }
  if (name.startsWith('-')) {
    const option = name.split('=')[0]!;
    const match = option.startsWith('--') ? closest(option.slice(2), GLOBAL_OPTIONS) : undefined;
    return refuse(io, 'jobgraph', `unknown option ${option}${match === undefined ? '' : `; did you mean --${match}?`}`, COMMANDS_HINT);
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]! : undefined;
  if (!command) return refuse(io, 'jobgraph', unknownCommand(name), COMMANDS_HINT);
  try {
    return await command.run(rest, io);
  } catch (err) {
    const hint = `Run 'jobgraph ${name} --help' for its options.`;
    if (err instanceof CliError) return refuse(io, `jobgraph ${name}`, err.message, hint);
    if (isParseArgsError(err)) return refuse(io, `jobgraph ${name}`, parseErrorMessage(err, rest, command.options), hint);
    throw err;
  }
}

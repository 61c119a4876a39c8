import { validateCommand, VALIDATE_USAGE } from './validate.js';
import { runCommand, RUN_USAGE } from './run.js';
import { simulateCommand, SIMULATE_USAGE } from './simulate.js';
import { exportCommand, EXPORT_USAGE } from './export.js';
import { generateCommand, GENERATE_USAGE } from './generate.js';
import { serveCommand, SERVE_USAGE } from './serve.js';
import { workerCommand, WORKER_USAGE } from './worker.js';
import { CliError, packageVersion, processIO, type CliIO } from './io.js';

type Command = (args: string[], io: CliIO) => Promise<number>;

const onInterrupt = (handler: () => void): (() => void) => {
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
};

const COMMANDS: Record<string, { run: Command; summary: string; usage: string }> = {
  validate: { run: validateCommand, summary: 'check job definitions and TaskBodies, every problem in one pass', usage: VALIDATE_USAGE },
  run: { run: (args, io) => runCommand(args, io, io === processIO ? { onInterrupt } : {}), summary: 'run a job with the demo processors or --processors (on workers: --redis), with live progress', usage: RUN_USAGE },
  export: { run: exportCommand, summary: "draw a job's dependency graph as Graphviz DOT, Mermaid or JSON", usage: EXPORT_USAGE },
  generate: { run: generateCommand, summary: 'make a workload: the benchmark shapes or a seeded mix of AMS jobs over time', usage: GENERATE_USAGE },
  serve: { run: serveCommand, summary: 'serve the Media Services v2 REST API (OData v3 JSON) over the demo processors or --processors', usage: SERVE_USAGE },
  worker: {
    // A close that does not end leaves connections that keep the process alive: it exits.
    run: (args, io) => workerCommand(args, io, io === processIO ? { exit: (code) => process.exit(code) } : {}),
    summary: "run the tasks of 'run --redis' and 'serve --redis' from Redis, until SIGTERM or Ctrl-C",
    usage: WORKER_USAGE,
  },
  simulate: { run: simulateCommand, summary: 'compare scheduling policies and capacities on a workload, with Gantt charts and a report', usage: SIMULATE_USAGE },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: jobgraph <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'jobgraph <command> --help' for a command's options.`;
}

/** The `jobgraph` command. Returns the exit status: 0 ok, 1 the job is invalid or failed, 2 usage or I/O error. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(packageVersion() + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`jobgraph: unknown command ${JSON.stringify(name)}\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CliError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`jobgraph ${name}: ${(err as Error).message}\n`);
      io.stderr.write(command.usage + '\n');
      return 2;
    }
    throw err;
  }
}

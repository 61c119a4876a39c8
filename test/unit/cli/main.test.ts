import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXPORT_USAGE } from '../../../src/cli/export.js';
import { VALIDATE_USAGE } from '../../../src/cli/validate.js';
import { runCli } from '../../helpers/cli.js';

const COMMANDS = ['validate', 'run', 'export', 'generate', 'serve', 'worker', 'simulate'];

/** A refusal: exit 2, nothing on stdout, and on stderr exactly a message line and a hint line. */
async function refusal(argv: string[]): Promise<[string, string]> {
  const r = await runCli(argv);
  expect(r.code, argv.join(' ')).toBe(2);
  expect(r.stdout, argv.join(' ')).toBe('');
  const lines = r.stderr.split('\n');
  expect(lines, argv.join(' ')).toHaveLength(3);
  expect(lines[2]).toBe('');
  return [lines[0]!, lines[1]!];
}

describe('jobgraph: a mistake is one line and a hint', () => {
  // Each command's own refusal (a CliError) and an unknown option (a parseArgs error).
  const mistakes: Array<[string, string[]]> = [
    ['validate', []],
    ['run', []],
    ['export', ['a.json', 'b.json']],
    ['generate', []],
    ['serve', ['job.json']],
    ['worker', ['job.json']],
    ['simulate', []],
    ...COMMANDS.map((c): [string, string[]] => [c, ['--bogus']]),
  ];

  for (const [command, args] of mistakes) {
    it(`jobgraph ${command} ${args.join(' ')}: one "jobgraph ${command}:" prefix, no usage`, async () => {
      const [message, hint] = await refusal([command, ...args]);
      expect(message.startsWith(`jobgraph ${command}: `)).toBe(true);
      // No second prefix: neither "jobgraph run: run: …" nor "jobgraph serve: serve takes …".
      expect(message.slice(`jobgraph ${command}: `.length)).not.toMatch(new RegExp(`^(jobgraph )?${command}\\b`));
      expect(hint).toBe(`Run 'jobgraph ${command} --help' for its options.`);
    });
  }

  it('says what is wrong in the words of the command', async () => {
    expect(await refusal(['run'])).toEqual(['jobgraph run: name exactly one job file', "Run 'jobgraph run --help' for its options."]);
    expect((await refusal(['validate']))[0]).toBe('jobgraph validate: name at least one job file (.json) or TaskBody (.xml)');
    expect((await refusal(['generate', 'chain']))[0]).toBe('jobgraph generate: give --tasks N');
    expect((await refusal(['serve', 'job.json']))[0]).toBe('jobgraph serve: takes no file, got "job.json"');
  });

  it('no CliError message starts with a command name: main adds "jobgraph <command>: "', () => {
    for (const file of readdirSync('src/cli').filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(`src/cli/${file}`, 'utf8');
      for (const m of source.matchAll(/new CliError\(\s*['"`]([^'"`]*)/g)) {
        expect(m[1], `src/cli/${file}`).not.toMatch(new RegExp(`^(jobgraph )?(${COMMANDS.join('|')})\\b`));
      }
    }
  });
});

describe('jobgraph: options it does not know, or without their value', () => {
  it('names an unknown option, and the option meant when one is close', async () => {
    expect((await refusal(['run', 'examples/ladder.json', '--concurency', '2']))[0]).toBe('jobgraph run: unknown option --concurency; did you mean --concurrency?');
    expect((await refusal(['validate', '--fromat', 'json', 'examples/ladder.json']))[0]).toBe('jobgraph validate: unknown option --fromat; did you mean --format?');
    expect((await refusal(['worker', '--redis', 'redis://cache', '--pool=a']))[0]).toBe('jobgraph worker: unknown option --pool; did you mean --pools?');
    expect((await refusal(['validate', '--bogus', 'examples/ladder.json']))[0]).toBe('jobgraph validate: unknown option --bogus');
    expect((await refusal(['simulate', '-x', 'w.json']))[0]).toBe('jobgraph simulate: unknown option -x');
  });

  it('reads "-format" as the long option it was meant to be, not as the short options -f -o -r …', async () => {
    expect((await refusal(['validate', '-format', 'json', 'examples/ladder.json']))[0]).toBe('jobgraph validate: unknown option -format; did you mean --format?');
  });

  it('says an option needs a value, or takes none', async () => {
    expect((await refusal(['run', 'examples/ladder.json', '--concurrency']))[0]).toBe('jobgraph run: --concurrency needs a value');
    expect((await refusal(['export', 'examples/ladder.json', '-o']))[0]).toBe('jobgraph export: -o needs a value');
    expect((await refusal(['run', 'examples/ladder.json', '--json=yes']))[0]).toBe('jobgraph run: --json takes no value');
    expect((await refusal(['generate', 'chain', '--tasks', '5', '--seed', '-1']))[0]).toBe(
      'jobgraph generate: --seed needs a value; one that starts with "-" is written --seed=-1',
    );
  });

  it('never shows the text of node:util parseArgs', async () => {
    for (const args of [['--bogus'], ['--format'], ['--help=1']]) {
      const [message] = await refusal(['validate', ...args, 'examples/ladder.json']);
      expect(message).not.toMatch(/Unknown option '|argument missing|does not take an argument|ERR_PARSE_ARGS/);
    }
  });
});

describe('jobgraph help <command>, and mistyped commands', () => {
  it('prints the usage of a command, as <command> --help does', async () => {
    for (const [command, usage] of [
      ['validate', VALIDATE_USAGE],
      ['export', EXPORT_USAGE],
    ] as const) {
      const help = await runCli(['help', command]);
      expect(help).toEqual({ code: 0, stdout: usage + '\n', stderr: '' });
      expect(help.stdout).toBe((await runCli([command, '--help'])).stdout);
    }
  });

  it('prints the commands for help alone', async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await runCli(['--help'])).stdout);
    expect(help.stdout).toContain("Run 'jobgraph help <command>'");
  });

  it('refuses help for a command that does not exist, with the one meant', async () => {
    expect(await refusal(['help', 'nosuch'])).toEqual(['jobgraph help: unknown command "nosuch"', "Run 'jobgraph --help' for the commands."]);
    expect((await refusal(['help', 'expotr']))[0]).toBe('jobgraph help: unknown command "expotr"; did you mean "export"?');
    expect((await refusal(['help', 'run', 'validate']))[0]).toBe('jobgraph help: name one command, not 2');
    expect((await refusal(['help', 'toString']))[0]).toBe('jobgraph help: unknown command "toString"');
  });

  it('says which command was meant for a typo, in one line and a hint', async () => {
    expect(await refusal(['valdate', 'examples/ladder.json'])).toEqual(['jobgraph: unknown command "valdate"; did you mean "validate"?', "Run 'jobgraph --help' for the commands."]);
    expect((await refusal(['simualte']))[0]).toBe('jobgraph: unknown command "simualte"; did you mean "simulate"?');
    expect((await refusal(['frobnicate']))[0]).toBe('jobgraph: unknown command "frobnicate"');
    expect((await refusal(['constructor']))[0]).toBe('jobgraph: unknown command "constructor"');
  });

  it('names an unknown option before the command', async () => {
    expect(await refusal(['--verison'])).toEqual(['jobgraph: unknown option --verison; did you mean --version?', "Run 'jobgraph --help' for the commands."]);
    expect((await refusal(['--json', 'validate']))[0]).toBe('jobgraph: unknown option --json');
    expect((await refusal(['--color=always', 'validate']))[0]).toBe('jobgraph: unknown option --color');
  });
});

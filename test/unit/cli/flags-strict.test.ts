import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The usage error's one line (exit 2), after checking it is one line and the hint. */
async function refusal(args: string[]): Promise<string> {
  const r = await runCli(['simulate', 'examples/ladder.json', ...args]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const [first] = r.stderr.split('\n');
  expect(r.stderr).toBe(`${first}\nRun 'jobgraph simulate --help' for its options.\n`);
  return first!;
}

describe('jobgraph simulate: --reserved-units and --concurrency are decimal integers', () => {
  // Number() read '0x10' as 16 and '1e3' as 1000: both ran, as other numbers than the ones typed.
  it.each(['0x10', '1e3', '0b11', '1_000', '-1', '2.5'])('refuses --reserved-units %j, as run and serve do', async (v) => {
    expect(await refusal(['--reserved-units', `2,${v}`])).toBe(`jobgraph simulate: --reserved-units must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, not ${JSON.stringify(v)}`);
  });

  it.each(['0x10', '1e3', '0b11', '0', '-3', '1.5'])('refuses --concurrency %j', async (v) => {
    expect(await refusal([`--concurrency=${v}`])).toBe(`jobgraph simulate: --concurrency must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, not ${JSON.stringify(v)}`);
  });

  it('still takes what it took: units from 0, concurrency from 1, a list of units', async () => {
    const r = await runCli(['simulate', 'examples/ladder.json', '--reserved-units', '0, 3,4', '--concurrency', '2', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ capacity: string }>).map((x) => x.capacity)).toEqual(['0 RU', '3 RU', '4 RU']);
  });
});

describe('jobgraph simulate --seed: the noise generator is 32-bit, and a seed beyond it is refused', () => {
  // 2^32 + 1 ran as seed 1 and -1 as 4294967295, without a word.
  it.each(['4294967296', '4294967297', '-1', '9007199254740991'])('refuses --seed %j, naming the range', async (v) => {
    expect(await refusal([`--seed=${v}`])).toBe(`jobgraph simulate: --seed must be an integer from 0 to 4294967295, not ${JSON.stringify(v)}`);
  });

  it('takes 0 and 4294967295, which run differently', async () => {
    const runs = await Promise.all(['0', '4294967295'].map((s) => runCli(['simulate', 'examples/ladder.json', '--seed', s, '--json'])));
    for (const r of runs) expect(r.code).toBe(0);
    // The makespan, not the whole output: --json has the wall time of each run too.
    const [a, b] = runs.map((r) => (JSON.parse(r.stdout) as Array<{ makespan: number }>)[0]!.makespan);
    expect(a).not.toBe(b);
  });
});

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `jobgraph <argv>` in a child process on the process's own signals (main() on processIO, as
 * bin/jobgraph.js runs it), which sends itself SIGTERM from inside the write of the first
 * "→ Processing" line: that line is written inside the submit that starts the first task, so the
 * signal comes at the moment the first task starts, with no timing to it. kill() to one's own
 * process delivers the signal before it returns: with no listener installed yet, Node's default
 * action ends the process there and then.
 */
function runSignalledAtFirstStart(argv: string[]): Promise<Ended> {
  const script = `import { main } from ${JSON.stringify(MAIN)};
const write = process.stdout.write.bind(process.stdout);
let sent = false;
process.stdout.write = (chunk, ...rest) => {
  const r = write(chunk, ...rest);
  if (!sent && String(chunk).includes('→ Processing')) {
    sent = true;
    process.kill(process.pid, 'SIGTERM');
  }
  return r;
};
process.exitCode = await main(${JSON.stringify(argv)});`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

describe('jobgraph run: a SIGTERM as the first task starts is an orderly stop', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  // The handler was installed only after submit had started the first task: the signal killed the process.
  it('cancels the job and sums it up, exit 1, rather than dying of the signal', async () => {
    const r = await runSignalledAtFirstStart(['run', 'examples/ladder.json', '--time-scale', '1']);
    expect(r.stdout).toContain('→ Processing');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('jobgraph run: interrupted, canceling the job');
    expect(r.stdout).toMatch(/job "Ladder" Canceled in /);
  }, 60_000);

  it('with --data, keeps the job for the same command to resume', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-early-signal-'));
    const data = join(dir, 'run.db');
    const r = await runSignalledAtFirstStart(['run', 'examples/ladder.json', '--time-scale', '1', '--data', data]);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`jobgraph run: interrupted; the job is kept in ${data}: run the same command again to resume it`);
    const again = await runCli(['run', 'examples/ladder.json', '--time-scale', '0.01', '--data', data]);
    expect(again.stderr).toContain('jobgraph run: resuming job "Ladder"');
    expect(again.code).toBe(0);
  }, 60_000);
});

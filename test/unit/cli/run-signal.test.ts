import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `jobgraph <argv>` in a child process, with the process's own signals (main() on processIO, as
 * bin/jobgraph.js runs it); `signal` is sent soon after the first task is Processing.
 */
function runThenSignal(argv: string[], signal: NodeJS.Signals): Promise<Ended> {
  const script = `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(${JSON.stringify(argv)});`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = false;
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    if (!sent && stdout.includes('Processing')) {
      sent = true;
      // The handler is in before anything starts (flags-strict.test.ts signals at the first start).
      child.kill(signal);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) =>
    child.on('close', (code, sig) => {
      clearTimeout(killer);
      resolve({ code, signal: sig, stdout, stderr });
    }),
  );
}

describe('jobgraph run and SIGTERM', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('jobgraph run stops on SIGTERM as on Ctrl-C: the job is canceled and summed up, exit 1 (it was killed, with no word)', async () => {
    const r = await runThenSignal(['run', 'examples/ladder.json', '--time-scale', '1'], 'SIGTERM');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('jobgraph run: interrupted, canceling the job');
    expect(r.stdout).toMatch(/job "Ladder" Canceled in /);
  }, 40_000);

  it('jobgraph run --data stops on SIGTERM and keeps the job, which the same command resumes to the end', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-sigterm-'));
    const data = join(dir, 'run.db');
    const r = await runThenSignal(['run', 'examples/ladder.json', '--time-scale', '1', '--data', data], 'SIGTERM');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`jobgraph run: interrupted; the job is kept in ${data}`);
    const again = await runCli(['run', 'examples/ladder.json', '--time-scale', '0.01', '--data', data]);
    expect(again.stderr).toContain('jobgraph run: resuming job "Ladder"');
    expect(again.code).toBe(0);
  }, 60_000);
});

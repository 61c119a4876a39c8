import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/jobgraph.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `jobgraph <argv>` (bin/jobgraph.js, on dist/) whose reader goes away after the first output. */
function readerLeaves(argv: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.stdout.once('data', () => child.stdout.destroy());
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    }),
  );
}

describe('jobgraph … | head', () => {
  it('stops a run whose reader went away with status 141, as SIGPIPE would, without a stack trace', async () => {
    const r = await readerLeaves(['run', 'examples/ladder.json', '--time-scale', '0.05']);
    expect(r.code).toBe(141);
    expect(r.stderr).not.toMatch(/Error|at /);
  });
});

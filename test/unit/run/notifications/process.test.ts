import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./linger-child.ts', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CHILD, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr }),
    );
  });
}

describe('NotificationHub timers and the process', () => {
  it('does not keep the process alive while a message waits for its retry', async () => {
    const r = await run([]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // It exited with the retry still pending (a minute away).
    expect(JSON.parse(r.stdout)).toEqual({ delivered: 0, failed: 0, dropped: 0, pending: 1, retries: 1 });
  });

  it('lets an awaited close() settle even when only an unref’d retry timer is left (no unsettled top-level await)', async () => {
    const r = await run(['close']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0); // 13 would be Node's "unsettled top-level await"
    expect(JSON.parse(r.stdout)).toEqual({ delivered: 0, failed: 0, dropped: 1, pending: 0, retries: 1 });
  });
});

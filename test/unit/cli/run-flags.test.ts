import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const LADDER = JSON.parse(readFileSync(new URL('../../../examples/ladder.json', import.meta.url), 'utf8')) as unknown;
const dir = mkdtempSync(join(tmpdir(), 'jobgraph-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A refusal: exit 2, nothing on stdout, one line naming the flag and the hint (no stack trace). */
async function refused(argv: string[], message: string | RegExp): Promise<void> {
  const r = await runCli(argv);
  expect(r.code, argv.join(' ')).toBe(2);
  expect(r.stdout, argv.join(' ')).toBe('');
  const lines = r.stderr.split('\n');
  expect(lines, argv.join(' ')).toHaveLength(3);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toContain('internal error');
}

describe('jobgraph run, serve and worker refuse numbers they cannot use', () => {
  it('refuses a --time-scale whose delays no timer can wait (1e308 was an internal error with a stack trace; 1e9 ended every task at once)', async () => {
    for (const scale of ['1e308', '1e9', '1001']) {
      await refused(['run', 'examples/ladder.json', '--time-scale', scale], `jobgraph run: --time-scale must be a number from 0 to 1000, not "${scale}"`);
      await refused(['serve', '--insecure-local', '--data', ':memory:', '--time-scale', scale], `jobgraph serve: --time-scale must be a number from 0 to 1000, not "${scale}"`);
      await refused(['worker', '--redis', 'redis://cache', '--time-scale', scale], `jobgraph worker: --time-scale must be a number from 0 to 1000, not "${scale}"`);
    }
  });

  it('refuses an empty or non-decimal number rather than reading it as 0 or as hex', async () => {
    await refused(['run', 'examples/ladder.json', '--time-scale', ''], 'jobgraph run: --time-scale must be a number from 0 to 1000, not ""');
    await refused(['run', 'examples/ladder.json', '--time-scale', '0x10'], 'jobgraph run: --time-scale must be a number from 0 to 1000, not "0x10"');
    await refused(['run', 'examples/ladder.json', '--reserved-units', ''], 'jobgraph run: --reserved-units must be an integer from 0 to 1000000, not ""');
    await refused(['run', 'examples/ladder.json', '--concurrency', '0x2'], 'jobgraph run: --concurrency must be an integer from 1 to 1000000, not "0x2"');
    await refused(['run', 'examples/ladder.json', '--concurrency', '1e20'], 'jobgraph run: --concurrency must be an integer from 1 to 1000000, not "1e20"');
    await refused(['serve', '--insecure-local', '--port', '0x50'], 'jobgraph serve: --port must be an integer from 0 to 65535, not "0x50"');
  });

  it('still takes the forms it always took', async () => {
    const r = await runCli(['run', 'examples/ladder.json', '--time-scale', '0', '--reserved-units', '0', '--concurrency', ' 2 ', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Read past the flags: the refusal is the missing file.
    for (const scale of ['0.5', '.5', '5.', '1e-3', '+2', '1000']) {
      await refused(['run', 'missing.json', '--time-scale', scale], 'jobgraph run: cannot read missing.json: no such file');
    }
  });

  it('refuses a workload whose arrival no timer can wait for at this --time-scale (it arrived at once)', async () => {
    const file = join(dir, 'far.json');
    writeFileSync(file, JSON.stringify({ format: 'jobgraph.workload/1', jobs: [{ arrival: 0, definition: LADDER }, { arrival: 1e8, definition: LADDER }] }));
    await refused(['run', file], /^jobgraph run: .*far\.json: job #1 .* is due at 100000000 s, 58 days of wall time at this --time-scale, longer than a timer can wait \(24\.8 days\): give a smaller --time-scale$/);
  });
});

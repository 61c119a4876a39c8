import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RESULT_PREFIX, type CaseResult } from '../../../bench/protocol.js';

const run = promisify(execFile);
const child = fileURLToPath(new URL('../../../bench/child.ts', import.meta.url));
const fixture = fileURLToPath(new URL('./cold-fixture.ts', import.meta.url));

async function cold(...ids: string[]): Promise<CaseResult[]> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', child, fixture, '--cold', ...ids]);
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(RESULT_PREFIX))
    .map((l) => JSON.parse(l.slice(RESULT_PREFIX.length)) as CaseResult);
}

describe('bench child, --cold (one sample of a protocol: cold case)', () => {
  it('sets up once, times one run, checks it and measures what hold keeps of the result', async () => {
    const [r] = await cold('fixture/held');
    expect(r).toMatchObject({ id: 'fixture/held', status: 'ok', cold: true });
    expect(r!.samples).toHaveLength(1);
    // hold keeps an 8,000,000-byte Float64Array of the result: bytes held with it alive minus without.
    // The two readings also differ by whatever else the heap did between them (a CI run saw 132 kB
    // less), so the bound is 5%: still far from the 0 or 16 MB a broken measurement gives.
    expect(r!.bytesHeld).toBeGreaterThan(7_600_000);
    expect(r!.bytesHeld).toBeLessThan(8_400_000);
  });

  it('reports a failed check as an error, without a memory figure', async () => {
    const [r] = await cold('fixture/wrong');
    expect(r).toMatchObject({ id: 'fixture/wrong', status: 'error', message: 'Error: got 41', bytesHeld: null });
  });

  it('takes exactly one case per process', async () => {
    await expect(cold('fixture/held', 'fixture/wrong')).rejects.toThrow(/exactly one case id/);
  });
});

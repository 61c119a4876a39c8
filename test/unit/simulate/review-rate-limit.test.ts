import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A rate-limited pool opens at a time in milliseconds; the simulator's clock jumped to it through
 * seconds, (opens / 1000) * 1000, which for some times falls one ulp short: the pool stayed held and
 * the loop spun at that instant for ever. Run in a child process, so that a hang fails the test.
 */
describe('simulate() with a rate limit at a time that does not round-trip through seconds', () => {
  it('ends, and spaces the starts by the window', () => {
    // 522.3542645213553 s × 1000 + 7 ms is one of the times whose / 1000 * 1000 is an ulp below it.
    const opens = 522.3542645213553 * 1000 + 7;
    expect((opens / 1000) * 1000).toBeLessThan(opens);
    const script = `
      import { simulate } from './src/simulate/simulator.ts';
      import { fixedDurations } from './src/simulate/durations.ts';
      import { dagJob, MES } from './test/helpers/jobs.ts';
      const r = simulate([{ definition: dagJob(3, []), arrival: 522.3542645213553 }], { durations: fixedDurations(0.1), rateLimits: { [MES]: { max: 1, perMs: 7 } } });
      console.log(JSON.stringify(r.schedule.map((t) => t.start)));
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    expect(child.error?.message, child.stderr).toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    const starts = JSON.parse(child.stdout) as number[];
    expect(starts).toHaveLength(3);
    expect(starts[0]).toBe(522.3542645213553);
    for (let i = 1; i < 3; i++) expect((starts[i]! - starts[i - 1]!) * 1000).toBeGreaterThanOrEqual(7 - 1e-6);
    expect(starts[2]! - starts[0]!).toBeLessThan(0.015);
  }, 30_000);
});

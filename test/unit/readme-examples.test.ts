import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { haveRedis, startRedis, type TestRedis } from '../helpers/redis.js';

const run = promisify(execFile);

// The API tour's examples import 'jobgraph' (the built package, by self-reference), so `npm test`
// builds before it tests.
// Each example is followed by the ```text block of what it prints (`…` for what varies by run).
const readme = readFileSync('README.md', 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
const examples = [...readme.matchAll(/```js\n([\s\S]*?)```\n\n```text\n([\s\S]*?)```/g)].map((m) => ({ code: m[1]!, prints: m[2]! }));

/** Whether `actual` is what the README says, line for line, `…` matching anything within a line. */
function printsAsSaid(actual: string, said: string): boolean {
  const want = said.replace(/\n$/, '').split('\n');
  const got = actual.replace(/\n$/, '').split('\n');
  if (want.length !== got.length) return false;
  return want.every((line, i) => new RegExp(`^${line.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(got[i]!));
}

describe('README examples', () => {
  // An example that reads REDIS_URL gets a Redis of its own (skipped where redis-server is missing).
  let redis: TestRedis | undefined;
  afterAll(async () => {
    await redis?.stop();
  });
  it('has examples, each followed by what it prints', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(examples.length).toBe(blocks.length);
  });
  it('compares output with `…` as a wildcard', () => {
    expect(printsAsSaid('a 12 b\n', 'a … b')).toBe(true);
    expect(printsAsSaid('a 12 c\n', 'a … b')).toBe(false);
    expect(printsAsSaid('a\nb\n', 'a')).toBe(false);
    expect(printsAsSaid('(x) [1]', '(x) [1]')).toBe(true);
  });
  examples.forEach(({ code, prints }, i) => {
    const first = code.split('\n').find((l) => l.startsWith('import')) ?? '';
    const needsRedis = code.includes('process.env.REDIS_URL');
    it.skipIf(needsRedis && !haveRedis)(`example ${i + 1} prints what the README says (${first.slice(0, 60)})`, async () => {
      const env = { ...process.env };
      if (needsRedis) env.REDIS_URL = (redis ??= await startRedis()).url;
      const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', code], { timeout: 60_000, env });
      expect(stderr).toBe('');
      // On a mismatch, the diff shows both texts.
      if (!printsAsSaid(stdout, prints)) expect(stdout).toBe(prints);
    });
  });
});

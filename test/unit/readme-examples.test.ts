import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { haveRedis, startRedis, type TestRedis } from '../helpers/redis.js';

const run = promisify(execFile);

// The API tour's examples import 'jobgraph' (the built package, by self-reference), so `npm test`
// builds before it tests.
const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', () => {
  // An example that reads REDIS_URL gets a Redis of its own (skipped where redis-server is missing).
  let redis: TestRedis | undefined;
  afterAll(async () => {
    await redis?.stop();
  });
  it('has examples', () => expect(blocks.length).toBeGreaterThanOrEqual(5));
  blocks.forEach((code, i) => {
    const first = code.split('\n').find((l) => l.startsWith('import')) ?? '';
    const needsRedis = code.includes('process.env.REDIS_URL');
    it.skipIf(needsRedis && !haveRedis)(`example ${i + 1} runs (${first.slice(0, 60)})`, async () => {
      const env = { ...process.env };
      if (needsRedis) env.REDIS_URL = (redis ??= await startRedis()).url;
      const { stderr } = await run(process.execPath, ['--input-type=module', '-e', code], { timeout: 60_000, env });
      expect(stderr).toBe('');
    });
  });
});

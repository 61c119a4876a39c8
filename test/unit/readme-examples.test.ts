import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// The API tour's examples import 'jobgraph' (the built package, by self-reference), so `npm test`
// builds before it tests.
const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', () => {
  it('has examples', () => expect(blocks.length).toBeGreaterThanOrEqual(5));
  blocks.forEach((code, i) => {
    const first = code.split('\n').find((l) => l.startsWith('import')) ?? '';
    it(`example ${i + 1} runs (${first.slice(0, 60)})`, async () => {
      const { stderr } = await run(process.execPath, ['--input-type=module', '-e', code], { timeout: 60_000 });
      expect(stderr).toBe('');
    });
  });
});

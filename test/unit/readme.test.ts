import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/diagnostics/codes.js';

/** The README's table of diagnostic codes, rendered from the catalogue so the two never drift. */
function codesTable(): string {
  const rows = Object.entries(CODES).map(([code, info]) => `| \`${code}\` | ${info.severity} | ${info.summary.replace(/\|/g, '\\|')} |`);
  return ['| code | severity | meaning |', '|---|---|---|', ...rows].join('\n');
}

describe('README', () => {
  it('lists every diagnostic code of the catalogue (UPDATE_GOLDEN=1 rewrites the table)', () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = '<!-- codes:start -->\n';
    const end = '\n<!-- codes:end -->';
    const a = readme.indexOf(start);
    const b = readme.indexOf(end);
    expect(a).toBeGreaterThan(-1);
    expect(b).toBeGreaterThan(a);
    const current = readme.slice(a + start.length, b);
    const expected = codesTable();
    if (process.env.UPDATE_GOLDEN === '1' && current !== expected) {
      writeFileSync('README.md', readme.slice(0, a + start.length) + expected + readme.slice(b));
      return;
    }
    expect(current).toBe(expected);
  });
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/diagnostics/codes.js';

/** The README's table of diagnostic codes, rendered from the catalogue so the two never drift. */
function codesTable(): string {
  const rows = Object.entries(CODES).map(([code, info]) => `| \`${code}\` | ${info.severity} | ${info.summary.replace(/\|/g, '\\|')} |`);
  return ['| code | severity | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Files a Markdown document of ours points to that are not in the repository. */
function missingReferences(doc: string): string[] {
  const text = readFileSync(doc, 'utf8');
  const missing: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
    if (/^[a-z]+:/.test(target!)) continue;
    if (!existsSync(join(dirname(doc), target!))) missing.push(target!);
  }
  // Paths written as code: `examples/ladder.json`, `src/workload/shapes.ts`, `docs/workloads.md`.
  for (const [, path] of text.matchAll(/`((?:\.{1,2}\/|\/)?[\w.-]+(?:\/[\w.-]+)+\.(?:md|ts|json|mjs|js|sh|xml))`/g)) {
    if (!existsSync(path!) && !existsSync(join(dirname(doc), path!))) missing.push(path!);
  }
  return missing;
}

describe('README', () => {
  it.each(['README.md', 'bench/README.md', 'docs/workloads.md'])('%s points only to files in the repository', (doc) => {
    expect(missingReferences(doc)).toEqual([]);
    expect(readFileSync(doc, 'utf8')).not.toMatch(/\/work\/|\.\.\/shared|WORKLOADS\.md|ams-task-model/);
  });

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

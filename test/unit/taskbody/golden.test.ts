import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTaskBody } from '../../../src/taskbody/parse.js';

// test/golden/taskbody/<case>/input.xml → expected.json (the ParsedTaskBody, pretty JSON).
// UPDATE_GOLDEN=1 rewrites expected.json; review the diff. These pin positions (position.ts) too.
const ROOT = fileURLToPath(new URL('../../golden/taskbody/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(ROOT, d.name, 'input.xml')))
  .map((d) => d.name)
  .sort();

describe('parseTaskBody() golden files', () => {
  it('parseTaskBody() has golden cases to check', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases)('parseTaskBody() gives the golden result for %s', (name) => {
    const input = readFileSync(join(ROOT, name, 'input.xml'), 'utf8');
    if (name.includes('crlf')) {
      // A checkout that normalised line endings would silently test something else.
      expect(input, 'input.xml must keep its CRLF line endings (see .gitattributes)').toContain('\r\n');
    }
    const actual = `${JSON.stringify(parseTaskBody(input), null, 2)}\n`;
    const file = join(ROOT, name, 'expected.json');
    if (UPDATE || !existsSync(file)) {
      writeFileSync(file, actual);
      if (!UPDATE) throw new Error(`wrote the missing ${file}: review it, then run again`);
    }
    expect(actual).toBe(readFileSync(file, 'utf8'));
  });
});

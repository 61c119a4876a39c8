import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

/**
 * Compares `actual` with the golden file `<dir>/<name>`; `UPDATE_GOLDEN=1` rewrites it (review the
 * diff). A missing golden file is written locally but fails in CI.
 */
export function golden(dir: string, name: string, actual: string): void {
  const file = join(dir, name);
  const update = process.env.UPDATE_GOLDEN === '1';
  if (update || !existsSync(file)) {
    if (!update && process.env.CI) throw new Error(`golden file ${file} is missing: run UPDATE_GOLDEN=1 npm test and review it`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

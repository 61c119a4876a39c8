/**
 * `-o -` is standard output, as `-` is standard input: `jobgraph export -o -` and
 * `jobgraph generate -o -` wrote a file named `-`. Runs bin/jobgraph.js over dist/ in a fresh
 * directory (build first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/jobgraph.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jobgraph-dash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jobgraph = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

describe('-o - writes standard output', () => {
  it.each([['-o'], ['--output']])('jobgraph export %s - prints the graph and makes no file named -', (flag) => {
    const r = jobgraph(['export', join(ROOT, 'examples/ladder.json'), flag, '-']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'test/golden/export/ladder.dot'), 'utf8'));
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it('jobgraph generate -o - prints the workload as without -o, and makes no file named -', () => {
    const plain = jobgraph(['generate', 'ams-mix', '--jobs', '3', '--seed', '5']);
    const r = jobgraph(['generate', 'ams-mix', '--jobs', '3', '--seed', '5', '-o', '-']);
    expect(r.status).toBe(0);
    expect(plain.stdout.length).toBeGreaterThan(0);
    expect(r.stdout).toBe(plain.stdout);
    expect(r.stderr).toBe(plain.stderr);
    expect(existsSync(join(dir, '-'))).toBe(false);
  });
});

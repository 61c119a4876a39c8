import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/cli/run.js';
import { CliError } from '../../../src/cli/io.js';
import { fakeIO as fakeFiles } from '../../helpers/cli.js';

const fakeIO = (): ReturnType<typeof fakeFiles> => fakeFiles({ 'ladder.json': LADDER });
import { Engine } from '../../../src/run/engine.js';
import { demoProcessors } from '../../../src/run/demo-processors.js';
import { TaskState } from '../../../src/job/enums.js';

const LADDER = readFileSync(new URL('../../../examples/ladder.json', import.meta.url), 'utf8');

describe('jobgraph run --data', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes the job an interrupted run left in the store instead of submitting it again', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-run-'));
    const data = join(dir, 'run.db');
    // The first run is stopped half way, as Ctrl-C (or a crash) would leave it.
    let interrupt!: () => void;
    const io1 = fakeIO();
    const first = runCommand(['ladder.json', '--data', data, '--time-scale', '0.02', '--json'], io1, { onInterrupt: (h) => ((interrupt = h), () => undefined) });
    await new Promise((r) => setTimeout(r, 150));
    interrupt();
    expect(await first).toBe(1);
    expect(io1.err.join('')).toMatch(/interrupted; the job is kept in .*run\.db: run the same command again to resume it/);

    const io2 = fakeIO();
    expect(await runCommand(['ladder.json', '--data', data, '--time-scale', '0.02', '--json'], io2)).toBe(0);
    expect(io2.err.join('')).toMatch(/resuming job "Ladder" from .*run\.db .*; ladder\.json is not submitted again/);
    const report = JSON.parse(io2.out.join(''));
    expect(report.job.State).toBe(TaskState.Finished);

    // One job in the store, finished.
    const e = await Engine.open({ processors: demoProcessors(), store: data });
    expect(e.scheduler.jobs().map((j) => j.State)).toEqual([TaskState.Finished]);
    await e.close();
  });

  it('refuses a store it cannot use, naming the code', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-run-'));
    await expect(runCommand(['ladder.json', '--data', join(dir, 'no', 'such', 'dir', 'run.db')], fakeIO())).rejects.toThrow(CliError);
    await expect(runCommand(['ladder.json', '--data', join(dir, 'no', 'such', 'dir', 'run.db')], fakeIO())).rejects.toThrow(/STORE_UNAVAILABLE/);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor, ProcessorContext } from '../../../src/run/processor.js';
import { TaskState } from '../../../src/job/enums.js';
import { ValidationError } from '../../../src/errors.js';
import { MES, PACKAGER } from '../../helpers/jobs.js';

function processor(id: string, name: string, seen: ProcessorContext[]): Processor {
  return { id, name, run: (ctx) => void seen.push(ctx) };
}

const engines: Engine[] = [];
let dir: string | undefined;
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close().catch(() => undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('Engine with a plain graph', () => {
  it('runs it in dependency order, each task on the processor its processor or pool names (by id or by name)', async () => {
    const seen: ProcessorContext[] = [];
    const engine = new Engine({ processors: [processor(MES, 'Encoder', seen), processor(PACKAGER, 'Packager', seen)] });
    engines.push(engine);
    const handle = engine.submit({
      name: 'plain',
      tasks: [
        { id: 'encode', processor: MES, configuration: 'H264 Single Bitrate 720p' },
        { id: 'thumbs', dependsOn: ['encode'], pool: 'Encoder' },
        { id: 'package', dependsOn: ['encode', 'thumbs'], processor: 'Packager' },
      ],
    });
    const final = await handle.done;
    expect(final.State).toBe(TaskState.Finished);
    expect(seen.map((c) => [c.taskName, c.mediaProcessorId])).toEqual([
      ['encode', MES],
      ['thumbs', MES],
      ['package', PACKAGER],
    ]);
    expect(seen[0]!.configuration).toBe('H264 Single Bitrate 720p');
    expect(seen[2]!.inputs.map((i) => [i.kind, i.index])).toEqual([
      ['JobOutputAsset', 0],
      ['JobOutputAsset', 1],
    ]);
  });

  it('refuses at submit a task whose processor no registered processor has, or that names none', () => {
    const engine = new Engine({ processors: [processor(MES, 'Encoder', [])] });
    engines.push(engine);
    let error: unknown;
    try {
      engine.submit({ tasks: [{ id: 'a', processor: 'Transcoder' }, { id: 'b', dependsOn: ['a'] }] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const ds = (error as ValidationError).diagnostics;
    expect(ds.map((d) => [d.code, d.task])).toEqual([
      ['MEDIA_PROCESSOR_UNKNOWN', 0],
      ['MEDIA_PROCESSOR_UNKNOWN', 1],
    ]);
    expect(ds[0]!.message).toContain('Transcoder');
  });

  it('keeps the job model and its extensions in a store across close and open', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-plain-'));
    const path = join(dir, 'runs.db');
    const a = await Engine.open({ processors: [processor(MES, 'Encoder', [])], store: path });
    const h = a.submit({ maxRunning: 2, tasks: [{ id: 'a', processor: MES, weight: 2 }, { id: 'b', dependsOn: ['a'], processor: MES, action: 'run', name: 'Bee' }] });
    await h.done;
    const before = a.scheduler.jobModel(h.id);
    expect(before.extensions).toEqual({ maxRunning: 2, weight: [2, 1], action: [0, 1], label: [null, 'Bee'] });
    await a.close();
    const b = await Engine.open({ processors: [processor(MES, 'Encoder', [])], store: path });
    engines.push(b);
    const after = b.scheduler.jobModel(h.id);
    expect(after.extensions).toEqual(before.extensions);
    expect(after.Tasks.map((t) => [t.Id, t.Name, t.MediaProcessorId, t.TaskBody, t.inputs, t.outputs])).toEqual(before.Tasks.map((t) => [t.Id, t.Name, t.MediaProcessorId, t.TaskBody, t.inputs, t.outputs]));
    expect(b.scheduler.job(h.id)!.State).toBe(TaskState.Finished);
  });

  it('reopens a store holding a graph without extensions without any (its model written as before)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobgraph-plain-'));
    const path = join(dir, 'runs.db');
    const a = await Engine.open({ processors: [processor(MES, 'Encoder', [])], store: path });
    const h = a.submit({ tasks: [{ id: 'a', processor: MES }] });
    await h.done;
    await a.close();
    const b = await Engine.open({ processors: [processor(MES, 'Encoder', [])], store: path });
    engines.push(b);
    expect(b.scheduler.jobModel(h.id)).not.toHaveProperty('extensions');
  });
});

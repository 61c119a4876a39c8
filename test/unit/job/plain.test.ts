import { describe, expect, it } from 'vitest';
import { validateJob, type ValidationResult } from '../../../src/validate/validate.js';
import { sequentialIds } from '../../../src/job/ids.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';

const relaxed = (d: unknown): ValidationResult => validateJob(d, { profile: 'relaxed', ids: sequentialIds() });

/** code, task, property, and the place in the text when there is one. */
function brief(ds: readonly Diagnostic[]): Array<[string, number | undefined, string | undefined, string | undefined]> {
  return ds.map((d) => [d.code, d.task, d.property, d.fileLine === undefined ? undefined : `${d.fileLine}:${d.fileColumn}`]);
}

function edges(r: ValidationResult): Array<[number, number]> {
  const deps = r.dependencies!;
  return [...deps.from].map((f, e) => [f, deps.to[e]!] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

describe('plain graphs: loading', () => {
  it('loads tasks into the Job model: id as Name, factory ids, outputs JobOutputAsset(i), inputs of each dependency', () => {
    const r = relaxed({
      name: 'media',
      priority: 3,
      tasks: [
        { id: 'split', processor: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', configuration: 'preset' },
        { id: 'encode', dependsOn: ['split'], priority: 7, pool: 'gpu' },
        { id: 'package', dependsOn: ['encode', 'split'] },
      ],
    });
    expect(r.valid).toBe(true);
    expect(r.diagnostics).toEqual([]);
    const job = r.job!;
    expect(job).toMatchObject({ Id: 'nb:jid:UUID:00000000-0000-4000-8000-000000000001', Name: 'media', Priority: 3, TemplateId: null, InputMediaAssets: [], JobNotificationSubscriptions: [] });
    expect(job.Tasks.map((t) => [t.index, t.Id, t.Name, t.MediaProcessorId, t.Priority, t.Configuration])).toEqual([
      [0, 'nb:tid:UUID:00000000-0000-4000-8000-000000000002', 'split', 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', 0, 'preset'],
      [1, 'nb:tid:UUID:00000000-0000-4000-8000-000000000003', 'encode', 'gpu', 7, null],
      [2, 'nb:tid:UUID:00000000-0000-4000-8000-000000000004', 'package', '', 0, null],
    ]);
    const pkg = job.Tasks[2]!;
    expect(pkg.inputs).toEqual([
      { kind: 'JobOutputAsset', index: 1 },
      { kind: 'JobOutputAsset', index: 0 },
    ]);
    expect(pkg.outputs).toEqual([{ index: 2, assetName: 'JobOutputAsset(2)_media', assetCreationOptions: 1, storageAccountName: null, assetFormatOption: 0 }]);
    expect(pkg.TaskBody).toBe('<taskBody><inputAsset>JobOutputAsset(1)</inputAsset><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(2)</outputAsset></taskBody>');
    // Entries stand where their elements are in that TaskBody.
    for (const e of [...pkg.inputEntries, ...pkg.outputEntries]) {
      expect(e.line).toBe(1);
      expect(pkg.TaskBody.slice(e.column - 1)).toMatch(new RegExp(`^<(input|output)Asset>${e.text.replace(/[()]/g, '\\$&')}<`));
    }
    expect(edges(r)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    expect(job.extensions).toEqual({ pool: [null, 'gpu', null] });
  });

  it('gives a graph that uses no extension no extensions property', () => {
    const job = relaxed({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'], processor: 'x' }] }).job!;
    expect('extensions' in job).toBe(false);
    expect(JSON.parse(JSON.stringify(job))).not.toHaveProperty('extensions');
  });

  it('reads weight, action, pool, maxRunning and name into extensions, defaults elsewhere', () => {
    const job = relaxed({
      maxRunning: 2,
      tasks: [{ id: 'a', weight: 3 }, { id: 'b', action: 'skip', name: 'Bee' }, { id: 'c', action: 'cancel' }, { id: 'd', pool: 'p' }],
    }).job!;
    expect(job.extensions).toEqual({ maxRunning: 2, weight: [3, 1, 1, 1], action: [0, 2, 0, 0], pool: [null, null, null, 'p'], label: [null, 'Bee', null, null] });
    // "cancel" everywhere is the default: no array.
    expect(relaxed({ tasks: [{ id: 'a', action: 'cancel' }] }).job!.extensions).toBeUndefined();
  });

  it('lets a task depend on one listed after it', () => {
    const r = relaxed({ tasks: [{ id: 'b', dependsOn: ['a'] }, { id: 'a' }] });
    expect(r.valid).toBe(true);
    expect(edges(r)).toEqual([[1, 0]]);
  });

  it('is recognised by a lowercase tasks array and no Tasks', () => {
    // `tasks` that is no array: a Create-Job body with an unknown property.
    expect(validateJob({ tasks: 3 }).diagnostics.map((d) => d.code)).toContain('JOB_NO_TASKS');
    expect(validateJob({ tasks: 3 }).diagnostics.map((d) => d.code)).toContain('UNKNOWN_PROPERTY');
    // Both: the Create-Job body wins; `tasks` is an unknown property of it.
    const both = validateJob({ Tasks: [], tasks: [{ id: 'a' }] }, { profile: 'relaxed' });
    expect(both.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['UNKNOWN_PROPERTY', 'JOB_NO_TASKS', 'JOB_NO_INPUTS']));
  });

  it('fires none of the AMS-only checks (no inputs, no TaskBody input, processor form, output gaps)', () => {
    const r = relaxed(JSON.stringify({ tasks: [{ id: 'a', processor: 'encoder' }, null, { id: 'c' }] }));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['TASK_INVALID']);
  });
});

describe('plain graphs: diagnostics', () => {
  it('reports every mistake in one pass, with task, property and place in the text', () => {
    const text = `{
  "name": 5,
  "priority": "high",
  "maxRunning": 0,
  "colour": "red",
  "tasks": [
    { "id": "a", "weight": 0, "action": "later", "pool": "" },
    { "id": "b", "dependsOn": ["a", "c", "encdoe", 7] },
    { "id": "a", "priority": 2.5 },
    { "dependsOn": "a", "configuration": false, "proccessor": "x" },
    { "id": 12 },
    null,
    { "id": "encode" }
  ]
}`;
    const r = validateJob(text, { profile: 'relaxed', ids: sequentialIds() });
    expect(r.valid).toBe(false);
    expect(brief(r.diagnostics)).toEqual([
      ['UNKNOWN_PROPERTY', undefined, 'colour', '5:3'],
      ['JOB_INVALID', undefined, 'name', '2:3'],
      ['PRIORITY_INVALID', undefined, 'priority', '3:3'],
      ['EXTENSION_INVALID', undefined, 'maxRunning', '4:3'],
      ['EXTENSION_INVALID', 0, 'weight', '7:18'],
      ['EXTENSION_INVALID', 0, 'action', '7:31'],
      ['EXTENSION_INVALID', 0, 'pool', '7:50'],
      ['OUTPUT_NOT_PRODUCED', 1, 'dependsOn', '8:18'],
      ['OUTPUT_NOT_PRODUCED', 1, 'dependsOn', '8:18'],
      ['TASK_INVALID', 1, 'dependsOn', '8:18'],
      ['TASK_INVALID', 2, 'id', '9:7'],
      ['PRIORITY_INVALID', 2, 'priority', '9:18'],
      ['TASK_INVALID', 3, undefined, '10:5'],
      ['UNKNOWN_PROPERTY', 3, 'proccessor', '10:49'],
      ['TASK_INVALID', 3, 'configuration', '10:25'],
      ['TASK_INVALID', 3, 'dependsOn', '10:7'],
      ['TASK_INVALID', 4, 'id', '11:7'],
      ['TASK_INVALID', 5, undefined, '12:5'],
    ]);
    const byMessage = (s: string): Diagnostic => r.diagnostics.find((d) => d.message.includes(s))!;
    expect(byMessage('"c"')).toMatchObject({ code: 'OUTPUT_NOT_PRODUCED', message: 'task #1 "b" depends on "c", which is no task of the graph' });
    expect(byMessage('"encdoe"')).toMatchObject({ hint: 'did you mean "encode"?' });
    expect(byMessage('already')).toMatchObject({ message: `task #2's id "a" is already the id of task #0` });
    expect(byMessage('proccessor')).toMatchObject({ severity: 'warning', hint: 'did you mean "processor"?' });
    expect(byMessage('later')).toMatchObject({ message: `task #0's action is "later", not "cancel", "run" or "skip"` });
  });

  it('reports an empty tasks array as JOB_NO_TASKS', () => {
    const r = validateJob('{ "tasks": [] }', { profile: 'relaxed' });
    expect(brief(r.diagnostics)).toEqual([['JOB_NO_TASKS', undefined, 'tasks', '1:3']]);
  });

  it('reports a cycle once, at the dependsOn that closes it, and a task depending on itself', () => {
    const text = JSON.stringify({ tasks: [{ id: 'a', dependsOn: ['c'] }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }, { id: 'self', dependsOn: ['self'] }] }, null, 2);
    const r = validateJob(text, { profile: 'relaxed' });
    expect(r.diagnostics.map((d) => [d.code, d.task, d.property, d.cycle, d.line])).toEqual([
      ['CYCLE', 0, 'dependsOn', [0, 1, 2], undefined],
      ['CYCLE', 3, 'dependsOn', [3], undefined],
    ]);
    expect(r.diagnostics[0]!.message).toBe('3 tasks form a cycle: #0 "a" depends on #2 "c", #2 "c" depends on #1 "b", #1 "b" depends on #0 "a"');
    expect(r.diagnostics[1]!.message).toBe('task #3 "self" depends on itself');
    expect(r.diagnostics[0]!.fileLine).toBe(text.split('\n').findIndex((l) => l.includes('"dependsOn"')) + 1);
  });

  it('warns of a dependency listed twice and keeps one edge', () => {
    const r = relaxed({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a', 'a'] }] });
    expect(r.valid).toBe(true);
    expect(brief(r.diagnostics)).toEqual([['INPUT_DUPLICATE', 1, 'dependsOn', undefined]]);
    expect(edges(r)).toEqual([[0, 1]]);
  });

  it('reports a name, id or pool over the limits', () => {
    const long = 'x'.repeat(4001);
    const r = relaxed({ name: long, tasks: [{ id: long, pool: long, name: long }] });
    expect(brief(r.diagnostics)).toEqual([
      ['NAME_TOO_LONG', undefined, 'name', undefined],
      ['NAME_TOO_LONG', 0, 'id', undefined],
      ['NAME_TOO_LONG', 0, 'name', undefined],
      ['EXTENSION_INVALID', 0, 'pool', undefined],
    ]);
  });

  it('profile ams refuses a plain graph once (and still reports its other mistakes)', () => {
    const r = validateJob('{"tasks": [{"id": "a", "dependsOn": ["b"], "weight": 2}]}');
    expect(r.valid).toBe(false);
    expect(brief(r.diagnostics)).toEqual([
      ['EXTENSION_NOT_AMS', undefined, 'tasks', '1:2'],
      ['OUTPUT_NOT_PRODUCED', 0, 'dependsOn', '1:24'],
    ]);
    expect(r.diagnostics[0]!.hint).toMatch(/profile "relaxed"/);
    // No quota of the service applies to it either.
    const big = validateJob({ tasks: Array.from({ length: 40 }, (_, i) => ({ id: `t${i}` })) });
    expect(big.diagnostics.map((d) => d.code)).toEqual(['EXTENSION_NOT_AMS']);
  });
});

describe('plain graphs: hostile input', () => {
  it('reports getters that throw, Proxies, revoked Proxies and sparse arrays; never throws; reads each getter once', () => {
    let reads = 0;
    const throwing = {
      id: 'a',
      get dependsOn(): string[] {
        reads++;
        throw new Error('boom');
      },
    };
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const trap = new Proxy(
      { id: 'p' },
      {
        ownKeys() {
          throw new Error('no keys');
        },
      },
    );
    const sparse: unknown[] = [];
    sparse[3] = { id: 'late' };
    const r = validateJob({ tasks: [throwing, revoked, trap, { id: 'b', dependsOn: sparse }, { id: 'c', dependsOn: new Array(2 ** 31) }] }, { profile: 'relaxed' });
    expect(reads).toBe(1);
    expect(r.valid).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.task])).toEqual([
      ['TASK_INVALID', 0],
      ['TASK_INVALID', 1],
      ['TASK_INVALID', 2],
      // The holes, and an object where an id should be.
      ['TASK_INVALID', 3],
      ['TASK_INVALID', 3],
      ['TASK_INVALID', 3],
      ['TASK_INVALID', 3],
      ['TASK_INVALID', 4],
    ]);
    expect(r.diagnostics[0]!.message).toContain('boom');
  });

  it('reports a tasks getter that throws, and a Proxy graph', () => {
    const r = validateJob(
      {
        get tasks(): unknown[] {
          throw new Error('nope');
        },
      },
      { profile: 'relaxed' },
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual(['JOB_INVALID']);
    const proxied = validateJob(new Proxy({ tasks: [new Proxy({ id: 'a' }, {})] }, {}), { profile: 'relaxed' });
    expect(proxied.valid).toBe(true);
    expect(proxied.job!.Tasks[0]!.Name).toBe('a');
  });
});

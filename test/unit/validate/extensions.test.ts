import { describe, expect, it } from 'vitest';
import { validateJob } from '../../../src/validate/validate.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } };
const BODY0 = '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>';
const BODY1 = '<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(1)</outputAsset></taskBody>';
const BODY2 = '<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(2)</outputAsset></taskBody>';

function job(tasks: object[], extra: object = {}): object {
  return { Name: 'J', InputMediaAssets: [INPUT], Tasks: tasks, ...extra };
}

function brief(ds: readonly Diagnostic[]): Array<[string, number | undefined, string | undefined, string | undefined]> {
  return ds.map((d) => [d.code, d.task, d.property, d.fileLine === undefined ? undefined : `${d.fileLine}:${d.fileColumn}`]);
}

describe('AMS extension properties', () => {
  const definition = job(
    [
      { MediaProcessorId: MES, TaskBody: BODY0, Weight: 2, Pool: 'gpu' },
      { MediaProcessorId: MES, TaskBody: BODY1, DependencyAction: 'run' },
      { MediaProcessorId: MES, TaskBody: BODY2 },
    ],
    { MaxRunningTasks: 4 },
  );

  it('profile relaxed accepts them into job.extensions, defaults for the tasks that do not set them', () => {
    const r = validateJob(definition, { profile: 'relaxed' });
    expect(r.diagnostics).toEqual([]);
    expect(r.job!.extensions).toEqual({ maxRunning: 4, weight: [2, 1, 1], action: [0, 1, 0], pool: ['gpu', null, null] });
  });

  it('profile ams reports each use with EXTENSION_NOT_AMS at its place', () => {
    const text = JSON.stringify(definition, null, 2);
    const r = validateJob(text);
    expect(r.valid).toBe(false);
    const lineOf = (key: string): string => `${text.split('\n').findIndex((l) => l.includes(`"${key}"`)) + 1}:${text.split('\n').find((l) => l.includes(`"${key}"`))!.indexOf(`"${key}"`) + 1}`;
    expect(brief(r.diagnostics)).toEqual([
      ['EXTENSION_NOT_AMS', undefined, 'MaxRunningTasks', lineOf('MaxRunningTasks')],
      ['EXTENSION_NOT_AMS', 0, 'Weight', lineOf('Weight')],
      ['EXTENSION_NOT_AMS', 0, 'Pool', lineOf('Pool')],
      ['EXTENSION_NOT_AMS', 1, 'DependencyAction', lineOf('DependencyAction')],
    ]);
    expect(r.diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });

  it('are no longer UNKNOWN_PROPERTY', () => {
    for (const profile of ['ams', 'relaxed'] as const) {
      expect(validateJob(definition, { profile }).diagnostics.map((d) => d.code)).not.toContain('UNKNOWN_PROPERTY');
    }
  });

  it('reports bad values with EXTENSION_INVALID on that task and property (and keeps the default)', () => {
    const r = validateJob(
      job(
        [
          { MediaProcessorId: MES, TaskBody: BODY0, Weight: 0, DependencyAction: 'Skip', Pool: '' },
          { MediaProcessorId: MES, TaskBody: BODY1, Weight: 1.5, DependencyAction: 2, Pool: 7 },
          { MediaProcessorId: MES, TaskBody: BODY2, Weight: '2', Pool: 'p'.repeat(4001) },
        ],
        { MaxRunningTasks: -1 },
      ),
      { profile: 'relaxed' },
    );
    expect(brief(r.diagnostics)).toEqual([
      ['EXTENSION_INVALID', undefined, 'MaxRunningTasks', undefined],
      ['EXTENSION_INVALID', 0, 'Weight', undefined],
      ['EXTENSION_INVALID', 0, 'DependencyAction', undefined],
      ['EXTENSION_INVALID', 0, 'Pool', undefined],
      ['EXTENSION_INVALID', 1, 'Weight', undefined],
      ['EXTENSION_INVALID', 1, 'DependencyAction', undefined],
      ['EXTENSION_INVALID', 1, 'Pool', undefined],
      ['EXTENSION_INVALID', 2, 'Weight', undefined],
      ['EXTENSION_INVALID', 2, 'Pool', undefined],
    ]);
    expect(r.diagnostics[2]!.hint).toBe('write it in lower case: "skip"');
    expect(r.job!.extensions).toBeUndefined();
  });

  it('a job that uses none has no extensions property', () => {
    const r = validateJob(job([{ MediaProcessorId: MES, TaskBody: BODY0 }]));
    expect(r.valid).toBe(true);
    expect(r.job).not.toHaveProperty('extensions');
  });

  it('reads a throwing getter of an extension as a diagnostic, once', () => {
    let reads = 0;
    const t = {
      MediaProcessorId: MES,
      TaskBody: BODY0,
      get Weight(): number {
        reads++;
        throw new Error('no weight');
      },
    };
    const r = validateJob(job([t]), { profile: 'relaxed' });
    expect(reads).toBe(1);
    expect(brief(r.diagnostics)).toEqual([['TASK_INVALID', 0, 'Weight', undefined]]);
  });
});

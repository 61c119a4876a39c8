import { describe, expect, it } from 'vitest';
import { decodeJobModel, encodeJobModel } from '../../../src/store/journal.js';
import { validateJob } from '../../../src/validate/validate.js';
import { dagJob } from '../../helpers/jobs.js';

describe('job model in a store: extensions', () => {
  it('writes a job without extensions as before: 9 elements, read back without extensions', () => {
    const job = validateJob(dagJob(3, [[0, 1]])).job!;
    const text = encodeJobModel(job);
    expect(JSON.parse(text)).toHaveLength(9);
    expect(decodeJobModel('mem', 1, text)).not.toHaveProperty('extensions');
  });

  it('appends extensions as a 10th element and reads them back', () => {
    const job = validateJob({ maxRunning: 3, tasks: [{ id: 'a', weight: 2 }, { id: 'b', dependsOn: ['a'], action: 'skip', pool: 'p', name: 'B' }] }, { profile: 'relaxed' }).job!;
    const text = encodeJobModel(job);
    const model = JSON.parse(text) as unknown[];
    expect(model).toHaveLength(10);
    const back = decodeJobModel('mem', 1, text);
    expect(back.extensions).toEqual({ maxRunning: 3, weight: [2, 1], action: [0, 2], pool: [null, 'p'], label: [null, 'B'] });
    expect(back.Tasks.map((t) => [t.Name, t.MediaProcessorId, t.inputs])).toEqual([
      ['a', '', []],
      ['b', 'p', [{ kind: 'JobOutputAsset', index: 0 }]],
    ]);
  });

  it('refuses a damaged 10th element', () => {
    const job = validateJob({ tasks: [{ id: 'a', weight: 2 }] }, { profile: 'relaxed' }).job!;
    const model = JSON.parse(encodeJobModel(job)) as unknown[];
    for (const bad of [null, 5, [], { weight: [1, 2] }, { pool: 'x' }, { maxRunning: '2' }]) {
      model[9] = bad;
      expect(() => decodeJobModel('mem', 1, JSON.stringify(model))).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    }
  });
});

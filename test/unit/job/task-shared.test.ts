import { describe, expect, it } from 'vitest';
import { loadJob } from '../../../src/job/load.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';

// Loaded tasks of a job share one record of what they have in common (job/load.ts, TaskShared):
// a change to one task must change that task only.
const job = () => loadJob(jobFromGraph({ nodeCount: 4, from: [0, 1, 2], to: [1, 2, 3] }), { ids: sequentialIds() }).job!;

describe('what loaded tasks share', () => {
  it('changes for the one task it is set on', () => {
    const tasks = job().Tasks;
    const before = tasks.map((t) => JSON.stringify(t));
    tasks[1]!.MediaProcessorId = 'nb:mpid:UUID:00000000-0000-4000-8000-000000000009';
    tasks[2]!.Configuration = 'another';
    tasks[3]!.Options = 1;
    tasks[3]!.EncryptionScheme = 'None';
    tasks[0]!.outputs = [];
    tasks[1]!.Priority = 7;
    expect(tasks.map((t) => t.MediaProcessorId)).toEqual([tasks[0]!.MediaProcessorId, 'nb:mpid:UUID:00000000-0000-4000-8000-000000000009', tasks[0]!.MediaProcessorId, tasks[0]!.MediaProcessorId]);
    expect(tasks.map((t) => t.Configuration)).toEqual([tasks[0]!.Configuration, tasks[0]!.Configuration, 'another', tasks[0]!.Configuration]);
    expect(tasks.map((t) => t.Options)).toEqual([0, 0, 0, 1]);
    expect(tasks.map((t) => t.EncryptionScheme)).toEqual([null, null, null, 'None']);
    expect(tasks.map((t) => t.outputs.length)).toEqual([0, 1, 1, 1]);
    expect(tasks.map((t) => t.inputs.length)).toEqual([1, 1, 1, 1]);
    expect(tasks.map((t) => t.Priority)).toEqual(before.map((b, i) => (i === 1 ? 7 : (JSON.parse(b) as { Priority: number }).Priority)));
    // A fresh load is as before: nothing was changed through a shared record.
    expect(job().Tasks.map((t) => JSON.stringify(t))).toEqual(before);
  });

  it('keeps the JSON of a task in the order of its properties', () => {
    const json = JSON.parse(JSON.stringify(job().Tasks[1])) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['index', 'Id', 'Name', 'MediaProcessorId', 'Configuration', 'TaskBody', 'Priority', 'Options', 'EncryptionKeyId', 'EncryptionScheme', 'EncryptionVersion', 'InitializationVector', 'TaskNotificationSubscriptions', 'inputs', 'outputs', 'inputEntries', 'outputEntries']);
  });
});

import { describe, expect, it } from 'vitest';
import { validateJob } from '../../../src/validate/validate.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';

// The loader reads a task's properties in the pass that lists its keys (job/load.ts, TaskRecord;
// a job's likewise, JobRecord; an input asset's uri through ownValue):
// each value once, unknown keys reported in their order, read-only ones ignored, a key list that
// cannot be made a TASK_INVALID, and JSON text read the same way as the objects it stands for.
describe("a task's properties, read in one pass", () => {
  const base = jobFromGraph({ nodeCount: 2, from: [0], to: [1] }, { name: 'record' });
  const [first, second] = base.Tasks!;

  it('reads each property of a caller object once, and reports unknown keys in order', () => {
    const reads: Record<string, number> = {};
    const counted = (key: string, value: unknown): PropertyDescriptor => ({
      enumerable: true,
      get: () => {
        reads[key] = (reads[key] ?? 0) + 1;
        return value;
      },
    });
    const task = Object.defineProperties({}, {
      Zeta: counted('Zeta', 1),
      Name: counted('Name', 'first'),
      State: counted('State', 3),
      MediaProcessorId: counted('MediaProcessorId', first!.MediaProcessorId),
      TaskBody: counted('TaskBody', first!.TaskBody),
      Alpha: counted('Alpha', 2),
      Priority: counted('Priority', 7),
    });
    const r = validateJob({ ...base, Tasks: [task, second] });
    expect(r.diagnostics.map((d) => [d.code, d.task, d.property])).toEqual([
      ['UNKNOWN_PROPERTY', 0, 'Zeta'],
      ['UNKNOWN_PROPERTY', 0, 'Alpha'],
    ]);
    // Read once each; the unknown and the read-only keys not at all.
    expect(reads).toEqual({ Name: 1, MediaProcessorId: 1, TaskBody: 1, Priority: 1 });
    expect(r.job!.Tasks[0]).toMatchObject({ Name: 'first', Priority: 7, TaskBody: first!.TaskBody });
  });

  it('reports a getter that throws where the value is used, and a task whose keys cannot be listed', () => {
    const throwing = {
      Name: 'x',
      MediaProcessorId: first!.MediaProcessorId,
      get Configuration(): never {
        throw new Error('no configuration');
      },
      TaskBody: first!.TaskBody,
    };
    const unlisted = new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } });
    const r = validateJob({ ...base, Tasks: [throwing, unlisted] });
    expect(r.diagnostics.map((d) => [d.code, d.task, d.message])).toEqual([
      ['TASK_INVALID', 0, "task #0's Configuration could not be read: reading it threw Error: no configuration"],
      ['TASK_INVALID', 1, 'Tasks[1] could not be read: its properties could not be listed: Error: no keys'],
    ]);
  });

  it('reports an entry of Tasks whose read throws as TASK_INVALID, in a job and in a plain graph', () => {
    const throwingEntry = (): unknown[] => Object.defineProperty([first], 1, { enumerable: true, get: (): never => { throw new Error('boom'); } });
    const r = validateJob({ ...base, Tasks: throwingEntry() });
    expect(r.diagnostics.map((d) => [d.code, d.task, d.message])).toEqual([['TASK_INVALID', 1, 'Tasks[1] could not be read: reading it threw Error: boom']]);
    const plain = Object.defineProperty([{ id: 'a' }], 1, { enumerable: true, get: (): never => { throw new Error('boom'); } });
    const g = validateJob({ tasks: plain }, { profile: 'relaxed' });
    expect(g.diagnostics.map((d) => [d.code, d.task, d.message])).toEqual([['TASK_INVALID', 1, 'tasks[1] could not be read: reading it threw Error: boom']]);
  });

  it('reads JSON text as the objects it stands for, extensions included', () => {
    const job = { ...base, Tasks: [{ ...first, Weight: 2, Bogus: true }, second] };
    const fromText = validateJob(JSON.stringify(job), { profile: 'relaxed' });
    const fromObjects = validateJob(job, { profile: 'relaxed' });
    expect(fromText.diagnostics.map((d) => [d.code, d.property])).toEqual([['UNKNOWN_PROPERTY', 'Bogus']]);
    expect(fromObjects.diagnostics.map((d) => [d.code, d.property])).toEqual([['UNKNOWN_PROPERTY', 'Bogus']]);
    expect(fromText.job!.extensions?.weight).toEqual([2, 1]);
    expect(fromObjects.job!.extensions?.weight).toEqual([2, 1]);
  });
});

describe("a job's properties and input assets, read once", () => {
  const base = jobFromGraph({ nodeCount: 2, from: [0], to: [1] }, { name: 'record' });
  const uri = "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')";
  const inputs = (entry: object): object => ({ ...base, InputMediaAssets: [entry] });
  const messages = (def: object): string[] => validateJob(def).diagnostics.map((d) => `${d.code} ${d.message}`);

  it("reads each job property once, reports unknown keys, ignores the read-only ones", () => {
    let reads = 0;
    const def = Object.defineProperty({ ...base, State: 3, Bogus: 1 }, 'Name', {
      enumerable: true,
      get: () => {
        reads++;
        return 'counted';
      },
    });
    const r = validateJob(def);
    expect(reads).toBe(1);
    expect(r.job!.Name).toBe('counted');
    expect(r.diagnostics.map((d) => [d.code, d.property])).toEqual([['UNKNOWN_PROPERTY', 'Bogus']]);
  });

  it("reads an input asset's __metadata.uri as a snapshot would: own keys only, each once, failures reported", () => {
    let reads = 0;
    const counted = { __metadata: Object.defineProperty({}, 'uri', { enumerable: true, get: () => (reads++, uri) }) };
    const r = validateJob(inputs(counted));
    expect(reads).toBe(1);
    expect(r.job!.InputMediaAssets).toEqual([{ uri, id: 'nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c' }]);

    const inherited = Object.create({ __metadata: { uri } }) as object;
    expect(messages(inputs(inherited))).toEqual(['INPUT_ASSET_INVALID InputMediaAssets[0] has no __metadata.uri']);
    const hidden = Object.defineProperty({}, '__metadata', { enumerable: false, value: { uri } });
    expect(messages(inputs(hidden))).toEqual(['INPUT_ASSET_INVALID InputMediaAssets[0] has no __metadata.uri']);

    const throwing = { get __metadata(): never { throw new Error('no metadata'); } };
    expect(messages(inputs(throwing))).toEqual(['INPUT_ASSET_INVALID InputMediaAssets[0] could not be read: reading it threw Error: no metadata']);
    const throwingUri = { __metadata: { get uri(): never { throw new Error('no uri'); } } };
    expect(messages(inputs(throwingUri))).toEqual(['INPUT_ASSET_INVALID InputMediaAssets[0] could not be read: reading it threw Error: no uri']);
    const unlisted = new Proxy({ __metadata: { uri } }, { ownKeys: () => { throw new Error('no keys'); } });
    expect(messages(inputs(unlisted))).toEqual(['INPUT_ASSET_INVALID InputMediaAssets[0] could not be read: its properties could not be listed: Error: no keys']);
  });
});

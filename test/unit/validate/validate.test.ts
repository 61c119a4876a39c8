import { describe, expect, it } from 'vitest';
import { validateJob, validateTaskBody } from '../../../src/validate/validate.js';
import { sequentialIds } from '../../../src/job/ids.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } };
const ASSET_1 = 'nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c';
const ASSET_2 = 'nb:cid:UUID:22a0e1b7-5f3c-4d2e-9b1a-0c7d3e4f5a6b';

function body(inputs: string[], outputs: string[]): string {
  return `<taskBody>${inputs.map((i) => `<inputAsset>${i}</inputAsset>`).join('')}${outputs.map((o) => `<outputAsset>${o}</outputAsset>`).join('')}</taskBody>`;
}

function job(tasks: object[], extra: object = {}): object {
  return { Name: 'J', InputMediaAssets: [INPUT], Tasks: tasks, ...extra };
}

function task(inputs: string[], outputs: string[], extra: object = {}): object {
  return { MediaProcessorId: MES, TaskBody: body(inputs, outputs), ...extra };
}

function codes(ds: Diagnostic[]): string[] {
  return ds.map((d) => d.code);
}

describe('validateJob()', () => {
  it('accepts the reference chained sample and builds its graph', () => {
    const r = validateJob(job([task(['JobInputAsset(0)'], ['JobOutputAsset(0)']), task(['JobOutputAsset(0)'], ['JobOutputAsset(1)'])]), { ids: sequentialIds() });
    expect(r.diagnostics).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.job!.Tasks.map((t) => t.Id)).toEqual(['nb:tid:UUID:00000000-0000-4000-8000-000000000002', 'nb:tid:UUID:00000000-0000-4000-8000-000000000003']);
    expect(r.job!.Tasks[1]!.outputs[0]).toEqual({ index: 1, assetName: 'JobOutputAsset(1)_J', assetCreationOptions: 1, storageAccountName: null, assetFormatOption: 0 });
    const g = r.graph!;
    expect(g.roots()).toEqual([0]);
    expect(g.leaves()).toEqual([1]);
    expect(g.generations()).toEqual([[0], [1]]);
    expect(g.graph.getEdgeAttribute(g.graph.edges('0', '1')[0]!, 'label')).toBe('JobOutputAsset(0)');
  });

  it('names default outputs after the job id when the job has no name', () => {
    const r = validateJob({ InputMediaAssets: [INPUT], Tasks: [task(['JobInputAsset(0)'], ['JobOutputAsset(0)'])] });
    expect(r.job!.Tasks[0]!.outputs[0]!.assetName).toBe(`JobOutputAsset(0)_${r.job!.Id}`);
  });

  it('accepts InputMediaAssets@odata.bind and decodes asset ids', () => {
    const r = validateJob({ 'InputMediaAssets@odata.bind': [`https://x/api/Assets('${ASSET_1}')`, `https://x/api/Assets('${encodeURIComponent(ASSET_2)}')`], Tasks: [task(['JobInputAsset(1)'], ['JobOutputAsset(0)'])] });
    expect(r.valid).toBe(true);
    expect(r.job!.InputMediaAssets.map((a) => a.id)).toEqual([ASSET_1, ASSET_2]);
  });

  it('refuses an input that is not an asset link, or names no asset id, with INPUT_ASSET_INVALID', () => {
    const tasks = [task(['JobInputAsset(0)'], ['JobOutputAsset(0)'])];
    const uris = ['hello', `https://x/api/Jobs('nb:jid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c')`, "https://x/api/Assets('')", "https://x/api/Assets('not-an-id')", "Assets('nb:jid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c')"];
    for (const uri of uris) {
      for (const definition of [{ InputMediaAssets: [{ __metadata: { uri } }], Tasks: tasks }, { 'InputMediaAssets@odata.bind': [uri], Tasks: tasks }]) {
        const r = validateJob(definition);
        expect(r.valid, uri).toBe(false);
        expect(r.diagnostics, uri).toMatchObject([{ code: 'INPUT_ASSET_INVALID', hint: expect.stringContaining("Assets('nb:cid:UUID:<guid>')") }]);
        expect(r.job!.InputMediaAssets).toEqual([]);
      }
    }
    const [notLink] = validateJob({ InputMediaAssets: [{ __metadata: { uri: 'hello' } }], Tasks: tasks }).diagnostics;
    expect(notLink!.message).toBe('InputMediaAssets[0].__metadata.uri "hello" is not an asset link');
    const [notId] = validateJob({ 'InputMediaAssets@odata.bind': ["Assets('not-an-id')"], Tasks: tasks }).diagnostics;
    expect(notId!.message).toBe('InputMediaAssets@odata.bind[0] names "not-an-id", which is not an asset id (nb:cid:UUID:<guid>)');
  });

  it('reports a key given twice in one object of JSON text (JSON.parse keeps the last) at the repeated key, with its task', () => {
    const text = [
      '{',
      `  "Name": "dup", "InputMediaAssets": [${JSON.stringify(INPUT)}],`,
      '  "Tasks": [',
      `    { "MediaProcessorId": "${MES}", "TaskBody": "${body(['JobInputAsset(0)'], ['JobOutputAsset(0)'])}", "Priority": 1.5, "Priority": 1 }`,
      '  ],',
      '  "Name": "dup again"',
      '}',
    ].join('\n');
    const r = validateJob(text);
    expect(r.valid).toBe(false);
    // The job's problems first, then each task's (as every diagnostic list is ordered).
    expect(r.diagnostics.map((d) => [d.code, d.task, d.property, d.fileLine, d.fileColumn, d.message])).toEqual([
      ['JSON_DUPLICATE_KEY', undefined, 'Name', 6, 3, 'the Job gives "Name" twice (first at 2:3): JSON.parse keeps this one'],
      ['JSON_DUPLICATE_KEY', 0, 'Priority', 4, text.split('\n')[3]!.lastIndexOf('"Priority"') + 1, 'task #0 gives "Priority" twice (first at 4:' + (text.split('\n')[3]!.indexOf('"Priority"') + 1) + '): JSON.parse keeps this one'],
    ]);
    // Objects have no text to look at: what the caller's object holds is what it holds.
    expect(validateJob(JSON.parse(text)).valid).toBe(true);
  });

  it('reports JSON_MALFORMED with the position in the JSON text', () => {
    const r = validateJob('{\n  "Tasks": [1,]\n}');
    expect(r.valid).toBe(false);
    expect(r.diagnostics).toMatchObject([{ code: 'JSON_MALFORMED', line: 2, column: 15 }]);
  });

  it('reports JOB_INVALID for a definition that is not an object', () => {
    expect(codes(validateJob('[1]').diagnostics)).toEqual(['JOB_INVALID']);
    expect(codes(validateJob(null).diagnostics)).toEqual(['JOB_INVALID']);
    expect(codes(validateJob(job([]), {}).diagnostics)).toEqual(['JOB_NO_TASKS']);
    expect(codes(validateJob({ InputMediaAssets: [INPUT], Tasks: {} }).diagnostics)).toEqual(['JOB_INVALID']);
  });

  it('reports JOB_NO_TASKS and JOB_TEMPLATE_UNSUPPORTED', () => {
    expect(codes(validateJob({ InputMediaAssets: [INPUT] }).diagnostics)).toEqual(['JOB_NO_TASKS']);
    expect(codes(validateJob({ InputMediaAssets: [INPUT], TemplateId: 'nb:jtid:UUID:1' }).diagnostics)).toEqual(['JOB_TEMPLATE_UNSUPPORTED']);
  });

  it('reports JOB_NO_INPUTS and INPUT_ASSET_INVALID', () => {
    expect(codes(validateJob({ Tasks: [task(['JobInputAsset(0)'], ['JobOutputAsset(0)'])] }).diagnostics)).toEqual(['JOB_NO_INPUTS']);
    expect(codes(validateJob({ InputMediaAssets: [{}], Tasks: [task(['JobInputAsset(0)'], ['JobOutputAsset(0)'])] }).diagnostics)).toEqual(['INPUT_ASSET_INVALID']);
  });

  it('keeps the readable input assets in order, without gaps, in both forms', () => {
    const uri = (k: number): string => `https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A00000000-0000-4000-8000-00000000000${k}')`;
    const id = (k: number): string => `nb:cid:UUID:00000000-0000-4000-8000-00000000000${k}`;
    const tasks = [task(['JobInputAsset(0)', 'JobInputAsset(1)', 'JobInputAsset(2)'], ['JobOutputAsset(0)'])];
    const all = validateJob({ InputMediaAssets: [1, 2, 3].map((k) => ({ __metadata: { uri: uri(k) } })), Tasks: tasks });
    expect(all.valid).toBe(true);
    expect(all.job!.InputMediaAssets).toEqual([1, 2, 3].map((k) => ({ uri: uri(k), id: id(k) })));
    expect(validateJob({ 'InputMediaAssets@odata.bind': [1, 2, 3].map(uri), Tasks: tasks }).job!.InputMediaAssets.map((a) => a.id)).toEqual([1, 2, 3].map(id));
    // An unreadable entry is reported and left out: the list is the readable ones, with no hole.
    for (const r of [
      validateJob({ InputMediaAssets: [{ __metadata: { uri: uri(1) } }, {}, { __metadata: { uri: uri(3) } }], Tasks: tasks }),
      validateJob({ 'InputMediaAssets@odata.bind': [uri(1), 7, uri(3)], Tasks: tasks }),
    ]) {
      expect(codes(r.diagnostics)).toContain('INPUT_ASSET_INVALID');
      expect(Object.keys(r.job!.InputMediaAssets)).toEqual(['0', '1']);
      expect(r.job!.InputMediaAssets.map((a) => a.id)).toEqual([id(1), id(3)]);
    }
  });

  it('enforces the ams quotas and lifts them in the relaxed profile', () => {
    const tasks = Array.from({ length: 31 }, (_, i) => task(['JobInputAsset(0)'], [`JobOutputAsset(${i})`]));
    expect(codes(validateJob(job(tasks)).diagnostics)).toEqual(['JOB_TOO_MANY_TASKS']);
    expect(validateJob(job(tasks), { profile: 'relaxed' }).valid).toBe(true);

    const many = Array.from({ length: 51 }, (_, i) => `JobOutputAsset(${i})`);
    const r = validateJob(job([task(['JobInputAsset(0)'], many)]));
    expect(codes(r.diagnostics)).toEqual(['TASK_TOO_MANY_ASSETS']);
    expect(r.diagnostics[0]!.task).toBe(0);

    const wide = Array.from({ length: 3 }, (_, t) => task(['JobInputAsset(0)'], Array.from({ length: 34 }, (_, i) => `JobOutputAsset(${t * 34 + i})`)));
    expect(codes(validateJob(job(wide)).diagnostics)).toEqual(['JOB_TOO_MANY_ASSETS']);
    expect(validateJob(job(wide), { profile: 'relaxed' }).valid).toBe(true);
  });

  it('reports TASKBODY_MISSING for an absent, empty or non-string TaskBody', () => {
    const r = validateJob(job([{ MediaProcessorId: MES }, { MediaProcessorId: MES, TaskBody: '  ' }, { MediaProcessorId: MES, TaskBody: 5 }]));
    expect(r.diagnostics.map((d) => [d.code, d.task])).toEqual([
      ['TASKBODY_MISSING', 0],
      ['TASKBODY_MISSING', 1],
      ['TASKBODY_MISSING', 2],
    ]);
  });

  it('reports INPUT_INDEX_OUT_OF_RANGE at the input element', () => {
    const r = validateJob(job([task(['JobInputAsset(1)'], ['JobOutputAsset(0)'])]));
    expect(r.diagnostics).toMatchObject([{ code: 'INPUT_INDEX_OUT_OF_RANGE', task: 0, line: 1, column: 11 }]);
  });

  it('reports OUTPUT_NOT_PRODUCED, OUTPUT_DUPLICATE and OUTPUT_INDEX_GAP', () => {
    const r = validateJob(
      job([task(['JobInputAsset(0)'], ['JobOutputAsset(0)']), task(['JobOutputAsset(5)'], ['JobOutputAsset(0)']), task(['JobOutputAsset(0)'], ['JobOutputAsset(3)'])]),
    );
    expect(r.diagnostics.map((d) => [d.code, d.task, d.severity])).toEqual([
      ['OUTPUT_NOT_PRODUCED', 1, 'error'],
      ['OUTPUT_DUPLICATE', 1, 'error'],
      ['OUTPUT_INDEX_GAP', 2, 'warning'],
    ]);
    expect(r.diagnostics[2]!.message).toContain('JobOutputAsset(1) to JobOutputAsset(2)');
  });

  it('a warning alone leaves the job valid', () => {
    const r = validateJob(job([task(['JobInputAsset(0)'], ['JobOutputAsset(1)'])]));
    expect(codes(r.diagnostics)).toEqual(['OUTPUT_INDEX_GAP']);
    expect(r.valid).toBe(true);
  });

  it('does not blame other tasks for the outputs of a TaskBody that could not be read to its end', () => {
    // Regression: an XML error after task #0's <outputAsset> dropped that output, and task #1 got a
    // false OUTPUT_NOT_PRODUCED and OUTPUT_INDEX_GAP.
    const reader = task(['JobOutputAsset(0)'], ['JobOutputAsset(1)']);
    const broken = [
      `<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset assetName="R&D">JobOutputAsset(0)</outputAsset></taskBody>`,
      `<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputasset></taskBody>`,
      `<taskBody><!-- note ---><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>`,
      `<taskBody><inputAsset>JobInputAsset(0)</inputasset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>`,
    ];
    for (const tb of broken) {
      const r = validateJob(job([{ MediaProcessorId: MES, TaskBody: tb }, reader]));
      expect(r.diagnostics.map((d) => [d.code, d.task]), tb).toEqual([['XML_MALFORMED', 0]]);
    }
  });

  it('still reports reads and gaps of outputs a broken TaskBody does not mention', () => {
    const broken = { MediaProcessorId: MES, TaskBody: '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset assetName="R&D">JobOutputAsset(2)</outputAsset></taskBody>' };
    const r = validateJob(job([broken, task(['JobOutputAsset(2)', 'JobOutputAsset(7)'], ['JobOutputAsset(5)'])]));
    expect(r.diagnostics.map((d) => [d.code, d.task])).toEqual([
      ['OUTPUT_INDEX_GAP', 0], // ending at the index the broken TaskBody may output: no entry to point at
      ['XML_MALFORMED', 0],
      ['OUTPUT_NOT_PRODUCED', 1],
      ['OUTPUT_INDEX_GAP', 1],
    ]);
    const gaps = r.diagnostics.filter((d) => d.code === 'OUTPUT_INDEX_GAP').map((d) => d.message);
    expect(gaps).toEqual(['no task outputs JobOutputAsset(0) to JobOutputAsset(1); the next output is JobOutputAsset(2)', 'no task outputs JobOutputAsset(3) to JobOutputAsset(4); the next output is JobOutputAsset(5)']);
    expect(r.diagnostics[2]!.message).toContain('JobOutputAsset(7)');
  });

  it('reports a task reading its own output as a CYCLE of one', () => {
    const r = validateJob(job([task(['JobInputAsset(0)', 'JobOutputAsset(0)'], ['JobOutputAsset(0)'])]));
    expect(r.diagnostics).toMatchObject([{ code: 'CYCLE', task: 0, cycle: [0], line: 1, column: 52 }]);
    expect(r.diagnostics[0]!.edges).toEqual([{ from: 0, to: 0, asset: 'JobOutputAsset(0)', line: 1, column: 52 }]);
  });

  it('reports one CYCLE per strongly connected component, tasks in order, with the asset of each step', () => {
    const r = validateJob(
      job([
        task(['JobInputAsset(0)', 'JobOutputAsset(2)'], ['JobOutputAsset(0)']),
        task(['JobOutputAsset(0)'], ['JobOutputAsset(1)']),
        task(['JobOutputAsset(1)'], ['JobOutputAsset(2)']),
        task(['JobOutputAsset(4)'], ['JobOutputAsset(3)']),
        task(['JobOutputAsset(3)'], ['JobOutputAsset(4)']),
        task(['JobOutputAsset(2)'], ['JobOutputAsset(5)']),
      ]),
    );
    const cycles = r.diagnostics.filter((d) => d.code === 'CYCLE');
    expect(cycles.map((d) => d.cycle)).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(cycles[0]!.edges!.map((e) => e.asset)).toEqual(['JobOutputAsset(0)', 'JobOutputAsset(1)', 'JobOutputAsset(2)']);
    expect(cycles[0]!.message).toContain('#2 → #0 via JobOutputAsset(2)');
    expect(() => r.graph!.generations()).toThrow(/cycle/);
  });

  it('reports both cycles of a figure eight (A ↔ B and A ↔ C), not only the first', () => {
    // Regression: one CYCLE per strongly connected component hid A ↔ C until A ↔ B was fixed.
    const r = validateJob(
      job([
        task(['JobInputAsset(0)', 'JobOutputAsset(1)', 'JobOutputAsset(2)'], ['JobOutputAsset(0)'], { Name: 'A' }),
        task(['JobOutputAsset(0)'], ['JobOutputAsset(1)'], { Name: 'B' }),
        task(['JobOutputAsset(0)'], ['JobOutputAsset(2)'], { Name: 'C' }),
      ]),
    );
    const cycles = r.diagnostics.filter((d) => d.code === 'CYCLE');
    expect(cycles.map((d) => d.cycle)).toEqual([
      [0, 1],
      [0, 2],
    ]);
    expect(cycles.map((d) => [d.line, d.column])).toEqual([
      [1, 52],
      [1, 94],
    ]);
    expect(cycles[1]!.message).toBe('2 tasks form a cycle: #0 "A" → #2 "C" via JobOutputAsset(0) (1:11), #2 "C" → #0 "A" via JobOutputAsset(2) (1:94)');
  });

  it('reports at most 20 cycles of one tangle of tasks, and counts the dependencies left in the last', () => {
    // Task 0 reads the output of each of 30 tasks that read its own: 30 cycles through task 0.
    const spokes = Array.from({ length: 30 }, (_, k) => `JobOutputAsset(${k + 1})`);
    const r = validateJob(job([task(['JobInputAsset(0)', ...spokes], ['JobOutputAsset(0)']), ...spokes.map((o) => task(['JobOutputAsset(0)'], [o]))]), { profile: 'relaxed' });
    const cycles = r.diagnostics.filter((d) => d.code === 'CYCLE');
    expect(cycles.length).toBe(20);
    expect(cycles.slice(0, 19).every((d) => d.message.endsWith(')'))).toBe(true);
    expect(cycles[19]!.message).toMatch(/; not listed: further cycles among these and related tasks, through 20 more dependencies$/);
  });

  it('checks the entity properties: names, processor, priority, options, encryption', () => {
    const r = validateJob(
      job(
        [
          { TaskBody: body(['JobInputAsset(0)'], ['JobOutputAsset(0)']), Name: 'x'.repeat(4001) },
          task(['JobInputAsset(0)'], ['JobOutputAsset(1)'], { MediaProcessorId: 'ff4df607-d419-42f0-bc17-a481b1331e56', Priority: 2 ** 31 }),
          task(['JobInputAsset(0)'], ['JobOutputAsset(2)'], { Options: 8, Configuration: 'x'.repeat(100_001) }),
          task(['JobInputAsset(0)'], ['JobOutputAsset(3)'], { Options: 1, EncryptionScheme: 'ConfigurationEncryption' }),
          task(['JobInputAsset(0)'], ['JobOutputAsset(4)'], { InitializationVector: 'v'.repeat(4001), EncryptionVersion: '2.0', Bogus: 1 }),
        ],
        { Priority: 1.5 },
      ),
    );
    expect(r.diagnostics.map((d) => [d.code, d.task])).toEqual([
      ['PRIORITY_INVALID', undefined],
      ['NAME_TOO_LONG', 0],
      ['MEDIA_PROCESSOR_MISSING', 0],
      ['MEDIA_PROCESSOR_ID_INVALID', 1],
      ['PRIORITY_INVALID', 1],
      ['CONFIGURATION_TOO_LONG', 2],
      ['OPTIONS_INVALID', 2],
      ['PROTECTED_CONFIGURATION_INCOMPLETE', 3],
      ['UNKNOWN_PROPERTY', 4],
      ['ENCRYPTION_FIELD_INVALID', 4],
      ['INITIALIZATION_VECTOR_TOO_LONG', 4],
    ]);
    expect(r.diagnostics[3]!.hint).toBe('prefix the GUID: nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56');
  });

  it('accepts a complete ProtectedConfiguration', () => {
    const r = validateJob(
      job([
        task(['JobInputAsset(0)'], ['JobOutputAsset(0)'], {
          Options: 1,
          EncryptionKeyId: 'nb:kid:UUID:2f381738-c504-4e4a-a38e-d199e207fcd5',
          EncryptionScheme: 'ConfigurationEncryption',
          EncryptionVersion: '1.0',
          InitializationVector: 'AAAAAAAAAAAAAAAAAAAAAA==',
        }),
      ]),
    );
    expect(r.diagnostics).toEqual([]);
  });

  it('reports problems of notification subscriptions', () => {
    const r = validateJob(job([task(['JobInputAsset(0)'], ['JobOutputAsset(0)'], { TaskNotificationSubscriptions: [{ NotificationEndPointId: 'nb:nepid:UUID:1', TargetTaskState: 0 }] })]));
    expect(codes(r.diagnostics)).toEqual(['NOTIFICATION_SUBSCRIPTION_INVALID']);
  });

  it('finds every problem in one pass, sorted by task and position', () => {
    const r = validateJob(job([task(['JobInputAsset(7)', 'bogus'], ['JobOutputAsset(0)']), task(['JobOutputAsset(9)'], ['JobOutputAsset(0)'])]));
    expect(r.diagnostics.map((d) => [d.code, d.task])).toEqual([
      ['INPUT_INDEX_OUT_OF_RANGE', 0],
      ['ASSET_REF_INVALID', 0],
      ['OUTPUT_NOT_PRODUCED', 1],
      ['OUTPUT_DUPLICATE', 1],
    ]);
  });

  it('finds a duplicate among many inputs, and tells JobInputAsset(n) from JobOutputAsset(n)', () => {
    // Past 16 inputs duplicates are found through a set: JobInputAsset(0) and JobOutputAsset(0)
    // are different inputs, JobOutputAsset(5) named twice is one input named twice.
    const producers = Array.from({ length: 20 }, (_, i) => task(['JobInputAsset(0)'], [`JobOutputAsset(${i})`]));
    const inputs = ['JobInputAsset(0)', ...Array.from({ length: 20 }, (_, i) => `JobOutputAsset(${i})`), 'JobOutputAsset(5)'];
    const r = validateJob(job([...producers, task(inputs, ['JobOutputAsset(20)'])]), { profile: 'relaxed' });
    expect(codes(r.diagnostics)).toEqual(['INPUT_DUPLICATE']);
    expect(r.diagnostics[0]!.message).toContain('JobOutputAsset(5) twice');
    const clean = validateJob(job([...producers, task(inputs.slice(0, -1), ['JobOutputAsset(20)'])]), { profile: 'relaxed' });
    expect(clean.diagnostics).toEqual([]);
  });

  it('checks a task of hundreds of inputs on their numbers, and still places each problem', () => {
    // Past 256 inputs a clean task's inputs are first checked as sorted numbers; a problem sends
    // them through the input-by-input check, which places it.
    const producers = Array.from({ length: 300 }, (_, i) => task(['JobInputAsset(0)'], [`JobOutputAsset(${i})`]));
    const inputs = ['JobInputAsset(0)', ...Array.from({ length: 300 }, (_, i) => `JobOutputAsset(${i})`)];
    const fanIn = (ins: string[]): object => task(ins, ['JobOutputAsset(300)']);
    expect(validateJob(job([...producers, fanIn(inputs)]), { profile: 'relaxed' }).diagnostics).toEqual([]);

    const twice = validateJob(job([...producers, fanIn([...inputs, 'JobOutputAsset(5)'])]), { profile: 'relaxed' });
    expect(twice.diagnostics).toMatchObject([{ code: 'INPUT_DUPLICATE', task: 300, line: 1 }]);
    expect(twice.diagnostics[0]!.message).toContain('JobOutputAsset(5) twice');
    const once = validateJob(job([...producers, fanIn(inputs.slice(0, -1).concat('JobOutputAsset(5)'))]), { profile: 'relaxed' });
    expect(twice.diagnostics[0]!.column).toBeGreaterThan(once.diagnostics[0]?.column ?? 0);

    const outOfRange = validateJob(job([...producers, fanIn([...inputs, 'JobInputAsset(3)'])]), { profile: 'relaxed' });
    expect(outOfRange.diagnostics).toMatchObject([{ code: 'INPUT_INDEX_OUT_OF_RANGE', task: 300 }]);

    // The biggest index a packed TaskBody holds (nine digits), and one of ten digits (read by the scan).
    for (const index of [999_999_999, 1_500_000_000]) {
      const big = validateJob(job([...producers, fanIn([...inputs, `JobOutputAsset(${index})`, `JobOutputAsset(${index})`])]), { profile: 'relaxed' });
      expect(big.diagnostics.filter((d) => d.code === 'INPUT_DUPLICATE').map((d) => d.message)).toEqual([expect.stringContaining(`JobOutputAsset(${index}) twice`)]);
    }
  });

  it('rejects an unknown profile with a RangeError', () => {
    expect(() => validateJob({}, { profile: 'strict' as never })).toThrow(RangeError);
  });
});

describe('validateTaskBody()', () => {
  it('accepts a lone TaskBody', () => {
    expect(validateTaskBody(body(['JobInputAsset(0)'], ['JobOutputAsset(0)']))).toEqual({ valid: true, diagnostics: [] });
  });

  it('reports what it can tell without the job: self-consumption and duplicates', () => {
    const r = validateTaskBody(body(['JobOutputAsset(0)', 'JobOutputAsset(0)'], ['JobOutputAsset(0)', 'JobOutputAsset(0)']));
    expect(codes(r.diagnostics)).toEqual(['CYCLE', 'INPUT_DUPLICATE', 'OUTPUT_DUPLICATE']);
  });
});

describe('validateJob() past maxDiagnostics', () => {
  const nulls = (n: number): string => `{"Name":"x","InputMediaAssets":[${JSON.stringify(INPUT)}],"Tasks":[${Array(n).fill('null').join(',')}]}`;

  it('keeps the first maxDiagnostics and says how many more there were, as an error when errors were left out', () => {
    const r = validateJob(nulls(50), { maxDiagnostics: 10, profile: 'relaxed' });
    expect(r.diagnostics).toHaveLength(11);
    expect(r.valid).toBe(false);
    const last = r.diagnostics.at(-1)!;
    expect(last).toMatchObject({ code: 'TOO_MANY_DIAGNOSTICS', severity: 'error', message: '40 more problems were not reported (50 in all); fix these and validate again' });
    expect(last.omitted).toEqual({ problems: 40, errors: 40 });
  });

  it('says warning when only warnings were left out, so `valid` does not change with the cap', () => {
    const props = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`X${i}`, i]));
    const r = validateJob(job([task(['JobInputAsset(0)'], ['JobOutputAsset(0)'])], props), { maxDiagnostics: 5 });
    expect(r.valid).toBe(true);
    expect(r.diagnostics.at(-1)).toMatchObject({ code: 'TOO_MANY_DIAGNOSTICS', severity: 'warning' });
    expect(r.diagnostics.at(-1)!.message).toMatch(/^25 more problems were not reported \(30 in all; those left out are all warnings\)/);
    expect(r.diagnostics.at(-1)!.omitted).toEqual({ problems: 25, errors: 0 });
  });

  it('changes nothing below the cap, and refuses a bad cap', () => {
    expect(validateJob(nulls(3)).diagnostics.map((d) => d.code)).toEqual(['TASK_INVALID', 'TASK_INVALID', 'TASK_INVALID']);
    expect(() => validateJob('{}', { maxDiagnostics: -1 })).toThrow(/Expected `maxDiagnostics` to be an integer >= 0 or Infinity, got `-1` \(number\)/);
  });

  it('caps the problems of one TaskBody too (400 duplicate attributes)', () => {
    const tb = `<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset ${Array(400).fill('a="1"').join(' ')}>JobOutputAsset(0)</outputAsset></taskBody>`;
    const r = validateTaskBody(tb, { maxDiagnostics: 20 });
    expect(r.diagnostics).toHaveLength(21);
    expect(r.diagnostics.at(-1)!.message).toMatch(/^380 more problems were not reported \(400 in all\)/);
  });

  it('warns about an asset reference with leading zeros and reads it as the number', () => {
    const r = validateJob(job([task(['JobInputAsset(0)'], ['JobOutputAsset(00)'])]));
    expect(r.valid).toBe(true);
    expect(r.diagnostics).toMatchObject([{ code: 'ASSET_REF_LEADING_ZERO', severity: 'warning', task: 0, hint: 'write JobOutputAsset(0)' }]);
    expect(r.job!.Tasks[0]!.outputs[0]!.index).toBe(0);
  });
});

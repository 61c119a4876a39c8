import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import { Catalog, referencedProperties, statesAllowed } from '../../../src/server/catalog.js';
import { entityDate } from '../../../src/server/entities.js';
import { outputAssetId } from '../../../src/server/assets.js';
import { formatDateIso, formatDateVerbose, parseFilter, parseQueryOptions } from '../../../src/server/odata/index.js';
import { TASKS } from '../../../src/server/entities.js';
import { chainJob, seed, testProcessors } from './helpers.js';

describe('statesAllowed()', () => {
  const states = (f: string) => statesAllowed(parseFilter(f));

  it.each([
    ['State eq 2', [2]],
    ['State ne 3', [0, 1, 2, 4, 5, 6]],
    ['State lt 2', [0, 1]],
    ['State ge 5', [5, 6]],
    ['2 lt State', [3, 4, 5, 6]],
    ['3 eq State', [3]],
    ['State eq 2 or State eq 1', [1, 2]],
    ["State eq 2 and startswith(Name, 'x')", [2]],
    ["startswith(Name, 'x') and (State eq 1 or State eq 6)", [1, 6]],
    ['State eq 1 and State eq 2', []],
    ['State eq 2.5', []],
    ['State eq 9', []],
  ])('%s confines State to %j', (filter, expected) => {
    expect(states(filter)).toEqual(expected);
  });

  it.each([
    ["startswith(Name, 'x')"],
    ['not (State eq 2)'],
    ["State eq 2 or startswith(Name, 'x')"],
    ['State add 1 eq 3'],
    ['State eq Priority'],
    ['State eq null'],
  ])('%s leaves State free', (filter) => {
    expect(states(filter)).toBeUndefined();
  });

  it('stops looking past a depth, soundly: the answer still holds every state that can match', () => {
    const and = statesAllowed(parseFilter(Array.from({ length: 60 }, () => 'State eq 2').join(' and ')));
    expect(and === undefined || and.includes(2)).toBe(true);
    expect(statesAllowed(parseFilter(Array.from({ length: 60 }, (_, i) => `State eq ${i % 7}`).join(' or ')))).toBeUndefined();
  });
});

describe('referencedProperties()', () => {
  it('collects the properties of $filter and $orderby', () => {
    const q = parseQueryOptions(new URLSearchParams({ $filter: "not (State eq 2) and startswith(tolower(Name), 'a') or Progress add 1 gt Priority", $orderby: 'EndTime desc' }), TASKS.schema);
    expect([...referencedProperties(q)].sort()).toEqual(['EndTime', 'Name', 'Priority', 'Progress', 'State']);
  });
});

describe('entityDate()', () => {
  it.each([0, 1, 10, 100, 120, 999, 1586976324540, 1586976324000, -1, -62135596800000, 253402300799999])('writes %d as formatDateIso and formatDateVerbose do', (ms) => {
    const iso = new Date(ms).toISOString();
    expect(entityDate(iso, 'iso')).toBe(formatDateIso(ms));
    expect(entityDate(iso, 'msjson')).toBe(formatDateVerbose(ms));
    expect(entityDate(iso, 'ms')).toBe(ms);
  });
});

describe('outputAssetId()', () => {
  it('is an asset id, the same for the same output, different for another', () => {
    const a = outputAssetId('nb:jid:UUID:1', 0);
    expect(a).toMatch(/^nb:cid:UUID:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(outputAssetId('nb:jid:UUID:1', 0)).toBe(a);
    expect(outputAssetId('nb:jid:UUID:1', 1)).not.toBe(a);
    expect(outputAssetId('nb:jid:UUID:2', 0)).not.toBe(a);
  });
});

describe('Catalog', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
  });

  it('knows every job, in submission order, whether submitted before or after it was made', async () => {
    engine = new Engine({ processors: testProcessors() });
    seed(engine, chainJob(2, 'before 1', 'hold'));
    seed(engine, chainJob(1, 'before 2'));
    const catalog = new Catalog(engine);
    for (let i = 0; i < 5; i++) seed(engine, chainJob(1 + (i % 3), `after ${i}`, i % 2 === 0 ? 'hold' : 'fail'));
    expect(catalog.jobIds()).toEqual(engine.scheduler.jobs().map((j) => j.Id));
    await new Promise((resolve) => setImmediate(resolve));
    engine.cancel(catalog.jobIds()[0]!);
    expect(catalog.jobIds()).toEqual(engine.scheduler.jobs().map((j) => j.Id));
  });

  it('forgets deleted jobs and their tasks, and stops listening when disposed', async () => {
    engine = new Engine({ processors: testProcessors() });
    const catalog = new Catalog(engine);
    const a = seed(engine, chainJob(2, 'a', 'hold'));
    const b = seed(engine, chainJob(1, 'b', 'hold'));
    const taskOfA = engine.scheduler.tasks({ jobId: a })[0]!.Id;
    expect(() => catalog.delete(a)).toThrow(expect.objectContaining({ code: 'JOB_NOT_ENDED' }));
    engine.cancel(a);
    await engine.done(a);
    catalog.delete(a);
    expect(catalog.jobIds()).toEqual([b]);
    expect(catalog.job(a)).toBeUndefined();
    expect(catalog.task(taskOfA)).toBeUndefined();
    expect(engine.scheduler.job(a)).toBeUndefined();
    expect(catalog.task(engine.scheduler.tasks({ jobId: b })[0]!.Id)?.job.Id).toBe(b);
    catalog.dispose();
    seed(engine, chainJob(1, 'c'));
    expect(catalog.jobIds()).toEqual([b]);
  });
});

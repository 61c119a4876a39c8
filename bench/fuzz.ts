/**
 * Fuzzing the validator: hostile JSON texts, objects and TaskBodies, and big hostile shapes.
 *
 *   npm run bench -- fuzz [--cases N] [--seed S] [--minutes M] [--timeout-ms T] [--out file]
 *
 * The driver (bench/run.ts) starts this file in its own process. Cases run in a child process,
 * batch by batch; a watchdog kills a child that says nothing for --timeout-ms (default 20 s) and
 * reports the case it was on as a hang, then goes on with a new child. Reported: cases run, crashes
 * (a throw), hangs, the slowest case per MB of input, the largest diagnostics count, written to
 * bench/fuzz-results.json.
 *
 * The inputs are built from recipes (plain data) by {@link buildInput}, so the property test
 * (test/property/fuzz.prop.test.ts) draws recipes with fast-check and this runner with a seeded
 * PRNG, and both run the same inputs through {@link runInput}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateJob, validateTaskBody } from '../src/validate/validate.js';
import { CODES } from '../src/diagnostics/codes.js';
import { jobFromGraph } from '../src/workload/ams-job.js';

// ---------------------------------------------------------------------------------------------
// Recipes

export const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';

/** One change to a text: at `at` (a fraction of its length). */
export interface Edit {
  op: 'flip' | 'cut' | 'insert' | 'repeat' | 'nest' | 'truncate';
  at: number;
  piece: string;
  count: number;
}

export const JSON_PIECES = ['null', ',null', '{', '}', '[', ']', '"', ',', ':', '\\', '\\u', '\u201d', '1e999', '-0', '"Tasks":', '{"TaskBody":5}', 'true', ' ', '\n', '\ufeff', '\ud800'];
export const XML_PIECES = [
  '<', '>', '</a>', '<a>', '<b/>', '&', '&amp;', '&nbsp;', '&#0;', '&#x110000;', ';', '<![CDATA[', ']]>', '<!--', '-->', '<?xml version="1.0"?>', '<?pi x?>',
  '<!DOCTYPE x [<!ENTITY a "b">]>', '<!doctype x>', '<!ENTITY a "b">', ' a="1"', ' a="1" a="1"', ' assetName="x" AssetName="y"', '"', "'", '\u201d', '\u0000', '\u0001', '\ud800',
  '\udc00', '\r\n', '\t', '<inputAsset>JobInputAsset(0)</inputAsset>', '<outputAsset>JobOutputAsset(01)</outputAsset>', '<outputAsset>JobOutputAsset(0)</outputAsset>',
  '<inputAsset>JobOutputAsset(0)</inputAsset>', '<taskBody>', '</taskBody>', '<TaskBody>', '<p:inputAsset>', 'JobInputAsset(', ')', 'x', '<outputAsset assetCreationOptions="3">',
];

export type HostileTag =
  | 'bigint' | 'bigintHuge' | 'symbol' | 'function' | 'throwingGetter' | 'countingGetter' | 'revoked' | 'revokedArray' | 'ownKeysThrows' | 'getThrows' | 'cycle'
  | 'sparseHuge' | 'sparseSmall' | 'nullProto' | 'lengthThrows' | 'nan' | 'hugeString' | 'deepArray' | 'toJSONThrows' | 'date' | 'map' | 'proxyOfTask' | 'negativeZero';

export const HOSTILE_TAGS: readonly HostileTag[] = [
  'bigint', 'bigintHuge', 'symbol', 'function', 'throwingGetter', 'countingGetter', 'revoked', 'revokedArray', 'ownKeysThrows', 'getThrows', 'cycle',
  'sparseHuge', 'sparseSmall', 'nullProto', 'lengthThrows', 'nan', 'hugeString', 'deepArray', 'toJSONThrows', 'date', 'map', 'proxyOfTask', 'negativeZero',
];

/** Where a hostile value goes in an object definition. */
export const HOSTILE_PATHS = [
  '', 'Name', 'Priority', 'Id', 'TemplateId', 'Tasks', 'Tasks.0', 'InputMediaAssets', 'InputMediaAssets.0', 'InputMediaAssets.0.__metadata', 'InputMediaAssets.0.__metadata.uri',
  'InputMediaAssets@odata.bind', 'JobNotificationSubscriptions', 'JobNotificationSubscriptions.0', 'Tasks.0.Name', 'Tasks.0.MediaProcessorId', 'Tasks.0.TaskBody', 'Tasks.0.Priority',
  'Tasks.0.Options', 'Tasks.0.Configuration', 'Tasks.0.EncryptionScheme', 'Tasks.0.TaskNotificationSubscriptions', 'Tasks.0.TaskNotificationSubscriptions.0', 'Tasks.0.Id', 'Tasks.1',
] as const;

export const SHAPES = ['unclosed', 'dupattr', 'siblings', 'nulls', 'deepJson', 'longAttribute', 'manyTasks', 'unknownAttributes', 'loneSurrogates', 'badEntities', 'curlyQuotes', 'cycle', 'outputGaps', 'rootText', 'emptyObjects', 'manyBadTasks'] as const;
export type Shape = (typeof SHAPES)[number];

export type Recipe =
  | { kind: 'json'; tasks: number; edits: Edit[] }
  | { kind: 'taskbody'; embed: boolean; edits: Edit[] }
  | { kind: 'object'; tasks: number; hostile: Array<{ path: string; tag: HostileTag }> }
  | { kind: 'shape'; shape: Shape; bytes: number };

export interface Input {
  label: string;
  /** What it is given to: validateJob or validateTaskBody. */
  target: 'job' | 'taskbody';
  value: unknown;
  /** The size of the input (for an object, of the JSON it stands for, roughly). */
  bytes: number;
  /** For counting getters: how many times each was read. */
  reads: number[];
}

const BODY = '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset assetName="a">JobOutputAsset(0)</outputAsset></taskBody>';

function baseJobText(tasks: number): string {
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 1; i < tasks; i++) {
    from.push(i - 1);
    to.push(i);
  }
  return JSON.stringify(jobFromGraph({ nodeCount: Math.max(1, tasks), from, to }));
}

export function applyEdits(text: string, edits: readonly Edit[]): string {
  let t = text;
  for (const e of edits) {
    const at = Math.min(t.length, Math.floor(e.at * (t.length + 1)));
    switch (e.op) {
      case 'flip':
        t = t.slice(0, at) + e.piece + t.slice(at + 1);
        break;
      case 'cut':
        t = t.slice(0, at) + t.slice(at + e.count);
        break;
      case 'insert':
        t = t.slice(0, at) + e.piece + t.slice(at);
        break;
      case 'repeat':
        t = t.slice(0, at) + e.piece.repeat(e.count) + t.slice(at);
        break;
      case 'nest':
        t = t.slice(0, at) + '['.repeat(e.count) + ']'.repeat(e.count) + t.slice(at);
        break;
      case 'truncate':
        t = t.slice(0, at);
        break;
    }
  }
  return t;
}

function hostileValue(tag: HostileTag, reads: number[]): unknown {
  switch (tag) {
    case 'bigint':
      return 5n;
    case 'bigintHuge':
      return 2n ** 80n;
    case 'symbol':
      return Symbol('x');
    case 'function':
      return () => 1;
    case 'throwingGetter':
      return Object.defineProperty({}, 'TaskBody', {
        enumerable: true,
        get() {
          throw new Error('boom');
        },
      });
    case 'countingGetter': {
      const k = reads.push(0) - 1;
      return Object.defineProperty({ MediaProcessorId: MES }, 'TaskBody', {
        enumerable: true,
        get() {
          reads[k]!++;
          return BODY;
        },
      });
    }
    case 'revoked': {
      const p = Proxy.revocable({}, {});
      p.revoke();
      return p.proxy;
    }
    case 'revokedArray': {
      const p = Proxy.revocable([], {});
      p.revoke();
      return p.proxy;
    }
    case 'ownKeysThrows':
      return new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('no keys');
          },
        },
      );
    case 'getThrows':
      return new Proxy([{}], {
        get() {
          throw new TypeError('no get');
        },
      });
    case 'cycle': {
      const o: Record<string, unknown> = { MediaProcessorId: MES, TaskBody: BODY };
      o.Name = o;
      o.TaskNotificationSubscriptions = [o];
      return o;
    }
    case 'sparseHuge': {
      const a: unknown[] = [];
      a.length = 2 ** 32 - 1;
      a[5] = { MediaProcessorId: MES, TaskBody: BODY };
      return a;
    }
    case 'sparseSmall': {
      const a: unknown[] = [];
      a[3] = { MediaProcessorId: MES, TaskBody: BODY };
      return a;
    }
    case 'nullProto':
      return Object.assign(Object.create(null) as object, { MediaProcessorId: MES, TaskBody: BODY, ['__proto__']: 1 });
    case 'lengthThrows':
      return new Proxy([], {
        get(target, key) {
          if (key === 'length') throw new Error('no length');
          return Reflect.get(target, key) as unknown;
        },
      });
    case 'nan':
      return Number.NaN;
    case 'hugeString':
      return 'x'.repeat(1 << 20);
    case 'deepArray': {
      let v: unknown = [];
      for (let i = 0; i < 100_000; i++) v = [v];
      return v;
    }
    case 'toJSONThrows':
      return {
        toJSON() {
          throw new Error('no json');
        },
      };
    case 'date':
      return new Date(0);
    case 'map':
      return new Map([['TaskBody', BODY]]);
    case 'proxyOfTask':
      return new Proxy({ MediaProcessorId: MES, TaskBody: BODY, Priority: 1 }, {});
    case 'negativeZero':
      return -0;
  }
}

function hostileBytes(tag: HostileTag): number {
  if (tag === 'hugeString') return 1 << 20;
  if (tag === 'deepArray') return 200_000;
  return 16;
}

function setPath(root: Record<string, unknown>, path: string, value: unknown): unknown {
  if (path === '') return value;
  const keys = path.split('.');
  let o: unknown = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = (o as Record<string, unknown>)[keys[i]!];
    if (typeof next !== 'object' || next === null || Object.isFrozen(next) || Object.getPrototypeOf(next) === null) return root;
    o = next;
  }
  (o as Record<string, unknown>)[keys[keys.length - 1]!] = value;
  return root;
}

/** Big hostile inputs of about `bytes` characters. */
export function shapeText(shape: Shape, bytes: number): { target: 'job' | 'taskbody'; text: string } {
  const job = (tb: string): string =>
    JSON.stringify({ Name: 'x', InputMediaAssets: [{ __metadata: { uri: "https://x/api/Assets('nb:cid:UUID:1')" } }], Tasks: [{ Name: 't', MediaProcessorId: MES, TaskBody: tb }] });
  const times = (unit: string): number => Math.max(1, Math.floor(bytes / unit.length));
  const IN = '<inputAsset>JobInputAsset(0)</inputAsset>';
  const OUT = '<outputAsset>JobOutputAsset(0)</outputAsset>';
  switch (shape) {
    case 'unclosed':
      return { target: 'job', text: job('<taskBody>' + '<a>'.repeat(times('<a>'))) };
    case 'dupattr':
      return { target: 'job', text: job('<taskBody><outputAsset ' + 'a="1" '.repeat(times('a="1" ')) + '>JobOutputAsset(0)</outputAsset></taskBody>') };
    case 'siblings':
      return { target: 'job', text: job('<taskBody>' + IN + '<b/>'.repeat(times('<b/>')) + OUT + '</taskBody>') };
    case 'nulls':
      return { target: 'job', text: '{"Name":"x","Tasks":[' + 'null,'.repeat(times('null,') - 1) + 'null]}' };
    case 'deepJson':
      return { target: 'job', text: '{"Name":"x","Tasks":[{"Options":' + '['.repeat(times('[]')) + ']'.repeat(times('[]')) + '}]}' };
    case 'longAttribute':
      return { target: 'job', text: job(`<taskBody>${IN}<outputAsset assetName="${'v'.repeat(bytes)}">JobOutputAsset(0)</outputAsset></taskBody>`) };
    case 'manyTasks':
      return { target: 'job', text: baseJobText(times('{"Name":"Task 0","MediaProcessorId":"nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56","TaskBody":"<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(1)</outputAsset></taskBody>"},')) };
    case 'unknownAttributes': {
      const n = times(' a1234567="1"');
      let attrs = '';
      for (let i = 0; i < n; i++) attrs += ` a${i}="1"`;
      return { target: 'taskbody', text: `<taskBody>${IN}<outputAsset${attrs}>JobOutputAsset(0)</outputAsset></taskBody>` };
    }
    case 'loneSurrogates':
      return { target: 'taskbody', text: `<taskBody>${IN}${'<b>\ud800</b>'.repeat(times('<b>\ud800</b>'))}${OUT}</taskBody>` };
    case 'badEntities':
      return { target: 'taskbody', text: `<taskBody>${IN}${'<b>&nbsp;</b>'.repeat(times('<b>&nbsp;</b>'))}${OUT}</taskBody>` };
    case 'curlyQuotes':
      return { target: 'taskbody', text: `<taskBody>${IN}${'<b a=\u201d1\u201d/>'.repeat(times('<b a=\u201d1\u201d/>'))}${OUT}</taskBody>` };
    case 'cycle': {
      const n = times('{"MediaProcessorId":"nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56","TaskBody":"<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>"},');
      const from: number[] = [];
      const to: number[] = [];
      for (let i = 0; i < n; i++) {
        from.push(i);
        to.push((i + 1) % n);
      }
      return { target: 'job', text: JSON.stringify(jobFromGraph({ nodeCount: n, from, to })) };
    }
    case 'outputGaps': {
      const n = times('<outputAsset>JobOutputAsset(1234567)</outputAsset>');
      let outs = '';
      for (let i = 0; i < n; i++) outs += `<outputAsset>JobOutputAsset(${2 * i + 1})</outputAsset>`;
      return { target: 'job', text: job(`<taskBody>${IN}${outs}</taskBody>`) };
    }
    case 'rootText':
      return { target: 'taskbody', text: `<taskBody>${IN}${'x<b/>'.repeat(times('x<b/>'))}${OUT}</taskBody>` };
    case 'emptyObjects':
      return { target: 'job', text: '{"Name":"x","Tasks":[' + '{},'.repeat(times('{},') - 1) + '{}]}' };
    case 'manyBadTasks': {
      const task = JSON.stringify({ MediaProcessorId: 'x', TaskBody: '<taskBody><b/></taskBody>', Priority: 'high', Bogus: 1 });
      return { target: 'job', text: `{"Name":"x","Tasks":[${Array(times(task + ',')).fill(task).join(',')}]}` };
    }
  }
}

export function buildInput(recipe: Recipe): Input {
  const reads: number[] = [];
  switch (recipe.kind) {
    case 'json': {
      const text = applyEdits(baseJobText(recipe.tasks), recipe.edits);
      return { label: `json tasks=${recipe.tasks} edits=${JSON.stringify(recipe.edits).slice(0, 200)}`, target: 'job', value: text, bytes: text.length, reads };
    }
    case 'taskbody': {
      const text = applyEdits(BODY, recipe.edits);
      if (recipe.embed) {
        const job = JSON.stringify({ Name: 'x', InputMediaAssets: [{ __metadata: { uri: "https://x/api/Assets('nb:cid:UUID:1')" } }], Tasks: [{ MediaProcessorId: MES, TaskBody: text }] });
        return { label: `taskbody in job edits=${JSON.stringify(recipe.edits).slice(0, 200)}`, target: 'job', value: job, bytes: job.length, reads };
      }
      return { label: `taskbody edits=${JSON.stringify(recipe.edits).slice(0, 200)}`, target: 'taskbody', value: text, bytes: text.length, reads };
    }
    case 'object': {
      let root: unknown = JSON.parse(baseJobText(recipe.tasks)) as Record<string, unknown>;
      (root as Record<string, unknown>).JobNotificationSubscriptions = [{ NotificationEndPointId: 'x', TargetJobState: 1 }];
      let bytes = 200 * recipe.tasks;
      for (const h of recipe.hostile) {
        // Once the root itself is hostile (a revoked Proxy...), nothing more can be put in it.
        try {
          if (typeof root !== 'object' || root === null || Object.getPrototypeOf(root) !== Object.prototype) break;
          root = setPath(root as Record<string, unknown>, h.path, hostileValue(h.tag, reads));
          bytes += hostileBytes(h.tag);
        } catch {
          break;
        }
      }
      return { label: `object tasks=${recipe.tasks} hostile=${JSON.stringify(recipe.hostile)}`, target: 'job', value: root, bytes, reads };
    }
    case 'shape': {
      const { target, text } = shapeText(recipe.shape, recipe.bytes);
      return { label: `shape ${recipe.shape} ${(text.length / 1e6).toFixed(1)} MB`, target, value: text, bytes: text.length, reads };
    }
  }
}

export interface Outcome {
  ms: number;
  threw?: string;
  count: number;
  /** Codes not in the catalogue. */
  unknownCodes: string[];
  /** Diagnostics whose severity is not the catalogue's (TOO_MANY_DIAGNOSTICS may be a warning). */
  wrongSeverity: string[];
  valid: boolean;
}

export function runInput(input: Input, maxDiagnostics?: number): Outcome {
  const t0 = performance.now();
  try {
    const options = maxDiagnostics === undefined ? {} : { maxDiagnostics };
    const r = input.target === 'job' ? validateJob(input.value, { profile: 'relaxed', ...options }) : validateTaskBody(input.value as string, options);
    const ms = performance.now() - t0;
    const unknownCodes: string[] = [];
    const wrongSeverity: string[] = [];
    for (const d of r.diagnostics) {
      const info = (CODES as Record<string, { severity: string } | undefined>)[d.code];
      if (info === undefined) unknownCodes.push(String(d.code));
      else if (d.severity !== info.severity && d.code !== 'TOO_MANY_DIAGNOSTICS') wrongSeverity.push(d.code);
    }
    return { ms, count: r.diagnostics.length, unknownCodes, wrongSeverity, valid: r.valid };
  } catch (err) {
    return { ms: performance.now() - t0, threw: err instanceof Error ? (err.stack ?? err.message) : String(err), count: 0, unknownCodes: [], wrongSeverity: [], valid: false };
  }
}

// ---------------------------------------------------------------------------------------------
// Random recipes for the runner (the property test draws its own with fast-check)

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomRecipe(seed: number, index: number): Recipe {
  const rnd = prng(seed ^ Math.imul(index + 1, 0x9e3779b1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const edits = (pieces: readonly string[]): Edit[] =>
    Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => {
      const big = rnd() < 0.1;
      return {
        op: pick(['flip', 'cut', 'insert', 'repeat', 'repeat', 'nest', 'truncate'] as const),
        at: rnd(),
        piece: pick(pieces),
        count: big ? Math.floor(rnd() * 200_000) : Math.floor(rnd() * 50),
      };
    });
  // First every big hostile shape at 1, 5 and 20 MB; then one case in 200 is one of 1 to 20 MB.
  if (index < SHAPES.length * 3) return { kind: 'shape', shape: SHAPES[index % SHAPES.length]!, bytes: [1e6, 5e6, 20e6][Math.floor(index / SHAPES.length)]! };
  const r = rnd();
  if (index % 200 === 199) return { kind: 'shape', shape: pick(SHAPES), bytes: Math.floor((1 + rnd() * 19) * 1e6) };
  if (r < 0.35) return { kind: 'json', tasks: 1 + Math.floor(rnd() * 6), edits: edits(JSON_PIECES) };
  if (r < 0.7) return { kind: 'taskbody', embed: rnd() < 0.5, edits: edits(XML_PIECES) };
  return {
    kind: 'object',
    tasks: 1 + Math.floor(rnd() * 4),
    hostile: Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({ path: pick(HOSTILE_PATHS), tag: pick(HOSTILE_TAGS) })),
  };
}

// ---------------------------------------------------------------------------------------------
// The runner

interface Report {
  index: number;
  label: string;
  bytes: number;
  ms: number;
  count: number;
  problem?: string;
}

interface Options {
  cases: number;
  seed: number;
  minutes: number;
  timeoutMs: number;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { cases: 20_000, seed: 20261204, minutes: 2, timeoutMs: 20_000, out: join(dirname(fileURLToPath(import.meta.url)), 'fuzz-results.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`bench fuzz: ${a} takes a number >= 0, got ${argv[i]}`);
      return v;
    };
    if (a === '--cases') o.cases = next();
    else if (a === '--seed') o.seed = next();
    else if (a === '--minutes') o.minutes = next();
    else if (a === '--timeout-ms') o.timeoutMs = next();
    else if (a === '--out') o.out = argv[++i]!;
    else if (a !== 'fuzz') throw new Error(`bench fuzz: unknown argument ${a}`);
  }
  return o;
}

/** In the child: run cases from..to-1 and report each. */
function child(): void {
  process.on('message', (m: { seed: number; from: number; to: number }) => {
    for (let i = m.from; i < m.to; i++) {
      process.send!({ start: i });
      const input = buildInput(randomRecipe(m.seed, i));
      const o = runInput(input);
      let problem: string | undefined;
      if (o.threw !== undefined) problem = `threw: ${o.threw.split('\n').slice(0, 3).join(' | ')}`;
      else if (o.unknownCodes.length > 0) problem = `codes not catalogued: ${o.unknownCodes.join(', ')}`;
      else if (o.wrongSeverity.length > 0) problem = `severity not the catalogue's: ${o.wrongSeverity.join(', ')}`;
      else if (o.count > 1001) problem = `${o.count} diagnostics, over the cap + 1`;
      else if (input.reads.some((n) => n > 1)) problem = `a getter was read ${Math.max(...input.reads)} times`;
      const report: Report = { index: i, label: input.label, bytes: input.bytes, ms: o.ms, count: o.count, ...(problem ? { problem } : {}) };
      process.send!({ done: report });
    }
    process.send!({ batchDone: true });
  });
}

async function main(o: Options): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const deadline = performance.now() + o.minutes * 60_000;
  const reports: Report[] = [];
  const hangs: Array<{ index: number; label: string }> = [];
  const BATCH = 50;
  const started = performance.now();
  let next = 0;
  let lastLog = 0;
  // One child runs batch after batch; a new one is started only after a hang or a death.
  while (next < o.cases && performance.now() < deadline) {
    const proc: ChildProcess = fork(self, ['--child'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve) => {
      let current = next;
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          // A true hang: no word from the child for timeoutMs. Kill it, record the case, go on.
          hangs.push({ index: current, label: buildInputLabel(o.seed, current) });
          proc.kill('SIGKILL');
        }, o.timeoutMs);
      };
      const send = (): void => {
        if (next >= o.cases || performance.now() >= deadline) {
          clearTimeout(timer);
          proc.kill();
          return;
        }
        arm();
        proc.send({ seed: o.seed, from: next, to: Math.min(o.cases, next + BATCH) });
      };
      proc.on('message', (m: { start?: number; done?: Report; batchDone?: boolean }) => {
        arm();
        if (m.start !== undefined) current = m.start;
        if (m.done) {
          reports.push(m.done);
          next = m.done.index + 1;
        }
        if (m.batchDone) {
          if (reports.length - lastLog >= 1000) {
            lastLog = reports.length;
            process.stderr.write(`fuzz: ${reports.length} cases, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
          }
          send();
        }
      });
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (next === current && next < o.cases && performance.now() < deadline) {
          // Stopped on a case: a hang (recorded by the watchdog) or a death (out of memory, a crash).
          if (!hangs.some((h) => h.index === current)) {
            reports.push({ index: current, label: buildInputLabel(o.seed, current), bytes: 0, ms: 0, count: 0, problem: `process died (${signal ?? `exit ${code}`})` });
          }
          next = current + 1;
        }
        resolve();
      });
      send();
    });
  }
  const crashes = reports.filter((r) => r.problem !== undefined);
  const timed = reports.filter((r) => r.bytes >= 10_000);
  const slowest = [...timed].sort((a, b) => b.ms / b.bytes - a.ms / a.bytes).slice(0, 5);
  const largest = [...reports].sort((a, b) => b.count - a.count)[0];
  const slowestAbsolute = [...reports].sort((a, b) => b.ms - a.ms).slice(0, 5);
  const summary = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    seed: o.seed,
    cases: reports.length + hangs.length,
    crashes: crashes.length,
    hangs: hangs.length,
    seconds: Math.round((performance.now() - started) / 1000),
    slowestPerMB: slowest.map((r) => ({ msPerMB: Math.round((r.ms / r.bytes) * 1e6), ms: Math.round(r.ms), MB: +(r.bytes / 1e6).toFixed(2), index: r.index, label: r.label })),
    slowest: slowestAbsolute.map((r) => ({ ms: Math.round(r.ms), MB: +(r.bytes / 1e6).toFixed(2), index: r.index, label: r.label })),
    largestDiagnostics: largest ? { count: largest.count, index: largest.index, label: largest.label } : null,
    crashList: crashes.slice(0, 50),
    hangList: hangs,
  };
  writeFileSync(o.out, JSON.stringify(summary, null, 1) + '\n');
  console.log(`fuzz: ${summary.cases} cases (seed ${o.seed}) in ${summary.seconds} s: ${summary.crashes} crashes, ${summary.hangs} hangs`);
  if (slowest[0]) console.log(`fuzz: slowest per MB: ${summary.slowestPerMB[0]!.msPerMB} ms/MB (${summary.slowestPerMB[0]!.ms} ms, ${summary.slowestPerMB[0]!.MB} MB): ${slowest[0].label}`);
  if (largest) console.log(`fuzz: most diagnostics: ${largest.count} (${largest.label.slice(0, 120)})`);
  for (const c of crashes.slice(0, 10)) console.log(`fuzz: case ${c.index}: ${c.problem} — ${c.label.slice(0, 200)}`);
  for (const h of hangs) console.log(`fuzz: case ${h.index} hung (over ${o.timeoutMs} ms): ${h.label.slice(0, 200)}`);
  console.log(`fuzz: wrote ${o.out}`);
  if (crashes.length > 0 || hangs.length > 0) process.exitCode = 1;
}

function buildInputLabel(seed: number, index: number): string {
  const r = randomRecipe(seed, index);
  return r.kind === 'shape' ? `shape ${r.shape} ~${(r.bytes / 1e6).toFixed(1)} MB` : `${r.kind} ${JSON.stringify(r).slice(0, 200)}`;
}

const entry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (entry) {
  if (process.argv.includes('--child')) child();
  else
    main(parseOptions(process.argv.slice(2))).catch((err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    });
}

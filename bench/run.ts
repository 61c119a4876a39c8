/**
 * The benchmark driver: `npm run bench [-- --quick] [-- <filter>...]`.
 *
 * PROTOCOL (also in bench/README.md)
 * 1. A bench file is `bench/<topic>.bench.ts` and exports `cases: BenchCase[]` (bench/protocol.ts):
 *    `{ id, table, row, impl, role: 'ours' | 'reference' | 'peer', n, edges?, baseline?, batch?,
 *    quick?, timeoutMs?, setup(), run(input), check?(result, input), hold?(input), memory? }`.
 *    Importing it must be cheap; `setup` (untimed) builds inputs, `run` is the timed work.
 * 2. The driver imports every bench file to list cases, keeps those matching `--quick` and the
 *    filters (substrings of `id`, any may match), and groups them into batches: each peer alone
 *    (under --quick, a row's peers together), other cases by `batch` (default `table + row`).
 * 3. Each batch runs in its own child process:
 *      node --expose-gc --max-old-space-size=8192 --import tsx bench/child.ts bench/<topic>.bench.ts
 *           [--budget ms --min-reps k --max-reps k --slow ms --warmup ms --timeout ms
 *            --no-peer-memory] <id>...
 *    The child sets up each case, runs it once cold and checks the result, warms it up (untimed
 *    runs), then times repetitions interleaved across the batch (full GC and a pause before each;
 *    a case whose cold run is slower than --slow keeps that run as its one sample), then measures
 *    memory held (not for peers under --quick, as it costs them one more slow run) (heapUsed +
 *    arrayBuffers after forced GC with `hold()`'s result alive, minus before).
 * 4. The child prints `BENCH_PROGRESS {"id","phase"}` as it goes and one `BENCH_RESULT {CaseResult}`
 *    line per case at the end. A thrown "Maximum call stack size exceeded" becomes `stack overflow`;
 *    other throws `error`. If the process dies, the case in progress is `OOM` (V8's heap-limit
 *    message on stderr), `stack overflow`, `timeout` (killed at the limit) or `crashed`; cases that
 *    never started are `not run`. Nothing is hidden: every status is printed.
 * 5. The driver prints markdown tables (median and spread, ratio to `baseline`, "ahead of best
 *    peer ×" for `ours`, bytes per task) and merges every case into bench/results.json by id.
 *
 * Cases with `protocol: 'cold'` (the user's side) are not batched: each sample is a child process
 * of its own (`child.ts <file> --cold <id>`: setup, one timed run, check, memory if `hold`), and the
 * driver starts `samples` (default 3) per case, alternating between the cases of one batch (default
 * `table + row`): A B A B A B. The case's result is its samples (median, min–max), `cold: true`,
 * bytes held the median of the samples' figures; the first failing sample ends the case with its
 * status. Selection (`--quick`, filters), tables and the results file are as for the others.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { COLD_SAMPLES, PROGRESS_PREFIX, RESULT_PREFIX, type BenchCase, type CaseResult, type Role, type Status } from './protocol.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDir, '..');

interface Options {
  quick: boolean;
  filters: string[];
  timeoutMs: number;
  out: string;
  list: boolean;
  fresh: boolean;
}

/** One case with its file and outcome, as written to results.json. */
interface Row {
  id: string;
  file: string;
  table: string;
  row: string;
  impl: string;
  role: Role;
  n: number;
  edges: number;
  status: Status;
  message?: string;
  samples: number[];
  cold: boolean;
  /** Only on `protocol: 'cold'` cases: every sample is one run in a fresh process. */
  protocol?: 'cold';
  medianMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  nsPerEdge: number | null;
  bytesHeld: number | null;
  bytesPerTask: number | null;
  baseline: string | null;
  ratio: number | null;
  /**
   * Cold rows with three samples or more on both sides: ours' fastest sample ÷ the baseline's. On
   * a shared machine noise only adds time, so the minima are the least disturbed pair; beside the
   * median ratio it shows how far a row's verdict rests on the noise.
   */
  minRatio?: number | null;
  memoryRatio: number | null;
  bestPeer: string | null;
  aheadOfBestPeer: number | null;
  measuredAt: string;
  quick: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, filters: [], timeoutMs: 0, out: join(benchDir, 'results.json'), list: false, fresh: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') o.quick = true;
    else if (a === '--list') o.list = true;
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--timeout') o.timeoutMs = 1000 * Number(argv[++i]);
    else if (a === '--out') o.out = resolve(argv[++i]!);
    else if (a === '--help' || a === '-h') {
      console.log('npm run bench -- [--quick] [--list] [--fresh] [--timeout <s per case>] [--out <file>] [filter...]');
      process.exit(0);
    } else o.filters.push(a);
  }
  if (o.timeoutMs === 0) o.timeoutMs = o.quick ? 60_000 : 300_000;
  return o;
}

async function loadCases(): Promise<Array<{ file: string; c: BenchCase }>> {
  const files = readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const out: Array<{ file: string; c: BenchCase }> = [];
  const seen = new Set<string>();
  for (const f of files) {
    const path = join(benchDir, f);
    let mod: { cases?: unknown };
    try {
      mod = (await import(pathToFileURL(path).href)) as { cases?: unknown };
    } catch (err) {
      console.error(`bench: cannot import ${f}: ${err instanceof Error ? err.message : String(err)} (skipped)`);
      continue;
    }
    if (!Array.isArray(mod.cases)) {
      console.error(`bench: ${f} exports no \`cases\` array (skipped)`);
      continue;
    }
    for (const c of mod.cases as BenchCase[]) {
      if (seen.has(c.id)) throw new Error(`bench: duplicate case id ${c.id} (in ${f})`);
      seen.add(c.id);
      out.push({ file: relative(root, path), c });
    }
  }
  return out;
}

interface Batch {
  file: string;
  cases: BenchCase[];
}

const isCold = (c: BenchCase): boolean => c.protocol === 'cold';

/** Cold cases by `file + (batch ?? table + row)`: the cases whose processes alternate. */
function coldGroups(selected: Array<{ file: string; c: BenchCase }>): Batch[] {
  const byKey = new Map<string, Batch>();
  for (const { file, c } of selected) {
    const key = `${file}\u0000${c.batch ?? `${c.table}\u0000${c.row}`}`;
    let b = byKey.get(key);
    if (b === undefined) byKey.set(key, (b = { file, cases: [] }));
    b.cases.push(c);
  }
  return [...byKey.values()];
}

/**
 * Runs a group of cold cases: `samples` processes per case, one sample each, alternating between
 * the cases (A B A B A B) so a slow minute on a shared machine hits all of them. A case stops at its
 * first failed sample (a timeout or OOM would only repeat); the others go on.
 */
async function runColdGroup(b: Batch, o: Options, log: (s: string) => void): Promise<BatchOutcome> {
  const got = new Map<string, CaseResult[]>(b.cases.map((c) => [c.id, []]));
  const rounds = Math.max(...b.cases.map((c) => c.samples ?? COLD_SAMPLES));
  for (let k = 0; k < rounds; k++) {
    for (const c of b.cases) {
      const mine = got.get(c.id)!;
      if (k >= (c.samples ?? COLD_SAMPLES) || mine.some((r) => r.status !== 'ok')) continue;
      const r = (await runBatch({ file: b.file, cases: [c] }, o, log, true)).results.get(c.id)!;
      mine.push(r);
      const figure = r.status === 'ok' ? `${fmtMs(r.samples[0]!)}${r.bytesHeld !== null ? `, ${(r.bytesHeld / c.n).toFixed(1)} B/task` : ''}` : `${r.status}${r.message ? ` — ${r.message}` : ''}`;
      log(`    ${c.impl} (process ${k + 1}/${c.samples ?? COLD_SAMPLES}): ${figure}`);
    }
  }
  const results = new Map<string, CaseResult>();
  for (const c of b.cases) {
    const mine = got.get(c.id)!;
    const failed = mine.find((r) => r.status !== 'ok');
    const samples = mine.filter((r) => r.status === 'ok').flatMap((r) => r.samples);
    const bytes = mine.flatMap((r) => (r.status === 'ok' && r.bytesHeld !== null ? [r.bytesHeld] : []));
    results.set(c.id, {
      id: c.id,
      status: failed?.status ?? 'ok',
      samples,
      cold: true,
      bytesHeld: bytes.length > 0 && failed === undefined ? median(bytes) : null,
      ...(failed?.message !== undefined ? { message: `process ${mine.length}: ${failed.message}` } : {}),
    });
  }
  return { results };
}

/**
 * Peers get a process each, except under --quick (at most 100,000 tasks: no OOM in sight, and a
 * stack overflow is caught in the process) where a row's peers share one, to save ~0.5 s of
 * start-up per case.
 */
function batches(selected: Array<{ file: string; c: BenchCase }>, quick: boolean): Batch[] {
  const byKey = new Map<string, Batch>();
  for (const { file, c } of selected) {
    const peerKey = quick ? `peers\u0000${c.table}\u0000${c.row}` : `peer\u0000${c.id}`;
    const key = `${file}\u0000${c.batch ?? (c.role === 'peer' ? peerKey : `${c.table}\u0000${c.row}`)}`;
    let b = byKey.get(key);
    if (b === undefined) byKey.set(key, (b = { file, cases: [] }));
    b.cases.push(c);
  }
  return [...byKey.values()];
}

interface BatchOutcome {
  results: Map<string, CaseResult>;
}

/** Runs a batch of warm cases in one child, or (`cold`) one sample of a single cold case. */
function runBatch(b: Batch, o: Options, log: (s: string) => void, cold = false): Promise<BatchOutcome> {
  const limit = b.cases.reduce((sum, c) => sum + (c.timeoutMs ?? o.timeoutMs), 0);
  const node = ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', join(benchDir, 'child.ts'), b.file];
  const childArgs = cold
    ? [...node, '--cold', ...b.cases.map((c) => c.id)]
    : [
        ...node,
        '--budget',
        String(o.quick ? 250 : 5000),
        '--min-reps',
        String(o.quick ? 2 : 3),
        '--max-reps',
        String(o.quick ? 5 : 11),
        '--slow',
        String(o.quick ? 500 : 8000),
        '--warmup',
        String(o.quick ? 100 : 1000),
        ...(o.quick ? ['--no-peer-memory'] : []),
        '--timeout',
        String(o.timeoutMs),
        ...b.cases.map((c) => c.id),
      ];
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, childArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const results = new Map<string, CaseResult>();
    let current: string | null = null;
    let stderr = '';
    let buffered = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limit);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith(RESULT_PREFIX)) {
          const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as CaseResult;
          results.set(r.id, r);
        } else if (line.startsWith(PROGRESS_PREFIX)) {
          const p = JSON.parse(line.slice(PROGRESS_PREFIX.length)) as { id: string; phase: string };
          current = p.id;
          if (p.phase === 'first' && !cold) log(`  ${p.id} …`);
        } else if (line.trim() !== '') log(`  [child] ${line}`);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const crash: Status = timedOut
        ? 'timeout'
        : /heap out of memory|Allocation failed|Reached heap limit|invalid array length|Array buffer allocation failed/i.test(stderr)
          ? 'OOM'
          : /Maximum call stack size exceeded/.test(stderr)
            ? 'stack overflow'
            : 'crashed';
      const lastLine = stderr.trim().split('\n').slice(-1)[0] ?? '';
      for (const c of b.cases) {
        if (results.has(c.id)) continue;
        // A cold child runs its one case from the start: a crash while importing is that case's.
        const inProgress = c.id === current || cold;
        results.set(c.id, {
          id: c.id,
          status: inProgress ? crash : 'not run',
          samples: [],
          bytesHeld: null,
          message: inProgress
            ? crash === 'timeout'
              ? `killed after ${(limit / 1000).toFixed(0)} s`
              : `exit ${code ?? ''}${signal ? ` ${signal}` : ''}: ${lastLine.slice(0, 300)}`
            : `the batch's process ended before this case (${crash})`,
        });
      }
      resolvePromise({ results });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function toRow(file: string, c: BenchCase, r: CaseResult, quick: boolean, at: string): Row {
  const ok = r.status === 'ok' && r.samples.length > 0;
  const med = ok ? median(r.samples) : null;
  const edges = c.edges ?? 0;
  return {
    id: c.id,
    file,
    table: c.table,
    row: c.row,
    impl: c.impl,
    role: c.role,
    n: c.n,
    edges,
    status: r.status,
    ...(r.message !== undefined ? { message: r.message } : {}),
    samples: r.samples.map((x) => Math.round(x * 1000) / 1000),
    cold: r.cold === true,
    ...(isCold(c) ? { protocol: 'cold' as const } : {}),
    medianMs: med,
    minMs: ok ? Math.min(...r.samples) : null,
    maxMs: ok ? Math.max(...r.samples) : null,
    nsPerEdge: med !== null && edges > 0 ? (med * 1e6) / edges : null,
    bytesHeld: r.bytesHeld,
    bytesPerTask: r.bytesHeld !== null && c.n > 0 ? r.bytesHeld / c.n : null,
    baseline: c.baseline ?? null,
    ratio: null,
    memoryRatio: null,
    bestPeer: null,
    aheadOfBestPeer: null,
    measuredAt: at,
    quick,
  };
}

/** Fills ratios within each (table, row) from whatever rows are known (this run and earlier ones). */
function derive(rows: Row[]): void {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.table}\u0000${r.row}`;
    const g = groups.get(k) ?? [];
    g.push(r);
    groups.set(k, g);
  }
  for (const g of groups.values()) {
    const peers = g.filter((r) => r.role === 'peer' && r.medianMs !== null).sort((a, b) => a.medianMs! - b.medianMs!);
    const best = peers[0];
    for (const r of g) {
      r.ratio = null;
      if (r.protocol === 'cold') r.minRatio = null;
      r.memoryRatio = null;
      r.bestPeer = null;
      r.aheadOfBestPeer = null;
      if (r.baseline !== null && r.medianMs !== null) {
        const base = g.find((x) => x.impl === r.baseline);
        if (base?.medianMs) r.ratio = r.medianMs / base.medianMs;
        if (r.protocol === 'cold' && base?.minMs && r.minMs !== null && r.samples.length >= 3 && base.samples.length >= 3) r.minRatio = r.minMs / base.minMs;
        if (base?.bytesHeld && r.bytesHeld !== null) r.memoryRatio = r.bytesHeld / base.bytesHeld;
      }
      if (r.role === 'ours' && r.medianMs !== null && best !== undefined) {
        r.bestPeer = best.impl;
        r.aheadOfBestPeer = best.medianMs! / r.medianMs;
      }
    }
  }
}

function fmtMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function cell(r: Row | undefined): string {
  if (r === undefined) return '';
  if (r.status !== 'ok') return `**${r.status}**`;
  if (r.medianMs === null) return '';
  const spread = r.samples.length > 1 ? ` (${fmtMs(r.minMs!)}–${fmtMs(r.maxMs!)})` : r.cold ? ' (1 cold run)' : '';
  return `${fmtMs(r.medianMs)}${spread}`;
}

const x = (v: number | null): string => (v === null ? '' : `${v < 10 ? v.toFixed(2) : v.toFixed(1)}×`);

function printTables(rows: Row[], only: Set<string>): string {
  const out: string[] = [];
  const tables = [...new Set(rows.filter((r) => only.has(r.id)).map((r) => r.table))];
  for (const t of tables) {
    const inTable = rows.filter((r) => r.table === t && only.has(r.id));
    const impls = [...new Set(inTable.map((r) => r.impl))];
    const rowNames = [...new Set(inTable.map((r) => r.row))];
    const get = (row: string, impl: string): Row | undefined => inTable.find((r) => r.row === row && r.impl === impl);
    const allCold = inTable.every((r) => r.protocol === 'cold');
    out.push(`\n### ${t}: median (min–max)${allCold ? ', one cold process per sample' : ''}\n`);
    out.push(`| | ${impls.join(' | ')} |`, `|---|${impls.map(() => '---:').join('|')}|`);
    for (const row of rowNames) out.push(`| ${row} | ${impls.map((i) => cell(get(row, i))).join(' | ')} |`);

    const ours = impls.filter((i) => inTable.some((r) => r.impl === i && r.role === 'ours'));
    // A reference with a baseline too (the drain's floor of our model against the bare loop).
    const withBase = impls.filter((i) => inTable.some((r) => r.impl === i && r.baseline !== null));
    // Without a peer in the table the best-peer columns would stay empty: left out.
    const peers = inTable.some((r) => r.role === 'peer');
    if (ours.length > 0 && (peers || withBase.length > 0)) {
      const heads = [
        ...withBase.map((i) => `${i} ÷ ${inTable.find((r) => r.impl === i)!.baseline}`),
        ...(peers ? ['best peer', ...ours.map((i) => `${i}: ahead of best peer`)] : []),
      ];
      out.push(`\n#### ${t}: ratios\n`);
      out.push(`| | ${heads.join(' | ')} |`, `|---|${heads.map(() => '---:').join('|')}|`);
      for (const row of rowNames) {
        const best = ours.map((i) => get(row, i)?.bestPeer).find((b) => b) ?? '';
        const failed = inTable
          .filter((r) => r.row === row && r.role === 'peer' && r.status !== 'ok')
          .map((r) => `${r.impl}: ${r.status}`);
        out.push(
          `| ${row} | ${[
            ...withBase.map((i) => {
              const r = get(row, i);
              const ofMinima = r?.minRatio ?? null;
              return x(r?.ratio ?? null) + (ofMinima !== null ? ` (minima ${x(ofMinima)})` : '');
            }),
            ...(peers ? [best + (failed.length ? ` (${failed.join(', ')})` : ''), ...ours.map((i) => x(get(row, i)?.aheadOfBestPeer ?? null))] : []),
          ].join(' | ')} |`,
        );
      }
    }

    const withMemory = impls.filter((i) => inTable.some((r) => r.impl === i && r.bytesPerTask !== null));
    if (withMemory.length > 0) {
      out.push(`\n#### ${t}: memory held, bytes per task\n`);
      out.push(`| | ${withMemory.join(' | ')} |`, `|---|${withMemory.map(() => '---:').join('|')}|`);
      // Rows where none of these columns has a figure or a failure are left out.
      const measured = (row: string): boolean =>
        withMemory.some((i) => {
          const r = get(row, i);
          return r !== undefined && (r.bytesPerTask !== null || r.status !== 'ok');
        });
      for (const row of rowNames.filter(measured)) {
        out.push(
          `| ${row} | ${withMemory
            .map((i) => {
              const r = get(row, i);
              if (r?.bytesPerTask == null) return r && r.status !== 'ok' ? r.status : '';
              return `${r.bytesPerTask.toFixed(1)}${r.memoryRatio !== null ? ` (${x(r.memoryRatio)})` : ''}`;
            })
            .join(' | ')} |`,
        );
      }
    }
  }
  return out.join('\n');
}

/**
 * `npm run bench -- fuzz [--cases N] [--seed S] [--minutes M]`: the fuzz run (bench/fuzz.ts) in a
 * process of its own, with Node's default heap (so running out of it shows), arguments passed on.
 */
function runFuzz(argv: string[]): Promise<number> {
  return new Promise((resolveExit) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(benchDir, 'fuzz.ts'), ...argv], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.find((a, i) => !a.startsWith('--') && !(i > 0 && /^--(timeout|out|cases|seed|minutes)$/.test(argv[i - 1]!))) === 'fuzz') {
    process.exitCode = await runFuzz(argv.filter((a) => a !== 'fuzz'));
    return;
  }
  const o = parseArgs(argv);
  const all = await loadCases();
  const selected = all.filter(
    ({ c }) => (!o.quick || (c.quick ?? c.n <= 100_000)) && (o.filters.length === 0 || o.filters.some((f) => c.id.includes(f))),
  );
  if (o.list) {
    for (const { file, c } of selected) console.log(`${c.id}\t${c.role}\t${file}`);
    return;
  }
  if (selected.length === 0) {
    console.error(`bench: no case matches ${o.filters.join(' ') || '(no filter)'}${o.quick ? ' with --quick' : ''}; try --list`);
    process.exit(1);
  }
  const warm = batches(selected.filter(({ c }) => !isCold(c)), o.quick).map((b) => ({ b, cold: false }));
  const cold = coldGroups(selected.filter(({ c }) => isCold(c))).map((b) => ({ b, cold: true }));
  const list = [...warm, ...cold];
  const processes = warm.length + cold.reduce((sum, { b }) => sum + b.cases.reduce((k, c) => k + (c.samples ?? COLD_SAMPLES), 0), 0);
  const at = new Date().toISOString();
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  log(`bench: ${selected.length} cases in ${processes} processes${o.quick ? ' (quick)' : ''}, Node ${process.version}, ${cpus().length} CPUs`);
  const started = performance.now();
  const fresh: Row[] = [];
  for (let k = 0; k < list.length; k++) {
    const { b, cold: coldGroup } = list[k]!;
    const what = b.cases.length === 1 ? b.cases[0]!.id : `${b.cases[0]!.table} / ${b.cases[0]!.row} (${b.cases.length} cases)`;
    log(`[${k + 1}/${list.length}] ${b.file}: ${what}${coldGroup ? ', one cold process per sample' : ''}`);
    const t0 = performance.now();
    const { results } = coldGroup ? await runColdGroup(b, o, log) : await runBatch(b, o, log);
    log(`    (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    for (const c of b.cases) {
      const row = toRow(b.file, c, results.get(c.id)!, o.quick, at);
      fresh.push(row);
      log(`    ${c.impl}: ${row.status === 'ok' ? cell(row) : `${row.status}${row.message ? ` — ${row.message}` : ''}`}`);
    }
  }

  // Merge with earlier results so a filtered run keeps the rest of the file.
  let previous: Row[] = [];
  if (!o.fresh && existsSync(o.out)) {
    try {
      previous = (JSON.parse(readFileSync(o.out, 'utf8')) as { cases?: Row[] }).cases ?? [];
    } catch {
      previous = [];
    }
  }
  const byId = new Map(previous.map((r) => [r.id, r]));
  for (const r of fresh) byId.set(r.id, r);
  const merged = [...byId.values()];
  derive(merged);
  const ids = new Set(fresh.map((r) => r.id));
  // Tables list rows and columns in the order the bench files define their cases.
  const position = new Map(all.map(({ c }, k) => [c.id, k]));
  const inCaseOrder = [...merged].sort((a, b) => (position.get(a.id) ?? Infinity) - (position.get(b.id) ?? Infinity));
  console.log(printTables(inCaseOrder, ids));
  const doc = {
    generatedAt: at,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    note: 'medians in ms; ratio = medianMs / baseline medianMs (same table and row); minRatio (cold rows, 3+ samples a side) = minMs / baseline minMs; aheadOfBestPeer = fastest ok peer / ours; bytes held after forced GC',
    cases: merged.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })),
  };
  const tmp = `${o.out}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc, null, 1) + '\n');
  renameSync(tmp, o.out);
  log(`bench: done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${relative(root, o.out)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});

/**
 * Runs some cases of one bench file in this process and prints one result line per case.
 *
 *   node --expose-gc --max-old-space-size=8192 --import tsx bench/child.ts <file> [options] <id>...
 *
 * Options: `--budget <ms>` time to spend on timed repetitions per case, `--max-reps <k>`,
 * `--min-reps <k>`, `--slow <ms>` (a first run slower than this is the only sample), `--warmup <ms>`
 * (untimed runs before the samples), `--timeout <ms>`, `--no-peer-memory`.
 *
 *   node --expose-gc --max-old-space-size=8192 --import tsx bench/child.ts <file> --cold <id>
 *
 * `--cold`: one sample of one `protocol: 'cold'` case: setup and fresh (untimed), one timed run,
 * check, then memory if the case has `hold`. The driver starts one such process per sample.
 * Started by bench/run.ts; the protocol is described there and in bench/README.md.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { PROGRESS_PREFIX, RESULT_PREFIX, isStackOverflow, type BenchCase, type CaseResult, type Status } from './protocol.js';

interface State {
  c: BenchCase;
  input: unknown;
  status: Status;
  message?: string;
  first: number;
  samples: number[];
  cold: boolean;
  reps: number;
  spent: number;
  bytesHeld: number | null;
}

/** What one run of a case consumes, built untimed (`fresh`), or undefined for cases without it. */
async function freshInput(s: State): Promise<unknown> {
  return s.c.fresh ? await s.c.fresh(s.input) : undefined;
}

/** Keeps the held structure reachable from module scope while memory is read (a local could be dead). */
let sink: unknown;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('bench/child.ts: run node with --expose-gc');
  process.exit(2);
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  args.splice(at, 2);
  return value;
}

function progress(id: string, phase: string): void {
  process.stdout.write(`${PROGRESS_PREFIX}${JSON.stringify({ id, phase })}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Full GC, then a pause: V8 frees ArrayBuffer backing stores on a background thread after the GC,
 * so without the pause the previous run's garbage is still being swept while the next one is timed
 * (and still counted by `arrayBuffers` when memory is read).
 */
async function settle(): Promise<void> {
  gc!();
  await sleep(5);
  gc!();
}

/**
 * Bytes held, read once the figure stops moving: three readings in a row within 4 KB (or 0.01 % on
 * big heaps, where reading it allocates a little and a full GC never frees exactly the same).
 */
async function held(): Promise<number> {
  let last = -1;
  let steady = 0;
  for (let k = 0; k < 15; k++) {
    gc!();
    await sleep(15);
    const m = process.memoryUsage();
    const now = m.heapUsed + m.arrayBuffers;
    steady = Math.abs(now - last) <= Math.max(4096, now * 1e-4) ? steady + 1 : 0;
    last = now;
    if (steady === 2) break;
  }
  return last;
}

function fail(s: State, err: unknown): void {
  s.status = isStackOverflow(err) ? 'stack overflow' : 'error';
  s.message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  s.input = undefined;
}

function emit(s: State): void {
  const result: CaseResult = {
    id: s.c.id,
    status: s.status,
    samples: s.samples,
    bytesHeld: s.bytesHeld,
    ...(s.cold ? { cold: true } : {}),
    ...(s.message !== undefined ? { message: s.message } : {}),
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/**
 * One sample of a `protocol: 'cold'` case, in this fresh process: nothing of the case has run
 * before the timed run (its module was imported, nothing more). Memory, when the case has `hold`:
 * the bytes held with what `hold` keeps of the result alive, minus without it, after the input,
 * the result and `fresh`'s value were let go (so what the kept value shares with them counts).
 */
async function runCold(s: State): Promise<void> {
  try {
    progress(s.c.id, 'setup');
    s.input = await s.c.setup();
    let fresh = await freshInput(s);
    await settle();
    progress(s.c.id, 'first');
    const t0 = performance.now();
    let result = await s.c.run(s.input, fresh);
    const t = performance.now() - t0;
    fresh = undefined;
    s.samples.push(t);
    s.cold = true;
    progress(s.c.id, 'check');
    s.c.check?.(result, s.input);
    if (s.c.hold !== undefined && s.c.memory !== false) {
      progress(s.c.id, 'memory');
      sink = await s.c.hold(s.input, result);
      s.input = undefined;
      result = undefined;
      const alive = await held();
      sink = undefined;
      s.bytesHeld = alive - (await held());
    }
  } catch (err) {
    fail(s, err);
  }
  s.input = undefined;
  emit(s);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const coldAt = args.indexOf('--cold');
  if (coldAt !== -1) args.splice(coldAt, 1);
  const budget = option(args, '--budget', 5000);
  const maxReps = option(args, '--max-reps', 7);
  const minReps = option(args, '--min-reps', 3);
  const slow = option(args, '--slow', 5000);
  const timeout = option(args, '--timeout', 300_000);
  const warmupMs = option(args, '--warmup', 1000);
  const peerMemoryAt = args.indexOf('--no-peer-memory');
  if (peerMemoryAt !== -1) args.splice(peerMemoryAt, 1);
  const [file, ...ids] = args;
  if (file === undefined || ids.length === 0) throw new Error('usage: child.ts <file> [options] <id>...');
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { cases?: BenchCase[] };
  const all = mod.cases ?? [];
  const states: State[] = ids.map((id) => {
    const c = all.find((x) => x.id === id);
    if (c === undefined) throw new Error(`child: no case ${id} in ${file}`);
    return { c, input: undefined, status: 'ok', first: 0, samples: [], cold: false, reps: 0, spent: 0, bytesHeld: null };
  });

  if (coldAt !== -1) {
    // A second case in this process would not start cold: one case, one sample, per process.
    if (states.length !== 1) throw new Error('child: --cold takes exactly one case id');
    await runCold(states[0]!);
    // The sample is reported: a timer or socket the run left behind must not keep the process
    // (and the driver) waiting until the time limit.
    process.exit(0);
  }

  // 1. Set up, run once cold, check the result.
  for (const s of states) {
    try {
      progress(s.c.id, 'setup');
      s.input = await s.c.setup();
      progress(s.c.id, 'first');
      let fresh = await freshInput(s);
      await settle();
      const t0 = performance.now();
      const result = await s.c.run(s.input, fresh);
      fresh = undefined;
      s.first = performance.now() - t0;
      s.spent = s.first;
      progress(s.c.id, 'check');
      s.c.check?.(result, s.input);
    } catch (err) {
      fail(s, err);
    }
  }

  // 2. Warm up each case until the JIT has settled: untimed runs for `warmupMs` (a 10,000-task
  // order takes about 1 ms once optimised, 5-10x that on its first runs). A case whose cold run
  // alone took longer gets no more: its first run was its warm-up.
  for (const s of states) {
    if (s.status !== 'ok' || s.first >= Math.min(slow, warmupMs)) continue;
    try {
      progress(s.c.id, 'warmup');
      const t0 = performance.now();
      for (let k = 0; k < 500 && performance.now() - t0 + s.first < warmupMs; k++) {
        await s.c.run(s.input, await freshInput(s));
        if (k % 10 === 9) await settle();
      }
    } catch (err) {
      fail(s, err);
    }
  }

  // 3. Timed repetitions, interleaved across the cases of this process so they share conditions.
  for (const s of states) {
    if (s.status !== 'ok') continue;
    if (s.first >= slow) {
      s.samples.push(s.first);
      s.cold = true;
    } else s.reps = Math.max(minReps, Math.min(maxReps, Math.floor(budget / Math.max(s.first, 1e-3))));
  }
  for (let round = 0; ; round++) {
    let active = false;
    for (const s of states) {
      if (s.status !== 'ok' || s.cold || s.samples.length >= s.reps) continue;
      // Stay well inside the driver's hard limit.
      if (s.spent > (s.c.timeoutMs ?? timeout) / 2 && s.samples.length > 0) continue;
      active = true;
      try {
        if (round === 0) progress(s.c.id, 'timing');
        let fresh = await freshInput(s);
        await settle();
        const t0 = performance.now();
        await s.c.run(s.input, fresh);
        const t = performance.now() - t0;
        fresh = undefined;
        s.samples.push(t);
        s.spent += t;
      } catch (err) {
        fail(s, err);
      }
    }
    if (!active) break;
  }

  // 4. Memory held, one case at a time; then report it.
  for (const s of states) {
    if (s.status === 'ok' && s.c.memory !== false && !(peerMemoryAt !== -1 && s.c.role === 'peer')) {
      try {
        progress(s.c.id, 'memory');
        const before = await held();
        sink = s.c.hold ? await s.c.hold(s.input) : await s.c.run(s.input, await freshInput(s));
        s.bytesHeld = (await held()) - before;
        sink = undefined;
      } catch (err) {
        fail(s, err);
      }
    }
    s.input = undefined;
    emit(s);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});

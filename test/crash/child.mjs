// The process the crash test kills: `node child.mjs <dir>`.
//
// It opens a durable Engine (the BUILT library, dist/) on <dir>/runs.db, submits the workload's
// jobs that the store does not hold yet (one at a time, a few ms apart, so that kills land during
// submits), cancels the job to cancel if it has not ended, waits until every job has ended, closes
// the engine and exits 0. It may be killed (SIGKILL) at any moment and is then started again.
//
// Files it appends to, one write(2) per line, each line a JSON object:
// - exec-<processor>.log: {e:'S'|'E', pid, task, a: attempt, t: epoch ms (high resolution), n: nonce of
//   the execution, in: [[producerTaskId, nonce of the producer's execution that made the metadata]]
//   (S only), r: 'ok'|'retry'|'fatal'|'abort' (E only)}
// - notify.log: {pid, type: EventType, job, task, state: NewState, etag} for each message the hub delivers
// Lines on stdout (pipes are written synchronously on Linux, so a line is out before the next step):
// `opened <recovery JSON>`, `submitting <n missing>`, `submitted <jobId>`, `all-submitted`,
// `canceled <jobId> <bool>`, `done`.
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CANCELED_JOB, CONCURRENCY, ENDPOINT_ID, JOBS, PROCESSORS, RETRY, behaviourOf } from './workload.mjs';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node child.mjs <dir>\n');
  process.exit(2);
}
const DIST = fileURLToPath(new URL('../../dist/src/', import.meta.url));
if (!existsSync(join(DIST, 'index.js'))) {
  process.stderr.write(`child: ${DIST}index.js is missing: run \`npm run build\` first\n`);
  process.exit(2);
}
const { Engine, NotificationHub, ProcessorError } = await import(join(DIST, 'index.js'));

const pid = process.pid;
const now = () => performance.timeOrigin + performance.now();
const out = (line) => process.stdout.write(line + '\n');

process.on('warning', (w) => process.stderr.write(`warning: ${w.name} ${w.code ?? ''}: ${w.message}\n`));
process.on('unhandledRejection', (err) => {
  process.stderr.write(`child: unhandled rejection: ${err?.stack ?? err}\n`);
  process.exit(4);
});

const fds = new Map();
function append(file, record) {
  let fd = fds.get(file);
  if (fd === undefined) fds.set(file, (fd = openSync(join(dir, file), 'a')));
  writeSync(fd, JSON.stringify(record) + '\n');
}

let executions = 0;
const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(timer), reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
  });

function processor(p) {
  const file = `exec-${p.key}.log`;
  return {
    id: p.id,
    name: p.name,
    async run(ctx) {
      const n = `${pid}.${++executions}`;
      const inputs = ctx.inputs.filter((i) => i.kind === 'JobOutputAsset').map((i) => [i.producerTaskId, i.metadata?.n ?? null]);
      append(file, { e: 'S', pid, task: ctx.taskId, a: ctx.attempt, t: now(), n, in: inputs });
      const b = behaviourOf(ctx.configuration);
      try {
        if (b.kind === 'hold') await sleep(2 ** 31 - 1, ctx.signal);
        await sleep(1 + Math.floor(Math.random() * 20), ctx.signal);
        if (b.kind === 'fatal') throw new ProcessorError('ErrorProcessingTask', `${ctx.taskName} fails for good`, { retryable: false });
        if (b.kind === 'exhaust' || (b.kind === 'retry' && ctx.attempt <= b.n)) throw new ProcessorError('TransientError', `${ctx.taskName} fails on attempt ${ctx.attempt}`, { retryable: true });
      } catch (err) {
        const r = ctx.signal.aborted ? 'abort' : err instanceof ProcessorError && err.retryable ? 'retry' : 'fatal';
        append(file, { e: 'E', pid, task: ctx.taskId, a: ctx.attempt, t: now(), n, r });
        throw err;
      }
      append(file, { e: 'E', pid, task: ctx.taskId, a: ctx.attempt, t: now(), n, r: 'ok' });
      return ctx.outputs.map(() => ({ n, task: ctx.taskId }));
    },
  };
}

const hub = new NotificationHub({ onError: (err) => process.stderr.write(`notification error: ${err?.message ?? err}\n`) });
hub.registerEndPoint({
  Id: ENDPOINT_ID,
  Name: 'crash-log',
  EndPointType: 'Callback',
  callback: (m) => append('notify.log', { pid, type: m.EventType, job: m.Properties.JobId, task: m.Properties.TaskId ?? '', state: m.Properties.NewState, etag: m.ETag }),
});

let engine;
try {
  engine = await Engine.open({ processors: PROCESSORS.map(processor), store: join(dir, 'runs.db'), retry: RETRY, concurrency: CONCURRENCY, notifications: hub });
} catch (err) {
  process.stderr.write(`child: Engine.open failed: ${err?.code ?? ''} ${err?.stack ?? err}\n`);
  process.exit(3);
}
out(`opened ${JSON.stringify(engine.recovery)}`);

const FINAL = new Set([3, 4, 5]);
const toCancel = JOBS[CANCELED_JOB].Id;
/** Cancels the job to cancel a few ms after it is seen (at once, or while its roots hold). */
function cancelSoon() {
  setTimeout(() => out(`canceled ${toCancel} ${engine.cancel(toCancel)}`), Math.floor(Math.random() * 60));
}
const held = engine.scheduler.job(toCancel);
if (held !== undefined && !FINAL.has(held.State)) cancelSoon();

const missing = JOBS.filter((j) => engine.scheduler.job(j.Id) === undefined);
if (missing.length > 0) out(`submitting ${missing.length}`);
for (const def of missing) {
  await new Promise((r) => setTimeout(r, 3 + Math.floor(Math.random() * 25)));
  engine.submit(def);
  out(`submitted ${def.Id}`);
  if (def.Id === toCancel) cancelSoon();
  // As a caller that goes on with its own work in the same turn: the job is in the store, but its
  // first events (roots Scheduled, the first claims) are written only at the end of this turn. The
  // parent's kills shortly after a submit often land in this window.
  const until = performance.now() + Math.random() * 15;
  while (performance.now() < until);
}
out('all-submitted');
// The event loop runs dry only if the engine has nothing left to do while some job has not ended
// (node would exit with code 13, an unsettled top-level await): say which tasks are stuck.
let closing = false;
process.on('beforeExit', () => {
  const open = engine.scheduler.jobs().filter((j) => !FINAL.has(j.State));
  if (open.length === 0) {
    process.stderr.write(`child: STUCK: every job has ended, but ${closing ? 'engine.close()' : 'engine.idle()'} never settled\n`);
    process.exit(5);
  }
  const stuck = engine.scheduler.tasks({ state: [0, 1, 2, 6] }).slice(0, 10).map((t) => `${t.Id} ${t.Name} state ${t.State} (${engine.scheduler.explain(t.Id).message}) events [${t.HistoricalEvents.map((e) => e.Code).join(' ')}]`);
  process.stderr.write(`child: STUCK: nothing left to run, yet ${open.length} jobs have not ended: ${open.map((j) => `${j.Name} (state ${j.State})`).join(', ')}; first tasks not ended:\n  ${stuck.join('\n  ')}\n`);
  process.exit(5);
});
await engine.idle();
closing = true;
await engine.close();
for (const fd of fds.values()) closeSync(fd);
out('done');
process.exit(0);

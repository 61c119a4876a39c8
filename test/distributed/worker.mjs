// A worker process of the distributed tests: `node worker.mjs '<json options>'`, options
// { socket, name, concurrency, lockDurationMs?, stalledIntervalMs?, seed, sleepMin, sleepMax }.
//
// It runs the BUILT library's createWorker (dist/) with one processor that records every execution
// in Redis (fixture.mjs, KEYS). At its start a Lua script takes the next global sequence number and
// pushes {e:'S', task, i, a, w, x, in, n, h} to the log list (x: the execution's number in this
// worker; in: [producer task id, the end number its output metadata carries] per input; h: 1 when
// `hold:<worker>` was set). The execution then sleeps the task's seeded time (a held one first
// waits until `release:<worker>` is set, or the process is killed). At its end a second script
// takes the next number and pushes {e:'E', task, i, a, w, x, n}, and the processor returns that
// number as its output's metadata. The scripts run inside Redis, atomically, so the numbers order
// starts and ends across processes.
//
// Prints `ready <name>` once every queue's connection is up. SIGTERM closes the worker (running
// executions finish first) and exits 0. The test kills it with SIGKILL, by PID.
import { Redis } from 'ioredis';
import { DIST_INDEX, KEYS, MPID, PROCESSOR_NAME, requireDist, sleepOf, taskIndex } from './fixture.mjs';

const o = JSON.parse(process.argv[2] ?? 'null');
if (o === null || typeof o.socket !== 'string' || typeof o.name !== 'string') {
  process.stderr.write('usage: node worker.mjs \'{"socket":…,"name":…,"concurrency":…,"seed":…}\'\n');
  process.exit(2);
}
requireDist();
const { createWorker } = await import(DIST_INDEX);

// The test keeps our stdin open: when it closes, the test process is gone without having killed
// us (it kills its children by PID when it can), and we must not linger.
process.stdin.on('end', () => process.exit(1));
process.stdin.resume();
process.on('warning', (w) => process.stderr.write(`warning: ${w.name} ${w.code ?? ''}: ${w.message}\n`));
process.on('unhandledRejection', (err) => {
  process.stderr.write(`worker ${o.name}: unhandled rejection: ${err?.stack ?? err}\n`);
  process.exit(4);
});

const redis = new Redis({ path: o.socket, maxRetriesPerRequest: null });
redis.on('error', (err) => process.stderr.write(`worker ${o.name}: recorder connection: ${err.message}\n`));
redis.defineCommand('recordStart', {
  numberOfKeys: 4,
  lua: `local n = redis.call('INCR', KEYS[1])
local h = redis.call('EXISTS', KEYS[3])
if h == 1 then redis.call('INCR', KEYS[4]) end
redis.call('RPUSH', KEYS[2], ARGV[1] .. ',"n":' .. n .. ',"h":' .. h .. '}')
return {n, h}`,
});
redis.defineCommand('recordEnd', {
  numberOfKeys: 3,
  lua: `local n = redis.call('INCR', KEYS[1])
redis.call('INCR', KEYS[3])
redis.call('RPUSH', KEYS[2], ARGV[1] .. ',"n":' .. n .. '}')
return n`,
});

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(timer), reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** A record's JSON without its closing brace: the script appends the sequence number. */
const head = (fields) => JSON.stringify(fields).slice(0, -1);

let executions = 0;
const sleeper = {
  id: MPID,
  name: PROCESSOR_NAME,
  async run(ctx) {
    const i = taskIndex(ctx.taskName);
    const fields = { task: ctx.taskId, i, a: ctx.attempt, w: o.name, x: ++executions };
    // What each producer's accepted execution returned: the sequence number of its end.
    const inputs = ctx.inputs.filter((x) => x.kind === 'JobOutputAsset').map((x) => [x.producerTaskId, x.metadata?.end ?? null]);
    const [start, held] = await redis.recordStart(KEYS.seq, KEYS.log, KEYS.hold(o.name), KEYS.held(o.name), head({ e: 'S', ...fields, in: inputs }));
    // Held: it runs until the test releases this worker's executions (or kills the process).
    if (held === 1) while ((await redis.exists(KEYS.release(o.name))) === 0) await sleep(20, ctx.signal);
    await sleep(sleepOf(o.seed, i, o.sleepMin, o.sleepMax), ctx.signal);
    const end = await redis.recordEnd(KEYS.seq, KEYS.log, KEYS.ended, head({ e: 'E', ...fields }));
    return [{ w: o.name, start, end }];
  },
};

const options = { connection: `unix://${o.socket}`, processors: [sleeper], concurrency: o.concurrency, name: o.name };
if (o.lockDurationMs !== undefined) options.lockDurationMs = o.lockDurationMs;
if (o.stalledIntervalMs !== undefined) options.stalledIntervalMs = o.stalledIntervalMs;
const worker = createWorker(options);
await worker.ready;
process.stdout.write(`ready ${o.name}\n`);

process.once('SIGTERM', async () => {
  await worker.close();
  redis.disconnect();
  process.exit(0);
});

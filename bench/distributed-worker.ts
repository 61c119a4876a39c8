/**
 * A worker process of the distributed bench (bench/distributed.bench.ts forks two of them):
 *
 *   node --import tsx bench/distributed-worker.ts <redis url> <redis pid> <concurrency>
 *
 * Runs the no-op processor through `createWorker`, says `ready` over IPC once its queues are
 * connected, and closes on the `stop` message. If the bench process goes away without saying
 * `stop` (killed at its time limit), the IPC channel closes: the worker then stops the bench's
 * Redis server too (nobody else is left to) and exits, so nothing outlives the bench.
 */
import { readFileSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createWorker } from '../src/distributed/worker.js';
import { PREFIXES } from './distributed-prefixes.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';

const [url, pidText, concurrencyText] = process.argv.slice(2);
if (url === undefined || process.send === undefined) {
  console.error('distributed-worker: start it with fork(), as bench/distributed.bench.ts does: <redis url> <redis pid> <concurrency>');
  process.exit(2);
}
const redisPid = Number(pidText);
// One worker per prefix: the bench's two BullMQ engines each have queues of their own (an engine
// reads every event of its queues' streams, so two engines on one queue would each read the other's).
const workers = PREFIXES.map((prefix) =>
  createWorker({
    connection: url,
    prefix,
    processors: [{ id: MES, name: 'no-op', run: () => undefined }],
    concurrency: Number(concurrencyText ?? 8),
  }),
);

let stopping = false;
async function stop(code: number): Promise<never> {
  stopping = true;
  setTimeout(() => process.exit(code), 5000).unref();
  await Promise.all(workers.map((w) => w.close({ timeoutMs: 2000 }).catch(() => undefined)));
  process.exit(code);
}

process.on('message', (m: unknown) => {
  if (m === 'stop') void stop(0);
});
process.on('disconnect', () => {
  if (stopping) return;
  // The bench process is gone without stopping us: take its Redis down with us.
  const socket = url.startsWith('unix://') ? url.slice('unix://'.length) : '';
  if (Number.isInteger(redisPid) && redisPid > 0 && socket !== '') {
    try {
      // Only if that pid is still the bench's redis-server (not a process that got its pid since).
      if (readFileSync(`/proc/${redisPid}/cmdline`, 'utf8').includes(socket)) process.kill(redisPid, 'SIGKILL');
    } catch {
      // gone already, or no /proc
    }
    // startRedis's temporary folder (…/jobgraph-redis-XXXXXX/redis.sock), and nothing else.
    const dir = dirname(socket);
    if (basename(dir).startsWith('jobgraph-redis-')) rmSync(dir, { recursive: true, force: true });
  }
  void stop(1);
});

await Promise.all(workers.map((w) => w.ready));
process.send({ ready: process.pid });

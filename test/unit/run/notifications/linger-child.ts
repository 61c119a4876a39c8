// Run by process.test.ts in a child process: a hub whose only message waits a minute for its retry
// (nothing listens on port 1). `close` in argv closes it with a top-level await.
import { NotificationHub } from '../../../../src/run/notifications/index.js';

const ID = 'nb:nepid:UUID:00000000-0000-4000-8000-00000000000a';
const hub = new NotificationHub({ baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.99, closeTimeoutMs: 100 });
hub.registerEndPoint({ Id: ID, Name: 'a', EndPointType: 'WebHook', EndPointAddress: 'http://127.0.0.1:1/hook' });
hub.taskProgressed({ jobId: 'j', jobName: 'j', taskId: 't', progress: 1, timestamp: Date.now() }, [{ NotificationEndPointId: ID, TargetTaskState: 2, IncludeTaskProgress: true }]);
if (process.argv[2] !== 'close') {
  process.on('exit', () => process.stdout.write(JSON.stringify(hub.stats()[ID])));
} else {
  while (hub.stats()[ID]!.retries === 0) await new Promise((r) => setTimeout(r, 5));
  await hub.close();
  process.stdout.write(JSON.stringify(hub.stats()[ID]));
}

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { NotificationMessage } from '../../../src/run/notifications/index.js';
import { dagJob, MES } from '../../helpers/jobs.js';

function subscribed(endpoint: string, target: number, progress: boolean) {
  const def = dagJob(2, [[0, 1]], { name: 'Notified' });
  for (const t of def.Tasks!) t.TaskNotificationSubscriptions = [{ NotificationEndPointId: endpoint, TargetTaskState: target, IncludeTaskProgress: progress }];
  def.JobNotificationSubscriptions = [{ NotificationEndPointId: endpoint, TargetJobState: 2 }];
  return def;
}

describe('Engine notifications', () => {
  it('sends the subscribed task and job messages to a callback endpoint, in order', async () => {
    const engine = new Engine({
      processors: [
        {
          id: MES,
          name: 'E',
          run: (ctx) => {
            ctx.progress(50);
          },
        },
      ],
    });
    const got: NotificationMessage[] = [];
    const ep = engine.notifications.registerEndPoint({ Name: 'cb', EndPointType: 'Callback', callback: (m) => void got.push(m) });
    const h = engine.submit(subscribed(ep.Id, 2, true));
    await h.done;
    await engine.notifications.flush();
    const taskMessages = got.filter((m) => m.EventType === 4).map((m) => `${m.Properties.OldState}→${m.Properties.NewState}`);
    expect(taskMessages).toEqual(['Queued→Scheduled', 'Scheduled→Processing', 'Processing→Finished', 'Queued→Scheduled', 'Scheduled→Processing', 'Processing→Finished']);
    expect(got.filter((m) => m.EventType === 5).map((m) => m.Properties.LastComputedProgress)).toEqual(['50', '50']);
    expect(got.filter((m) => m.EventType === 1).map((m) => m.Properties.NewState)).toEqual(['Scheduled', 'Processing', 'Finished']);
    expect(got.every((m) => m.MessageVersion === '1.1' && m.Properties.JobId === h.id)).toBe(true);
    await engine.close();
  });

  it('sends only final states with FinalStatesOnly, and POSTs signed WebHook messages to a real server', async () => {
    const bodies: Array<{ body: string; signature: string | undefined }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push({ body, signature: req.headers['ms-signature'] as string | undefined });
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const key = Buffer.from('a signing key of ours');
    const engine = new Engine({ processors: [{ id: MES, name: 'E', run: () => undefined }] });
    const ep = engine.notifications.registerEndPoint({ Name: 'hook', EndPointType: 'WebHook', EndPointAddress: `http://127.0.0.1:${port}/hook`, signingKey: key });
    const def = subscribed(ep.Id, 1, false);
    def.JobNotificationSubscriptions = [];
    const h = engine.submit(def);
    await h.done;
    await engine.notifications.flush();
    await engine.close();
    await new Promise<void>((r) => server.close(() => r()));
    const messages = bodies.map((b) => JSON.parse(b.body) as NotificationMessage);
    expect(messages.map((m) => [m.EventType, m.Properties.NewState])).toEqual([
      [4, 'Finished'],
      [4, 'Finished'],
    ]);
    for (const b of bodies) expect(b.signature).toBe(`sha256=${createHmac('sha256', key).update(b.body).digest('hex').toUpperCase()}`);
  });
});

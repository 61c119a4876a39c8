import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import { signature, verifySignature } from '../../../src/run/notifications/index.js';
import { signature as signatureFromIndex, verifySignature as verifyFromIndex } from '../../../src/index.js';
import { dagJob, MES } from '../../helpers/jobs.js';
import { startReceiver, type Received, type Receiver } from './notifications/receiver.js';

/**
 * Microsoft's sample receiver (Azure-Samples media-services-dotnet-functions-integration,
 * `VerifyWebHookRequestSignature`), transcribed as literally as TypeScript allows:
 *
 *   byte[] sha256 = hasher.ComputeHash(data);
 *   string expectedValue = string.Format(CultureInfo.InvariantCulture, "sha256={0}", ToHex(sha256));
 *   return (0 == String.CompareOrdinal(actualValue, expectedValue));
 *
 * with ToHex appending each byte as "{0:X2}".
 */
function sampleVerify(data: Uint8Array, actualValue: string | undefined, verificationKey: Uint8Array): boolean {
  const sha256 = createHmac('sha256', verificationKey).update(data).digest();
  const expectedValue = `sha256=${toHex(sha256)}`;
  return compareOrdinal(actualValue, expectedValue) === 0;
}

function toHex(data: Uint8Array): string {
  let sb = '';
  for (let i = 0; i < data.length; i++) sb += data[i]!.toString(16).toUpperCase().padStart(2, '0'); // {0:X2}
  return sb;
}

/** String.CompareOrdinal: UTF-16 code units compared one by one; null sorts first. */
function compareOrdinal(a: string | undefined, b: string): number {
  if (a === undefined) return -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const KEY = Buffer.from('a signing key for the end to end test');

let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
});

describe('WebHook signatures, end to end from an Engine run to a real receiver', () => {
  it('every message verifies with verifySignature() and with the sample receiver’s check; a tampered body verifies with neither', async () => {
    rx = await startReceiver();
    const engine = new Engine({ processors: [{ id: MES, name: 'E', run: (ctx) => ctx.progress(40) }], notifications: { accountName: 'media1', baseDelayMs: 1 } });
    const ep = engine.notifications.registerEndPoint({ Name: 'hook', EndPointType: 'WebHook', EndPointAddress: rx.url, signingKey: KEY });
    const def = dagJob(2, [[0, 1]], { name: 'Signed' });
    for (const t of def.Tasks!) t.TaskNotificationSubscriptions = [{ NotificationEndPointId: ep.Id, TargetTaskState: 2, IncludeTaskProgress: true }];
    def.JobNotificationSubscriptions = [{ NotificationEndPointId: ep.Id, TargetJobState: 2 }];
    await engine.submit(def).done;
    await engine.notifications.flush();
    await engine.close();

    const received: Received[] = rx.received;
    // Task state changes, task progress and job state changes all arrived.
    expect(new Set(received.map((r) => r.message.EventType))).toEqual(new Set([1, 4, 5]));
    for (const r of received) {
      const header = r.headers['ms-signature'];
      expect(typeof header).toBe('string');
      expect(header).toBe(signature(KEY, r.body));
      expect(verifySignature(KEY, r.body, header)).toBe(true);
      expect(sampleVerify(r.body, header as string, KEY)).toBe(true);

      const tampered = Buffer.from(r.body);
      const at = tampered.length - 2;
      tampered[at] = tampered[at]! ^ 1;
      expect(verifySignature(KEY, tampered, header)).toBe(false);
      expect(sampleVerify(tampered, header as string, KEY)).toBe(false);
      expect(verifySignature(Buffer.from('another key'), r.body, header)).toBe(false);
    }
  });

  it('signature() signs as the hub does by default, so a receiver may check with either; lowercase passes only verifySignature()', () => {
    const body = Buffer.from('{"EventType":4}');
    expect(sampleVerify(body, signature(KEY, body), KEY)).toBe(true);
    expect(verifySignature(KEY, body, signature(KEY, body))).toBe(true);
    // The sample compares ordinally: it refuses lowercase hex, which verifySignature() accepts.
    expect(sampleVerify(body, signature(KEY, body, 'lower'), KEY)).toBe(false);
    expect(verifySignature(KEY, body, signature(KEY, body, 'lower'))).toBe(true);
    expect(signatureFromIndex).toBe(signature);
    expect(verifyFromIndex).toBe(verifySignature);
  });
});

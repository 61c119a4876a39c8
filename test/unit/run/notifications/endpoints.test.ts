import { describe, expect, it } from 'vitest';
import { NotificationHub, NOTIFICATION_ENDPOINT_ID } from '../../../../src/run/notifications/index.js';
import type { EndPointInput } from '../../../../src/run/notifications/index.js';

const ID = 'nb:nepid:UUID:cb5d707b-4db8-45fe-a558-19f8d3306093';
const CREATED = Date.parse('2024-05-01T10:00:00.123Z');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('NotificationHub endpoints', () => {
  it('registerEndPoint() returns the REST view of a signed WebHook, without its key', () => {
    const hub = new NotificationHub({ now: () => CREATED });
    const view = hub.registerEndPoint({ Id: ID, Name: 'ops', EndPointType: 'WebHook', EndPointAddress: 'https://ops.example/hook?code=abc', signingKey: 'k' });
    expect(view).toEqual({
      Id: ID,
      Name: 'ops',
      Created: '2024-05-01T10:00:00.1230000Z',
      EndPointType: 3,
      EndPointAddress: 'https://ops.example/hook?code=abc',
      CredentialType: 1,
    });
    expect(JSON.stringify(view)).not.toContain('"k"');
    expect(Object.isFrozen(view)).toBe(true);
    expect(hub.endPoint(ID)).toBe(view);
  });

  it('makes up an nb:nepid:UUID: Id when none is given, and shows a Callback endpoint as type 0 (None) with no address', () => {
    const hub = new NotificationHub();
    const web = hub.registerEndPoint({ Name: 'w', EndPointType: 3, EndPointAddress: 'http://127.0.0.1:9/x' });
    const cb = hub.registerEndPoint({ Name: 'c', EndPointType: 'Callback', callback: () => {} });
    expect(web.Id).toMatch(NOTIFICATION_ENDPOINT_ID);
    expect(cb.Id).toMatch(NOTIFICATION_ENDPOINT_ID);
    expect(web.Id).not.toBe(cb.Id);
    expect([web.EndPointType, web.CredentialType]).toEqual([3, 0]);
    expect([cb.EndPointType, cb.EndPointAddress, cb.CredentialType]).toEqual([0, '', 0]);
    expect(hub.endPoints().map((v) => v.Name)).toEqual(['w', 'c']);
  });

  it('rejects a definition that is not one, naming the field', () => {
    const hub = new NotificationHub();
    const bad: Array<[unknown, string, RegExp]> = [
      [null, 'ERR_INVALID_ARG_TYPE', /endpoint object/],
      [{ Name: '', EndPointType: 'Callback', callback: () => {} }, 'ERR_INVALID_ARG_VALUE', /`Name`/],
      [{ Name: '  ', EndPointType: 'Callback', callback: () => {} }, 'ERR_INVALID_ARG_VALUE', /`Name`/],
      [{ Name: 7, EndPointType: 'Callback', callback: () => {} }, 'ERR_INVALID_ARG_TYPE', /`Name`/],
      [{ Id: 'nb:ncid:UUID:cb5d707b-4db8-45fe-a558-19f8d3306093', Name: 'x', EndPointType: 'Callback', callback: () => {} }, 'ERR_INVALID_ARG_VALUE', /`Id`/],
      [{ Id: 'abc', Name: 'x', EndPointType: 'Callback', callback: () => {} }, 'ERR_INVALID_ARG_VALUE', /`Id`/],
      [{ Name: 'x', EndPointType: 'Callback' }, 'ERR_INVALID_ARG_TYPE', /`callback`/],
      [{ Name: 'x', EndPointType: 1, EndPointAddress: 'queue' }, 'ERR_INVALID_ARG_VALUE', /`EndPointType`/],
      [{ Name: 'x', EndPointType: 'WebHook', EndPointAddress: 'not a url' }, 'ERR_INVALID_ARG_VALUE', /`EndPointAddress`/],
      [{ Name: 'x', EndPointType: 'WebHook', EndPointAddress: 'ftp://example.com/x' }, 'ERR_INVALID_ARG_VALUE', /http: or https:/],
      [{ Name: 'x', EndPointType: 'WebHook', EndPointAddress: 'https://u:p@example.com/x' }, 'ERR_INVALID_ARG_VALUE', /password/],
      [{ Name: 'x', EndPointType: 'WebHook', EndPointAddress: 'https://example.com/x', signingKey: '' }, 'ERR_INVALID_ARG_VALUE', /`signingKey`/],
      [{ Name: 'x', EndPointType: 'WebHook', EndPointAddress: 'https://example.com/x', signingKey: 12 }, 'ERR_INVALID_ARG_TYPE', /`signingKey`/],
    ];
    for (const [input, code, message] of bad) {
      let error: unknown;
      try {
        hub.registerEndPoint(input as EndPointInput);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(input)).toBeInstanceOf(TypeError);
      expect((error as { code: string }).code, JSON.stringify(input)).toBe(code);
      expect((error as Error).message, JSON.stringify(input)).toMatch(message);
      expect((error as Error).message).toMatch(/^NotificationHub\.registerEndPoint: /);
    }
    expect(hub.endPoints()).toEqual([]);
  });

  it('refuses a second endpoint with the same Id', () => {
    const hub = new NotificationHub();
    hub.registerEndPoint({ Id: ID, Name: 'a', EndPointType: 'Callback', callback: () => {} });
    expect(codeOf(() => hub.registerEndPoint({ Id: ID, Name: 'b', EndPointType: 'Callback', callback: () => {} }))).toBe('NOTIFICATION_ENDPOINT_DUPLICATE');
    expect(hub.endPoint(ID)?.Name).toBe('a');
  });

  it('unregisterEndPoint() removes an endpoint, which may then be registered again', () => {
    const hub = new NotificationHub();
    hub.registerEndPoint({ Id: ID, Name: 'a', EndPointType: 'Callback', callback: () => {} });
    expect(hub.unregisterEndPoint(ID)).toBe(true);
    expect(hub.unregisterEndPoint(ID)).toBe(false);
    expect(hub.endPoint(ID)).toBeUndefined();
    expect(hub.registerEndPoint({ Id: ID, Name: 'b', EndPointType: 'Callback', callback: () => {} }).Name).toBe('b');
  });

  it('refuses new endpoints once closed', async () => {
    const hub = new NotificationHub();
    await hub.close();
    expect(codeOf(() => hub.registerEndPoint({ Name: 'a', EndPointType: 'Callback', callback: () => {} }))).toBe('NOTIFICATION_HUB_CLOSED');
  });

  it('checks its options the p-queue way', () => {
    const cases: Array<[object, RegExp]> = [
      [{ outboxLimit: 0 }, /Expected `outboxLimit` to be an integer >= 1, got `0` \(number\)/i],
      [{ maxAttempts: 1.5 }, /`maxAttempts` to be an integer >= 1, got `1.5` \(number\)/],
      [{ baseDelayMs: -1 }, /`baseDelayMs` to be a number >= 0/],
      [{ baseDelayMs: 100, maxDelayMs: 50 }, /`maxDelayMs` to be a number >= 100/],
      [{ requestTimeoutMs: 0 }, /`requestTimeoutMs`/],
      [{ random: 0.5 }, /`random` to be a function/],
      [{ fetch: 'x' }, /`fetch` to be a function/],
      [{ signatureHex: 'mixed' }, /`signatureHex`/],
      [{ accountId: 'a\r\nb' }, /`accountId`/],
    ];
    for (const [options, message] of cases) expect(() => new NotificationHub(options as never), JSON.stringify(options)).toThrow(message);
  });
});

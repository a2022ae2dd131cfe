import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayChannel, fillTemplate } from '../../../src/delivery/channels/gateway';
import { GatewayReceiver } from '../../helpers/receivers';
import { TEXT, deliveryError, expectNoSecret, li, message, wang, zhang } from './fixtures';

const TOKEN = 'gw-api-token-9f8e7d';

describe('SMS and voice through the HTTP gateway', () => {
  const rx = new GatewayReceiver(TOKEN);
  beforeAll(async () => { await rx.start(); });
  afterAll(async () => { await rx.stop(); });
  afterEach(() => { rx.mode = 'ok'; rx.refuse.clear(); });

  const channel = (over: Partial<ConstructorParameters<typeof GatewayChannel>[0]> = {}) =>
    new GatewayChannel({
      name: 'duty-sms', type: 'sms', url: rx.url(), headers: { authorization: `Bearer ${TOKEN}`, 'x-request-id': '{{deliveryId}}' },
      body: { phone: '{{phone}}', text: '{{text}}', ref: '{{incidentId}}/{{kind}}', meta: { notice: '{{noticeId}}', n: 1 } },
      success: { field: 'code', equals: 'OK' }, permanentCodes: ['isv.MOBILE_NUMBER_ILLEGAL'], rateLimitCodes: ['isv.BUSINESS_LIMIT_CONTROL'],
      rateLimitRetryAfterMs: 90_000, timeoutMs: 2_000, ...over,
    });

  it('fills placeholders: a whole-string placeholder becomes the value, embedded ones are inserted', () => {
    expect(fillTemplate({ a: '{{phone}}', b: 'x-{{kind}}-y', c: ['{{text}}', 3, null, true], d: '{{unknown}}' }, { phone: '138', kind: 'overdue', text: '你好' }))
      .toEqual({ a: '138', b: 'x-overdue-y', c: ['你好', 3, null, true], d: '{{unknown}}' });
  });

  it('is a person channel reaching people by phone, throttled per number', () => {
    const c = channel();
    expect(c.mode).toBe('person');
    expect(c.type).toBe('sms');
    expect(c.addressOf(zhang)).toBe('13800000001');
    expect(c.addressOf(wang)).toBeUndefined();
    expect(channel({ members: ['li.si'] }).addressOf(zhang)).toBeUndefined();
    expect(c.receiverKey({ destination: 'person=zhang.san', address: '13800000001' })).toBe('sms:13800000001');
    expect(c.rate).toEqual({ limit: 1, windowMs: 60_000 });
    expect(channel({ rate: { limit: 3, windowMs: 3_600_000 } }).rate).toEqual({ limit: 3, windowMs: 3_600_000 });
  });

  it('SMS sends the full text as JSON with the configured headers; Chinese intact', async () => {
    await channel().deliver(message({ address: '13800000002', people: [li], deliveryId: 'N-9/person=li.si/duty-sms' }));
    const r = rx.accepted.at(-1)!;
    expect(r.json).toEqual({ phone: '13800000002', text: TEXT, ref: 'INC-2024-007/overdue', meta: { notice: 'N-1', n: 1 } });
    expect(r.headers['x-request-id']).toBe('N-9/person=li.si/duty-sms');
    expect(r.headers['content-type']).toContain('application/json');
  });

  it('voice sends the short line; a form-encoded body works too', async () => {
    const voice = channel({ name: 'duty-voice', type: 'voice', bodyFormat: 'form' });
    expect(voice.rate).toEqual({ limit: 1, windowMs: 60_000 });
    const m = message({ address: '13800000001' });
    await voice.deliver(m);
    const r = rx.accepted.at(-1)!;
    expect(r.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(rx.sent.at(-1)).toMatchObject({ phone: '13800000001', text: m.short });
  });

  it('placeholders in the URL query are percent-encoded (GET gateways)', async () => {
    const get = channel({ method: 'GET', body: undefined, url: `${rx.url()}?phone={{phone}}&text={{text}}` });
    await get.deliver(message({ address: '13800000001' }));
    const r = rx.accepted.at(-1)!;
    expect(r.method).toBe('GET');
    expect(r.query.get('text')).toBe(TEXT);
  });

  it('an unknown placeholder is refused when the channel is built', () => {
    expect(() => channel({ body: { phone: '{{phone}}', t: '{{txet}}' } })).toThrow(/unknown placeholder \{\{txet\}\}/);
  });

  it('a refused number (a permanent code) is permanent; a rate-limit code waits as configured', async () => {
    rx.refuse.add('13800000002');
    const bad = await deliveryError(channel().deliver(message({ address: '13800000002', people: [li] })));
    expect(bad.retryable).toBe(false);
    expect(bad.message).toContain('isv.MOBILE_NUMBER_ILLEGAL');
    rx.mode = 'rate-limited';
    const limited = await deliveryError(channel().deliver(message({ address: '13800000001' })));
    expect(limited.retryable).toBe(true);
    expect(limited.retryAfterMs).toBe(90_000);
  });

  it('a wrong token is 401: permanent, and the token is in no message', async () => {
    const err = await deliveryError(channel({ headers: { authorization: 'Bearer wrong-token-xyz' } }).deliver(message({ address: '13800000001' })));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HTTP 401');
    expectNoSecret(err, ['wrong-token-xyz', TOKEN]);
  });

  it('a success field that does not match is retried unless its code is permanent', async () => {
    const strict = channel({ success: { field: 'code', equals: 'SENT' } });
    const err = await deliveryError(strict.deliver(message({ address: '13800000001' })));
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('code=OK');
  });

  it('5xx, a hang and an outage are retryable; back on the same port it delivers', async () => {
    rx.mode = 'fail';
    expect((await deliveryError(channel().deliver(message({ address: '13800000001' })))).retryable).toBe(true);
    rx.mode = 'hang';
    expect((await deliveryError(channel({ timeoutMs: 300 }).deliver(message({ address: '13800000001' })))).retryable).toBe(true);
    rx.mode = 'ok';
    await rx.stop();
    const down = await deliveryError(channel().deliver(message({ address: '13800000001' })));
    expect(down.retryable).toBe(true);
    expectNoSecret(down, [TOKEN]);
    await rx.start();
    const n = rx.accepted.length;
    await channel().deliver(message({ address: '13800000001' }));
    expect(rx.accepted.length).toBe(n + 1);
  });
});

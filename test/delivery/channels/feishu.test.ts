import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FeishuChannel, feishuSign } from '../../../src/delivery/channels/feishu';
import { FeishuReceiver } from '../../helpers/receivers';
import { SUBJECT, TEXT, deliveryError, expectNoSecret, li, message, wang, zhang } from './fixtures';

const TOKEN = '5e3d587e-d78e-4a07-bd07-265f269f86fd';
const SECRET = 'nIMtb7r3N9pkXyXdtAbx6e';

describe('Feishu custom bot', () => {
  const rx = new FeishuReceiver({ token: TOKEN, secret: SECRET });
  beforeAll(async () => { await rx.start(); });
  afterAll(async () => { await rx.stop(); });
  afterEach(() => { rx.mode = 'ok'; rx.legacy = false; });

  const channel = (over: Partial<ConstructorParameters<typeof FeishuChannel>[0]> = {}) =>
    new FeishuChannel({ name: 'duty-feishu', token: TOKEN, secret: SECRET, members: ['zhang.san', 'li.si', 'wang.wu'], baseUrl: rx.baseUrl, timeoutMs: 2_000, ...over });

  it('signs as the guide defines it: key = timestamp + "\\n" + secret, empty message, base64 (the guide\'s example timestamp)', () => {
    // the guide's example timestamp 1599360473; the value computed independently with Python's hmac
    expect(feishuSign('this is secret', 1599360473)).toBe('/eYKrXQBzTjUZJ3s6NX16VxGbTwmK7AEs8/FnvC1CSw=');
    const body = new FeishuChannel({ name: 'x', token: 't', secret: 'this is secret', members: ['a'] }).body(message({ people: [] }), 1599360473);
    // the guide's request shape: timestamp as a string of seconds, sign, msg_type, content.text
    expect(body).toEqual({ timestamp: '1599360473', sign: '/eYKrXQBzTjUZJ3s6NX16VxGbTwmK7AEs8/FnvC1CSw=', msg_type: 'text', content: { text: `${SUBJECT}\n${TEXT}` } });
  });

  it('is a group channel within 100/minute and 5/second', () => {
    const c = channel({ members: ['zhang.san'] });
    expect(c.mode).toBe('group');
    expect(c.members([zhang, li])).toEqual([zhang]);
    expect(c.rate.limit / c.rate.windowMs * 60_000).toBeLessThanOrEqual(100);
    expect(Math.ceil(1000 / c.rate.windowMs) * c.rate.limit).toBeLessThanOrEqual(5);
  });

  it('posts signed text with <at user_id> for open ids and names for the others; verified by the receiver', async () => {
    await channel().deliver(message({ people: [zhang, li, wang] }));
    const got = rx.messages.at(-1)!;
    expect(got.msg_type).toBe('text');
    expect(got.content.text).toBe(`${SUBJECT}\n${TEXT}\n<at user_id="ou_7d8a6e6df7621556ce0d21922b676706">张三</at> @李四 @王五`);
    expect(Math.abs(Number(got.timestamp) - Date.now() / 1000)).toBeLessThan(120);
  });

  it('text that looks like an <at> tag cannot mention anyone', async () => {
    await channel().deliver(message({ text: '请 <at user_id="all">所有人</at> 注意', people: [wang] }));
    expect(rx.messages.at(-1)!.content.text).not.toContain('<at user_id="all">');
  });

  it('the legacy success answer (StatusCode 0) is accepted', async () => {
    rx.legacy = true;
    await channel().deliver(message());
    expect(rx.accepted.at(-1)!.json).toBeTruthy();
  });

  it('a wrong secret, or a timestamp over an hour old, is 19021: permanent; no secret in the message', async () => {
    const wrong = await deliveryError(channel({ secret: 'not-the-secret-at-all' }).deliver(message()));
    expect(wrong.retryable).toBe(false);
    expect(wrong.message).toContain('19021');
    expectNoSecret(wrong, ['not-the-secret-at-all', SECRET, TOKEN]);
    const stale = await deliveryError(channel().deliver(message({ sentAt: Date.now() - 3 * 3600_000 })));
    expect(stale.retryable).toBe(false);
    expect(stale.message).toContain('19021');
  });

  it('a wrong token (19001), a missing keyword (19024) are permanent', async () => {
    const token = await deliveryError(channel({ token: 'bad-token-123' }).deliver(message()));
    expect(token.retryable).toBe(false);
    expect(token.message).toContain('19001');
    expectNoSecret(token, ['bad-token-123']);
    const kw = new FeishuReceiver({ token: TOKEN, keywords: ['告警'] });
    await kw.start();
    try {
      const err = await deliveryError(channel({ secret: undefined, baseUrl: kw.baseUrl }).deliver(message()));
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('19024');
      await channel({ secret: undefined, keyword: '告警', baseUrl: kw.baseUrl }).deliver(message());
      expect(kw.messages[0].content.text.startsWith('【告警】')).toBe(true);
    } finally {
      await kw.stop();
    }
  });

  it('code 11232 is rate-limited: retryable with a wait', async () => {
    rx.mode = 'rate-limited';
    const err = await deliveryError(channel().deliver(message()));
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.message).toContain('11232');
  });

  it('5xx, a hang and an outage are retryable; it recovers on the same port', async () => {
    rx.mode = 'fail';
    expect((await deliveryError(channel().deliver(message()))).retryable).toBe(true);
    rx.mode = 'hang';
    expect((await deliveryError(channel({ timeoutMs: 300 }).deliver(message()))).retryable).toBe(true);
    rx.mode = 'ok';
    await rx.stop();
    const down = await deliveryError(channel().deliver(message()));
    expect(down.retryable).toBe(true);
    expectNoSecret(down, [TOKEN, SECRET]);
    await rx.start();
    await channel().deliver(message());
    expect(rx.messages.at(-1)!.content.text).toContain(TEXT);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DingTalkChannel, dingtalkSign } from '../../../src/delivery/channels/dingtalk';
import { DingTalkReceiver } from '../../helpers/receivers';
import { SUBJECT, TEXT, deliveryError, expectNoSecret, li, message, wang, zhang } from './fixtures';

const TOKEN = '566cc69da782ec33e42541b09b08551f09fbe864eb8008112e994b43887';
const SECRET = 'SEC19dd84be8c7f3cf71761974f1ed3ef77c1451906ae8ba18acf56103ee';

describe('DingTalk custom robot', () => {
  const rx = new DingTalkReceiver({ accessToken: TOKEN, secret: SECRET, keywords: ['舆情'] });
  beforeAll(async () => { await rx.start(); });
  afterAll(async () => { await rx.stop(); });
  afterEach(() => { rx.mode = 'ok'; rx.failAs = 'http'; rx.rateLimitCode = 130101; });

  const channel = (over: Partial<ConstructorParameters<typeof DingTalkChannel>[0]> = {}) =>
    new DingTalkChannel({ name: 'duty-dingtalk', accessToken: TOKEN, secret: SECRET, members: ['zhang.san', 'li.si', 'wang.wu'], baseUrl: rx.baseUrl, timeoutMs: 2_000, ...over });

  it('signs as the DingTalk guide computes it (its Python snippet, secret "this is secret", a fixed timestamp)', () => {
    // python: hmac.new(secret, f"{ts}\n{secret}", sha256) → base64 → quote_plus
    expect(dingtalkSign('this is secret', 1599360473000)).toBe('hXZTWifRGHclNuZSKxoXc//sh51SWfVfRIhcdeKs63I=');
    const url = new URL(new DingTalkChannel({ name: 'x', accessToken: 'tok', secret: 'this is secret', members: ['a'] }).url(1599360473000));
    expect(url.origin + url.pathname).toBe('https://oapi.dingtalk.com/robot/send');
    expect(url.search).toContain('sign=hXZTWifRGHclNuZSKxoXc%2F%2Fsh51SWfVfRIhcdeKs63I%3D');
    expect(url.searchParams.get('timestamp')).toBe('1599360473000');
    expect(url.searchParams.get('access_token')).toBe('tok');
  });

  it('is a group channel at 20 a minute', () => {
    const c = channel({ members: ['li.si'] });
    expect(c.mode).toBe('group');
    expect(c.members([zhang, li, wang])).toEqual([li]);
    expect(c.rate).toEqual({ limit: 20, windowMs: 60_000 });
  });

  it('posts signed text with @userid / @mobile in the content and the at lists; the receiver verifies sign and keyword', async () => {
    await channel().deliver(message({ people: [zhang, li, wang] }));
    const got = rx.messages.at(-1)!;
    expect(got.msgtype).toBe('text');
    expect(got.text.content).toBe(`${SUBJECT}\n${TEXT}\n@dt-zhangsan @13800000002 @王五`);
    expect(got.at).toEqual({ atMobiles: ['13800000002'], atUserIds: ['dt-zhangsan'], isAtAll: false });
    const q = rx.accepted.at(-1)!.query;
    expect(Number(q.get('timestamp'))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a keyword the content lacks is put in front', async () => {
    const plain = new DingTalkReceiver({ accessToken: TOKEN, keywords: ['应急'] });
    await plain.start();
    try {
      await channel({ secret: undefined, keyword: '应急', baseUrl: plain.baseUrl }).deliver(message({ people: [li] }));
      expect(plain.messages[0].text.content.startsWith('【应急】')).toBe(true);
      const err = await deliveryError(channel({ secret: undefined, baseUrl: plain.baseUrl }).deliver(message({ people: [li] })));
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('310000');
    } finally {
      await plain.stop();
    }
  });

  it('a wrong secret is refused (310000 sign not match): permanent, and no secret is in the message', async () => {
    const wrong = 'SEC0000000000000000000000000000000000000000000000000000000000';
    const err = await deliveryError(channel({ secret: wrong }).deliver(message()));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('310000');
    expect(err.message).toContain('sign not match');
    expectNoSecret(err, [wrong, SECRET, TOKEN]);
  });

  it('a timestamp over an hour old is refused, as DingTalk does', async () => {
    const err = await deliveryError(channel().deliver(message({ sentAt: Date.now() - 2 * 3600_000 })));
    expect(err.retryable).toBe(false);
    expect(rx.rejected.at(-1)!.reason).toBe('timestamp');
  });

  it('a wrong token is permanent (300005) and not in the message', async () => {
    const err = await deliveryError(channel({ accessToken: 'nope-not-a-token' }).deliver(message()));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('300005');
    expectNoSecret(err, ['nope-not-a-token', SECRET]);
  });

  it('throttling (130101, and 410100) waits the 10 minutes DingTalk throttles for', async () => {
    rx.mode = 'rate-limited';
    for (const code of [130101, 410100]) {
      rx.rateLimitCode = code;
      const err = await deliveryError(channel().deliver(message()));
      expect(err.retryable).toBe(true);
      expect(err.retryAfterMs).toBe(10 * 60_000);
      expect(err.message).toContain(String(code));
    }
  });

  it('5xx and errcode -1 are retryable; down is retryable; up again it delivers', async () => {
    rx.mode = 'fail';
    expect((await deliveryError(channel().deliver(message()))).retryable).toBe(true);
    rx.failAs = 'vendor';
    expect((await deliveryError(channel().deliver(message()))).retryable).toBe(true);
    rx.mode = 'ok';
    await rx.stop();
    const down = await deliveryError(channel().deliver(message()));
    expect(down.retryable).toBe(true);
    expectNoSecret(down, [TOKEN, SECRET]);
    await rx.start();
    const n = rx.accepted.length;
    await channel().deliver(message());
    expect(rx.accepted.length).toBe(n + 1);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WeComChannel, WECOM_RATE } from '../../../src/delivery/channels/wecom';
import { WeComReceiver } from '../../helpers/receivers';
import { SUBJECT, TEXT, deliveryError, expectNoSecret, li, message, wang, zhang } from './fixtures';

const KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';

describe('WeCom group robot', () => {
  const rx = new WeComReceiver(KEY);
  beforeAll(async () => { await rx.start(); });
  afterAll(async () => { await rx.stop(); });
  afterEach(() => { rx.mode = 'ok'; rx.failAs = 'http'; });

  const channel = (over: Partial<ConstructorParameters<typeof WeComChannel>[0]> = {}) =>
    new WeComChannel({ name: 'duty-wecom', key: KEY, members: ['zhang.san', 'li.si', 'wang.wu'], baseUrl: rx.baseUrl, timeoutMs: 2_000, ...over });

  it('is a group channel with the documented rate, whose members are the listed person ids', () => {
    const c = channel({ members: ['zhang.san', 'wang.wu'] });
    expect(c.mode).toBe('group');
    expect(c.addressOf()).toBeUndefined();
    expect(c.members([zhang, li, wang, zhang]).map((r) => r.personId)).toEqual(['zhang.san', 'wang.wu']);
    expect(c.rate).toEqual({ limit: 20, windowMs: 60_000 });
    expect(WECOM_RATE.limit).toBe(20);
    expect(c.receiverKey()).toBe('wecom:duty-wecom');
  });

  it('posts text with mentions by userid, else mobile, else the name; Chinese intact; accepted by the receiver', async () => {
    const before = rx.accepted.length;
    await channel().deliver(message({ destination: 'group=duty-wecom', people: [zhang, li, wang] }));
    expect(rx.accepted.length).toBe(before + 1);
    const got = rx.messages.at(-1)!;
    expect(got.msgtype).toBe('text');
    expect(got.text!.content).toBe(`${SUBJECT}\n${TEXT}\n@王五`);
    expect(got.text!.mentioned_list).toEqual(['ZhangSan']);
    expect(got.text!.mentioned_mobile_list).toEqual(['13800000002']);
    expect(rx.requests.at(-1)!.headers['content-type']).toContain('application/json');
  });

  it('markdown mentions by <@userid> and names the others', async () => {
    await channel({ format: 'markdown' }).deliver(message({ people: [zhang, li] }));
    const got = rx.messages.at(-1)!;
    expect(got.msgtype).toBe('markdown');
    expect(got.markdown!.content).toContain('<@ZhangSan>');
    expect(got.markdown!.content).toContain('@李四');
    expect(got.markdown!.content.startsWith(SUBJECT)).toBe(true);
  });

  it('keeps long content within 2048 bytes without breaking a character', async () => {
    await channel().deliver(message({ text: '网'.repeat(1500), people: [wang] }));
    const content = rx.messages.at(-1)!.text!.content;
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(2048);
    expect(content).toContain('…');
    expect(content.endsWith('@王五')).toBe(true);
    expect(content).not.toContain('\uFFFD');
  });

  it('a wrong key is errcode 93000: permanent, and the key is in no message', async () => {
    const err = await deliveryError(channel({ key: 'wrong-key-0000' }).deliver(message()));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('93000');
    expectNoSecret(err, ['wrong-key-0000', KEY]);
    expect(rx.rejected.at(-1)!.reason).toBe('key');
  });

  it('errcode 45009 is rate-limited: retryable after a minute', async () => {
    rx.mode = 'rate-limited';
    const err = await deliveryError(channel().deliver(message()));
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(60_000);
    expect(err.message).toContain('45009');
  });

  it('the receiver throttling by itself past 20 a minute answers 45009 too', async () => {
    const own = new WeComReceiver(KEY);
    await own.start();
    own.limit = { limit: 20, windowMs: 60_000 };
    try {
      const c = channel({ baseUrl: own.baseUrl });
      for (let i = 0; i < 20; i++) await c.deliver(message());
      const err = await deliveryError(c.deliver(message()));
      expect(err.retryAfterMs).toBe(60_000);
      expect(own.accepted.length).toBe(20);
    } finally {
      await own.stop();
    }
  });

  it('HTTP 5xx and errcode -1 are retryable', async () => {
    rx.mode = 'fail';
    const http = await deliveryError(channel().deliver(message()));
    expect(http.retryable).toBe(true);
    expect(http.message).toContain('HTTP 502');
    rx.failAs = 'vendor';
    const vendor = await deliveryError(channel().deliver(message()));
    expect(vendor.retryable).toBe(true);
    expect(vendor.message).toContain('errcode -1');
  });

  it('a hanging receiver times out retryably; a stopped one is unreachable, retryable; it recovers on the same port', async () => {
    rx.mode = 'hang';
    const slow = await deliveryError(channel({ timeoutMs: 300 }).deliver(message()));
    expect(slow.retryable).toBe(true);
    expect(slow.message).toContain('no answer within 300 ms');
    rx.mode = 'ok';
    const port = rx.port;
    await rx.stop();
    const down = await deliveryError(channel().deliver(message()));
    expect(down.retryable).toBe(true);
    expect(down.message).toContain('cannot reach');
    expectNoSecret(down, [KEY]);
    await rx.start();
    expect(rx.port).toBe(port);
    await channel().deliver(message());
    expect(rx.messages.at(-1)!.text!.content).toContain(SUBJECT);
  });
});

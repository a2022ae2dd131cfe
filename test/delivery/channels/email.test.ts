import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmailChannel, messageIdFor } from '../../../src/delivery/channels/email';
import { SmtpReceiver } from '../../helpers/receivers';
import { SUBJECT, TEXT, deliveryError, expectNoSecret, li, message, wang, zhang } from './fixtures';

const PASS = 'smtp-Pa55word-ZX';

describe('email over SMTP', () => {
  const rx = new SmtpReceiver('notify@example.gov.cn', PASS);
  beforeAll(async () => { await rx.start(); });
  afterAll(async () => { await rx.stop(); });
  afterEach(() => { rx.mode = 'ok'; rx.refuse.clear(); });

  const channel = (over: Partial<ConstructorParameters<typeof EmailChannel>[0]> = {}) =>
    new EmailChannel({
      name: 'office-mail', host: '127.0.0.1', port: rx.port, security: 'none', user: 'notify@example.gov.cn', pass: PASS,
      from: '市委网信办应急值守 <notify@example.gov.cn>', timeoutMs: 2_000, ...over,
    });

  it('is a person channel addressed by contacts.email, throttled per address', () => {
    const c = channel();
    expect(c.mode).toBe('person');
    expect(c.addressOf(zhang)).toBe('zhangsan@example.gov.cn');
    expect(c.addressOf(wang)).toBeUndefined();
    expect(channel({ members: ['li.si'] }).addressOf(zhang)).toBeUndefined();
    expect(c.receiverKey({ destination: 'person=li.si', address: 'LiSi@Example.gov.cn' })).toBe('email:lisi@example.gov.cn');
    expect(c.rate).toEqual({ limit: 10, windowMs: 60_000 });
  });

  it('a Message-ID from the delivery id: stable, a valid dot-atom', () => {
    const a = messageIdFor('N-1/person=zhang.san/office-mail', 'example.gov.cn');
    expect(a).toBe(messageIdFor('N-1/person=zhang.san/office-mail', 'example.gov.cn'));
    expect(a).toBe('<N-1%2Fperson%3Dzhang%2Esan%2Foffice-mail@example.gov.cn>');
    expect(messageIdFor('N-1/person=张三/m', 'x.cn')).toMatch(/^<[\x21-\x7e]+@x\.cn>$/);
  });

  it('delivers UTF-8 subject and body intact, From as configured, Message-ID and X-Delivery-Id from the delivery', async () => {
    const m = message({ address: 'lisi@example.gov.cn', people: [li], deliveryId: 'N-3/person=li.si/office-mail' });
    await channel().deliver(m);
    const mail = rx.mails.at(-1)!;
    expect(mail.subject).toBe(SUBJECT);
    expect(mail.text).toBe(TEXT);
    expect(mail.from).toBe('notify@example.gov.cn');
    expect(mail.to).toEqual(['lisi@example.gov.cn']);
    expect(mail.envelope).toEqual({ from: 'notify@example.gov.cn', to: ['lisi@example.gov.cn'] });
    expect(mail.messageId).toBe('<N-3%2Fperson%3Dli%2Esi%2Foffice-mail@example.gov.cn>');
    expect(mail.headers.get('x-delivery-id')).toBe('N-3/person=li.si/office-mail');
    expect(String((mail.headers.get('from') as { text: string }).text)).toContain('市委网信办应急值守');
    expect(mail.raw).not.toContain(PASS);
  });

  it('a burst goes out over the pool\'s connections side by side: at most smtp.connections at once (default 8)', async () => {
    const burst = async (c: EmailChannel, n: number, tag: string) => {
      // (connections other tests' channels left open count in neither direction)
      const before = rx.openConnections;
      rx.peakConnections = before;
      const sent = rx.mails.length;
      await Promise.all(Array.from({ length: n }, (_, i) => c.deliver(message({
        address: `p${i}@example.gov.cn`, people: [{ ...li, personId: `p${i}`, contacts: { email: `p${i}@example.gov.cn` } }], deliveryId: `N-${tag}/person=p${i}/office-mail`,
      }))));
      expect(rx.mails.length - sent).toBe(n);
      c.close();
      return rx.peakConnections - before;
    };
    expect(await burst(channel({ connections: 2 }), 6, 'two')).toBeLessThanOrEqual(2);
    const peak = await burst(channel(), 16, 'default');
    expect(peak).toBeGreaterThan(4);
    expect(peak).toBeLessThanOrEqual(8);
  });

  it('a resend of the same delivery carries the same Message-ID', async () => {
    const m = message({ address: 'zhangsan@example.gov.cn', deliveryId: 'N-4/person=zhang.san/office-mail' });
    await channel().deliver(m);
    await channel().deliver({ ...m, sentAt: Date.now() });
    const same = rx.byMessageId.get('<N-4%2Fperson%3Dzhang%2Esan%2Foffice-mail@example.gov.cn>')!;
    expect(same.length).toBe(2);
  });

  it('a wrong password is refused (535): permanent, and the password is in no message', async () => {
    const err = await deliveryError(channel({ pass: 'wrong-password-77' }).deliver(message({ address: 'lisi@example.gov.cn', people: [li] })));
    expect(err.retryable).toBe(false);
    expect(rx.authFailures).toBeGreaterThan(0);
    expectNoSecret(err, ['wrong-password-77', PASS]);
  });

  it('a mailbox refused with 550 is permanent; 451 and 421 are retryable', async () => {
    rx.refuse.add('lisi@example.gov.cn');
    const refused = await deliveryError(channel().deliver(message({ address: 'lisi@example.gov.cn', people: [li] })));
    expect(refused.retryable).toBe(false);
    expect(refused.message).toContain('550');
    rx.refuse.clear();
    rx.mode = 'fail';
    const later = await deliveryError(channel().deliver(message({ address: 'lisi@example.gov.cn', people: [li] })));
    expect(later.retryable).toBe(true);
    expect(later.message).toContain('451');
    rx.mode = 'rate-limited';
    const slow = await deliveryError(channel().deliver(message({ address: 'lisi@example.gov.cn', people: [li] })));
    expect(slow.retryable).toBe(true);
    expect(slow.message).toContain('421');
  });

  it('a server that never answers DATA times out retryably; a stopped one is unreachable; it recovers', async () => {
    rx.mode = 'hang';
    const hang = await deliveryError(channel({ timeoutMs: 500 }).deliver(message({ address: 'lisi@example.gov.cn', people: [li] })));
    expect(hang.retryable).toBe(true);
    rx.mode = 'ok';
    const port = rx.port;
    await rx.stop();
    const down = await deliveryError(channel({ port }).deliver(message({ address: 'lisi@example.gov.cn', people: [li] })));
    expect(down.retryable).toBe(true);
    expectNoSecret(down, [PASS]);
    await rx.start();
    expect(rx.port).toBe(port);
    const n = rx.mails.length;
    await channel().deliver(message({ address: 'lisi@example.gov.cn', people: [li] }));
    expect(rx.mails.length).toBe(n + 1);
  });
});

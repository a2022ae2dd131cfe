import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebhookChannel, webhookId, webhookSignature } from '../../../src/delivery/channels/webhook';
import { StandardWebhookReceiver } from '../../helpers/receivers';
import { SUBJECT, TEXT, deliveryError, expectNoSecret, li, message, wang, zhang } from './fixtures';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('Standard Webhooks signed webhook', () => {
  const rx = new StandardWebhookReceiver(SECRET);
  beforeAll(async () => { await rx.start(); });
  afterAll(async () => { await rx.stop(); });
  afterEach(() => { rx.mode = 'ok'; });

  const channel = (over: Partial<ConstructorParameters<typeof WebhookChannel>[0]> = {}) =>
    new WebhookChannel({ name: 'ops-webhook', secret: SECRET, url: rx.url('/hooks/duty?token=hook-token-123'), timeoutMs: 2_000, ...over });

  it('signs the published test vector of the Standard Webhooks libraries', () => {
    // libraries/javascript/src/webhook.test.ts, "sign function works"
    expect(webhookSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'))
      .toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    // the bare base64 form is the same key
    expect(webhookSignature('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'))
      .toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('webhook-id is the delivery id without dots (the spec forbids them), reversibly', () => {
    expect(webhookId('N-1/person=li/ops')).toBe('N-1/person=li/ops');
    expect(webhookId('N-1/person=zhang.san/ops')).toBe('N-1/person=zhang%2Esan/ops');
    expect(webhookId('a%2Eb.c')).toBe('a%252Eb%2Ec');
    expect(decodeURIComponent(webhookId('N-1/person=zhang.san/ops'))).toBe('N-1/person=zhang.san/ops');
  });

  it('reaches a person by their own webhook, else by the configured URL (for its members, or everyone); the address is a label', () => {
    const own = { ...wang, contacts: { webhook: 'https://hooks.example.cn/u/secret-path-abc' } };
    const c = channel();
    expect(c.mode).toBe('person');
    const a = c.addressOf(own)!;
    expect(a).toMatch(/^hooks\.example\.cn#[0-9a-f]{10}$/);
    expect(a).not.toContain('secret-path');
    expect(c.addressOf(li)).toMatch(/^127\.0\.0\.1:\d+#/);
    expect(c.addressOf(li)).not.toContain('hook-token');
    const limited = channel({ members: ['zhang.san'] });
    expect(limited.addressOf(zhang)).toBeDefined();
    expect(limited.addressOf(li)).toBeUndefined();
    expect(limited.addressOf(own)).toBe(a);
    expect(new WebhookChannel({ name: 'x', secret: SECRET }).addressOf(li)).toBeUndefined();
    expect(c.receiverKey({ destination: 'person=li.si', address: c.addressOf(li) })).toBe(`webhook:${c.addressOf(li)}`);
    expect(c.rate).toEqual({ limit: 60, windowMs: 60_000 });
  });

  it('posts the notice as JSON with webhook-id/-timestamp/-signature and Idempotency-Key; the receiver verifies it', async () => {
    const c = channel();
    const m = message({ deliveryId: 'N-7/person=zhang.san/ops-webhook', people: [zhang], address: c.addressOf(zhang) });
    await c.deliver(m);
    const r = rx.accepted.at(-1)!;
    expect(r.path).toBe('/hooks/duty');
    expect(r.query.get('token')).toBe('hook-token-123');
    expect(r.headers['webhook-id']).toBe('N-7/person=zhang%2Esan/ops-webhook');
    expect(r.headers['idempotency-key']).toBe('N-7/person=zhang.san/ops-webhook');
    expect(r.headers['webhook-timestamp']).toBe(String(Math.floor(m.sentAt / 1000)));
    expect(String(r.headers['webhook-signature'])).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const payload = r.json as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload.type).toBe('notice.overdue');
    expect(payload.data).toMatchObject({
      deliveryId: 'N-7/person=zhang.san/ops-webhook', noticeId: 'N-1', incidentId: 'INC-2024-007', kind: 'overdue',
      destination: 'person=zhang.san', subject: SUBJECT, text: TEXT, sentAt: new Date(m.sentAt).toISOString(),
      people: [{ personId: 'zhang.san', name: '张三', role: 'monitor' }],
    });
    // contacts stay out of the payload
    expect(r.raw).not.toContain('13800000001');
  });

  it('a resend of the same delivery is counted once by the receiver', async () => {
    const c = channel();
    const m = message({ deliveryId: 'N-dup/person=li.si/ops-webhook', people: [li], address: c.addressOf(li) });
    const before = rx.unique.size;
    await c.deliver(m);
    await c.deliver({ ...m, sentAt: Date.now() });
    expect(rx.unique.size).toBe(before + 1);
    expect(rx.duplicates).toBeGreaterThanOrEqual(1);
  });

  it('a person with their own webhook gets it there', async () => {
    const own = { ...wang, contacts: { webhook: rx.url('/personal/wang') } };
    const c = channel();
    await c.deliver(message({ people: [own], address: c.addressOf(own), deliveryId: 'N-2/person=wang.wu/ops-webhook' }));
    expect(rx.accepted.at(-1)!.path).toBe('/personal/wang');
  });

  it('a wrong secret is 401 at the receiver: permanent, no secret or URL in the message', async () => {
    const wrong = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const c = channel({ secret: wrong });
    const err = await deliveryError(c.deliver(message({ address: c.addressOf(zhang) })));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HTTP 401');
    expect(rx.rejected.at(-1)!.reason).toBe('signature mismatch');
    expectNoSecret(err, [wrong, wrong.slice(6), SECRET.slice(6), 'hook-token-123']);
  });

  it('a stale timestamp is refused by the receiver (5-minute tolerance)', async () => {
    const c = channel();
    const err = await deliveryError(c.deliver(message({ address: c.addressOf(zhang), sentAt: Date.now() - 10 * 60_000 })));
    expect(err.retryable).toBe(false);
    expect(rx.rejected.at(-1)!.reason).toBe('timestamp outside tolerance');
  });

  it('429 with Retry-After is retryable after that wait; 503 is retryable', async () => {
    const c = channel();
    rx.mode = 'rate-limited';
    const limited = await deliveryError(c.deliver(message({ address: c.addressOf(zhang) })));
    expect(limited.retryable).toBe(true);
    expect(limited.retryAfterMs).toBe(7_000);
    rx.mode = 'fail';
    const failed = await deliveryError(c.deliver(message({ address: c.addressOf(zhang) })));
    expect(failed.retryable).toBe(true);
    expect(failed.message).toContain('HTTP 503');
  });

  it('a hang times out and an outage is unreachable, both retryable and without the URL; then it recovers', async () => {
    const c = channel();
    rx.mode = 'hang';
    const slow = await deliveryError(channel({ timeoutMs: 300 }).deliver(message({ address: c.addressOf(zhang) })));
    expect(slow.retryable).toBe(true);
    rx.mode = 'ok';
    await rx.stop();
    const down = await deliveryError(c.deliver(message({ address: c.addressOf(zhang) })));
    expect(down.retryable).toBe(true);
    expectNoSecret(down, ['hook-token-123', SECRET]);
    await rx.start();
    await c.deliver(message({ address: c.addressOf(zhang), deliveryId: 'N-after/person=zhang.san/ops-webhook' }));
    expect(rx.unique.has('N-after/person=zhang.san/ops-webhook')).toBe(true);
  });

  it('a malformed secret is refused at construction', () => {
    expect(() => new WebhookChannel({ name: 'x', secret: 'whsec_not base64!' })).toThrow(/base64/);
  });
});

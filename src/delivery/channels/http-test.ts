import { DeliveryError, type DeliveryChannel, type OutgoingMessage } from './channel';

/**
 * A test-only channel: POSTs each message as JSON to one HTTP endpoint with an `Idempotency-Key` header
 * (the delivery id). Enabled only by DELIVERY_TEST_HTTP_URL; the signed webhook channel is the real one.
 */
export class HttpTestChannel implements DeliveryChannel {
  readonly name = 'http-test';
  readonly type = 'http-test' as const;
  readonly mode = 'person' as const;
  constructor(private readonly url: string, private readonly timeoutMs = 10_000) {}

  addressOf(): string {
    return this.url;
  }

  receiverKey(m: Pick<OutgoingMessage, 'destination'>): string {
    return m.destination;
  }

  async deliver(m: OutgoingMessage): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': m.deliveryId },
      body: JSON.stringify({ id: m.deliveryId, notice: m.noticeId, incident: m.incidentId, kind: m.kind, to: m.people.map((p) => p.name).join('、'), subject: m.subject, text: m.text }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new DeliveryError(`HTTP ${res.status} from ${new URL(this.url).host}`, res.status >= 500 || res.status === 429);
  }
}

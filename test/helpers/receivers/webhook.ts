import { createHmac } from 'node:crypto';
import { HttpVendorReceiver, isObject, sameText, type Answer, type RecordedRequest } from './http-base';

/**
 * A loopback Standard Webhooks consumer (standardwebhooks.com): on any path, verifies `webhook-id`,
 * `webhook-timestamp` (within `toleranceSec`, 5 minutes as the reference libraries use) and
 * `webhook-signature` (any of its space-delimited `v1,` signatures over `${id}.${timestamp}.${body}`
 * with the decoded `whsec_` key), and the payload shape `{type, timestamp, data:{…}}`. A bad signature or
 * stale timestamp answers 401, a wrong shape 400. It honours idempotency: a `webhook-id` (or
 * `Idempotency-Key`) seen before is answered 200 and not counted again (`unique`, `duplicates`).
 * Modes: fail → 503, rate-limited → 429 with Retry-After (`retryAfterSec`).
 */
export class StandardWebhookReceiver extends HttpVendorReceiver {
  retryAfterSec = 7;
  toleranceSec = 300;
  /** the first accepted request of each id: what a consumer acts on */
  readonly unique = new Map<string, RecordedRequest>();
  duplicates = 0;
  private readonly key: Buffer;

  constructor(secret: string) {
    super();
    this.key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  }

  url(path = '/hooks/notices'): string {
    return `${this.origin}${path}`;
  }

  /** the accepted payloads, one per id */
  get payloads() {
    return [...this.unique.values()].map((r) => r.json as { type: string; timestamp: string; data: Record<string, unknown> });
  }

  protected verify(r: RecordedRequest): Answer | { reject: string; answer: Answer } {
    const no = (reject: string, status: number) => ({ reject, answer: { status, body: { error: reject } } });
    if (r.method !== 'POST') return no('method', 405);
    const id = String(r.headers['webhook-id'] ?? '');
    const ts = String(r.headers['webhook-timestamp'] ?? '');
    const sigs = String(r.headers['webhook-signature'] ?? '');
    if (!id || !ts || !sigs) return no('missing headers', 400);
    if (id.includes('.')) return no('id contains "."', 400);
    if (!/^\d+$/.test(ts)) return no('invalid timestamp', 400);
    if (Math.abs(Date.now() / 1000 - Number(ts)) > this.toleranceSec) return no('timestamp outside tolerance', 401);
    const want = createHmac('sha256', this.key).update(`${id}.${ts}.${r.raw}`, 'utf8').digest('base64');
    const ok = sigs.split(' ').some((s) => {
      const [v, sig] = s.split(',', 2);
      return v === 'v1' && sig !== undefined && sameText(sig, want);
    });
    if (!ok) return no('signature mismatch', 401);
    const b = r.json;
    if (!isObject(b) || typeof b.type !== 'string' || typeof b.timestamp !== 'string' || !isObject(b.data)) return no('payload shape', 400);
    const key = String(r.headers['idempotency-key'] ?? id);
    if (this.unique.has(key)) this.duplicates++;
    else this.unique.set(key, r);
    return { status: 200, body: { ok: true } };
  }

  protected failAnswer(): Answer {
    return { status: 503, body: 'unavailable' };
  }

  protected rateLimitedAnswer(): Answer {
    return { status: 429, headers: { 'retry-after': String(this.retryAfterSec) }, body: { error: 'slow down' } };
  }
}

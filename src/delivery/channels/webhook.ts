import { createHmac } from 'node:crypto';
import type { Recipient } from '../../machines/effects';
import { DeliveryError, type ChannelRate, type DeliveryChannel, type OutgoingMessage } from './channel';
import { checkRate, scrub, send, statusError, urlLabel } from './http';

/**
 * A generic signed webhook following the Standard Webhooks specification (standardwebhooks.com, v1):
 * POST JSON `{"type":"notice.<kind>","timestamp":ISO,"data":{…}}` with the headers
 *   webhook-id        the delivery id (stable across retries: the receiver's idempotency key)
 *   webhook-timestamp the time of the attempt, integer Unix seconds
 *   webhook-signature `v1,` + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`))
 * where the key is the secret's bytes: `whsec_<base64>` decodes to them. `Idempotency-Key` carries the
 * delivery id as well, for receivers that follow that convention instead.
 *
 * The spec forbids `.` in the id (it delimits the signed content), and delivery ids are built from plan
 * ids that may hold dots (`zhang.san`): `webhook-id` is the delivery id with `%` written `%25` and `.`
 * written `%2E` — the same id whenever it has neither, reversible always.
 *
 * Who it reaches (a person channel): a person whose contacts carry a `webhook` URL gets their own POST
 * there; when the channel has a configured `url`, every other person it is configured for (`members`, or
 * everyone when none are listed) gets their own POST to that URL. The destination's address is a label
 * (host and a hash), never the URL itself, which may carry a token.
 *
 * Answers (spec, "Delivery success and failure"): 2xx accepted; 3xx and 410 Gone and other 4xx permanent;
 * 408, 429 and 5xx retried, honouring Retry-After.
 */
export const WEBHOOK_DEFAULT_RATE: ChannelRate = { limit: 60, windowMs: 60_000 };

export interface WebhookChannelOptions {
  name: string;
  /** the signing secret, `whsec_<base64>` (or the bare base64): a secret */
  secret: string;
  /** the URL that reaches the people without a webhook of their own (a secret when it carries a token) */
  url?: string;
  /** person ids the configured URL reaches; omitted: everyone */
  members?: readonly string[];
  /** extra headers sent with each request (values may be secrets) */
  headers?: Record<string, string>;
  timeoutMs?: number;
  rate?: ChannelRate;
}

/** The HMAC key a `whsec_…` (or bare base64) secret stands for. */
export function webhookKey(secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new TypeError('the webhook secret is not base64 (expected whsec_<base64>)');
  return Buffer.from(b64, 'base64');
}

/** `v1,<base64 signature>` of one message, as the spec defines it. */
export function webhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', webhookKey(secret)).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64')}`;
}

/** The `webhook-id` of a delivery id: without dots (see above). */
export const webhookId = (deliveryId: string): string => headerSafe(deliveryId.replace(/%/g, '%25').replace(/\./g, '%2E'));

/** Header values are ASCII: anything else (a Chinese person id) is percent-encoded. */
const headerSafe = (s: string): string => s.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));

export class WebhookChannel implements DeliveryChannel {
  readonly type = 'webhook' as const;
  readonly mode = 'person' as const;
  readonly name: string;
  readonly rate: ChannelRate;
  private readonly memberIds?: ReadonlySet<string>;
  /** label → URL, for every URL this channel has handed out as an address */
  private readonly urls = new Map<string, string>();

  constructor(private readonly o: WebhookChannelOptions) {
    this.name = o.name;
    webhookKey(o.secret); // fails early on a malformed secret
    this.rate = checkRate(o.rate, o.name) ?? WEBHOOK_DEFAULT_RATE;
    if (o.members) this.memberIds = new Set(o.members);
    if (o.url) this.remember(o.url);
  }

  private remember(url: string): string {
    const label = urlLabel(url);
    this.urls.set(label, url);
    return label;
  }

  private urlFor(r: Pick<Recipient, 'personId' | 'contacts'>): string | undefined {
    if (r.contacts.webhook) return r.contacts.webhook;
    if (this.o.url && (!this.memberIds || this.memberIds.has(r.personId))) return this.o.url;
    return undefined;
  }

  addressOf(r: Recipient): string | undefined {
    const url = this.urlFor(r);
    return url === undefined ? undefined : this.remember(url);
  }

  /** one throttle per receiving URL (the address is the URL's label) */
  receiverKey(m: Pick<OutgoingMessage, 'destination' | 'address'>): string {
    return `webhook:${m.address ?? m.destination}`;
  }

  /** The JSON body of a message (exactly the bytes that are signed). */
  body(m: OutgoingMessage): string {
    return JSON.stringify({
      type: `notice.${m.kind}`,
      timestamp: new Date(m.sentAt).toISOString(),
      data: {
        deliveryId: m.deliveryId,
        noticeId: m.noticeId,
        incidentId: m.incidentId,
        kind: m.kind,
        destination: m.destination,
        people: m.people.map((p) => ({ personId: p.personId, name: p.name, role: p.role })),
        subject: m.subject,
        text: m.text,
        short: m.short,
        language: m.language,
        binding: m.binding,
        sentAt: new Date(m.sentAt).toISOString(),
      },
    });
  }

  private target(m: OutgoingMessage): string | undefined {
    if (m.address && this.urls.has(m.address)) return this.urls.get(m.address);
    for (const p of m.people) {
      const url = this.urlFor(p);
      if (url !== undefined) return url;
    }
    return undefined;
  }

  async deliver(m: OutgoingMessage): Promise<void> {
    const url = this.target(m);
    const label = `webhook ${this.name}${m.address ? ` (${m.address})` : ''}`;
    if (!url) throw new DeliveryError(`${label}: no webhook URL reaches ${m.destination}`, false);
    const secrets = [this.o.secret, this.o.secret.replace(/^whsec_/, ''), url, ...Object.values(this.o.headers ?? {})];
    const id = webhookId(m.deliveryId);
    const timestamp = Math.floor(m.sentAt / 1000);
    const body = this.body(m);
    const a = await send(url, {
      headers: {
        ...this.o.headers,
        'content-type': 'application/json; charset=utf-8',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': webhookSignature(this.o.secret, id, timestamp, body),
        'idempotency-key': headerSafe(m.deliveryId),
      },
      body,
      timeoutMs: this.o.timeoutMs,
      label,
      secrets,
    });
    const err = statusError(a, label, secrets);
    if (err) throw err;
  }
}

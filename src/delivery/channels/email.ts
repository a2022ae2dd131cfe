import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Recipient } from '../../machines/effects';
import { DeliveryError, type ChannelRate, type DeliveryChannel, type OutgoingMessage } from './channel';
import { brief, checkRate, scrub } from './http';

/**
 * Email over SMTP (nodemailer). One mail per person: To is the person's `contacts.email`; the subject and
 * the plain-text body are UTF-8 (encoded words and quoted-printable/base64 as nodemailer chooses, so Chinese
 * arrives intact). `Message-ID` is derived from the delivery id, so a resend of the same delivery carries
 * the same id (mail clients and archives show it once), and `X-Delivery-Id` carries the id as it is.
 *
 * Security: `tls` (implicit TLS, port 465), `starttls` (required upgrade, usually 587) or `none` (a relay
 * on a trusted network, loopback tests). SMTP answers: 5xx permanent (bad mailbox, authentication
 * refused), 4xx retried; connection failures and timeouts retried.
 */
export const EMAIL_DEFAULT_RATE: ChannelRate = { limit: 10, windowMs: 60_000 };

export interface EmailChannelOptions {
  name: string;
  host: string;
  port?: number;
  security?: 'tls' | 'starttls' | 'none';
  /** SMTP login; the password is a secret */
  user?: string;
  pass?: string;
  /** `应急办 <duty@example.gov.cn>` */
  from: string;
  replyTo?: string;
  /** the domain of Message-IDs (default: the From address's domain) */
  messageIdDomain?: string;
  /** person ids it reaches; omitted: everyone with an email address */
  members?: readonly string[];
  timeoutMs?: number;
  rate?: ChannelRate;
  /** trust this CA / skip certificate checks (private relays); default: the system's trust */
  tlsRejectUnauthorized?: boolean;
  /** SMTP connections kept open at once (default EMAIL_DEFAULT_CONNECTIONS) */
  connections?: number;
}

/**
 * SMTP connections a mail channel keeps open by default. Each mail takes several round trips (MAIL, RCPT, DATA), so
 * a burst of notices is sent over connections side by side; a relay that allows fewer per account is set lower.
 */
export const EMAIL_DEFAULT_CONNECTIONS = 8;

/** The domain of an address in `Name <a@b>` or `a@b` form. */
function domainOf(from: string): string | undefined {
  const m = /@([^\s>]+)>?\s*$/.exec(from);
  return m?.[1];
}

/**
 * A Message-ID for a delivery id: `<encoded-id@domain>`. The id is percent-encoded so it is a valid
 * dot-atom (no dots, no parentheses, ASCII only); the same delivery id always gives the same Message-ID.
 */
export function messageIdFor(deliveryId: string, domain: string): string {
  const local = encodeURIComponent(deliveryId).replace(/[.()!'*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `<${local}@${domain}>`;
}

export class EmailChannel implements DeliveryChannel {
  readonly type = 'email' as const;
  readonly mode = 'person' as const;
  readonly name: string;
  readonly rate: ChannelRate;
  private readonly memberIds?: ReadonlySet<string>;
  private readonly transport: Transporter;
  private readonly domain: string;

  constructor(private readonly o: EmailChannelOptions) {
    this.name = o.name;
    this.rate = checkRate(o.rate, o.name) ?? EMAIL_DEFAULT_RATE;
    if (o.members) this.memberIds = new Set(o.members);
    const domain = o.messageIdDomain ?? domainOf(o.from);
    if (!domain) throw new TypeError(`channel ${o.name}: cannot tell the Message-ID domain from "from"; set messageIdDomain`);
    this.domain = domain;
    const security = o.security ?? (o.port === 465 ? 'tls' : 'starttls');
    const timeout = o.timeoutMs ?? 30_000;
    this.transport = nodemailer.createTransport({
      host: o.host,
      port: o.port ?? (security === 'tls' ? 465 : 587),
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ignoreTLS: security === 'none',
      ...(o.user ? { auth: { user: o.user, pass: o.pass ?? '' } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // a pool of SMTP connections kept open and reused: a burst of notices does not pay a new connection,
      // greeting and login per mail (a connection the server closed is reopened on the next mail)
      pool: true,
      maxConnections: o.connections ?? EMAIL_DEFAULT_CONNECTIONS,
      maxMessages: 100,
      ...(o.tlsRejectUnauthorized === false ? { tls: { rejectUnauthorized: false } } : {}),
    });
  }

  addressOf(r: Recipient): string | undefined {
    if (this.memberIds && !this.memberIds.has(r.personId)) return undefined;
    return r.contacts.email || undefined;
  }

  receiverKey(m: Pick<OutgoingMessage, 'destination' | 'address'>): string {
    return `email:${(m.address ?? m.destination).toLowerCase()}`;
  }

  async deliver(m: OutgoingMessage): Promise<void> {
    const to = m.address || m.people[0]?.contacts.email;
    const label = `email ${this.name}`;
    if (!to) throw new DeliveryError(`${label}: no email address for ${m.destination}`, false);
    const person = m.people.find((p) => p.contacts.email === to) ?? m.people[0];
    const secrets = [this.o.pass ?? ''];
    try {
      await this.transport.sendMail({
        from: this.o.from,
        to: person ? { name: person.name, address: to } : to,
        ...(this.o.replyTo ? { replyTo: this.o.replyTo } : {}),
        subject: m.subject,
        text: m.text,
        textEncoding: 'base64',
        messageId: messageIdFor(m.deliveryId, this.domain),
        date: new Date(m.sentAt),
        headers: { 'X-Delivery-Id': m.deliveryId, 'X-Incident-Id': m.incidentId },
      });
    } catch (err) {
      throw mapSmtpError(err, label, secrets);
    }
  }

  /** Close pooled connections (none are pooled today; kept for symmetry with shutdown). */
  close(): void {
    this.transport.close();
  }
}

function mapSmtpError(err: unknown, label: string, secrets: readonly string[]): DeliveryError {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const code = e.responseCode;
  if (typeof code === 'number') {
    const text = `${label}: SMTP ${code} ${brief(e.response ?? e.message)}`;
    return new DeliveryError(scrub(text, secrets), code < 500);
  }
  if (e.code === 'EAUTH') return new DeliveryError(scrub(`${label}: authentication refused`, secrets), false);
  if (e.code === 'EENVELOPE') return new DeliveryError(scrub(`${label}: recipient refused (${brief(e.message)})`, secrets), false);
  return new DeliveryError(scrub(`${label}: ${e.code ?? 'error'} ${brief(e.message, 100)}`, secrets), true);
}

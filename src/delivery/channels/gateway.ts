import type { Recipient } from '../../machines/effects';
import { DeliveryError, type ChannelRate, type DeliveryChannel, type OutgoingMessage } from './channel';
import { brief, checkRate, scrub, send, statusError } from './http';

/**
 * SMS (短信) and voice calls (语音通知) through a generic HTTP gateway, so no vendor is built in: the
 * configuration names the URL, the method, the headers and a body template; placeholders are filled per
 * message. A person channel: the address is the person's phone number.
 *
 * Placeholders, written `{{name}}` anywhere in a string of the body template, the URL's query or a header:
 *   phone, text (SMS: the full text; voice: the one short line), short, subject, deliveryId, noticeId,
 *   incidentId, kind, personId, name, language
 * A string that is exactly one placeholder becomes its value; inside a longer string the value is
 * inserted. In the URL values are percent-encoded; in headers, control characters are dropped.
 *
 * Accepted when the answer is HTTP 2xx and, if `success` names a JSON field (dot path, `result.code`),
 * that field equals the value. Otherwise the field's value decides: listed in `permanentCodes` (a bad
 * number, a template not approved) never retried; in `rateLimitCodes` retried after `rateLimitRetryAfterMs`;
 * anything else retried. HTTP statuses as usual: 408/429/5xx retried (Retry-After honoured), other 4xx permanent.
 */
export type GatewayType = 'sms' | 'voice';
export type JsonTemplate = string | number | boolean | null | JsonTemplate[] | { [key: string]: JsonTemplate };

/**
 * Per-number defaults: SMS vendors commonly throttle one number to about one message a minute (and a
 * few an hour), voice calls the same; set `rate` to the gateway's contract.
 */
export const SMS_DEFAULT_RATE: ChannelRate = { limit: 1, windowMs: 60_000 };
export const VOICE_DEFAULT_RATE: ChannelRate = { limit: 1, windowMs: 60_000 };

export interface GatewayChannelOptions {
  name: string;
  type: GatewayType;
  /** the gateway URL (a secret when it carries a key); may hold placeholders in its query */
  url: string;
  method?: 'POST' | 'PUT' | 'GET';
  /** header values may be secrets, and may hold placeholders */
  headers?: Record<string, string>;
  /** how the body is encoded; `form` flattens one level of the template into application/x-www-form-urlencoded */
  bodyFormat?: 'json' | 'form';
  body?: JsonTemplate;
  success?: { field: string; equals: string | number | boolean };
  /** the JSON field read on failure (default: the success field) */
  errorField?: string;
  permanentCodes?: readonly (string | number)[];
  rateLimitCodes?: readonly (string | number)[];
  rateLimitRetryAfterMs?: number;
  /** person ids it reaches; omitted: everyone with a phone number */
  members?: readonly string[];
  timeoutMs?: number;
  rate?: ChannelRate;
  /** values that must never appear in an error (the configuration passes every secret it resolved) */
  secrets?: readonly string[];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
export const GATEWAY_PLACEHOLDERS = ['phone', 'text', 'short', 'subject', 'deliveryId', 'noticeId', 'incidentId', 'kind', 'personId', 'name', 'language'] as const;

/** Dot-path lookup in a parsed JSON answer. */
export function readField(json: unknown, path: string): unknown {
  let v: unknown = json;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** Every placeholder name used in a template (for the configuration check). */
export function placeholdersIn(t: JsonTemplate | undefined): string[] {
  const out = new Set<string>();
  const walk = (v: JsonTemplate | undefined) => {
    if (typeof v === 'string') for (const m of v.matchAll(PLACEHOLDER)) out.add(m[1]);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(t);
  return [...out];
}

function fillString(s: string, values: Record<string, string>, encode: (v: string) => string = (v) => v): string {
  return s.replace(PLACEHOLDER, (all, name: string) => (name in values ? encode(values[name]) : all));
}

export function fillTemplate(t: JsonTemplate, values: Record<string, string>): JsonTemplate {
  if (typeof t === 'string') {
    const whole = /^\{\{\s*([A-Za-z]+)\s*\}\}$/.exec(t);
    if (whole && whole[1] in values) return values[whole[1]];
    return fillString(t, values);
  }
  if (Array.isArray(t)) return t.map((v) => fillTemplate(v, values));
  if (t && typeof t === 'object') return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, fillTemplate(v, values)]));
  return t;
}

export class GatewayChannel implements DeliveryChannel {
  readonly mode = 'person' as const;
  readonly name: string;
  readonly type: GatewayType;
  readonly rate: ChannelRate;
  private readonly memberIds?: ReadonlySet<string>;

  constructor(private readonly o: GatewayChannelOptions) {
    this.name = o.name;
    this.type = o.type;
    this.rate = checkRate(o.rate, o.name) ?? (o.type === 'voice' ? VOICE_DEFAULT_RATE : SMS_DEFAULT_RATE);
    if (o.members) this.memberIds = new Set(o.members);
    const unknown = [...placeholdersIn(o.body), ...placeholdersIn(o.url), ...placeholdersIn(Object.values(o.headers ?? {}))].filter(
      (p) => !(GATEWAY_PLACEHOLDERS as readonly string[]).includes(p),
    );
    if (unknown.length) throw new TypeError(`channel ${o.name}: unknown placeholder {{${unknown[0]}}} (known: ${GATEWAY_PLACEHOLDERS.join(', ')})`);
  }

  addressOf(r: Recipient): string | undefined {
    if (this.memberIds && !this.memberIds.has(r.personId)) return undefined;
    return r.contacts.phone || undefined;
  }

  receiverKey(m: Pick<OutgoingMessage, 'destination' | 'address'>): string {
    return `${this.type}:${m.address ?? m.destination}`;
  }

  /** The values of the placeholders for one message. */
  values(m: OutgoingMessage): Record<string, string> {
    const person = m.people[0];
    const phone = m.address || person?.contacts.phone || '';
    return {
      phone,
      text: this.type === 'voice' ? m.short : m.text,
      short: m.short,
      subject: m.subject,
      deliveryId: m.deliveryId,
      noticeId: m.noticeId,
      incidentId: m.incidentId,
      kind: m.kind,
      personId: person?.personId ?? '',
      name: person?.name ?? '',
      language: m.language,
    };
  }

  /** The request for one message: URL, headers and encoded body. */
  request(m: OutgoingMessage): { url: string; method: string; headers: Record<string, string>; body?: string } {
    const values = this.values(m);
    const method = this.o.method ?? 'POST';
    const url = fillString(this.o.url, values, encodeURIComponent);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.o.headers ?? {})) headers[k] = fillString(v, values).replace(/[\r\n\0]/g, '');
    if (method === 'GET' || this.o.body === undefined) return { url, method, headers };
    const filled = fillTemplate(this.o.body, values);
    if ((this.o.bodyFormat ?? 'json') === 'form') {
      const form = new URLSearchParams();
      if (filled && typeof filled === 'object' && !Array.isArray(filled)) {
        for (const [k, v] of Object.entries(filled)) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
      }
      return { url, method, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers }, body: form.toString() };
    }
    return { url, method, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(filled) };
  }

  async deliver(m: OutgoingMessage): Promise<void> {
    const r = this.request(m);
    const label = `${this.type === 'voice' ? 'voice gateway' : 'SMS gateway'} ${this.name}`;
    if (!this.values(m).phone) throw new DeliveryError(`${label}: no phone number for ${m.destination}`, false);
    const secrets = [this.o.url, ...Object.values(this.o.headers ?? {}), ...(this.o.secrets ?? [])];
    const a = await send(r.url, { method: r.method, headers: r.headers, body: r.body, timeoutMs: this.o.timeoutMs, label, secrets });
    const field = this.o.errorField ?? this.o.success?.field;
    const code = field ? readField(a.json, field) : undefined;
    const codeText = code === undefined ? '' : `${field}=${brief(typeof code === 'string' ? code : JSON.stringify(code), 60)}`;
    const rateLimited = code !== undefined && (this.o.rateLimitCodes ?? []).some((c) => String(c) === String(code));
    if (rateLimited) throw new DeliveryError(scrub(`${label}: rate limited (${codeText})`, secrets), true, this.o.rateLimitRetryAfterMs ?? 60_000);
    const httpError = statusError(a, label, secrets, codeText || undefined);
    if (httpError) {
      const permanent = code !== undefined && (this.o.permanentCodes ?? []).some((c) => String(c) === String(code));
      throw permanent ? new DeliveryError(httpError.message, false) : httpError;
    }
    if (!this.o.success) return;
    const got = readField(a.json, this.o.success.field);
    if (got !== undefined && String(got) === String(this.o.success.equals)) return;
    const permanent = code !== undefined && (this.o.permanentCodes ?? []).some((c) => String(c) === String(code));
    const shown = got === undefined ? `${this.o.success.field} missing` : `${this.o.success.field}=${brief(typeof got === 'string' ? got : JSON.stringify(got), 60)}`;
    throw new DeliveryError(scrub(`${label}: not accepted (${codeText && field !== this.o.success.field ? `${shown}, ${codeText}` : shown})`, secrets), !permanent);
  }
}

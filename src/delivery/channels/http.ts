import { createHash } from 'node:crypto';
import { DeliveryError, type ChannelRate } from './channel';

/**
 * What the HTTP channels share: one POST with a timeout, the mapping of HTTP answers to a
 * {@link DeliveryError} (retry or not, how long to wait), and keeping secrets out of error messages.
 */

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** the body parsed as JSON, when it is JSON */
  json?: unknown;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** what the error messages call the receiver (never the URL: it may carry a token) */
  label: string;
  /** strings that must never appear in an error message (tokens, keys, passwords, secret URLs) */
  secrets?: readonly string[];
}

/** Replace every secret (and its URL-encoded form) in a text by `***`. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***');
  }
  return out;
}

/** A short, stable label for a URL that may carry a secret: its host and a hash of the rest. */
export function urlLabel(url: string): string {
  let host = 'invalid-url';
  try {
    host = new URL(url).host;
  } catch {
    /* labelled as invalid; the send reports it */
  }
  return `${host}#${createHash('sha256').update(url).digest('hex').slice(0, 10)}`;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Truncate a vendor's message so an error line stays one readable line. */
export const brief = (s: unknown, max = 160): string => {
  const text = String(s ?? '').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

/**
 * Send one request. Network failures and timeouts become a retryable DeliveryError naming only the
 * label; the answer, whatever its status, is returned for the channel to judge.
 */
export async function send(url: string, o: SendOptions): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: o.method ?? 'POST',
      headers: o.headers,
      body: o.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    throw new DeliveryError(scrub(`${o.label}: ${networkReason(err, o.timeoutMs ?? DEFAULT_TIMEOUT_MS)}`, o.secrets), true);
  }
  let text = '';
  try {
    text = await res.text();
  } catch (err) {
    throw new DeliveryError(scrub(`${o.label}: HTTP ${res.status}, answer cut off (${networkReason(err, o.timeoutMs ?? DEFAULT_TIMEOUT_MS)})`, o.secrets), true);
  }
  let json: unknown;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, text, json };
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (code) return `cannot reach the receiver (${code})`;
  return `cannot reach the receiver (${brief(e?.cause?.message ?? e?.message ?? String(err), 80)})`;
}

/**
 * The usual reading of an HTTP status: 2xx accepted; 408, 429 and 5xx worth retrying (429 and 503 with
 * their Retry-After); 3xx and every other 4xx permanent. Returns undefined for 2xx.
 */
export function statusError(a: HttpAnswer, label: string, secrets: readonly string[] = [], detail?: string): DeliveryError | undefined {
  if (a.status >= 200 && a.status < 300) return undefined;
  const retryable = a.status === 408 || a.status === 429 || a.status >= 500;
  const wait = retryable ? parseRetryAfter(a.headers.get('retry-after')) : undefined;
  const why = detail ?? (a.status >= 300 && a.status < 400 ? 'redirected (update the URL instead)' : brief(a.text, 120));
  return new DeliveryError(scrub(`${label}: HTTP ${a.status}${why ? ` ${why}` : ''}`, secrets), retryable, wait);
}

/** Validate a rate from the configuration (both numbers positive). */
export function checkRate(rate: ChannelRate | undefined, name: string): ChannelRate | undefined {
  if (!rate) return undefined;
  if (!(rate.limit > 0) || !(rate.windowMs > 0)) throw new TypeError(`channel ${name}: rate needs a positive limit and windowMs`);
  return rate;
}

/** Cut a UTF-8 text to at most `maxBytes` bytes without splitting a character, marking the cut. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const mark = '…';
  const budget = maxBytes - Buffer.byteLength(mark, 'utf8');
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return out + mark;
}

/** Trim a base URL's trailing slashes so paths can be appended. */
export const trimBase = (base: string): string => base.replace(/\/+$/, '');

/** A group robot's members among a notice's recipients: those whose person id the configuration lists. */
export function membersOf<T extends { personId: string }>(recipients: T[], memberIds: ReadonlySet<string>): T[] {
  const seen = new Set<string>();
  return recipients.filter((r) => memberIds.has(r.personId) && !seen.has(r.personId) && (seen.add(r.personId), true));
}

/** What a robot posts: the subject on the first line, then the body. */
export const robotText = (m: { subject: string; text: string }): string => (m.text.startsWith(m.subject) ? m.text : `${m.subject}\n${m.text}`);

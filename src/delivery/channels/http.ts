import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { DeliveryError, type ChannelRate } from './channel';

/**
 * What the HTTP channels share: one POST with a timeout, the mapping of HTTP answers to a
 * {@link DeliveryError} (retry or not, how long to wait), and keeping secrets out of error messages.
 */

export const DEFAULT_TIMEOUT_MS = 15_000;

/** An answer's headers, read by name (case-insensitive). */
export interface AnswerHeaders {
  get(name: string): string | null;
}

export interface HttpAnswer {
  status: number;
  headers: AnswerHeaders;
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
 * Connections kept open between sends (a burst of notices to one receiver reuses them). Node's own HTTP client: the
 * dispatcher sends thousands of small posts in a burst, and it costs a fraction of the CPU of the WHATWG fetch.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 32, maxFreeSockets: 8 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 32, maxFreeSockets: 8 }),
};

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** One request and its whole answer, within `timeoutMs` from start to the last byte. */
function request(url: URL, o: SendOptions, timeoutMs: number): Promise<{ res: IncomingMessage; text: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const body = o.body === undefined ? undefined : Buffer.from(o.body, 'utf8');
    const req = lib.request(url, {
      method: o.method ?? 'POST',
      headers: { ...o.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      agent: agents[url.protocol as keyof typeof agents],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new TimeoutError());
    }, timeoutMs);
    const fail = (err: Error, stage: 'request' | 'answer', res?: IncomingMessage) => {
      clearTimeout(timer);
      reject(Object.assign(timedOut ? new TimeoutError() : err, { stage, status: res?.statusCode, reused: req.reusedSocket }));
    };
    req.once('error', (err) => fail(err, 'request'));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (err) => fail(err, 'answer', res));
      res.once('aborted', () => fail(new Error('connection closed'), 'answer', res));
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ res, text: Buffer.concat(chunks).toString('utf8'), reused: req.reusedSocket });
      });
    });
    req.end(body);
  });
}

/**
 * Send one request. Network failures and timeouts become a retryable DeliveryError naming only the
 * label; the answer, whatever its status, is returned for the channel to judge. Redirects are not followed.
 */
export async function send(url: string, o: SendOptions): Promise<HttpAnswer> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let target: URL;
  try {
    target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new TypeError(`not an http(s) URL`);
  } catch (err) {
    throw new DeliveryError(scrub(`${o.label}: cannot reach the receiver (${brief((err as Error).message, 80)})`, o.secrets), true);
  }
  let got: { res: IncomingMessage; text: string };
  try {
    try {
      got = await request(target, o, timeoutMs);
    } catch (err) {
      // A kept-open connection the receiver had just closed: the request never reached it, so it is sent once more
      // on a fresh connection (not an attempt of its own).
      const e = err as { stage?: string; reused?: boolean; code?: string };
      if (e.stage === 'request' && e.reused && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) got = await request(target, o, timeoutMs);
      else throw err;
    }
  } catch (err) {
    const e = err as { stage?: string; status?: number };
    if (e.stage === 'answer') throw new DeliveryError(scrub(`${o.label}: HTTP ${e.status}, answer cut off (${networkReason(err, timeoutMs)})`, o.secrets), true);
    throw new DeliveryError(scrub(`${o.label}: ${networkReason(err, timeoutMs)}`, o.secrets), true);
  }
  const { res, text } = got;
  let json: unknown;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  const headers = res.headers;
  return {
    status: res.statusCode ?? 0,
    headers: { get: (name) => { const v = headers[name.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v; } },
    text,
    json,
  };
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = e?.code ?? e?.cause?.code;
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

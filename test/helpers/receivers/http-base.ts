import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The common part of the loopback vendor receivers: a real HTTP server on 127.0.0.1 that records every
 * request, answers by mode, and can be stopped and started again on the same port (an outage).
 *
 * Modes: `ok` (verify and answer as the vendor does), `fail` (HTTP 5xx, or the vendor's "system busy"
 * code when `failAs` is `vendor`), `rate-limited` (the vendor's throttling answer), `hang` (never answer
 * until stop()). `limit` makes the receiver throttle by itself past N requests per window, as the vendor does.
 */
export type VendorMode = 'ok' | 'fail' | 'rate-limited' | 'hang';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: string;
  /** the body parsed as JSON (undefined when it is not JSON) */
  json?: unknown;
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export abstract class HttpVendorReceiver {
  /** every request, in order of arrival */
  readonly requests: RecordedRequest[] = [];
  /** the requests the receiver accepted (verified and answered as a success) */
  readonly accepted: RecordedRequest[] = [];
  /** the requests it refused on verification, with the reason */
  readonly rejected: { request: RecordedRequest; reason: string }[] = [];
  mode: VendorMode = 'ok';
  failAs: 'http' | 'vendor' = 'http';
  /** throttle like the vendor: more than `limit` accepted within `windowMs` answers as rate-limited */
  limit?: { limit: number; windowMs: number };
  port = 0;
  private server: Server | undefined;
  private held: ServerResponse[] = [];

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listen on `port` (default: the port it had before, else any free one). */
  async start(port = this.port): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stop listening and drop every connection (held requests are cut): the receiver is down. */
  async stop(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The vendor's answer to a request in mode `ok`: verification included. */
  protected abstract verify(r: RecordedRequest): Answer | { reject: string; answer: Answer };
  protected abstract failAnswer(): Answer;
  protected abstract rateLimitedAnswer(): Answer;

  private async onRequest(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let json: unknown;
    try {
      json = raw ? JSON.parse(raw) : undefined;
    } catch {
      json = undefined;
    }
    const r: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, raw, json, at: Date.now() };
    this.requests.push(r);
    if (this.mode === 'hang') {
      this.held.push(res);
      return;
    }
    if (this.mode === 'fail') return this.answer(res, this.failAnswer());
    if (this.mode === 'rate-limited' || this.overLimit()) return this.answer(res, this.rateLimitedAnswer());
    const v = this.verify(r);
    if ('reject' in v) {
      this.rejected.push({ request: r, reason: v.reject });
      return this.answer(res, v.answer);
    }
    this.accepted.push(r);
    this.answer(res, v);
  }

  private overLimit(): boolean {
    if (!this.limit) return false;
    const since = Date.now() - this.limit.windowMs;
    return this.accepted.filter((r) => r.at > since).length >= this.limit.limit;
  }

  private answer(res: ServerResponse, a: Answer) {
    const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    res.writeHead(a.status, { 'content-type': typeof a.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...a.headers });
    res.end(body);
  }
}

/** Constant-time-ish string comparison for signatures. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

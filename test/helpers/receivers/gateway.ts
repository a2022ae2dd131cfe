import { HttpVendorReceiver, isObject, type Answer, type RecordedRequest } from './http-base';

/**
 * A loopback SMS / voice gateway of the generic kind the gateway channel talks to: `POST /send` with a
 * bearer token (401 without it), a JSON or form body that must carry `phone` (11-digit mainland mobile)
 * and `text`; answers `{"code":"OK","requestId":…}`. A number in `refuse` answers
 * `{"code":"isv.MOBILE_NUMBER_ILLEGAL"}` (permanent for the sender's configuration); rate-limited:
 * `{"code":"isv.BUSINESS_LIMIT_CONTROL"}`; failure: HTTP 500.
 */
export class GatewayReceiver extends HttpVendorReceiver {
  readonly refuse = new Set<string>();
  constructor(readonly token: string) {
    super();
  }

  url(path = '/send'): string {
    return `${this.origin}${path}`;
  }

  /** what each accepted request asked for */
  get sent(): Record<string, string>[] {
    return this.accepted.map((r) => fields(r));
  }

  protected verify(r: RecordedRequest): Answer | { reject: string; answer: Answer } {
    if (r.headers.authorization !== `Bearer ${this.token}`) return { reject: 'auth', answer: { status: 401, body: { code: 'Unauthorized' } } };
    const f = fields(r);
    if (!/^1\d{10}$/.test(f.phone ?? '')) return { reject: 'phone', answer: { status: 200, body: { code: 'isv.MOBILE_NUMBER_ILLEGAL', message: 'bad number' } } };
    if (this.refuse.has(f.phone)) return { reject: 'refused', answer: { status: 200, body: { code: 'isv.MOBILE_NUMBER_ILLEGAL', message: 'refused' } } };
    if (!f.text) return { reject: 'text', answer: { status: 400, body: { code: 'MissingText' } } };
    return { status: 200, body: { code: 'OK', requestId: `req-${this.accepted.length + 1}` } };
  }

  protected failAnswer(): Answer {
    return { status: 500, body: { code: 'InternalError' } };
  }

  protected rateLimitedAnswer(): Answer {
    return { status: 200, body: { code: 'isv.BUSINESS_LIMIT_CONTROL', message: 'too many messages to this number' } };
  }
}

function fields(r: RecordedRequest): Record<string, string> {
  const type = String(r.headers['content-type'] ?? '');
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(r.raw));
  if (isObject(r.json)) return Object.fromEntries(Object.entries(r.json).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return Object.fromEntries(r.query);
}

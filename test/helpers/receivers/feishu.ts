import { createHmac } from 'node:crypto';
import { HttpVendorReceiver, isObject, sameText, type Answer, type RecordedRequest } from './http-base';

/**
 * A loopback 飞书 custom bot: `POST /open-apis/bot/v2/hook/TOKEN`, verified as Feishu does — the token
 * (19001); with a secret, `timestamp` (seconds, within one hour) and
 * `sign = base64(HmacSHA256(key = timestamp + "\n" + secret, message = ""))` in the body (19021 "sign match
 * fail or timestamp is not within one hour from current time"); keywords (19024 "Key Words Not Found");
 * the shape (`msg_type` text, `content.text` a non-empty string, body ≤ 20 KB; 9499 "Bad Request").
 * Accepted: `{"code":0,"msg":"success","data":{}}` (with `legacy`: only `{"StatusCode":0,"StatusMessage":"success"}`).
 * Rate-limited: code 11232; failure: HTTP 500.
 */
export class FeishuReceiver extends HttpVendorReceiver {
  legacy = false;
  constructor(readonly o: { token: string; secret?: string; keywords?: string[] }) {
    super();
  }

  get baseUrl(): string {
    return this.origin;
  }

  get messages() {
    return this.accepted.map((r) => r.json as { timestamp?: string; sign?: string; msg_type: string; content: { text: string } });
  }

  protected verify(r: RecordedRequest): Answer | { reject: string; answer: Answer } {
    const no = (reject: string, code: number, msg: string, status = 200) => ({ reject, answer: { status, body: { code, msg, data: {} } } });
    const m = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(r.path);
    if (r.method !== 'POST' || !m) return { reject: 'path', answer: { status: 404, body: '404 page not found' } };
    if (decodeURIComponent(m[1]) !== this.o.token) return no('token', 19001, 'param invalid: incoming webhook access token invalid');
    if (Buffer.byteLength(r.raw) > 20 * 1024) return no('size', 9499, 'Bad Request', 400);
    const b = r.json;
    if (!isObject(b)) return no('json', 9499, 'Bad Request', 400);
    if (this.o.secret) {
      const ts = b.timestamp;
      const sign = b.sign;
      const fail = () => no('sign', 19021, 'sign match fail or timestamp is not within one hour from current time');
      if (typeof ts !== 'string' || !/^\d{10}$/.test(ts) || typeof sign !== 'string') return fail();
      if (Math.abs(Date.now() / 1000 - Number(ts)) > 3600) return fail();
      const want = createHmac('sha256', `${ts}\n${this.o.secret}`).update('').digest('base64');
      if (!sameText(sign, want)) return fail();
    }
    if (b.msg_type !== 'text' || !isObject(b.content) || typeof b.content.text !== 'string' || !b.content.text) return no('shape', 9499, 'Bad Request', 400);
    const text = b.content.text;
    if (this.o.keywords?.length && !this.o.keywords.some((k) => text.includes(k))) return no('keyword', 19024, 'Key Words Not Found');
    return { status: 200, body: this.legacy ? { Extra: null, StatusCode: 0, StatusMessage: 'success' } : { code: 0, msg: 'success', data: {} } };
  }

  protected failAnswer(): Answer {
    return { status: 500, body: { code: 500, msg: 'internal error' } };
  }

  protected rateLimitedAnswer(): Answer {
    return { status: 200, body: { code: 11232, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]', data: {} } };
  }
}

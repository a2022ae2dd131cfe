import { HttpVendorReceiver, isObject, isStringArray, type Answer, type RecordedRequest } from './http-base';

/**
 * A loopback 企业微信 group robot: `POST /cgi-bin/webhook/send?key=KEY`, verified as WeCom does — the key
 * (93000 "invalid webhook url"), the message type (40008), non-empty content within 2048 bytes for text
 * and 4096 for markdown (44004 / 40058 past the limit), mention lists as arrays of strings. Accepted:
 * HTTP 200 `{"errcode":0,"errmsg":"ok"}`. Rate-limited: errcode 45009; vendor failure: errcode -1.
 */
export class WeComReceiver extends HttpVendorReceiver {
  constructor(readonly key: string) {
    super();
  }

  get baseUrl(): string {
    return this.origin;
  }

  /** what was posted and accepted, as WeCom would show it */
  get messages() {
    return this.accepted.map((r) => r.json as { msgtype: string; text?: { content: string; mentioned_list?: string[]; mentioned_mobile_list?: string[] }; markdown?: { content: string } });
  }

  protected verify(r: RecordedRequest): Answer | { reject: string; answer: Answer } {
    const no = (reject: string, errcode: number, errmsg: string) => ({ reject, answer: { status: 200, body: { errcode, errmsg } } });
    if (r.method !== 'POST' || r.path !== '/cgi-bin/webhook/send') return { reject: 'path', answer: { status: 404, body: 'not found' } };
    if (r.query.get('key') !== this.key) return no('key', 93000, 'invalid webhook url, hint: [loopback]');
    const b = r.json;
    if (!isObject(b)) return no('json', 40058, 'Warning: wrong json format.');
    if (b.msgtype === 'text') {
      const t = b.text;
      if (!isObject(t) || typeof t.content !== 'string' || !t.content) return no('content', 44004, 'empty content');
      if (Buffer.byteLength(t.content, 'utf8') > 2048) return no('content', 40058, 'content exceed max length 2048');
      if (t.mentioned_list !== undefined && !isStringArray(t.mentioned_list)) return no('mentioned_list', 40058, 'invalid mentioned_list');
      if (t.mentioned_mobile_list !== undefined && !isStringArray(t.mentioned_mobile_list)) return no('mentioned_mobile_list', 40058, 'invalid mentioned_mobile_list');
    } else if (b.msgtype === 'markdown') {
      const md = b.markdown;
      if (!isObject(md) || typeof md.content !== 'string' || !md.content) return no('content', 44004, 'empty content');
      if (Buffer.byteLength(md.content, 'utf8') > 4096) return no('content', 40058, 'content exceed max length 4096');
    } else return no('msgtype', 40008, 'invalid message type');
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  }

  protected failAnswer(): Answer {
    return this.failAs === 'vendor' ? { status: 200, body: { errcode: -1, errmsg: 'system busy' } } : { status: 502, body: 'bad gateway' };
  }

  protected rateLimitedAnswer(): Answer {
    return { status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } };
  }
}

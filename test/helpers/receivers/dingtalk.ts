import { createHmac } from 'node:crypto';
import { HttpVendorReceiver, isObject, isStringArray, sameText, type Answer, type RecordedRequest } from './http-base';

/**
 * A loopback 钉钉 custom robot: `POST /robot/send?access_token=TOKEN[&timestamp=&sign=]`, verified as
 * DingTalk does — the token (300005 "token is not exist"); with a signing secret, a timestamp in ms within
 * one hour and `sign = base64(HmacSHA256(secret, timestamp + "\n" + secret))` (310000 "sign not match" /
 * "invalid timestamp"); with keywords, content holding one (310000 "keywords not in content"); the text
 * shape (`msgtype` text, non-empty `text.content`, `at` lists of strings). Accepted: `{"errcode":0,"errmsg":"ok"}`.
 * Rate-limited: `rateLimitCode` (default 130101 "send too fast, exceed 20 times per minute"); vendor failure: -1.
 */
export class DingTalkReceiver extends HttpVendorReceiver {
  rateLimitCode = 130101;
  constructor(readonly o: { accessToken: string; secret?: string; keywords?: string[] }) {
    super();
  }

  get baseUrl(): string {
    return this.origin;
  }

  get messages() {
    return this.accepted.map((r) => r.json as { msgtype: string; text: { content: string }; at?: { atMobiles?: string[]; atUserIds?: string[]; isAtAll?: boolean } });
  }

  protected verify(r: RecordedRequest): Answer | { reject: string; answer: Answer } {
    const no = (reject: string, errcode: number, errmsg: string) => ({ reject, answer: { status: 200, body: { errcode, errmsg } } });
    if (r.method !== 'POST' || r.path !== '/robot/send') return { reject: 'path', answer: { status: 404, body: 'not found' } };
    if (r.query.get('access_token') !== this.o.accessToken) return no('token', 300005, 'token is not exist');
    if (this.o.secret) {
      const ts = r.query.get('timestamp') ?? '';
      const sign = r.query.get('sign') ?? '';
      if (!/^\d{13}$/.test(ts) || Math.abs(Date.now() - Number(ts)) > 3600_000) return no('timestamp', 310000, 'invalid timestamp');
      const want = createHmac('sha256', this.o.secret).update(`${ts}\n${this.o.secret}`).digest('base64');
      if (!sameText(sign, want)) return no('sign', 310000, 'sign not match');
    }
    const b = r.json;
    if (!isObject(b)) return no('json', 40035, '缺少参数 json');
    if (b.msgtype !== 'text') return no('msgtype', 40035, '缺少参数 msgtype');
    if (!isObject(b.text) || typeof b.text.content !== 'string' || !b.text.content) return no('content', 40035, '缺少参数 content');
    if (b.at !== undefined) {
      if (!isObject(b.at)) return no('at', 40035, 'invalid at');
      if (b.at.atMobiles !== undefined && !isStringArray(b.at.atMobiles)) return no('atMobiles', 40035, 'invalid atMobiles');
      if (b.at.atUserIds !== undefined && !isStringArray(b.at.atUserIds)) return no('atUserIds', 40035, 'invalid atUserIds');
      if (b.at.isAtAll !== undefined && typeof b.at.isAtAll !== 'boolean') return no('isAtAll', 40035, 'invalid isAtAll');
    }
    const content = b.text.content;
    if (this.o.keywords?.length && !this.o.keywords.some((k) => content.includes(k))) return no('keyword', 310000, 'keywords not in content');
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  }

  protected failAnswer(): Answer {
    return this.failAs === 'vendor' ? { status: 200, body: { errcode: -1, errmsg: '系统繁忙' } } : { status: 503, body: 'service unavailable' };
  }

  protected rateLimitedAnswer(): Answer {
    return { status: 200, body: { errcode: this.rateLimitCode, errmsg: 'send too fast, exceed 20 times per minute' } };
  }
}

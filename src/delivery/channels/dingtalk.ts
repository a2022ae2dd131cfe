import { createHmac } from 'node:crypto';
import { DeliveryError, type ChannelRate, type OutgoingMessage } from './channel';
import { GroupRobotChannel } from './group-robot';
import { brief, robotText, scrub, send, statusError, truncateBytes } from './http';

/**
 * 钉钉 custom robot (自定义机器人). One POST per notice to
 *   `{baseUrl}/robot/send?access_token=TOKEN[&timestamp=MS&sign=SIGN]`
 * with {"msgtype":"text","text":{"content":"… @13800000000"},"at":{"atMobiles":[…],"atUserIds":[…],"isAtAll":false}};
 * accepted when the answer has `errcode` 0.
 *
 * Signing (安全设置 → 加签, per the custom robot guide, open.dingtalk.com/document/robots/customize-robot-security-settings):
 * `timestamp` is the time in ms (within one hour of DingTalk's clock) and
 * `sign = urlencode(base64(HmacSHA256(key = secret, message = timestamp + "\n" + secret)))`.
 * A robot secured by keywords (自定义关键词) only accepts content containing one: set `keyword` and it is
 * put in front of content that lacks it.
 *
 * Rate (自定义机器人接入, 调用频率限制): each robot sends at most 20 messages a minute; beyond that it is
 * throttled for 10 minutes. The throttling answer is errcode 130101 ("send too fast, exceed 20 times per
 * minute"); newer gateways answer 410100 — both are read as "wait 10 minutes". 310000 is a failed security
 * check (keyword missing, sign mismatch, stale timestamp, IP not allowed) and 300001/300005 a bad or removed
 * token: permanent. 专有钉钉 and other private deployments have their own base URL.
 */
export const DINGTALK_DEFAULT_BASE_URL = 'https://oapi.dingtalk.com';
/** 20 messages per minute per robot (自定义机器人接入, 调用频率限制). */
export const DINGTALK_RATE: ChannelRate = { limit: 20, windowMs: 60_000 };
/** exceeding the rate throttles the robot for 10 minutes */
export const DINGTALK_THROTTLE_MS = 10 * 60_000;
/** a generous bound on text content (DingTalk does not publish one for text; 20 000 bytes is safe) */
const TEXT_MAX_BYTES = 20_000;

const RATE_LIMITED = new Set([130101, 410100]);
const PERMANENT = new Map<number, string>([
  [310000, 'the robot refused the security check (keyword, signature, timestamp or IP)'],
  [300001, 'the access token is invalid'],
  [300005, 'the access token does not exist (robot removed?)'],
]);

/** The DingTalk signature of a timestamp (ms), before URL encoding. */
export function dingtalkSign(secret: string, timestampMs: number | string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

export interface DingTalkChannelOptions {
  name: string;
  /** the robot's access token (`access_token=` of its webhook URL): a secret */
  accessToken: string;
  /** the 加签 secret (`SEC…`), when the robot is secured by signing: a secret */
  secret?: string;
  /** a keyword the robot is secured by (自定义关键词) */
  keyword?: string;
  members: readonly string[];
  baseUrl?: string;
  timeoutMs?: number;
  rate?: ChannelRate;
}

export class DingTalkChannel extends GroupRobotChannel {
  readonly type = 'dingtalk' as const;

  constructor(private readonly o: DingTalkChannelOptions) {
    if (!o.accessToken) throw new TypeError(`channel ${o.name}: the DingTalk access token is empty`);
    super(o, { rate: DINGTALK_RATE, baseUrl: DINGTALK_DEFAULT_BASE_URL });
  }

  /** The request body: members by user id, else by mobile, else named in the text. */
  body(m: Pick<OutgoingMessage, 'subject' | 'text' | 'people'>): Record<string, unknown> {
    const atUserIds: string[] = [];
    const atMobiles: string[] = [];
    const mentions: string[] = [];
    for (const p of m.people) {
      if (p.contacts.dingtalkUserId) {
        atUserIds.push(p.contacts.dingtalkUserId);
        mentions.push(`@${p.contacts.dingtalkUserId}`);
      } else if (p.contacts.phone) {
        atMobiles.push(p.contacts.phone);
        mentions.push(`@${p.contacts.phone}`);
      } else {
        mentions.push(`@${p.name}`);
      }
    }
    let text = robotText(m);
    if (this.o.keyword && !text.includes(this.o.keyword)) text = `【${this.o.keyword}】${text}`;
    const tail = mentions.length ? `\n${mentions.join(' ')}` : '';
    return {
      msgtype: 'text',
      text: { content: truncateBytes(text, TEXT_MAX_BYTES) + tail },
      at: { atMobiles, atUserIds, isAtAll: false },
    };
  }

  /** The URL for a message sent at `timestampMs` (exported for the tests). */
  url(timestampMs: number): string {
    const q = new URLSearchParams({ access_token: this.o.accessToken });
    if (this.o.secret) {
      q.set('timestamp', String(timestampMs));
      q.set('sign', dingtalkSign(this.o.secret, timestampMs));
    }
    return `${this.base}/robot/send?${q.toString()}`;
  }

  async deliver(m: OutgoingMessage): Promise<void> {
    const label = `DingTalk robot ${this.name}`;
    const secrets = [this.o.accessToken, ...(this.o.secret ? [this.o.secret] : [])];
    const a = await send(this.url(m.sentAt), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(this.body(m)),
      timeoutMs: this.o.timeoutMs,
      label,
      secrets,
    });
    const httpError = statusError(a, label, secrets);
    if (httpError) throw httpError;
    const answer = a.json as { errcode?: unknown; errmsg?: unknown } | undefined;
    if (!answer || typeof answer.errcode !== 'number') throw new DeliveryError(scrub(`${label}: unexpected answer ${brief(a.text, 80)}`, secrets), true);
    if (answer.errcode === 0) return;
    const what = `${label}: errcode ${answer.errcode} ${brief(answer.errmsg)}`;
    if (RATE_LIMITED.has(answer.errcode)) throw new DeliveryError(scrub(`${what} (rate limited)`, secrets), true, DINGTALK_THROTTLE_MS);
    const permanent = PERMANENT.get(answer.errcode);
    if (permanent) throw new DeliveryError(scrub(`${what} (${permanent})`, secrets), false);
    throw new DeliveryError(scrub(what, secrets), true);
  }
}

import { DeliveryError, type ChannelRate, type OutgoingMessage } from './channel';
import { GroupRobotChannel } from './group-robot';
import { brief, robotText, scrub, send, statusError, truncateBytes } from './http';

/**
 * 企业微信 group robot (群机器人). One POST per notice to `{baseUrl}/cgi-bin/webhook/send?key=KEY` with
 *   {"msgtype":"text","text":{"content":…,"mentioned_list":[userid…],"mentioned_mobile_list":[mobile…]}}
 * or, in markdown, `<@userid>` in the content (markdown cannot mention by mobile). The answer is HTTP 200
 * with `errcode` 0 when accepted.
 *
 * Per the WeCom group robot guide (developer.work.weixin.qq.com/document/path/91770, 群机器人配置说明):
 * each robot sends at most 20 messages a minute; text content is at most 2048 bytes, markdown 4096 bytes,
 * UTF-8. Exceeding the rate answers errcode 45009 ("api freq out of limit"); a wrong or removed key answers
 * 93000 ("invalid webhook url"). A private deployment (政务微信, on-premises 企业微信) has its own base URL.
 */
export const WECOM_DEFAULT_BASE_URL = 'https://qyapi.weixin.qq.com';
/** 20 messages per minute per robot (群机器人配置说明, 消息发送频率限制). */
export const WECOM_RATE: ChannelRate = { limit: 20, windowMs: 60_000 };
const TEXT_MAX_BYTES = 2048;
const MARKDOWN_MAX_BYTES = 4096;

/** errcodes that a retry will never fix: a bad key, an unknown message type, empty content. */
const PERMANENT = new Map<number, string>([
  [93000, 'the robot key is invalid or the robot was removed'],
  [40008, 'invalid message type'],
  [44004, 'empty content'],
]);
const RATE_LIMITED = 45009;

export interface WeComChannelOptions {
  name: string;
  /** the robot's key (the `key=` of its webhook URL): a secret */
  key: string;
  /** person ids of the plan's people who are in the robot's group */
  members: readonly string[];
  baseUrl?: string;
  format?: 'text' | 'markdown';
  timeoutMs?: number;
  rate?: ChannelRate;
}

export class WeComChannel extends GroupRobotChannel {
  readonly type = 'wecom' as const;

  constructor(private readonly o: WeComChannelOptions) {
    if (!o.key) throw new TypeError(`channel ${o.name}: the WeCom robot key is empty`);
    super(o, { rate: WECOM_RATE, baseUrl: WECOM_DEFAULT_BASE_URL });
  }

  /** The request body for a message (exported for the tests and the docs). */
  body(m: Pick<OutgoingMessage, 'subject' | 'text' | 'people'>): Record<string, unknown> {
    const userIds: string[] = [];
    const mobiles: string[] = [];
    const byName: string[] = [];
    for (const p of m.people) {
      if (p.contacts.wecomUserId) userIds.push(p.contacts.wecomUserId);
      else if (p.contacts.phone) mobiles.push(p.contacts.phone);
      else byName.push(p.name);
    }
    const text = robotText(m);
    if ((this.o.format ?? 'text') === 'markdown') {
      // markdown mentions only by userid; the others are named
      const mentions = [...userIds.map((u) => `<@${u}>`), ...m.people.filter((p) => !p.contacts.wecomUserId).map((p) => `@${p.name}`)];
      const tail = mentions.length ? `\n${mentions.join(' ')}` : '';
      return { msgtype: 'markdown', markdown: { content: truncateBytes(text, MARKDOWN_MAX_BYTES - Buffer.byteLength(tail)) + tail } };
    }
    const tail = byName.length ? `\n${byName.map((n) => `@${n}`).join(' ')}` : '';
    return {
      msgtype: 'text',
      text: {
        content: truncateBytes(text, TEXT_MAX_BYTES - Buffer.byteLength(tail)) + tail,
        ...(userIds.length ? { mentioned_list: userIds } : {}),
        ...(mobiles.length ? { mentioned_mobile_list: mobiles } : {}),
      },
    };
  }

  async deliver(m: OutgoingMessage): Promise<void> {
    const label = `WeCom robot ${this.name}`;
    const secrets = [this.o.key];
    const a = await send(`${this.base}/cgi-bin/webhook/send?key=${encodeURIComponent(this.o.key)}`, {
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
    if (answer.errcode === RATE_LIMITED) throw new DeliveryError(scrub(`${what} (rate limited)`, secrets), true, 60_000);
    const permanent = PERMANENT.get(answer.errcode);
    if (permanent) throw new DeliveryError(scrub(`${what} (${permanent})`, secrets), false);
    throw new DeliveryError(scrub(what, secrets), true);
  }
}

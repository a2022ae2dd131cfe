import { createHmac } from 'node:crypto';
import { DeliveryError, type ChannelRate, type OutgoingMessage } from './channel';
import { GroupRobotChannel } from './group-robot';
import { brief, robotText, scrub, send, statusError, truncateBytes } from './http';

/**
 * 飞书 custom bot (自定义机器人). One POST per notice to `{baseUrl}/open-apis/bot/v2/hook/TOKEN` with
 *   {"timestamp":"<seconds>","sign":"…","msg_type":"text","content":{"text":"… <at user_id=\"ou_…\">张三</at>"}}
 * accepted when the answer has `code` 0 (older deployments answer only `StatusCode` 0).
 *
 * Signing (自定义机器人使用指南, 签名校验; open.feishu.cn/document/client-docs/bot-v3/add-custom-bot): the
 * string `timestamp + "\n" + secret` is the HmacSHA256 KEY, the message is empty, and the digest is base64;
 * the timestamp is in seconds and must be within one hour of Feishu's clock, or the bot answers code 19021.
 * A keyword-secured bot answers 19024 without the keyword, an IP-restricted one 19022; 19001 is a bad token.
 *
 * Rate (same guide, 注意事项): 100 requests a minute and 5 a second per bot; beyond it the answer is code
 * 11232 (frequency limited). Open-platform gateways may also answer HTTP 429 / code 99991400 with the
 * wait in `x-ogw-ratelimit-reset` (seconds). Lark and private deployments have their own base URL.
 * The request body may be at most 20 KB.
 */
export const FEISHU_DEFAULT_BASE_URL = 'https://open.feishu.cn';
/**
 * 100/minute and 5/second in one window: one message per 600 ms keeps both (at most 2 in any second,
 * 100 in any minute), whether the throttle counts in fixed or sliding windows.
 */
export const FEISHU_RATE: ChannelRate = { limit: 1, windowMs: 600 };
const BODY_MAX_BYTES = 20 * 1024;

const RATE_LIMITED = new Set([11232, 99991400]);
const PERMANENT = new Map<number, string>([
  [19001, 'the bot token is invalid'],
  [19021, 'signature mismatch or timestamp not within one hour'],
  [19022, 'the sender IP is not allowed'],
  [19024, 'the keyword the bot requires is missing'],
  [9499, 'bad request'],
]);

/** The Feishu signature: HmacSHA256 keyed by `timestamp + "\n" + secret` over an empty message, base64. */
export function feishuSign(secret: string, timestampSeconds: number | string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update(Buffer.alloc(0)).digest('base64');
}

/** Text that could pass for an `<at>` tag is defused; everything else stays as written. */
const escapeText = (s: string) => s.replace(/<(\/?at\b)/gi, '＜$1');

export interface FeishuChannelOptions {
  name: string;
  /** the bot's hook token (the last path segment of its webhook URL): a secret */
  token: string;
  /** the 签名校验 secret, when the bot is secured by signing: a secret */
  secret?: string;
  keyword?: string;
  members: readonly string[];
  baseUrl?: string;
  timeoutMs?: number;
  rate?: ChannelRate;
}

export class FeishuChannel extends GroupRobotChannel {
  readonly type = 'feishu' as const;

  constructor(private readonly o: FeishuChannelOptions) {
    if (!o.token) throw new TypeError(`channel ${o.name}: the Feishu bot token is empty`);
    super(o, { rate: FEISHU_RATE, baseUrl: FEISHU_DEFAULT_BASE_URL });
  }

  /** The request body for a message sent at `timestampSeconds`. */
  body(m: Pick<OutgoingMessage, 'subject' | 'text' | 'people'>, timestampSeconds: number): Record<string, unknown> {
    let text = escapeText(robotText(m));
    if (this.o.keyword && !text.includes(this.o.keyword)) text = `【${this.o.keyword}】${text}`;
    const mentions = m.people.map((p) => (p.contacts.feishuOpenId ? `<at user_id="${p.contacts.feishuOpenId}">${escapeText(p.name)}</at>` : `@${escapeText(p.name)}`));
    const tail = mentions.length ? `\n${mentions.join(' ')}` : '';
    const content = { text: truncateBytes(text, BODY_MAX_BYTES - 1024 - Buffer.byteLength(tail)) + tail };
    return this.o.secret
      ? { timestamp: String(timestampSeconds), sign: feishuSign(this.o.secret, timestampSeconds), msg_type: 'text', content }
      : { msg_type: 'text', content };
  }

  async deliver(m: OutgoingMessage): Promise<void> {
    const label = `Feishu bot ${this.name}`;
    const secrets = [this.o.token, ...(this.o.secret ? [this.o.secret] : [])];
    const a = await send(`${this.base}/open-apis/bot/v2/hook/${encodeURIComponent(this.o.token)}`, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(this.body(m, Math.floor(m.sentAt / 1000))),
      timeoutMs: this.o.timeoutMs,
      label,
      secrets,
    });
    const answer = a.json as { code?: unknown; msg?: unknown; StatusCode?: unknown; StatusMessage?: unknown } | undefined;
    const code = typeof answer?.code === 'number' ? answer.code : typeof answer?.StatusCode === 'number' ? answer.StatusCode : undefined;
    const reset = Number(a.headers.get('x-ogw-ratelimit-reset'));
    const resetMs = Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
    if (code !== undefined && RATE_LIMITED.has(code)) {
      throw new DeliveryError(scrub(`${label}: code ${code} ${brief(answer?.msg)} (rate limited)`, secrets), true, resetMs ?? 1_000);
    }
    const httpError = statusError(a, label, secrets, code !== undefined ? `code ${code} ${brief(answer?.msg ?? answer?.StatusMessage)}` : undefined);
    if (httpError) {
      if (a.status === 429 && httpError.retryAfterMs === undefined) throw new DeliveryError(httpError.message, true, resetMs ?? 1_000);
      // a 4xx carrying one of the codes below is as permanent as the code; other 4xx are, by the status
      throw httpError;
    }
    if (code === undefined) throw new DeliveryError(scrub(`${label}: unexpected answer ${brief(a.text, 80)}`, secrets), true);
    if (code === 0) return;
    const what = `${label}: code ${code} ${brief(answer?.msg ?? answer?.StatusMessage)}`;
    const permanent = PERMANENT.get(code);
    if (permanent) throw new DeliveryError(scrub(`${what} (${permanent})`, secrets), false);
    throw new DeliveryError(scrub(what, secrets), true);
  }
}

/**
 * The loopback receivers of `npm run delivery-figures`, in a process of their own: the outside world (mail
 * server, webhook endpoint, the three robots, the SMS gateway) is not in the worker's process in real life, and
 * parsing 600 mails must not take the event loop the worker and the dispatcher run on. The figures script forks
 * this file and drives it over IPC: start or stop receivers (an outage), and fetch what each accepted since the
 * last fetch, as compact records (channel, delivery key, incident, kind, receive time).
 *
 * Receive times are `Date.now()` in this process: the same clock as the figures script's on one machine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DingTalkReceiver, FeishuReceiver, GatewayReceiver, SmtpReceiver, StandardWebhookReceiver, WeComReceiver,
} from '../test/helpers/receivers';
import type { HttpVendorReceiver } from '../test/helpers/receivers/http-base';

// Literal secrets of the loopback receivers (nothing real).
export const S = {
  webhook: `whsec_${Buffer.from('delivery-figures webhook signing key 32b').toString('base64')}`,
  wecomKey: 'bench-wecom-robot-key',
  dingtalkToken: 'bench-dingtalk-access-token',
  dingtalkSecret: 'SECbench-dingtalk-signing-secret',
  feishuToken: 'bench-feishu-hook-token',
  feishuSecret: 'bench-feishu-signing-secret',
  smsToken: 'bench-sms-gateway-token',
  smtpUser: 'notify@bench.example.org',
  smtpPass: 'bench-smtp-password',
};
export const CH = { mail: 'duty-mail', webhook: 'ops-webhook', wecom: 'duty-wecom', dingtalk: 'duty-dingtalk', feishu: 'duty-feishu', sms: 'duty-sms' } as const;
export const CHANNELS = Object.values(CH);
export type ChannelName = (typeof CHANNELS)[number];

/** One message as a receiver accepted it: which delivery (or, for a robot, which incident and kind) and when. */
export interface Received { channel: ChannelName; key: string; incidentId: string; kind: string; at: number }

/** Where each receiver listens. */
export interface Endpoints { smtpPort: number; webhookUrl: string; wecomBaseUrl: string; dingtalkBaseUrl: string; feishuBaseUrl: string; smsUrl: string }

/** Delivery ids are `${noticeId}/${destination}/${channel}`, notice ids `${incidentId}/${kind}/…`. */
function fromDeliveryId(channel: ChannelName, id: string | undefined, at: number): Received | undefined {
  if (!id) return undefined;
  const [incidentId, kind] = id.split('/');
  return { channel, key: id, incidentId, kind, at };
}

/** A robot posts the rendered text: 【unit】逾期：… and 舆情事件「title」（incident id）. No id travels: the key is incident + kind. */
function fromRobotText(channel: ChannelName, text: string | undefined, at: number): Received | undefined {
  if (!text) return undefined;
  const incident = /（([A-Za-z0-9][A-Za-z0-9._-]*)）/.exec(text)?.[1];
  if (!incident) return undefined;
  const kind = /】逾期：/.test(text) ? 'overdue' : /】待办：/.test(text) ? 'assigned' : /】新舆情：/.test(text) ? 'newIncident' : 'other';
  return { channel, key: `${incident}/${kind}/group=${channel}`, incidentId: incident, kind, at };
}
const headerText = (v: unknown): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined);

type Command = { op: 'start' | 'stop'; channels: ChannelName[] } | { op: 'endpoints' } | { op: 'fetch' };
type Request = Command & { id: number };
type Reply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: string };

/** The receivers themselves (in the child process). */
class Local {
  readonly webhook = new StandardWebhookReceiver(S.webhook);
  readonly wecom = new WeComReceiver(S.wecomKey);
  readonly dingtalk = new DingTalkReceiver({ accessToken: S.dingtalkToken, secret: S.dingtalkSecret, keywords: ['舆情'] });
  readonly feishu = new FeishuReceiver({ token: S.feishuToken, secret: S.feishuSecret });
  readonly sms = new GatewayReceiver(S.smsToken);
  readonly smtp = new SmtpReceiver(S.smtpUser, S.smtpPass);
  /** how many of each receiver's accepted messages were fetched already */
  private readonly fetched = new Map<ChannelName, number>();

  of(c: ChannelName) {
    return { [CH.mail]: this.smtp, [CH.webhook]: this.webhook, [CH.wecom]: this.wecom, [CH.dingtalk]: this.dingtalk, [CH.feishu]: this.feishu, [CH.sms]: this.sms }[c];
  }

  endpoints(): Endpoints {
    return {
      smtpPort: this.smtp.port, webhookUrl: this.webhook.url(), wecomBaseUrl: this.wecom.baseUrl, dingtalkBaseUrl: this.dingtalk.baseUrl,
      feishuBaseUrl: this.feishu.baseUrl, smsUrl: this.sms.url(),
    };
  }

  /** What each receiver accepted since the last fetch (duplicates included), in order of arrival. */
  fetch(): Received[] {
    const out: Received[] = [];
    for (const c of CHANNELS) {
      const from = this.fetched.get(c) ?? 0;
      const all: Array<{ json?: unknown; at: number; headers?: unknown }> = c === CH.mail ? this.smtp.mails : (this.of(c) as HttpVendorReceiver).accepted;
      const fresh = all.slice(from);
      this.fetched.set(c, all.length);
      for (const x of fresh) {
        const r = this.parse(c, x);
        if (r) out.push(r);
      }
    }
    return out;
  }

  private parse(c: ChannelName, x: { json?: unknown; at: number; headers?: unknown }): Received | undefined {
    const json = x.json as Record<string, any> | undefined;
    switch (c) {
      case CH.mail: return fromDeliveryId(c, headerText((x.headers as Map<string, unknown>).get('x-delivery-id')), x.at);
      case CH.webhook: return fromDeliveryId(c, json?.data?.deliveryId, x.at);
      case CH.sms: return fromDeliveryId(c, json?.deliveryId, x.at);
      case CH.wecom: return fromRobotText(c, json?.text?.content, x.at);
      case CH.dingtalk: return fromRobotText(c, json?.text?.content, x.at);
      case CH.feishu: return fromRobotText(c, json?.content?.text, x.at);
    }
  }
}

/** The child's side: answer the parent's requests until it disconnects. */
function serve() {
  const local = new Local();
  process.on('message', (m: Request) => {
    const reply = (r: Reply) => process.send!(r);
    void (async () => {
      try {
        switch (m.op) {
          case 'start': for (const c of m.channels) await local.of(c).start(); return reply({ id: m.id, ok: true });
          case 'stop': for (const c of m.channels) await local.of(c).stop().catch(() => {}); return reply({ id: m.id, ok: true });
          case 'endpoints': return reply({ id: m.id, ok: true, result: local.endpoints() });
          case 'fetch': return reply({ id: m.id, ok: true, result: local.fetch() });
        }
      } catch (err) {
        reply({ id: m.id, ok: false, error: (err as Error).message });
      }
    })();
  });
  process.on('disconnect', () => {
    void (async () => {
      for (const c of CHANNELS) await local.of(c).stop().catch(() => {});
      process.exit(0);
    })();
  });
}

/** The parent's side: the receivers in their own process, and everything they accepted so far. */
export class Receivers {
  private readonly child: ChildProcess;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly got: Received[] = [];
  endpoints!: Endpoints;

  private constructor() {
    this.child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (r: Reply) => {
      const w = this.waiting.get(r.id);
      this.waiting.delete(r.id);
      if (r.ok) w?.resolve(r.result);
      else w?.reject(new Error(`receivers: ${r.error}`));
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the receivers' process exited (${code})`));
      this.waiting.clear();
    });
  }

  /** Fork the receivers' process and start every receiver. */
  static async start(): Promise<Receivers> {
    const r = new Receivers();
    await r.call({ op: 'start', channels: [...CHANNELS] });
    r.endpoints = (await r.call({ op: 'endpoints' })) as Endpoints;
    return r;
  }

  private call(req: Command): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...req, id } as Request);
    });
  }

  /** Start receivers again on their ports (all of them by default). */
  async startReceivers(channels: ChannelName[] = [...CHANNELS]) {
    await this.call({ op: 'start', channels });
  }

  /** Stop receivers: connections refused until started again (an outage). */
  async stopReceivers(channels: ChannelName[] = [...CHANNELS]) {
    await this.call({ op: 'stop', channels });
  }

  /** Every message each receiver accepted so far (duplicates included), in order of arrival. */
  async accepted(): Promise<Received[]> {
    this.got.push(...((await this.call({ op: 'fetch' })) as Received[]));
    return this.got;
  }

  /** Stop every receiver and end the process. */
  async close() {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(() => { this.child.kill(); resolve(); }, 5_000))]);
  }
}

if (process.argv.includes('--serve') && process.argv[1] === fileURLToPath(import.meta.url)) serve();

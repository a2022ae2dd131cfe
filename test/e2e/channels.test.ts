/**
 * Notices that reach people, end to end on the dev server: the compiled worker (its dispatcher reading
 * DELIVERY_CONFIG), the CLI through a pipe, and a real receiver on loopback for every channel — SMTP, a signed
 * webhook, the WeCom / DingTalk / Feishu group robots and an SMS and a voice gateway — each verifying its vendor's
 * format and signature as the vendor does.
 *
 * A 特别重大 first report is missed (its limit shortened to seconds in a test plan). The overdue notice reaches its
 * owner, the office on duty and the principal leader the grade requires; the policy then climbs (office director,
 * then the leaders), repeats to everyone on it, and stops when the office director acknowledges. The office's duty
 * is taken from the unit's roster — the holiday rota, with a hand-over between the due time and the repeat, so the
 * repeat reaches the incoming shift and not the outgoing one. The webhook receiver is down over the due time: its
 * deliveries arrive late, each once. A second incident acknowledged before its due time still tells the principal
 * leader. With every receiver down, updates complete.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { REPO_ROOT, startDevServer, type DevServer } from '../../scripts/temporal-binaries';
import { openLedger, type Ledger } from '../../src/activities/ledger';
import { isoLocal } from '../../src/plan/time-format';
import {
  DingTalkReceiver, FeishuReceiver, GatewayReceiver, SmtpReceiver, StandardWebhookReceiver, WeComReceiver, type HttpVendorReceiver,
} from '../helpers/receivers';
import { eventually, json, runCliPiped, startWorkerProcess, tempDir, type WorkerProcess } from './processes';

const SECOND = 1000;
const TZ = 'Asia/Shanghai';
const WEBHOOK_SECRET = `whsec_${Buffer.from('e2e-webhook-secret-of-32-bytes!!').toString('base64')}`;
const DING = { accessToken: 'ding-e2e-token', secret: 'SECe2e0123456789abcdef' };
const FEISHU = { token: 'feishu-e2e-token', secret: 'feishu-e2e-secret' };
const GATEWAY_TOKEN = 'gateway-e2e-token';

let server: DevServer;
let worker: WorkerProcess;
let dir: string;
let env: Record<string, string>;
const smtp = new SmtpReceiver('notify', 'smtp-e2e-pass');
const hook = new StandardWebhookReceiver(WEBHOOK_SECRET);
const wecom = new WeComReceiver('wecom-e2e-key');
const ding = new DingTalkReceiver({ ...DING, keywords: ['舆情'] });
const feishu = new FeishuReceiver(FEISHU);
const sms = new GatewayReceiver(GATEWAY_TOKEN);
const voice = new GatewayReceiver(GATEWAY_TOKEN);
const http: HttpVendorReceiver[] = [hook, wecom, ding, feishu, sms, voice];

/** People of the test plan: two office holders (the roster picks one), contacts on every channel. */
const PEOPLE = {
  'zhang.san': { phone: '13800000001', wecom: 'ZhangSan', ding: 'ding-zhang', feishu: 'ou_zhang' },
  'li.si': { phone: '13800000002', wecom: 'LiSi', ding: 'ding-li', feishu: 'ou_li' },
  'he.shi': { phone: '13800000011', wecom: 'HeShi', ding: 'ding-he', feishu: 'ou_he' },
  'wang.wu': { phone: '13800000003', wecom: 'WangWu', ding: 'ding-wang', feishu: 'ou_wang' },
  'zhao.liu': { phone: '13800000004', wecom: 'ZhaoLiu', ding: 'ding-zhao', feishu: 'ou_zhao' },
  'sun.qi': { phone: '13800000005', wecom: 'SunQi', ding: 'ding-sun', feishu: 'ou_sun' },
} as const;
type Person = keyof typeof PEOPLE;
const emailOf = (id: string) => `${id}@notify.example.org`;

const hhmm = (at: number) => isoLocal(TZ, at).slice(11, 16);

/** The test plan: the fixture default plan, its first report due in 40 s at 特别重大, the policy in seconds. */
function writePlan(file: string, due: string) {
  const plan = YAML.parse(readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'plans', 'default.yaml'), 'utf8'));
  plan.id = 'notify';
  plan.people.splice(2, 0, { id: 'he.shi', name: '何十', roles: ['office'] });
  for (const p of plan.people) {
    const c = PEOPLE[p.id as Person];
    p.contacts = { email: emailOf(p.id), ...(c ? { phone: c.phone, wecomUserId: c.wecom, dingtalkUserId: c.ding, feishuOpenId: c.feishu } : {}) };
  }
  plan.deadlines.firstReport.especiallyMajor = due;
  plan.reminders = [];
  plan.escalationPolicy = {
    steps: [
      { after: '0m', roles: ['office'] },
      { after: '20s', roles: ['officeDirector'] },
      { after: '40s', roles: ['leaderInCharge', 'principalLeader'] },
    ],
    repeatEvery: '30s',
    repeatLimit: 1,
    required: { especiallyMajor: ['principalLeader'] },
  };
  const climbing = ['overdue', 'escalation', 'unacknowledged'];
  // voice calls for binding deadlines in the plan's night hours (here: the hours around now, so the test sees them)
  const now = Date.now();
  plan.delivery = {
    routes: [
      { channel: 'office-mail' },
      { channel: 'ops-webhook', kinds: climbing },
      { channel: 'duty-wecom', kinds: climbing },
      { channel: 'duty-dingtalk', kinds: climbing },
      { channel: 'duty-feishu', kinds: climbing },
      { channel: 'duty-sms', kinds: climbing },
      { channel: 'duty-voice', kinds: climbing, bindingOnly: true, hours: { from: hhmm(now - 3600_000), to: hhmm(now + 3600_000) } },
    ],
  };
  writeFileSync(file, YAML.stringify(plan));
}

/** The unit's roster: the office on the holiday rota — 李四 until the hand-over, then 何十. */
function writeRoster(file: string, handOver: number) {
  const roster = {
    plan: 'notify', version: 'e2e-1', effectiveFrom: isoLocal(TZ, Date.now() - 86_400_000),
    roles: {
      office: {
        coverage: 'partial',
        overrides: [
          { label: '节假日值班（上午）', from: isoLocal(TZ, Date.now() - 3600_000), to: isoLocal(TZ, handOver), primary: 'li.si' },
          { label: '节假日值班（下午）', from: isoLocal(TZ, handOver), to: isoLocal(TZ, Date.now() + 3 * 3600_000), primary: 'he.shi' },
        ],
      },
    },
  };
  writeFileSync(file, YAML.stringify(roster));
}

function writeDeliveryConfig(file: string) {
  const members = Object.keys(PEOPLE);
  const fast = { limit: 30, windowMs: 60_000 };
  writeFileSync(file, YAML.stringify({
    version: 1,
    channels: [
      { name: 'office-mail', type: 'email', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', user: 'notify', pass: { fromEnv: 'E2E_SMTP_PASS' } }, from: '示例单位舆情值守 <notify@notify.example.org>', rate: fast },
      { name: 'ops-webhook', type: 'webhook', url: hook.url(), secret: { fromEnv: 'E2E_WEBHOOK_SECRET' }, members },
      { name: 'duty-wecom', type: 'wecom', baseUrl: wecom.baseUrl, key: { fromEnv: 'E2E_WECOM_KEY' }, members },
      { name: 'duty-dingtalk', type: 'dingtalk', baseUrl: ding.baseUrl, accessToken: { fromEnv: 'E2E_DING_TOKEN' }, secret: { fromEnv: 'E2E_DING_SECRET' }, keyword: '舆情', members },
      { name: 'duty-feishu', type: 'feishu', baseUrl: feishu.baseUrl, token: { fromEnv: 'E2E_FEISHU_TOKEN' }, secret: { fromEnv: 'E2E_FEISHU_SECRET' }, members },
      { name: 'duty-sms', type: 'sms', url: sms.url(), headers: { authorization: { fromEnv: 'E2E_GATEWAY_AUTH' } }, body: { phone: '{{phone}}', text: '{{text}}', ref: '{{deliveryId}}' }, success: { field: 'code', equals: 'OK' }, rate: fast },
      { name: 'duty-voice', type: 'voice', url: voice.url(), headers: { authorization: { fromEnv: 'E2E_GATEWAY_AUTH' } }, body: { phone: '{{phone}}', text: '{{text}}', ref: '{{deliveryId}}' }, success: { field: 'code', equals: 'OK' }, rate: fast },
    ],
  }));
}

async function withLedger<T>(fn: (l: Ledger) => Promise<T>): Promise<T> {
  const ledger = openLedger(`sqlite:${path.join(dir, 'ledger.sqlite')}`);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

/** The notice kind a delivery id names: `<incident>/<kind>/<about>/<trigger>/<destination>/<channel>`. */
const kindOf = (deliveryId: string) => deliveryId.split('/')[1];
/** Mails to one person on one incident, in the order they arrived, as "kind" or "kind step". */
const mailsTo = (person: string, incident: string) =>
  smtp.mails.filter((m) => m.to.includes(emailOf(person)) && String(m.headers.get('x-delivery-id') ?? '').startsWith(`${incident}/`))
    .sort((a, b) => a.at - b.at)
    .map((m) => {
      const id = String(m.headers.get('x-delivery-id'));
      const step = /\/step=(\d+),/.exec(id)?.[1];
      return step === undefined ? kindOf(id) : `${kindOf(id)} ${step}`;
    });

const INC = 'e2e-notify-climb';
const ACKED = 'e2e-notify-acked';
let startedAt = 0;
let dueAt = 0;
let handOver = 0;

beforeAll(async () => {
  dir = tempDir('e2e-channels-');
  await Promise.all([smtp.start(), ...http.map((r) => r.start())]);
  mkdirSync(path.join(dir, 'plans'));
  mkdirSync(path.join(dir, 'rosters'));
  startedAt = Date.now();
  dueAt = startedAt + 40 * SECOND;
  // the hand-over: the first minute boundary at least 8 s after the due time (the repeat comes 70 s after it)
  handOver = Math.ceil((dueAt + 8 * SECOND) / 60_000) * 60_000;
  writePlan(path.join(dir, 'plans', 'notify.yaml'), '40s');
  writeRoster(path.join(dir, 'rosters', 'notify.yaml'), handOver);
  writeDeliveryConfig(path.join(dir, 'delivery.yaml'));
  server = await startDevServer({ uiPort: false });
  env = {
    TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: `e2e-channels-${process.pid}`, LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
    PLANS_DIR: path.join(dir, 'plans'), ROSTERS_DIR: path.join(dir, 'rosters'), DELIVERY_CONFIG: path.join(dir, 'delivery.yaml'),
    DELIVERY_POLL_MS: '200', DELIVERY_LEASE_MS: '5000',
    E2E_SMTP_PASS: 'smtp-e2e-pass', E2E_WEBHOOK_SECRET: WEBHOOK_SECRET, E2E_WECOM_KEY: 'wecom-e2e-key', E2E_DING_TOKEN: DING.accessToken,
    E2E_DING_SECRET: DING.secret, E2E_FEISHU_TOKEN: FEISHU.token, E2E_FEISHU_SECRET: FEISHU.secret, E2E_GATEWAY_AUTH: `Bearer ${GATEWAY_TOKEN}`,
  };
  worker = await startWorkerProcess(env);
}, 180_000);

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await server?.stop();
  await Promise.all([smtp.stop(), ...http.map((r) => r.stop())]);
});

const cli = async (args: string[]) => {
  const r = await runCliPiped([...args, '--json'], env, 90_000);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return json(r);
};

describe('a missed deadline reaches the people on duty on every channel, climbing until acknowledged', () => {
  it('overdue → escalation steps → repeat to the incoming shift → acknowledged; the webhook outage delays, never loses or doubles', async () => {
    for (const id of [INC, ACKED]) {
      const file = path.join(dir, `${id}.json`);
      writeFileSync(file, JSON.stringify({
        plan: 'notify', id, title: `网传某地突发事件（${id}）`, summary: '多个平台同时出现', discoveredAt: new Date(startedAt).toISOString(),
        discoveredBy: 'zhang.san', grade: 'especiallyMajor', metrics: { posts: 20 },
      }));
      await cli(['start', '--file', file]);
    }
    // the second incident: the office director acknowledges before its due time
    await cli(['act', ACKED, 'acknowledge', '--data', JSON.stringify({ by: 'wang.wu', obligation: 'firstReport', note: '已知悉，正在联系' })]);

    // the webhook receiver goes down over the due time
    await new Promise((r) => setTimeout(r, Math.max(0, dueAt - 8 * SECOND - Date.now())));
    await hook.stop();
    await new Promise((r) => setTimeout(r, Math.max(0, dueAt + 25 * SECOND - Date.now())));
    const missedWhileDown = hook.accepted.length;
    const backAt = Date.now();
    await hook.start();

    // the climb: the repeat (70 s after the due time) reaches the office on duty after the hand-over
    await eventually('the repeat reached the incoming office shift', async () => (mailsTo('he.shi', INC).includes('escalation 2') ? true : undefined), 150_000, 500);
    expect(Date.now()).toBeGreaterThan(handOver);
    const ack = await cli(['act', INC, 'acknowledge', '--data', JSON.stringify({ by: 'wang.wu', obligation: 'firstReport' })]);
    expect(ack.obligations.find((o: { id: string }) => o.id === 'firstReport').status).toBe('pending');

    // in order, to the people on duty
    expect(mailsTo('zhang.san', INC)).toEqual(['assigned', 'overdue', 'escalation 0', 'escalation 1', 'escalation 2']);
    expect(mailsTo('li.si', INC)).toEqual(['newIncident', 'overdue']); // on duty until the hand-over
    expect(mailsTo('he.shi', INC)).toEqual(['escalation 2']); // on duty after it
    expect(mailsTo('wang.wu', INC)).toEqual(['newIncident', 'escalation 0', 'escalation 2']);
    expect(mailsTo('sun.qi', INC)).toEqual(['overdue', 'escalation 1', 'escalation 2']); // required at 特别重大, then the climb
    expect(mailsTo('zhao.liu', INC)).toEqual(['escalation 1', 'escalation 2']);
    // acknowledged before its due time: no climb, and the principal leader is told all the same
    expect(mailsTo('sun.qi', ACKED)).toEqual(['overdue']);
    expect(mailsTo('wang.wu', ACKED)).toEqual(['newIncident']);

    // Chinese intact, the line and the time in the plan's zone with its offset
    const overdueMail = smtp.mails.find((m) => m.to.includes(emailOf('sun.qi')) && String(m.headers.get('x-delivery-id')).startsWith(`${INC}/overdue/`))!;
    expect(overdueMail.subject).toMatch(/^【示例单位】逾期：首报/);
    expect(overdueMail.text).toContain('+08:00（逾期');
    expect(overdueMail.text).toContain(`act ${INC} acknowledge`);

    // every robot and gateway got the climb, signed and shaped as its vendor checks, @-mentioning the people told
    for (const r of http) expect(r.rejected, r.constructor.name).toEqual([]);
    expect(smtp.authFailures ?? 0).toBe(0);
    expect(wecom.messages.some((m) => JSON.stringify(m).includes('SunQi'))).toBe(true);
    expect(ding.messages.some((m) => m.at?.atUserIds?.includes('ding-sun') || m.at?.atMobiles?.includes('13800000005'))).toBe(true);
    expect(feishu.messages.some((m) => JSON.stringify(m).includes('ou_sun'))).toBe(true);
    expect(sms.sent.some((s) => s.phone === '13800000005')).toBe(true);
    expect(voice.sent.some((s) => s.phone === '13800000005')).toBe(true);

    // the webhook outage: nothing accepted while it was down, every delivery arrived after, none twice
    expect(missedWhileDown).toBe(0);
    await withLedger(async (l) => {
      const hookRows = (await l.listDeliveries({ incidentId: INC })).filter((d) => d.channel === 'ops-webhook');
      await eventually('the webhook deliveries made up after the outage', async () => {
        const rows = (await l.listDeliveries({ incidentId: INC })).filter((d) => d.channel === 'ops-webhook');
        return rows.every((d) => d.status === 'delivered') ? true : undefined;
      }, 120_000, 500);
      expect(hookRows.length).toBeGreaterThan(0);
      const delivered = (await l.listDeliveries({ incidentId: INC })).filter((d) => d.channel === 'ops-webhook');
      expect(hook.duplicates).toBe(0);
      // some waited out the outage: delivered once the receiver was back
      expect(delivered.filter((d) => (d.deliveredAt ?? 0) >= backAt).length).toBeGreaterThan(0);
      // and the receiver was probed while it was down (one delivery per probe, of either incident: the others waited)
      const probed = [...(await l.listDeliveries({ incidentId: INC })), ...(await l.listDeliveries({ incidentId: ACKED }))].filter((d) => d.channel === 'ops-webhook');
      expect(probed.filter((d) => d.attempts > 1).length).toBeGreaterThan(0);
      for (const d of delivered) expect([...hook.unique.keys()].some((k) => decodeURIComponent(k) === d.id || k === d.id)).toBe(true);
      // each step, delivery and acknowledgement is in the ledger
      const acks = await l.listAcknowledgements({ incidentId: INC });
      expect(acks).toEqual([expect.objectContaining({ personId: 'wang.wu', scope: 'policy', obligationId: 'firstReport' })]);
      const kinds = (await l.listNotices({ incidentId: INC })).map((n) => n.kind);
      expect(kinds.filter((k) => k === 'escalation')).toHaveLength(3);
    });
    const shown = await cli(['show', INC]);
    expect(shown.timeline.filter((e: { action: string }) => e.action === 'escalation')).toHaveLength(3);
    expect(shown.timeline.some((e: { action: string; by?: string }) => e.action === 'acknowledge' && e.by === 'wang.wu')).toBe(true);
  }, 300_000);

  it('with every receiver down, updates complete; what they owe is sent once the receivers are back', async () => {
    await Promise.all([smtp.stop(), ...http.map((r) => r.stop())]);
    const before = smtp.mails.length;
    const s = await cli(['act', INC, 'report', '--data', JSON.stringify({ by: 'zhang.san', to: 'office', mode: 'written' })]);
    expect(s.obligations.find((o: { id: string }) => o.id === 'firstReport').status).toBe('late');
    await cli(['act', INC, 'assess', '--data', JSON.stringify({ by: 'li.si', grade: 'especiallyMajor' })]);
    expect(smtp.mails.length).toBe(before);
    await Promise.all([smtp.start(), ...http.map((r) => r.start())]);
    // the assessment's own notices (the 3 h response assigned to the spokesperson) arrive once the mail server is back
    await eventually('a notice recorded while every receiver was down is delivered', async () =>
      (smtp.mails.length > before ? true : undefined), 120_000, 500);
  }, 200_000);
});

/**
 * Delivery figures: how late a notice reaches its receiver when many incidents fall due together, and whether
 * recording an action slows down when every channel is down. A Temporal dev server, an in-process
 * incident worker, a temporary SQLite ledger, the dispatcher, and real loopback receivers for every channel
 * (webhook, WeCom, DingTalk, Feishu, SMS gateway, SMTP) from test/helpers/receivers, in a process of their own
 * (scripts/figures-receivers.ts: the outside world does not share the worker's event loop in real life).
 *
 *   npm run delivery-figures
 *   npm run delivery-figures -- --incidents 200 --updates 300 --outage 20s --out figures.json
 *   npm run delivery-figures -- --baseline figures.json      # a previous --out, shown side by side
 *   (also --lead 30s: discovery to the due time; --window 60s: how long C is observed; --plan <fixture>;
 *    --only A,U: run only these scenarios, e.g. while working on one figure; U uses A's and B's incidents, so it runs them)
 *
 * Scenarios (each with its own burst of incidents, all discovered at one instant, so their first-report deadline
 * falls due at one instant):
 *   A  every channel up, channel rates raised so the throttle does not dominate: lag per channel and overall.
 *   B  the same, with the webhook receiver stopped 1 s before the due time and started again `--outage` later:
 *      its lag, and every expected delivery arrived once (the webhook receiver honours idempotency keys).
 *   U  update latency: `--updates` sequential `report` updates with every channel up (the baseline), then as
 *      many with every receiver stopped (the dispatcher keeps failing and retrying the notices those reports
 *      record), then as many with every channel up again (a look at drift, not a like-for-like baseline: they are
 *      later reports on A's incidents, written follow-ups that change less, so they are quicker); "up" and "down"
 *      are the same mix (each incident's first report by phone, then written ones). The event loop's delay is
 *      recorded beside each, since the worker, dispatcher and client share one process. 300 each by default: the p99
 *      of 100 is their second-worst, one stray pause.
 *   C  the vendors' default rates (no `rate` in the configuration): observed for `--window`, then the rest is
 *      projected from the rates (one duty officer getting 200 SMS is throttled by the gateway, not by us).
 *
 * Delivery lag = the receiver's receive time − the obligation's due time, for the overdue notices.
 * Before each due time the start-time notices (assigned, newIncident) are drained with the raised rates, as they
 * would have been long before in real life (the deadline is 12 h after discovery there; here it is `--lead`).
 * The benchmark plan routes those two kinds to every channel but mail: each mail costs one SMTP connection, and
 * the 800 start-time mails of 200 incidents would add minutes of set-up per scenario without being measured.
 * Every other kind, the overdue notices included, goes to every channel.
 *
 * Dispatcher settings for the benchmark: poll 200 ms, batch 50 (the default), lease 30 s, backoff 800 ms × 2 up to
 * 10 s (DELIVERY_BACKOFF_MAX_MS: a delivery is retried at most 10 s after its receiver comes back; production's default
 * is 15 min). Raised rates (A, B, U): 100 000 a minute per receiver. Vendor rates (C): each channel's default
 * (docs/channels.md). The dispatcher runs as the worker runs it: by default on its own thread (DISPATCHER=thread,
 * startDispatcherThread with the benchmark's DELIVERY_CONFIG, poll, lease and backoff); `--dispatcher inline` runs
 * production's createDispatcher on the worker's event loop instead, over channels wrapped only to time their sends.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { openLedger, type DeliveryRow, type Ledger, type NoticeRow } from '../src/activities/ledger';
import { startIncident } from '../src/api/incidents';
import type { DeliveryChannel } from '../src/delivery/channels/channel';
import { buildChannels, parseDeliveryConfig } from '../src/delivery/config';
import type { Dispatcher } from '../src/delivery/dispatcher';
import { NOTICE_KINDS, type NoticeKind } from '../src/plan/codes';
import { parseDuration } from '../src/plan/duration';
import { loadPlanFile, type LoadedPlan } from '../src/plan/plan.loader';
import { createDispatcher } from '../src/runtime/dispatcher';
import { startDispatcherThread } from '../src/runtime/dispatcher-thread';
import { bundleIncidentWorkflows, createIncidentWorker } from '../src/runtime/worker';
import { actionUpdates, workflowIdFor } from '../src/workflows/incident.definitions';
import { CH, CHANNELS, Receivers, S, type Received } from './figures-receivers';
import { REPO_ROOT, startDevServer, type DevServer } from './temporal-binaries';

// ───────────────────────────── options ─────────────────────────────

const { values } = parseArgs({
  options: {
    incidents: { type: 'string', default: '200' },
    updates: { type: 'string', default: '300' },
    outage: { type: 'string', default: '20s' },
    lead: { type: 'string', default: '30s' },
    window: { type: 'string', default: '60s' },
    plan: { type: 'string', default: path.join(REPO_ROOT, 'test', 'fixtures', 'plans', 'default.yaml') },
    out: { type: 'string' },
    baseline: { type: 'string' },
    only: { type: 'string' },
    dispatcher: { type: 'string', default: 'thread' },
  },
});
const durationOpt = (name: string, text: string): number => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new Error(`--${name}: not a duration ("20s", "1m"): ${text}`);
  return ms;
};
const intOpt = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: must be a positive whole number, got ${text}`);
  return n;
};
const N = intOpt('incidents', values.incidents!);
const UPDATES = intOpt('updates', values.updates!);
const OUTAGE_MS = durationOpt('outage', values.outage!);
const LEAD_MS = durationOpt('lead', values.lead!);
const WINDOW_MS = durationOpt('window', values.window!);
const DISPATCH = values.dispatcher!;
if (DISPATCH !== 'thread' && DISPATCH !== 'inline') throw new Error(`--dispatcher: thread or inline (DISPATCHER of the worker), got ${DISPATCH}`);
const SCENARIOS = ['A', 'B', 'U', 'C'] as const;
const ONLY = new Set<string>(values.only === undefined ? SCENARIOS : values.only.split(',').map((x) => x.trim().toUpperCase()));
for (const x of ONLY) if (!(SCENARIOS as readonly string[]).includes(x)) throw new Error(`--only: not a scenario (${SCENARIOS.join(', ')}): ${x}`);
// the update case reports on A's and B's incidents
if (ONLY.has('U')) ['A', 'B'].forEach((x) => ONLY.add(x));

const TASK_QUEUE = 'delivery-figures';
const AIM_LAG_P99_MS = 5_000;
const AIM_UPDATE_RATIO = 1.2;
const POLL_MS = 200;
const LEASE_MS = 30_000;
/** what createDispatcher makes of poll 200 ms and DELIVERY_BACKOFF_MAX_MS=10000 */
const BACKOFF = { initialMs: 4 * POLL_MS, factor: 2, maxMs: 10_000 };
/** rates raised far above the burst: 100 000 messages a minute per receiver */
const RAISED_RATE = { limit: 100_000, windowMs: 60_000 };

/** the notices an incident records when it starts: not sent by mail in the benchmark plan */
const START_KINDS: readonly NoticeKind[] = ['assigned', 'newIncident'];
/** the duty people in each robot's group */
const ROBOT_MEMBERS = ['zhang.san', 'li.si', 'wang.wu'];

// ───────────────────────────── small helpers ─────────────────────────────

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Run `fn` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  }));
}

interface Dist { n: number; p50: number; p95: number; p99: number; max: number; mean: number }
/** Nearest-rank percentiles. */
function dist(xs: number[]): Dist | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const fmtMs = (v: number | undefined): string => (v === undefined ? '—' : v >= 120_000 ? fmtDur(v) : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`);

// ───────────────────────────── the configuration and the plan ─────────────────────────────

/** The delivery configuration (DELIVERY_CONFIG) pointing at the receivers; `vendor` leaves out `rate` (each channel's default). */
function rawDeliveryConfig(r: Receivers, rates: 'raised' | 'vendor') {
  const e = r.endpoints;
  const rate = rates === 'raised' ? { rate: RAISED_RATE } : {};
  return {
    version: 1,
    channels: [
      { name: CH.mail, type: 'email', smtp: { host: '127.0.0.1', port: e.smtpPort, security: 'none', user: S.smtpUser, pass: S.smtpPass }, from: `应急值守 <${S.smtpUser}>`, ...rate },
      { name: CH.webhook, type: 'webhook', url: e.webhookUrl, secret: S.webhook, ...rate },
      { name: CH.wecom, type: 'wecom', baseUrl: e.wecomBaseUrl, key: S.wecomKey, members: ROBOT_MEMBERS, ...rate },
      { name: CH.dingtalk, type: 'dingtalk', baseUrl: e.dingtalkBaseUrl, accessToken: S.dingtalkToken, secret: S.dingtalkSecret, keyword: '舆情', members: ROBOT_MEMBERS, ...rate },
      { name: CH.feishu, type: 'feishu', baseUrl: e.feishuBaseUrl, token: S.feishuToken, secret: S.feishuSecret, members: ROBOT_MEMBERS, ...rate },
      {
        name: CH.sms, type: 'sms', url: e.smsUrl, headers: { authorization: `Bearer ${S.smsToken}` },
        body: { phone: '{{phone}}', text: '{{short}}', deliveryId: '{{deliveryId}}' },
        success: { field: 'code', equals: 'OK' }, permanentCodes: ['isv.MOBILE_NUMBER_ILLEGAL'], rateLimitCodes: ['isv.BUSINESS_LIMIT_CONTROL'], rateLimitRetryAfterMs: 60_000,
        ...rate,
      },
    ],
  };
}

/** The benchmark plan: the fixture with a first-report deadline of `--lead`, no reminders, contacts for everyone and routes to every channel. */
function writePlan(plansDir: string): LoadedPlan {
  const raw = parseYaml(readFileSync(values.plan!, 'utf8')) as Record<string, any>;
  raw.id = 'delivery-figures';
  raw.deadlines.firstReport = Object.fromEntries(Object.keys(raw.deadlines.firstReport).map((g) => [g, `${Math.round(LEAD_MS / 1000)}s`]));
  raw.reminders = [];
  raw.people = (raw.people as Array<Record<string, any>>).map((p, i) => ({
    ...p,
    contacts: {
      email: `${p.id}@bench.example.org`, phone: `1380000${String(1000 + i).padStart(4, '0')}`,
      wecomUserId: `wc.${p.id}`, dingtalkUserId: `dt.${p.id}`, feishuOpenId: `ou_${p.id.replace(/\W/g, '')}`,
    },
  }));
  // Mail carries every kind but the start-time ones (see the header); every other channel carries every kind.
  raw.delivery = {
    routes: CHANNELS.map((channel) => (channel === CH.mail ? { channel, kinds: NOTICE_KINDS.filter((k) => !START_KINDS.includes(k)) } : { channel })),
  };
  const file = path.join(plansDir, 'delivery-figures.yaml');
  writeFileSync(file, `# written by scripts/delivery-figures.ts from ${path.relative(REPO_ROOT, values.plan!)}\n${toYaml(raw)}`);
  return loadPlanFile(file);
}

/** A channel that times each send (the dispatcher's own path is unchanged). */
function timed(c: DeliveryChannel, sends: Map<string, number[]>): DeliveryChannel {
  const list = sends.get(c.name) ?? [];
  sends.set(c.name, list);
  return {
    name: c.name, type: c.type, mode: c.mode, rate: c.rate,
    addressOf: c.addressOf.bind(c),
    ...(c.members ? { members: c.members.bind(c) } : {}),
    receiverKey: c.receiverKey.bind(c),
    async deliver(m) {
      const t = performance.now();
      try {
        await c.deliver(m);
      } finally {
        list.push(performance.now() - t);
      }
    },
  };
}

// ───────────────────────────── the run ─────────────────────────────

const EventType = proto.temporal.api.enums.v1.EventType;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const eventMs = (e: HistoryEvent | undefined): number | undefined => {
  const t = e?.eventTime;
  return t ? Number(t.seconds?.toString() ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : undefined;
};

/**
 * Where the time from due to receiver goes, per incident, from its history and the ledger: the deadline timer set
 * (after the first workflow task) and fired, the workflow task that records the notice picked up and completed,
 * the recording activity picked up and completed, and the dispatcher's first send of it.
 */
interface Timeline {
  /** the first workflow task's end − discovery: how late the deadline timer was set */
  timerSetLate?: Dist;
  /** TimerFired − due */
  timerFired?: Dist;
  /** workflow task started − TimerFired */
  taskPickedUp?: Dist;
  /** workflow task completed − started */
  taskRan?: Dist;
  /** activity started − scheduled */
  activityPickedUp?: Dist;
  /** activity completed − started */
  activityRan?: Dist;
  /** first receiver − the recording activity completed (v6: the workflow task that ran it as a local activity) */
  dispatched?: Dist;
}

interface ChannelLag { channel: string; expected: number; received: number; lost: number; duplicates: number; lag?: Dist }
interface Scenario {
  name: string; dueAt: number; recorded?: Dist; overall?: Dist; channels: ChannelLag[]; note?: string; backAfterDueMs?: number;
  timeline?: Timeline;
  /** measured at the end of a window, not once everything arrived: what is missing is still queued */
  windowed?: boolean;
}
interface Figures {
  at: string; incidents: number; updatesPerCase: number; outageMs: number; leadMs: number; windowMs: number;
  settings: { pollMs: number; leaseMs: number; backoff: typeof BACKOFF; raisedRate: typeof RAISED_RATE; dispatcher?: string };
  scenarios: Record<string, Scenario>;
  vendor?: { windowMs: number; channels: Array<{ channel: string; rate: string; expected: number; inWindow: number; receivers: number; perReceiver: number; projectedP99Ms: number; projectedLastMs: number }> };
  updates: {
    up?: Dist; down?: Dist; upAgain?: Dist;
    /** the event loop's delay (p99, max) during each case */
    loopDelayMs?: Record<'up' | 'down' | 'upAgain', { p99: number; max: number }>;
    ratioP50?: number; ratioP99?: number; notCompleted: number; failedAttemptsDuringDown: number };
  sendMs: Record<string, Dist | undefined>;
  dispatcherLog: Record<string, number>;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(path.join(tmpdir(), 'delivery-figures-'));
  const plansDir = path.join(dir, 'plans');
  mkdirSync(plansDir);
  process.env.PLANS_DIR = plansDir;
  const loaded = writePlan(plansDir);

  // Everything started is torn down here, once, on success, error or Ctrl-C.
  const teardown: Array<() => Promise<unknown> | unknown> = [];
  let tornDown = false;
  const tearDown = async () => {
    if (tornDown) return;
    tornDown = true;
    for (const f of teardown.reverse()) {
      try {
        await f();
      } catch (err) {
        console.error('teardown:', (err as Error).message);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`\n${sig}: tearing down`);
    void tearDown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const figures: Figures = {
    at: new Date().toISOString(), incidents: N, updatesPerCase: UPDATES, outageMs: OUTAGE_MS, leadMs: LEAD_MS, windowMs: WINDOW_MS,
    settings: { pollMs: POLL_MS, leaseMs: LEASE_MS, backoff: BACKOFF, raisedRate: RAISED_RATE, dispatcher: DISPATCH },
    scenarios: {}, updates: { notCompleted: 0, failedAttemptsDuringDown: 0 }, sendMs: {}, dispatcherLog: {},
  };
  try {
    const ledgerUrl = `sqlite:${path.join(dir, 'ledger.sqlite')}`;
    const ledger: Ledger = openLedger(ledgerUrl);
    teardown.push(() => ledger.close());
    await ledger.migrate();

    // (in a process of their own: see scripts/figures-receivers.ts)
    const receivers = await Receivers.start();
    teardown.push(() => receivers.close());

    log('starting the Temporal dev server');
    const server: DevServer = await startDevServer({ uiPort: false, detached: true });
    teardown.push(() => server.stop());
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    teardown.push(() => nativeConnection.close());
    const connection = await Connection.connect({ address: server.address });
    teardown.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const workflowBundle = await bundleIncidentWorkflows({ trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never);
    // (a notice the worker records wakes the dispatcher, as in worker.ts)
    let wake = () => {};
    const worker: Worker = await createIncidentWorker({ connection: nativeConnection, namespace: 'default', taskQueue: TASK_QUEUE, ledger, workflowBundle, onNoticesRecorded: () => wake() });
    const running = worker.run();
    teardown.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    // The dispatcher as the worker runs it (DISPATCHER=thread: its own thread, ledger connection and client; or inline
    // with --dispatcher inline, where each send is timed too), with the benchmark's poll, lease and backoff.
    const sends = new Map<string, number[]>();
    const logCounts = figures.dispatcherLog;
    let failedAttempts = 0;
    const built: DeliveryChannel[][] = [];
    const onLog = (m: string) => {
      logCounts[m] = (logCounts[m] ?? 0) + 1;
      if (m === 'delivery failed; will retry') failedAttempts++;
      else log(`[dispatcher] ${m}`);
    };
    const settingsOf = (channels: DeliveryChannel[]) => ({ channels, pollMs: POLL_MS, giveUpAfterMs: 6 * 3600_000, leaseMs: LEASE_MS, testHttpTimeoutMs: 10_000, backoffMaxMs: BACKOFF.maxMs });
    interface Running { planner: Dispatcher; stop(): Promise<void> }
    const newDispatcher = async (rates: 'raised' | 'vendor'): Promise<Running> => {
      const raw = rawDeliveryConfig(receivers, rates);
      const channels = buildChannels(parseDeliveryConfig(raw, {}, `delivery-figures (${rates})`));
      built.push(channels);
      if (DISPATCH === 'inline') {
        const d = createDispatcher({ ledger, client, settings: settingsOf(channels.map((c) => timed(c, sends))), log: onLog });
        d.start();
        wake = () => d.wake();
        return { planner: d, stop: () => d.stop() };
      }
      const file = path.join(dir, `delivery-${rates}.json`);
      writeFileSync(file, JSON.stringify(raw));
      const thread = await startDispatcherThread({
        env: {
          LEDGER_URL: ledgerUrl, DELIVERY_CONFIG: file, DELIVERY_POLL_MS: String(POLL_MS), DELIVERY_LEASE_MS: String(LEASE_MS),
          DELIVERY_BACKOFF_MAX_MS: String(BACKOFF.maxMs), DELIVERY_GIVE_UP_AFTER_MS: String(6 * 3600_000), TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default',
        },
        log: onLog,
      });
      wake = () => thread.wake();
      // (not started: it works out which deliveries a notice should have, to check the receivers against)
      return { planner: createDispatcher({ ledger, settings: settingsOf(channels) }), stop: () => thread.stop() };
    };
    let dispatcher = await newDispatcher('raised');
    // (run in reverse: the dispatcher stops before the mail transports close)
    teardown.push(() => built.flat().forEach((c) => (c as { close?: () => void }).close?.()));
    teardown.push(() => dispatcher.stop());

    let aIds: string[] = [];
    let bIds: string[] = [];
    const pendingOf = async (prefix: string) => (await ledger.listNotices({ status: 'pending' })).filter((n) => n.incidentId.startsWith(`${prefix}-`));

    /** Start `N` incidents discovered at one instant; their start-time notices are delivered before the due time. */
    const burst = async (prefix: string): Promise<{ ids: string[]; dueAt: number }> => {
      const discoveredAt = new Date().toISOString();
      const dueAt = Date.parse(discoveredAt) + LEAD_MS;
      const ids = Array.from({ length: N }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`);
      const t = Date.now();
      await pool(ids, 25, async (id) => {
        await startIncident(client, TASK_QUEUE, { id, title: `基准舆情 ${id}`, discoveredAt, discoveredBy: 'zhang.san', metrics: { posts: 1 } }, loaded);
      });
      log(`${prefix}: ${N} incidents started in ${((Date.now() - t) / 1000).toFixed(1)} s; due at ${new Date(dueAt).toISOString()}`);
      // settled: one notice at least per incident, none pending, and no new one for a second
      let last = -1;
      await until(`${prefix}: the start-time notices delivered`, async () => {
        const all = (await ledger.listNotices()).filter((n) => n.incidentId.startsWith(`${prefix}-`));
        const settled = all.length >= N && all.length === last && all.every((n) => n.status !== 'pending');
        last = all.length;
        return settled ? true : undefined;
      }, LEAD_MS + 300_000, 1_000);
      const spare = dueAt - Date.now();
      log(`${prefix}: start-time notices delivered, ${(spare / 1000).toFixed(1)} s before the due time`);
      if (spare < 2_000) log(`${prefix}: WARNING: the start-time notices took until the due time; raise --lead`);
      return { ids, dueAt };
    };

    /** Wait until every incident's overdue notice reached every receiver and none is pending. */
    const awaitOverdue = async (prefix: string, ids: string[], timeoutMs: number) => {
      const want = new Set(ids);
      await until(`${prefix}: every overdue notice at every receiver`, async () => {
        const got = await receivers.accepted();
        for (const c of CHANNELS) {
          const seen = new Set(got.filter((m) => m.channel === c && m.kind === 'overdue' && want.has(m.incidentId)).map((m) => m.incidentId));
          if (seen.size < want.size) return undefined;
        }
        return (await pendingOf(prefix)).length === 0 ? true : undefined;
      }, timeoutMs, 500);
    };

    /** Where the time went, incident by incident (see Timeline). */
    const timeline = async (ids: string[], dueAt: number, want: Set<string>): Promise<Timeline> => {
      const firstReceived = new Map<string, number>();
      for (const m of await receivers.accepted()) {
        if (m.kind === 'overdue' && want.has(m.incidentId)) firstReceived.set(m.incidentId, Math.min(firstReceived.get(m.incidentId) ?? Infinity, m.at));
      }
      const discoveredAt = dueAt - LEAD_MS;
      const xs: Record<keyof Timeline, number[]> = { timerSetLate: [], timerFired: [], taskPickedUp: [], taskRan: [], activityPickedUp: [], activityRan: [], dispatched: [] };
      const push = (k: keyof Timeline, to: number | undefined, from: number | undefined) => {
        if (to !== undefined && from !== undefined) xs[k].push(to - from);
      };
      await pool(ids, 10, async (id) => {
        const events = (await client.workflow.getHandle(workflowIdFor(id)).fetchHistory()).events ?? [];
        const after = (i: number, type: number) => events.findIndex((e, j) => j > i && e.eventType === type);
        push('timerSetLate', eventMs(events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)), discoveredAt);
        const fired = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED && (eventMs(e) ?? 0) >= dueAt - 1_000);
        if (fired < 0) return;
        push('timerFired', eventMs(events[fired]), dueAt);
        const started = after(fired, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
        const completed = after(started, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
        push('taskPickedUp', eventMs(events[started]), eventMs(events[fired]));
        push('taskRan', eventMs(events[completed]), eventMs(events[started]));
        const scheduled = after(completed, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
        const actStarted = after(scheduled, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
        const actDone = after(scheduled, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
        // (v6 writes the notice by a local activity inside that task: no activity task, the task's end is when it is in the ledger)
        const inLedger = scheduled < 0 ? completed : actDone;
        if (scheduled >= 0) {
          push('activityPickedUp', eventMs(events[actStarted]), eventMs(events[scheduled]));
          push('activityRan', eventMs(events[actDone]), eventMs(events[actStarted]));
        }
        push('dispatched', firstReceived.get(id), eventMs(events[inLedger]));
      });
      return Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, dist(v)])) as Timeline;
    };

    /** Lag per channel of the overdue notices of a burst, checked against the ledger's deliveries. */
    const measure = async (name: string, prefix: string, ids: string[], dueAt: number): Promise<Scenario> => {
      const want = new Set(ids);
      const notices: NoticeRow[] = (await ledger.listNotices()).filter((n) => want.has(n.incidentId) && n.kind === 'overdue');
      const dueOf = new Map(notices.map((n) => [n.id, n.dueAt ?? dueAt]));
      // what should have arrived: every destination of every overdue notice, worked out again from the notice
      // itself (not from the rows the dispatcher recorded, which a lost notice would not have)
      const planned = new Map<string, DeliveryRow>();
      for (const n of notices) for (const x of dispatcher.planner.destinations(n, n.notice.recipients, Date.now()).planned) planned.set(x.row.id, x.row);
      const rows = [...planned.values()];
      const ledgerRows = (await ledger.listDeliveries()).filter((d) => dueOf.has(d.noticeId));
      const unexpected = ledgerRows.filter((d) => !planned.has(d.id)).length;
      const channels: ChannelLag[] = [];
      const accepted = await receivers.accepted();
      const all: number[] = [];
      for (const c of CHANNELS) {
        const expected = rows.filter((d) => d.channel === c);
        const got = accepted.filter((m) => m.channel === c && m.kind === 'overdue' && want.has(m.incidentId));
        const first = new Map<string, Received>();
        for (const m of got) if (!first.has(m.key)) first.set(m.key, m);
        // robots carry no delivery id: their key is incident + kind + group
        const keyOf = (d: DeliveryRow) => (d.destination.startsWith('group=') ? `${d.incidentId}/overdue/${d.destination}` : d.id);
        const lags: number[] = [];
        let lost = 0;
        for (const d of expected) {
          const m = first.get(keyOf(d));
          if (!m) lost++;
          else lags.push(m.at - (dueOf.get(d.noticeId) ?? dueAt));
        }
        all.push(...lags);
        channels.push({ channel: c, expected: expected.length, received: first.size, lost, duplicates: got.length - first.size, lag: dist(lags) });
      }
      const recorded = dist(notices.map((n) => n.createdAt - (n.dueAt ?? dueAt)));
      const s: Scenario = { name, dueAt, recorded, overall: dist(all), channels, timeline: await timeline(ids, dueAt, want) };
      const notes = [
        ...(notices.length !== ids.length ? [`${notices.length} overdue notices recorded for ${ids.length} incidents`] : []),
        ...(unexpected ? [`${unexpected} deliveries in the ledger that no channel should carry (e.g. a person no channel reaches)`] : []),
      ];
      if (notes.length) s.note = notes.join('; ');
      log(`${prefix}: measured (${rows.length} deliveries of ${notices.length} overdue notices)`);
      return s;
    };

    // ── A: every channel up ──
    if (ONLY.has('A')) {
      const { ids, dueAt } = await burst('a');
      await awaitOverdue('a', ids, 600_000);
      figures.scenarios.A = await measure('A: every channel up', 'a', ids, dueAt);
      aIds = ids;
    }

    // ── B: the webhook receiver down from 1 s before the due time, for --outage ──
    if (ONLY.has('B')) {
      const { ids, dueAt } = await burst('b');
      await sleep(dueAt - 1_000 - Date.now());
      await receivers.stopReceivers([CH.webhook]);
      const downAt = Date.now();
      const failedBefore = failedAttempts;
      log(`b: webhook receiver stopped; back in ${OUTAGE_MS / 1000} s`);
      await sleep(downAt + OUTAGE_MS - Date.now());
      await receivers.startReceivers([CH.webhook]);
      const backAt = Date.now();
      log('b: webhook receiver started again');
      await awaitOverdue('b', ids, 600_000);
      const s = await measure(`B: webhook down ${(OUTAGE_MS / 1000).toFixed(0)} s from due − 1 s`, 'b', ids, dueAt);
      s.backAfterDueMs = backAt - dueAt;
      s.note = `webhook receiver down from due − ${((dueAt - downAt) / 1000).toFixed(1)} s to due + ${((backAt - dueAt) / 1000).toFixed(1)} s; `
        + `${failedAttempts - failedBefore} failed delivery attempts retried meanwhile${s.note ? `; ${s.note}` : ''}`;
      figures.scenarios.B = s;
      bIds = ids;
    }

    // ── U: update latency: every channel up, every channel down, and up again (to see any drift) ──
    if (ONLY.has('U')) {
      // the first report on an incident is by phone, a later one (when --updates exceeds the incidents) written
      const reports = new Map<string, number>();
      const report = (id: string) => {
        const k = reports.get(id) ?? 0;
        reports.set(id, k + 1);
        return client.workflow.getHandle(workflowIdFor(id)).executeUpdate(actionUpdates.report, {
          args: [{ by: 'zhang.san', to: 'office', mode: k === 0 ? 'phone' : 'written', note: `基准：第 ${k + 1} 次报告` }],
        });
      };
      const timedUpdates = async (ids: string[], label: string) => {
        const ms: number[] = [];
        let failed = 0;
        // how long the process's event loop (worker activities, dispatcher, client, receivers) was held meanwhile
        const loop = monitorEventLoopDelay({ resolution: 10 });
        loop.enable();
        for (let i = 0; i < UPDATES; i++) {
          const t = performance.now();
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([report(ids[i % ids.length]), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer within 30 s')), 30_000); })]);
            ms.push(performance.now() - t);
          } catch (err) {
            failed++;
            if (failed <= 3) log(`${label}: update failed: ${(err as Error).message}`);
          } finally {
            clearTimeout(timer);
          }
        }
        loop.disable();
        return { d: dist(ms), failed, loop: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 } };
      };
      // warm-up on the last incidents of B (the measured ones are the first)
      for (let i = 0; i < Math.min(5, bIds.length); i++) await report(bIds[bIds.length - 1 - i]);
      const up = await timedUpdates(aIds, 'up');
      log(`updates, channels up: p50 ${fmtMs(up.d?.p50)}, p99 ${fmtMs(up.d?.p99)}`);
      await receivers.stopReceivers();
      const before = failedAttempts;
      const down = await timedUpdates(bIds, 'down');
      const failedAttemptsDuringDown = failedAttempts - before;
      log(`updates, channels down: p50 ${fmtMs(down.d?.p50)}, p99 ${fmtMs(down.d?.p99)} (${failedAttemptsDuringDown} failed delivery attempts meanwhile)`);
      await receivers.startReceivers();
      await until('the notices of the updates delivered once the receivers are back', async () => ((await ledger.listNotices({ status: 'pending' })).length === 0 ? true : undefined), 120_000, 1_000);
      const again = await timedUpdates(aIds.length >= 2 * UPDATES ? aIds.slice(UPDATES) : aIds, 'up again');
      log(`updates, channels up again: p50 ${fmtMs(again.d?.p50)}, p99 ${fmtMs(again.d?.p99)}`);
      await until('the notices of the updates delivered', async () => ((await ledger.listNotices({ status: 'pending' })).length === 0 ? true : undefined), 120_000, 1_000);
      figures.updates = {
        up: up.d, down: down.d, upAgain: again.d, loopDelayMs: { up: up.loop, down: down.loop, upAgain: again.loop }, notCompleted: down.failed + up.failed + again.failed, failedAttemptsDuringDown,
        ...(up.d && down.d ? { ratioP50: down.d.p50 / up.d.p50, ratioP99: down.d.p99 / up.d.p99 } : {}),
      };
    }

    // ── C: the vendors' default rates ──
    if (ONLY.has('C')) {
      const { ids, dueAt } = await burst('c');
      await sleep(dueAt - 3_000 - Date.now());
      await dispatcher.stop();
      dispatcher = await newDispatcher('vendor');
      log(`c: dispatcher with the vendors' default rates; observing ${WINDOW_MS / 1000} s after the due time`);
      await sleep(dueAt + WINDOW_MS - Date.now());
      const s = await measure(`C: vendor default rates, first ${(WINDOW_MS / 1000).toFixed(0)} s`, 'c', ids, dueAt);
      s.windowed = true;
      figures.scenarios.C = s;
      const vendorChannels = built[built.length - 1];
      const want = new Set(ids);
      const rows = (await ledger.listDeliveries()).filter((d) => want.has(d.incidentId) && d.noticeId.includes('/overdue/'));
      figures.vendor = {
        windowMs: WINDOW_MS,
        channels: vendorChannels.map((c) => {
          const mine = rows.filter((d) => d.channel === c.name);
          const byReceiver = new Map<string, number>();
          for (const d of mine) byReceiver.set(c.receiverKey(d), (byReceiver.get(c.receiverKey(d)) ?? 0) + 1);
          const perReceiver = Math.max(0, ...byReceiver.values());
          const rate = c.rate!;
          // a sliding window lets `limit` through at once, then `limit` more every window
          const nth = (k: number) => Math.floor((k - 1) / rate.limit) * rate.windowMs;
          const lagRow = s.channels.find((x) => x.channel === c.name)!;
          return {
            channel: c.name, rate: `${rate.limit}/${rate.windowMs >= 60_000 ? `${rate.windowMs / 60_000} min` : `${rate.windowMs} ms`}`,
            expected: mine.length, inWindow: lagRow.received, receivers: byReceiver.size, perReceiver,
            projectedP99Ms: nth(Math.ceil(0.99 * perReceiver)), projectedLastMs: nth(perReceiver),
          };
        }),
      };
    }

    for (const [name, xs] of sends) figures.sendMs[name] = dist(xs);
  } finally {
    await tearDown();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  print(figures);
  if (values.out) {
    writeFileSync(values.out, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`\nfigures written to ${values.out}`);
  }
}
// ───────────────────────────── the table ─────────────────────────────

function print(f: Figures) {
  const base: Figures | undefined = values.baseline ? JSON.parse(readFileSync(values.baseline, 'utf8')) : undefined;
  const A = f.scenarios.A;
  const B = f.scenarios.B;
  const C = f.scenarios.C;
  const bA = base?.scenarios.A;
  const bB = base?.scenarios.B;
  const webhookB = B?.channels.find((c) => c.channel === CH.webhook);
  const ch = (s: Scenario | undefined, c: string) => s?.channels.find((x) => x.channel === c);
  const sum = (s: Scenario | undefined, k: 'lost' | 'duplicates' | 'expected') => s?.channels.reduce((a, c) => a + c[k], 0);

  console.log(`\ndelivery figures: ${f.incidents} incidents falling due together, ${f.updatesPerCase} updates per case (dev server, in-process worker and dispatcher, loopback receivers; ${f.at})`);
  console.log(`dispatcher (${f.settings.dispatcher ?? 'inline'}): poll ${f.settings.pollMs} ms, batch 50, lease ${f.settings.leaseMs / 1000} s, backoff ${f.settings.backoff.initialMs} ms ×${f.settings.backoff.factor} ≤ ${f.settings.backoff.maxMs / 1000} s; raised rates ${f.settings.raisedRate.limit}/min per receiver (A, B), vendor defaults (C)`);

  /** value / baseline and whether the aim is met; `previous`: the same figure of the --baseline run */
  interface Row { figure: string; value: string; aim?: string; baseline?: string; ratio?: string; met?: boolean; previous?: string }
  const rows: Row[] = [];
  const ratio = (v: number | undefined, b: number | undefined) => (v === undefined || b === undefined || b === 0 ? '—' : `${(v / b).toFixed(2)}×`);
  const prev = (v: number | undefined, p: number | undefined) => (base ? (p === undefined ? '—' : `${fmtMs(p)} (${ratio(v, p)})`) : undefined);
  /** a lag; `aimed`: compared with the 5 s aim */
  const lag = (figure: string, v: number | undefined, p: number | undefined, aimed = false): Row => ({
    figure, value: fmtMs(v), previous: prev(v, p),
    ...(aimed ? { aim: '≤ 5 s', baseline: fmtMs(AIM_LAG_P99_MS), ratio: ratio(v, AIM_LAG_P99_MS), met: v !== undefined && v <= AIM_LAG_P99_MS } : {}),
  });
  const none = (figure: string, lost: number | undefined, dup: number | undefined): Row => ({ figure, value: `${lost ?? '—'} / ${dup ?? '—'}`, aim: '0 / 0', met: lost === 0 && dup === 0 });
  const vsUp = (figure: string, v: number | undefined, up: number | undefined, p: number | undefined): Row => ({
    figure, value: fmtMs(v), aim: `≤ ${AIM_UPDATE_RATIO}× up`, baseline: fmtMs(up), ratio: ratio(v, up), met: v !== undefined && up !== undefined && v <= AIM_UPDATE_RATIO * up, previous: prev(v, p),
  });

  rows.push(lag('A lag p50, every channel up', A?.overall?.p50, bA?.overall?.p50));
  rows.push(lag('A lag p95', A?.overall?.p95, bA?.overall?.p95));
  rows.push(lag('A lag p99', A?.overall?.p99, bA?.overall?.p99, true));
  rows.push(lag('A lag max', A?.overall?.max, bA?.overall?.max));
  rows.push(lag('A due → overdue notice recorded, p99', A?.recorded?.p99, bA?.recorded?.p99, true));
  rows.push(none(`A lost / duplicated (of ${sum(A, 'expected')})`, sum(A, 'lost'), sum(A, 'duplicates')));
  rows.push(lag(`B webhook lag p50 (down ${f.outageMs / 1000} s)`, webhookB?.lag?.p50, ch(bB, CH.webhook)?.lag?.p50));
  rows.push(lag('B webhook lag p99', webhookB?.lag?.p99, ch(bB, CH.webhook)?.lag?.p99));
  const afterBack = webhookB?.lag && B?.backAfterDueMs !== undefined ? webhookB.lag.p99 - B.backAfterDueMs : undefined;
  rows.push({
    figure: 'B webhook p99 after its receiver was back', value: fmtMs(afterBack), aim: '≤ backoff max', baseline: fmtMs(f.settings.backoff.maxMs),
    ratio: ratio(afterBack, f.settings.backoff.maxMs), met: afterBack !== undefined && afterBack <= f.settings.backoff.maxMs,
  });
  const othersP99 = dist(B?.channels.filter((c) => c.channel !== CH.webhook).map((c) => c.lag?.p99 ?? 0) ?? []);
  rows.push(lag('B other channels lag p99 (worst)', othersP99?.max, undefined, true));
  rows.push(none(`B webhook lost / duplicated (of ${webhookB?.expected ?? '—'})`, webhookB?.lost, webhookB?.duplicates));
  rows.push(none(`B every channel lost / duplicated (of ${sum(B, 'expected')})`, sum(B, 'lost'), sum(B, 'duplicates')));
  const u = f.updates;
  rows.push({ figure: 'U update p50, every channel up', value: fmtMs(u.up?.p50), previous: prev(u.up?.p50, base?.updates.up?.p50) });
  rows.push({ figure: 'U update p99, every channel up', value: fmtMs(u.up?.p99), previous: prev(u.up?.p99, base?.updates.up?.p99) });
  rows.push(vsUp('U update p50, every channel down', u.down?.p50, u.up?.p50, base?.updates.down?.p50));
  rows.push(vsUp('U update p99, every channel down', u.down?.p99, u.up?.p99, base?.updates.down?.p99));
  rows.push(vsUp('U update p50, up again afterwards', u.upAgain?.p50, u.up?.p50, base?.updates.upAgain?.p50));
  rows.push(vsUp('U update p99, up again afterwards', u.upAgain?.p99, u.up?.p99, base?.updates.upAgain?.p99));
  const ld = u.loopDelayMs;
  if (ld) {
    rows.push({ figure: 'U event-loop delay p99 / max, up', value: `${fmtMs(ld.up.p99)} / ${fmtMs(ld.up.max)}` });
    rows.push({ figure: 'U event-loop delay p99 / max, down', value: `${fmtMs(ld.down.p99)} / ${fmtMs(ld.down.max)}`, baseline: fmtMs(ld.up.p99), ratio: ratio(ld.down.p99, ld.up.p99) });
  }
  rows.push({ figure: 'U updates not completed (of 3 × --updates)', value: String(u.notCompleted), aim: '0', met: u.notCompleted === 0 });
  const cIn = f.vendor?.channels.reduce((a, c) => a + c.inWindow, 0);
  const cExp = f.vendor?.channels.reduce((a, c) => a + c.expected, 0);
  rows.push({ figure: `C vendor rates: arrived in the first ${f.windowMs / 1000} s`, value: `${cIn ?? '—'} of ${cExp ?? '—'}` });
  const worst = f.vendor?.channels.reduce((a, c) => (c.projectedP99Ms > a.projectedP99Ms ? c : a));
  rows.push(lag(`C vendor rates: lag p99, projected (${worst?.channel ?? '—'})`, worst?.projectedP99Ms, undefined, true));
  const last = f.vendor?.channels.reduce((a, c) => (c.projectedLastMs > a.projectedLastMs ? c : a));
  rows.push({ figure: `C vendor rates: last delivery, projected (${last?.channel ?? '—'})`, value: last ? fmtDur(last.projectedLastMs) : '—' });

  const cells = (r: Row) => [r.figure, r.value, r.aim ?? '', r.baseline ?? '', r.ratio ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'NO', ...(base ? [r.previous ?? ''] : [])];
  const headers = ['figure', 'value', 'aim', 'baseline', 'ratio', 'met', ...(base ? ['previous run (this/previous)'] : [])];
  const table = rows.map(cells);
  const widths = headers.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(line(headers));
  for (const r of table) console.log(line(r));

  for (const s of [A, B, C]) {
    if (!s) continue;
    console.log(`\n${s.name}: lag by channel (receiver's time − due time), overdue notices${s.note ? `\n  ${s.note}` : ''}`);
    console.log(`  ${'channel'.padEnd(14)}${'expected'.padStart(9)}${'received'.padStart(9)}${(s.windowed ? 'queued' : 'lost').padStart(s.windowed ? 7 : 6)}${'dup'.padStart(5)}${'p50'.padStart(10)}${'p95'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}`);
    for (const c of [...s.channels, { channel: 'all', expected: sum(s, 'expected')!, received: s.channels.reduce((a, x) => a + x.received, 0), lost: sum(s, 'lost')!, duplicates: sum(s, 'duplicates')!, lag: s.overall }]) {
      console.log(`  ${c.channel.padEnd(14)}${String(c.expected).padStart(9)}${String(c.received).padStart(9)}${String(c.lost).padStart(s.windowed ? 7 : 6)}${String(c.duplicates).padStart(5)}`
        + `${fmtMs(c.lag?.p50).padStart(10)}${fmtMs(c.lag?.p95).padStart(10)}${fmtMs(c.lag?.p99).padStart(10)}${fmtMs(c.lag?.max).padStart(10)}`);
    }
    console.log(`  due → overdue notice recorded by the workflow: p50 ${fmtMs(s.recorded?.p50)}, p99 ${fmtMs(s.recorded?.p99)}, max ${fmtMs(s.recorded?.max)}`);
    if (s.timeline) {
      const labels: Record<keyof Timeline, string> = {
        timerSetLate: 'deadline timer set (first task done) − discovery',
        timerFired: 'timer fired − due',
        taskPickedUp: 'workflow task started − timer fired',
        taskRan: 'workflow task completed − started',
        activityPickedUp: 'recording activity started − scheduled',
        activityRan: 'recording activity completed − started',
        dispatched: 'first receiver − notice recorded (activity or task done)',
      };
      console.log('  where the time went (from each incident\'s history), p50 / p99 / max:');
      for (const [k, label] of Object.entries(labels)) {
        const d = s.timeline[k as keyof Timeline];
        console.log(`    ${label.padEnd(50)}${fmtMs(d?.p50).padStart(9)}${fmtMs(d?.p99).padStart(9)}${fmtMs(d?.max).padStart(9)}`);
      }
    }
  }

  if (f.vendor) {
    console.log(`\nC: the vendors' default rates (per receiver: a robot's group, an address, a number, a URL); "in ${f.windowMs / 1000} s" is observed, the rest projected from the rate`);
    console.log(`  ${'channel'.padEnd(14)}${'rate'.padStart(12)}${'expected'.padStart(9)}${`in ${f.windowMs / 1000} s`.padStart(9)}${'receivers'.padStart(10)}${'max/recv'.padStart(9)}${'p99 (proj.)'.padStart(13)}${'last (proj.)'.padStart(14)}`);
    for (const c of f.vendor.channels) {
      console.log(`  ${c.channel.padEnd(14)}${c.rate.padStart(12)}${String(c.expected).padStart(9)}${String(c.inWindow).padStart(9)}${String(c.receivers).padStart(10)}${String(c.perReceiver).padStart(9)}`
        + `${fmtDur(c.projectedP99Ms).padStart(13)}${fmtDur(c.projectedLastMs).padStart(14)}`);
    }
  }

  if (Object.keys(f.sendMs).length) console.log('\ntime per send by channel (all scenarios; --dispatcher inline only)');
  for (const [name, d] of Object.entries(f.sendMs)) {
    if (d) console.log(`  ${name.padEnd(14)} n ${String(d.n).padStart(5)}  mean ${d.mean.toFixed(1).padStart(6)} ms  p50 ${d.p50.toFixed(1).padStart(6)} ms  p99 ${d.p99.toFixed(1).padStart(6)} ms  total ${(d.mean * d.n / 1000).toFixed(1).padStart(6)} s`);
  }
  const logs = Object.entries(f.dispatcherLog);
  if (logs.length) console.log(`dispatcher log lines: ${logs.map(([m, n]) => `${m} ×${n}`).join('; ')}`);
}

const fmtDur = (ms: number): string => (ms < 60_000 ? `${(ms / 1000).toFixed(0)} s` : ms < 3600_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 3600_000).toFixed(1)} h`);

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

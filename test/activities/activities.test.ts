import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EndingParams, Finding, NoticeParams, Outcome, Recipient } from '../../src/machines/effects';
import { createActivities, legacyNotice, type ActivityLogger, type StepRecords } from '../../src/activities/incident.activities';
import { SqliteLedger } from '../../src/activities/ledger';

let dir: string;
let ledger: SqliteLedger;
let env: MockActivityEnvironment;
let contextLog: { level: string; message: string; meta?: Record<string, unknown> }[];

const T0 = Date.UTC(2025, 2, 3, 8, 0, 0);

/** A Temporal Logger that remembers what the activity logged through Context.current().log. */
function capturingLogger(): Logger {
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) =>
    void contextLog.push({ level, message, meta });
  return {
    log: (level, message, meta) => void contextLog.push({ level, message, meta }),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}

/** What our activities logged, without the SDK's own "Activity started/completed" lines. */
const ourMessages = () => contextLog.map((e) => e.message).filter((m) => !m.startsWith('Activity '));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'activities-test-'));
  ledger = new SqliteLedger(path.join(dir, 'ledger.db'), { clock: () => T0 });
  ledger.migrate();
  contextLog = [];
  env = new MockActivityEnvironment({ attempt: 1 }, { logger: capturingLogger() });
});
afterEach(async () => {
  await ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const retryEnv = () => new MockActivityEnvironment({ attempt: 2 }, { logger: capturingLogger() });

const zhang: Recipient = { personId: 'p-zhang', name: '张三', role: 'office', contacts: {} };
const wang: Recipient = {
  personId: 'p-wang',
  name: '王五',
  role: 'leaderInCharge',
  contacts: { email: 'wang@example.gov.cn', phone: '13800000000' },
};

const DUE = T0 - 600_000;
const dueKey = '20250303T075000.000Z';

/** A structured v1 notice as the machine emits it. */
const notice = (over: Partial<NoticeParams> = {}): NoticeParams => ({
  noticeId: `INC-1/overdue/firstReport/due=${dueKey}`,
  incidentId: 'INC-1',
  unitId: 'county-health',
  kind: 'overdue',
  about: 'firstReport',
  trigger: `due=${dueKey}`,
  obligationId: 'firstReport',
  obligationKind: 'firstReport',
  dueAt: DUE,
  owner: { personId: 'p-zhang', name: '张三', role: 'monitor' },
  roles: ['monitor', 'leaderInCharge'],
  recipients: [zhang, wang],
  facts: {},
  incident: { title: '网传某医院收费问题', unitName: '某县卫健局', timeZone: 'Asia/Shanghai', language: 'zh', planId: 'county-health' },
  createdAt: T0,
  ...over,
});

/** A v0 notification as running v0 incidents still schedule it: rendered text, an id scoped by nothing. */
const legacy = (over: Record<string, unknown> = {}) => ({
  notificationId: 'firstReport/reminder-1/1741000000000',
  incidentId: 'INC-1',
  unitId: 'county-health',
  kind: 'reminder',
  obligationId: 'firstReport',
  recipients: [zhang, wang],
  subject: '首报提醒：剩余 10 分钟',
  text: '请在 08:30 前完成首报',
  ...over,
});

const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'INC-1/firstReport/timers',
  incidentId: 'INC-1',
  unitId: 'county-health',
  source: 'timers',
  kind: 'late',
  obligationId: 'firstReport',
  obligationKind: 'firstReport',
  personId: 'p-zhang',
  personName: '张三',
  role: 'monitor',
  at: T0,
  claimedAt: T0,
  recordedAt: T0 + 60_000,
  dueAt: DUE,
  delayMs: 600_000,
  rule: { basis: 'rule', source: '000 篇三 §四(二)' },
  binding: 'binding',
  accountabilityBasis: '000 篇三 §六',
  gradeBasis: 'computed',
  grade: 'major',
  plan: { id: 'county-health', version: '2026.1', hash: 'abc123' },
  reviewState: 'open',
  details: '首报迟报：迟10m',
  recordedBy: 'p-zhang',
  ...over,
});

const outcome: Outcome = {
  id: 'INC-1/firstReport/late',
  incidentId: 'INC-1',
  unitId: 'county-health',
  kind: 'late',
  obligationId: 'firstReport',
  obligationKind: 'firstReport',
  personId: 'p-zhang',
  personName: '张三',
  role: 'monitor',
  at: T0,
  delayMs: 600_000,
  dueAt: DUE,
  details: '首报迟报 10 分钟',
};

const ending: EndingParams = { incidentId: 'INC-1', unitId: 'county-health', ending: 'withdrawn', at: T0 + 120_000, reason: '重复登记', by: 'p-li' };

describe('recordStep activity (v1: everything one step writes, in one activity)', () => {
  const reminder = notice({
    noticeId: `INC-1/reminder/publicResponse/before=30m,due=${dueKey}`, kind: 'reminder', about: 'publicResponse',
    trigger: `before=30m,due=${dueKey}`, obligationId: 'publicResponse', obligationKind: 'publicResponse',
  });

  it('writes the findings, the notices, the settled notices and the ending in one call', async () => {
    const acts = createActivities({ ledger });
    // a reminder about the public response is already queued from an earlier step
    await env.run(acts.recordStep, { findings: [], notices: [reminder], settled: [] });
    const step: StepRecords = {
      findings: [finding(), finding({ id: 'INC-1/publicResponse/timers', kind: 'missedDuty', obligationId: 'publicResponse', obligationKind: 'publicResponse', ending: 'withdrawn' })],
      notices: [notice()],
      settled: [{ incidentId: 'INC-1', obligationId: 'publicResponse', reason: 'missed' }],
      ending,
    };
    expect(await env.run(acts.recordStep, step)).toEqual({ findings: 2, notices: 1, settled: 1 });
    expect((await ledger.listFindings({ incidentId: 'INC-1' })).map((f) => [f.id, f.kind, f.ending])).toEqual([
      ['INC-1/firstReport/timers', 'late', undefined],
      ['INC-1/publicResponse/timers', 'missedDuty', 'withdrawn'],
    ]);
    expect(await ledger.listFindings()).toEqual([finding(), step.findings[1]]);
    const notices = await ledger.listNotices({ incidentId: 'INC-1' });
    expect(notices.map((n) => [n.id, n.status, n.settledReason])).toEqual([
      [reminder.noticeId, 'superseded', 'missed'],
      [notice().noticeId, 'pending', undefined],
    ]);
    expect(notices[1].notice).toEqual(notice());
    expect(await ledger.listEndings()).toEqual([{ ...ending, recordedAt: T0 }]);
    expect(ourMessages()).toEqual(['step recorded', 'step recorded']);
    expect(contextLog.find((e) => e.message === 'step recorded' && e.meta?.findings === 2)?.meta).toMatchObject({ findings: 2, notices: 1, settled: 1, ending: 'withdrawn' });
  });

  it('a retry of the same step writes nothing twice', async () => {
    const acts = createActivities({ ledger });
    await env.run(acts.recordStep, { findings: [], notices: [reminder], settled: [] });
    const step: StepRecords = {
      findings: [finding()],
      notices: [notice(), reminder],
      settled: [{ incidentId: 'INC-1', obligationId: 'publicResponse', reason: 'met' }],
      ending,
    };
    expect(await env.run(acts.recordStep, step)).toEqual({ findings: 1, notices: 1, settled: 1 });
    expect(await retryEnv().run(acts.recordStep, step)).toEqual({ findings: 0, notices: 0, settled: 0 });
    expect(await ledger.listFindings()).toHaveLength(1);
    expect(await ledger.listNotices()).toHaveLength(2);
    expect(await ledger.listEndings()).toHaveLength(1);
    const counts = ['findings', 'notices', 'endings'].map((t) => (ledger.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n);
    expect(counts).toEqual([1, 2, 1]);
  });

  it('tells the worker (to wake its dispatcher) after a step that recorded new notices, and not after a retry or a step without any', async () => {
    let woken = 0;
    const acts = createActivities({ ledger, onNoticesRecorded: () => woken++ });
    await env.run(acts.recordStep, { findings: [finding()], notices: [], settled: [] });
    expect(woken).toBe(0);
    const step: StepRecords = { findings: [], notices: [notice(), reminder], settled: [] };
    await env.run(acts.recordStep, step);
    // once per step, however many notices it recorded
    expect(woken).toBe(1);
    // a retry records nothing new: no wake
    await retryEnv().run(acts.recordStep, step);
    expect(woken).toBe(1);
  });

  it('a step whose finding conflicts with a recorded one fails for good, typed LedgerConflictError, naming the fields', async () => {
    const acts = createActivities({ ledger });
    await env.run(acts.recordStep, { findings: [finding()], notices: [], settled: [] });
    const err = await env
      .run(acts.recordStep, { findings: [finding({ delayMs: 660_000, details: '首报迟报：迟11m' })], notices: [], settled: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'LedgerConflictError', nonRetryable: true });
    expect((err as ApplicationFailure).message).toMatch(/findings row "INC-1\/firstReport\/timers".*differs in: delay_ms, details/);
    expect((err as ApplicationFailure).details).toEqual([{ table: 'findings', id: 'INC-1/firstReport/timers', fields: ['delay_ms', 'details'] }]);
    expect(await ledger.listFindings()).toEqual([finding()]);
  });

  it('an ending recorded again with another content is a conflict: an incident ends once', async () => {
    const acts = createActivities({ ledger });
    await env.run(acts.recordStep, { findings: [], notices: [], settled: [], ending });
    const err = await env.run(acts.recordStep, { findings: [], notices: [], settled: [], ending: { ...ending, ending: 'cancelled' as const } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'LedgerConflictError', nonRetryable: true });
    expect((await ledger.listEndings()).map((e) => e.ending)).toEqual(['withdrawn']);
  });

  it('logs through the injected logger when called outside an activity context', async () => {
    const seen: string[] = [];
    const log: ActivityLogger = { info: (m) => void seen.push(m), warn: (m) => void seen.push(m), error: () => {} };
    const acts = createActivities({ ledger, log });
    await acts.recordStep({ findings: [finding()], notices: [], settled: [] });
    await env.run(acts.recordStep, { findings: [finding()], notices: [], settled: [] });
    expect(seen).toEqual(['step recorded']);
    expect(ourMessages()).toEqual(['step recorded']);
  });
});

describe('recordOutcome activity', () => {
  it('accepts a v1 finding: written once, a retry returns inserted:false and leaves one row', async () => {
    const acts = createActivities({ ledger });
    expect(await env.run(acts.recordOutcome, { finding: finding() })).toEqual({ inserted: true });
    expect(await retryEnv().run(acts.recordOutcome, { finding: finding() })).toEqual({ inserted: false });
    expect(await ledger.listFindings({ incidentId: 'INC-1' })).toEqual([finding()]);
    expect(await ledger.listOutcomes()).toEqual([]);
  });

  it('accepts a v0 outcome into the v0 table, once', async () => {
    const acts = createActivities({ ledger });
    expect(await env.run(acts.recordOutcome, { outcome })).toEqual({ inserted: true });
    expect(await retryEnv().run(acts.recordOutcome, { outcome })).toEqual({ inserted: false });
    expect(await ledger.listOutcomes({ incidentId: 'INC-1' })).toEqual([outcome]);
    expect(await ledger.listFindings()).toEqual([]);
  });

  it('fails for good, typed LedgerConflictError, when the same id carries different content (a finding, or an outcome)', async () => {
    const acts = createActivities({ ledger });
    await env.run(acts.recordOutcome, { finding: finding() });
    const err = await env.run(acts.recordOutcome, { finding: finding({ kind: 'missed', delayMs: undefined }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'LedgerConflictError', nonRetryable: true });
    expect((err as ApplicationFailure).message).toMatch(/differs in: kind, delay_ms/);
    expect((await ledger.listFindings())[0].kind).toBe('late');

    await env.run(acts.recordOutcome, { outcome });
    const v0 = await env.run(acts.recordOutcome, { outcome: { ...outcome, details: '首报迟报 11 分钟' } }).catch((e: unknown) => e);
    expect(v0).toMatchObject({ type: 'LedgerConflictError', nonRetryable: true });
    expect((v0 as ApplicationFailure).message).toMatch(/differs in: details/);
    expect((await ledger.listOutcomes())[0].details).toBe('首报迟报 10 分钟');
  });

  it('refuses a call with neither a finding nor an outcome, for good', async () => {
    const acts = createActivities({ ledger });
    const err = await env.run(acts.recordOutcome, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'InvalidPayload', nonRetryable: true, message: 'recordOutcome: neither a finding nor an outcome' });
  });
});

describe('notify activity (records the notice for the dispatcher; delivers nothing)', () => {
  it('records a structured notice once, pending and due now; a retry queues nothing', async () => {
    const acts = createActivities({ ledger });
    expect(await env.run(acts.notify, notice())).toEqual({ queued: 1 });
    expect(await retryEnv().run(acts.notify, notice())).toEqual({ queued: 0 });
    const rows = await ledger.listNotices();
    expect(rows).toEqual([{
      id: `INC-1/overdue/firstReport/due=${dueKey}`, incidentId: 'INC-1', unitId: 'county-health', kind: 'overdue',
      obligationId: 'firstReport', dueAt: DUE, notice: notice(), status: 'pending', attempts: 0, nextAttemptAt: T0, createdAt: T0,
    }]);
    // nothing was delivered: delivery rows are the dispatcher's
    expect(await ledger.listDeliveries()).toEqual([]);
  });

  it('records a v0 notification with its text, its id scoped to the incident', async () => {
    const acts = createActivities({ ledger });
    expect(await env.run(acts.notify, legacy())).toEqual({ queued: 1 });
    const [row] = await ledger.listNotices();
    expect(row).toMatchObject({
      id: 'INC-1/legacy/firstReport/reminder-1/1741000000000', incidentId: 'INC-1', kind: 'reminder', obligationId: 'firstReport', status: 'pending',
    });
    expect(row.notice).toMatchObject({
      noticeId: 'INC-1/legacy/firstReport/reminder-1/1741000000000', about: 'firstReport', trigger: 'v0', recipients: [zhang, wang],
      legacy: { subject: '首报提醒：剩余 10 分钟', text: '请在 08:30 前完成首报' },
    });
    // the same v0 notification again (a retry, a replay) is the same row
    expect(await retryEnv().run(acts.notify, legacy())).toEqual({ queued: 0 });
    expect(await ledger.listNotices()).toHaveLength(1);
  });

  it('two incidents\' v0 notifications with the same notificationId no longer conflict', async () => {
    const acts = createActivities({ ledger });
    expect(await env.run(acts.notify, legacy())).toEqual({ queued: 1 });
    expect(await env.run(acts.notify, legacy({ incidentId: 'INC-2', text: '另一事件的首报提醒' }))).toEqual({ queued: 1 });
    expect((await ledger.listNotices()).map((n) => [n.id, n.incidentId])).toEqual([
      ['INC-1/legacy/firstReport/reminder-1/1741000000000', 'INC-1'],
      ['INC-2/legacy/firstReport/reminder-1/1741000000000', 'INC-2'],
    ]);
  });

  it('maps v0 kinds onto notice kinds: escalation → regrade, info → referral', () => {
    expect(legacyNotice(legacy({ kind: 'escalation' }) as never, T0).kind).toBe('regrade');
    expect(legacyNotice(legacy({ kind: 'info', obligationId: undefined }) as never, T0)).toMatchObject({ kind: 'referral', about: 'firstReport/reminder-1/1741000000000' });
    expect(legacyNotice(legacy({ kind: 'overdue' }) as never, T0)).toMatchObject({ kind: 'overdue', createdAt: T0 });
  });

  it('fails for good when a notice id is reused for a notice that means something else', async () => {
    const acts = createActivities({ ledger });
    await env.run(acts.notify, notice());
    const err = await env.run(acts.notify, notice({ about: 'publicResponse' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'LedgerConflictError', nonRetryable: true });
    expect((err as ApplicationFailure).message).toMatch(/differs in: about/);
    // a payload shaped differently (another deploy) with the same meaning is the same notice
    expect(await env.run(acts.notify, notice({ recipients: [zhang], createdAt: T0 + 5000 }))).toEqual({ queued: 0 });
    expect((await ledger.listNotices()).map((n) => n.notice.recipients)).toEqual([[zhang, wang]]);
  });
});

describe('cancellationRequest activity (who cancelled, and why)', () => {
  /** A client whose history holds the given events. */
  const clientWith = (events: unknown[], seen: string[] = []): Client => ({
    withAbortSignal: <R>(_signal: AbortSignal, fn: () => R): R => fn(),
    workflow: {
      getHandle: (workflowId: string, runId?: string) => {
        seen.push(`${workflowId}/${runId}`);
        return { fetchHistory: async () => ({ events }) };
      },
    },
  }) as unknown as Client;

  it('reads the reason and identity of the latest cancellation request from the history', async () => {
    const seen: string[] = [];
    const events = [
      { workflowExecutionStartedEventAttributes: {} },
      { workflowExecutionCancelRequestedEventAttributes: { cause: '误建', identity: 'first@ui' } },
      { workflowExecutionCancelRequestedEventAttributes: { cause: '误建工作流', identity: 'ops@temporal-ui' } },
      { workflowTaskScheduledEventAttributes: {} },
    ];
    const acts = createActivities({ ledger });
    const withClient = new MockActivityEnvironment({ attempt: 1 }, { logger: capturingLogger(), client: clientWith(events, seen) });
    expect(await withClient.run(acts.cancellationRequest, { workflowId: 'INC-1', runId: 'run-1' })).toEqual({ reason: '误建工作流', identity: 'ops@temporal-ui' });
    expect(seen).toEqual(['INC-1/run-1']);
  });

  it('says nothing it does not know: no request, no cause, no identity', async () => {
    const acts = createActivities({ ledger });
    const none = new MockActivityEnvironment({ attempt: 1 }, { logger: capturingLogger(), client: clientWith([{ workflowExecutionStartedEventAttributes: {} }]) });
    expect(await none.run(acts.cancellationRequest, { workflowId: 'INC-1', runId: 'run-1' })).toEqual({});
    const bare = new MockActivityEnvironment({ attempt: 1 }, { logger: capturingLogger(), client: clientWith([{ workflowExecutionCancelRequestedEventAttributes: { cause: '' } }]) });
    expect(await bare.run(acts.cancellationRequest, { workflowId: 'INC-1', runId: 'run-1' })).toEqual({});
  });
});

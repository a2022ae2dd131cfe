import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NotifyParams, Outcome, Recipient } from '../../src/machines/effects';
import { NotificationDeliveryError } from '../../src/activities/errors';
import { createActivities, type ActivityLogger } from '../../src/activities/incident.activities';
import { SqliteLedger, type OutboxRow } from '../../src/activities/ledger';
import { LogChannel, type NotificationChannel } from '../../src/activities/notifier';

let dir: string;
let ledger: SqliteLedger;
let lines: string[];
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

/** An email channel whose failures the test switches on and off. */
class FlakyEmail implements NotificationChannel {
  readonly name = 'email';
  failWith: string | undefined;
  readonly delivered: string[] = [];
  async deliver(row: OutboxRow): Promise<void> {
    if (this.failWith) throw new Error(this.failWith);
    this.delivered.push(`${row.address}: ${row.subject}`);
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'activities-test-'));
  ledger = new SqliteLedger(path.join(dir, 'ledger.db'), { clock: () => T0 });
  ledger.migrate();
  lines = [];
  contextLog = [];
  env = new MockActivityEnvironment({ attempt: 1 }, { logger: capturingLogger() });
});
afterEach(async () => {
  await ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const zhang: Recipient = { personId: 'p-zhang', name: '张三', role: 'office', contacts: {} };
const wang: Recipient = {
  personId: 'p-wang',
  name: '王五',
  role: 'leaderInCharge',
  contacts: { email: 'wang@example.gov.cn', phone: '13800000000' },
};

const notifyParams = (over: Partial<NotifyParams> = {}): NotifyParams => ({
  notificationId: 'INC-1/firstReport/reminder/1',
  incidentId: 'INC-1',
  unitId: 'county-health',
  kind: 'reminder',
  obligationId: 'firstReport',
  recipients: [zhang, wang],
  subject: '首报提醒：剩余 10 分钟',
  text: '请在 08:30 前完成首报',
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
  dueAt: T0 - 600_000,
  details: '首报迟报 10 分钟',
};

describe('recordOutcome activity', () => {
  it('writes the outcome once; a retry returns inserted:false and leaves one row', async () => {
    const acts = createActivities({ ledger, clock: () => T0, channels: [new LogChannel((l) => lines.push(l))] });
    expect(await env.run(acts.recordOutcome, { outcome })).toEqual({ inserted: true });
    const retry = new MockActivityEnvironment({ attempt: 2 }, { logger: capturingLogger() });
    expect(await retry.run(acts.recordOutcome, { outcome })).toEqual({ inserted: false });
    expect(await ledger.listOutcomes({ incidentId: 'INC-1' })).toEqual([outcome]);
    expect(ourMessages()).toEqual(['outcome recorded', 'outcome already recorded']);
  });

  it('fails for good, typed LedgerConflictError, when the same id carries different content', async () => {
    const acts = createActivities({ ledger });
    await env.run(acts.recordOutcome, { outcome });
    const err = await env
      .run(acts.recordOutcome, { outcome: { ...outcome, details: '首报迟报 11 分钟' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'LedgerConflictError', nonRetryable: true });
    expect((err as ApplicationFailure).message).toMatch(/differs in: details/);
    expect((await ledger.listOutcomes())[0].details).toBe('首报迟报 10 分钟');
  });

  it('logs through the injected logger when called outside an activity context', async () => {
    const seen: string[] = [];
    const log: ActivityLogger = { info: (m) => void seen.push(m), warn: (m) => void seen.push(m), error: () => {} };
    const acts = createActivities({ ledger, log });
    await acts.recordOutcome({ outcome });
    await env.run(acts.recordOutcome, { outcome });
    expect(seen).toEqual(['outcome recorded']);
    expect(ourMessages()).toEqual(['outcome already recorded']);
  });
});

describe('notify activity', () => {
  it('writes one outbox row per recipient, delivers them and marks them sent', async () => {
    const acts = createActivities({ ledger, clock: () => T0, channels: [new LogChannel((l) => lines.push(l))] });
    expect(await env.run(acts.notify, notifyParams())).toEqual({ queued: 2, delivered: 2 });

    expect(lines).toEqual([
      '[notify] INC-1 → 张三(office) via log: 首报提醒：剩余 10 分钟',
      '[notify] INC-1 → 王五(leaderInCharge) via log: 首报提醒：剩余 10 分钟',
    ]);
    const rows = await ledger.listNotifications({ incidentId: 'INC-1' });
    expect(rows).toEqual([
      {
        id: 'INC-1/firstReport/reminder/1/p-zhang/log',
        notificationId: 'INC-1/firstReport/reminder/1',
        incidentId: 'INC-1',
        unitId: 'county-health',
        obligationId: 'firstReport',
        personId: 'p-zhang',
        personName: '张三',
        role: 'office',
        channel: 'log',
        subject: '首报提醒：剩余 10 分钟',
        text: '请在 08:30 前完成首报',
        status: 'sent',
        createdAt: '2025-03-03T08:00:00.000Z',
      },
      expect.objectContaining({ id: 'INC-1/firstReport/reminder/1/p-wang/log', personName: '王五', status: 'sent' }),
    ]);
  });

  it('on retry writes no duplicate rows and re-delivers nothing already sent', async () => {
    const acts = createActivities({ ledger, clock: () => T0, channels: [new LogChannel((l) => lines.push(l))] });
    await env.run(acts.notify, notifyParams());
    const retry = new MockActivityEnvironment({ attempt: 2 }, { logger: capturingLogger() });
    expect(await retry.run(acts.notify, notifyParams())).toEqual({ queued: 0, delivered: 0 });
    expect(lines).toHaveLength(2);
    const rows = await ledger.listNotifications();
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
  });

  it('marks a failed delivery with its error, throws for a retry, and the retry sends only that row', async () => {
    const email = new FlakyEmail();
    email.failWith = 'SMTP 451 mailbox busy';
    const acts = createActivities({ ledger, channels: [new LogChannel((l) => lines.push(l)), email] });

    const err = await env.run(acts.notify, notifyParams()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotificationDeliveryError);
    expect((err as NotificationDeliveryError).name).toBe('NotificationDeliveryError');
    expect((err as NotificationDeliveryError).failures).toEqual([
      { id: 'INC-1/firstReport/reminder/1/p-wang/email', channel: 'email', error: 'SMTP 451 mailbox busy' },
    ]);

    // 王五 has an email address, 张三 none: three rows; both log rows went out before the email failed.
    const afterFirst = await ledger.listNotifications();
    expect(afterFirst.map((r) => [r.id.split('/').slice(-2).join('/'), r.status, r.address, r.error])).toEqual([
      ['p-zhang/log', 'sent', undefined, undefined],
      ['p-wang/log', 'sent', undefined, undefined],
      ['p-wang/email', 'failed', 'wang@example.gov.cn', 'SMTP 451 mailbox busy'],
    ]);
    expect(lines).toHaveLength(2);
    expect(contextLog.some((e) => e.level === 'WARN' && e.meta?.error === 'SMTP 451 mailbox busy')).toBe(true);

    email.failWith = undefined;
    const retry = new MockActivityEnvironment({ attempt: 2 }, { logger: capturingLogger() });
    expect(await retry.run(acts.notify, notifyParams())).toEqual({ queued: 0, delivered: 1 });
    expect(email.delivered).toEqual(['wang@example.gov.cn: 首报提醒：剩余 10 分钟']);
    expect(lines).toHaveLength(2);
    const afterRetry = await ledger.listNotifications();
    expect(afterRetry.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(afterRetry[2].error).toBeUndefined();
  });

  it('fails for good when a notification id is reused for a different message', async () => {
    const acts = createActivities({ ledger, clock: () => T0, channels: [new LogChannel((l) => lines.push(l))] });
    await env.run(acts.notify, notifyParams());
    const err = await env.run(acts.notify, notifyParams({ subject: '另一条提醒' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'LedgerConflictError', nonRetryable: true });
    expect(lines).toHaveLength(2);
    expect((await ledger.listNotifications()).map((r) => r.subject)).toEqual([
      '首报提醒：剩余 10 分钟',
      '首报提醒：剩余 10 分钟',
    ]);
  });

  it('fails the activity when the log channel itself throws, marking the rows failed', async () => {
    const broken: NotificationChannel = {
      name: 'log',
      deliver: async () => {
        throw new Error('stdout closed');
      },
    };
    const acts = createActivities({ ledger, channels: [broken] });
    await expect(env.run(acts.notify, notifyParams())).rejects.toThrow(/2 delivery\(ies\) failed.*stdout closed/);
    const rows = await ledger.listNotifications();
    expect(rows.map((r) => [r.status, r.error])).toEqual([
      ['failed', 'stdout closed'],
      ['failed', 'stdout closed'],
    ]);
  });

  it('writes no row for a channel that is not configured, and one row per person listed twice', async () => {
    const acts = createActivities({ ledger, clock: () => T0, channels: [new LogChannel((l) => lines.push(l))] });
    const sameManTwice = { ...wang, role: 'principalLeader' as const };
    expect(await env.run(acts.notify, notifyParams({ recipients: [wang, sameManTwice] }))).toEqual({
      queued: 1,
      delivered: 1,
    });
    const rows = await ledger.listNotifications();
    expect(rows.map((r) => [r.channel, r.role])).toEqual([['log', 'leaderInCharge']]);
    expect(lines).toEqual(['[notify] INC-1 → 王五(leaderInCharge) via log: 首报提醒：剩余 10 分钟']);
  });

  it('adds a log channel when none is given and rejects unknown channel names', async () => {
    const acts = createActivities({ ledger, channels: [] });
    const original = console.log;
    const printed: string[] = [];
    console.log = (line: string) => void printed.push(line);
    try {
      expect(await env.run(acts.notify, notifyParams({ recipients: [zhang] }))).toEqual({ queued: 1, delivered: 1 });
    } finally {
      console.log = original;
    }
    expect(printed).toEqual(['[notify] INC-1 → 张三(office) via log: 首报提醒：剩余 10 分钟']);
    const fax: NotificationChannel = { name: 'fax', deliver: async () => {} };
    expect(() => createActivities({ ledger, channels: [fax] })).toThrow(/Unknown notification channel "fax"/);
  });
});

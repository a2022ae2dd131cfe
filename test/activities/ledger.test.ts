import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EndingParams, Finding, NoticeParams, Outcome } from '../../src/machines/effects';
import { LedgerConflictError, UnknownNotificationError, UnsupportedLedgerError } from '../../src/activities/errors';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  SqliteLedger,
  deliveryId,
  openLedger,
  outboxRowId,
  type DeliveryRow,
  type OutboxRow,
} from '../../src/activities/ledger';

let dir: string;
let file: string;
const open: SqliteLedger[] = [];

function ledgerAt(f = file, clock?: () => number): SqliteLedger {
  const l = new SqliteLedger(f, { clock });
  open.push(l);
  return l;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-test-'));
  file = path.join(dir, 'ledger.db');
});
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2025, 2, 3, 8, 30, 0, 123); // 2025-03-03T08:30:00.123Z

const lateOutcome: Outcome = {
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
  delayMs: 45 * 60_000,
  dueAt: T0 - 45 * 60_000,
  details: '首报迟报 45 分钟',
  recordedBy: 'workflow',
};

const commendation: Outcome = {
  id: 'INC-2/7/commendation',
  incidentId: 'INC-2',
  unitId: 'city-police',
  kind: 'commendation',
  role: 'spokesperson',
  at: T0 + 1000,
  details: '及时发布',
};

function outboxRow(over: Partial<OutboxRow> = {}): OutboxRow {
  const base: OutboxRow = {
    id: outboxRowId('INC-1/n1', 'p-zhang', 'log'),
    notificationId: 'INC-1/n1',
    incidentId: 'INC-1',
    unitId: 'county-health',
    obligationId: 'firstReport',
    personId: 'p-zhang',
    personName: '张三',
    role: 'office',
    channel: 'log',
    subject: '首报提醒',
    text: '请于 30 分钟内首报',
    status: 'queued',
    createdAt: new Date(T0).toISOString(),
  };
  return { ...base, ...over };
}

describe('SqliteLedger migrations', () => {
  it('creates the tables in WAL mode and records every migration once', () => {
    const l = ledgerAt();
    expect(l.schemaVersion()).toBe(0);
    l.migrate();
    expect(l.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(l.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(l.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const tables = (l.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]).map((t) => t.name);
    expect(tables).toEqual(['acknowledgements', 'deliveries', 'endings', 'finding_reviews', 'findings', 'notices', 'notification_outbox', 'outcomes', 'rosters', 'schema_migrations']);
    expect(LATEST_SCHEMA_VERSION).toBe(7);
    const versions = l.db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it('is a no-op when run again, also after reopening the same file, and keeps the data', async () => {
    const first = ledgerAt();
    first.migrate();
    first.migrate();
    await first.recordOutcome(lateOutcome);
    const appliedAt = first.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all();
    await first.close();

    const again = ledgerAt();
    again.migrate();
    expect(again.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(again.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(
      appliedAt,
    );
    expect(await again.listOutcomes()).toEqual([lateOutcome]);
  });

  it('lets two connections to one file migrate without applying a step twice', () => {
    const a = ledgerAt();
    const b = ledgerAt();
    a.migrate();
    b.migrate();
    const n = b.db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number };
    expect(n.n).toBe(MIGRATIONS.length);
  });
});

describe('SqliteLedger outcomes', () => {
  let l: SqliteLedger;
  beforeEach(() => {
    l = ledgerAt(file, () => T0 + 5000);
    l.migrate();
  });

  it('records an outcome once: the same id again returns inserted:false and keeps one row', async () => {
    expect(await l.recordOutcome(lateOutcome)).toEqual({ inserted: true });
    expect(await l.recordOutcome({ ...lateOutcome })).toEqual({ inserted: false });
    const count = l.db.prepare('SELECT COUNT(*) AS n FROM outcomes').get() as { n: number };
    expect(count.n).toBe(1);
    expect(await l.listOutcomes()).toEqual([lateOutcome]);
  });

  it('stores times as ISO text and reads them back as ms; absent optional fields stay absent', async () => {
    await l.recordOutcome(lateOutcome);
    await l.recordOutcome(commendation);
    const raw = l.db.prepare('SELECT at, due_at, delay_ms, recorded_at FROM outcomes WHERE id = ?').get(lateOutcome.id);
    expect(raw).toEqual({
      at: '2025-03-03T08:30:00.123Z',
      due_at: '2025-03-03T07:45:00.123Z',
      delay_ms: 2_700_000,
      recorded_at: '2025-03-03T08:30:05.123Z',
    });
    const [, back] = await l.listOutcomes();
    expect(back).toEqual(commendation);
    expect(Object.keys(back)).not.toContain('personId');
  });

  it('throws LedgerConflictError when the same id arrives with different content, leaving the row intact', async () => {
    await l.recordOutcome(lateOutcome);
    const changed = { ...lateOutcome, delayMs: 50 * 60_000, details: '首报迟报 50 分钟' };
    const err = await l.recordOutcome(changed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerConflictError);
    expect((err as LedgerConflictError).name).toBe('LedgerConflictError');
    expect((err as LedgerConflictError).constructor.name).toBe('LedgerConflictError');
    expect((err as LedgerConflictError).fields).toEqual(['delay_ms', 'details']);
    expect((err as LedgerConflictError).id).toBe(lateOutcome.id);
    expect(await l.listOutcomes()).toEqual([lateOutcome]);
  });

  it('treats an optional field that appears or disappears as a conflict', async () => {
    await l.recordOutcome(commendation);
    await expect(l.recordOutcome({ ...commendation, personId: 'p-li' })).rejects.toThrow(LedgerConflictError);
  });

  it('filters by incident and by unit, ordered by time', async () => {
    const early: Outcome = { ...lateOutcome, id: 'INC-1/writtenReport/onTime', kind: 'onTime', at: T0 - 60_000 };
    await l.recordOutcome(lateOutcome);
    await l.recordOutcome(commendation);
    await l.recordOutcome(early);
    expect((await l.listOutcomes({ incidentId: 'INC-1' })).map((o) => o.id)).toEqual([early.id, lateOutcome.id]);
    expect((await l.listOutcomes({ unitId: 'city-police' })).map((o) => o.id)).toEqual([commendation.id]);
    expect(await l.listOutcomes({ incidentId: 'INC-1', unitId: 'city-police' })).toEqual([]);
    expect(await l.listOutcomes()).toHaveLength(3);
  });

  it('rejects an invalid time instead of storing garbage', async () => {
    await expect(l.recordOutcome({ ...lateOutcome, at: Number.NaN })).rejects.toThrow(RangeError);
    expect(await l.listOutcomes()).toEqual([]);
  });
});

describe('SqliteLedger notification outbox', () => {
  let l: SqliteLedger;
  beforeEach(() => {
    l = ledgerAt(file, () => T0 + 9000);
    l.migrate();
  });

  it('enqueues a row once; a retry with a later createdAt is the same row, not a conflict', async () => {
    const row = outboxRow();
    expect(await l.enqueueNotification(row)).toEqual({ inserted: true });
    expect(await l.enqueueNotification({ ...row, createdAt: new Date(T0 + 60_000).toISOString() })).toEqual({
      inserted: false,
    });
    expect(await l.listNotifications()).toEqual([row]);
  });

  it('throws LedgerConflictError for the same id with a different text', async () => {
    await l.enqueueNotification(outboxRow());
    const err = await l.enqueueNotification(outboxRow({ text: '另一条消息' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerConflictError);
    expect(err).toMatchObject({ table: 'notification_outbox', fields: ['text'] });
  });

  it('marks rows sent or failed, counting attempts and clearing the error once sent', async () => {
    const row = outboxRow();
    await l.enqueueNotification(row);
    await l.markNotification(row.id, 'failed', 'SMTP 421');
    expect((await l.listNotifications())[0]).toMatchObject({ status: 'failed', error: 'SMTP 421' });
    await l.markNotification(row.id, 'sent');
    const [sent] = await l.listNotifications();
    expect(sent.status).toBe('sent');
    expect(sent.error).toBeUndefined();
    expect(l.db.prepare('SELECT attempts, updated_at FROM notification_outbox').get()).toEqual({
      attempts: 2,
      updated_at: new Date(T0 + 9000).toISOString(),
    });
  });

  it('refuses to mark a row that does not exist', async () => {
    await expect(l.markNotification('nope/p/log', 'sent')).rejects.toThrow(UnknownNotificationError);
  });

  it('filters by incident and by notification, in insertion order', async () => {
    const a = outboxRow();
    const b = outboxRow({ id: outboxRowId('INC-1/n1', 'p-li', 'log'), personId: 'p-li', personName: '李四' });
    const c = outboxRow({ id: outboxRowId('INC-9/n1', 'p-li', 'log'), notificationId: 'INC-9/n1', incidentId: 'INC-9' });
    for (const r of [a, b, c]) await l.enqueueNotification(r);
    expect((await l.listNotifications({ incidentId: 'INC-1' })).map((r) => r.id)).toEqual([a.id, b.id]);
    expect((await l.listNotifications({ notificationId: 'INC-9/n1' })).map((r) => r.id)).toEqual([c.id]);
    expect(await l.listNotifications()).toHaveLength(3);
  });

  it('enforces the channel and status vocabularies in the schema', async () => {
    await expect(l.enqueueNotification(outboxRow({ channel: 'fax' as never }))).rejects.toThrow(/CHECK constraint/);
    await expect(l.enqueueNotification(outboxRow({ status: 'lost' as never }))).rejects.toThrow(/CHECK constraint/);
  });
});

describe('openLedger', () => {
  it('opens sqlite:<path>, creating the parent directory', async () => {
    const target = path.join(dir, 'nested', 'deeper', 'ledger.db');
    const l = openLedger(`sqlite:${target}`);
    await l.migrate();
    expect(await l.recordOutcome(commendation)).toEqual({ inserted: true });
    await l.close();
    expect(fs.existsSync(target)).toBe(true);
    const raw = new Database(target, { readonly: true });
    expect(raw.prepare('SELECT id FROM outcomes').all()).toEqual([{ id: commendation.id }]);
    raw.close();
  });

  it('opens a bare path and sqlite://<path>', async () => {
    for (const url of [path.join(dir, 'bare', 'a.db'), `sqlite://${path.join(dir, 'slashes', 'b.db')}`]) {
      const l = openLedger(url);
      expect(l).toBeInstanceOf(SqliteLedger);
      await l.migrate();
      expect(await l.listOutcomes()).toEqual([]);
      await l.close();
    }
    expect(fs.existsSync(path.join(dir, 'bare', 'a.db'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'slashes', 'b.db'))).toBe(true);
  });

  it('says PostgreSQL is not available yet, without echoing the password', () => {
    for (const url of ['postgres://ops:s3cret@db:5432/ledger', 'postgresql://ops:s3cret@db/ledger']) {
      let err: unknown;
      try {
        openLedger(url);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnsupportedLedgerError);
      expect((err as Error).message).toMatch(/PostgreSQL ledger is not available yet/);
      expect((err as Error).message).not.toContain('s3cret');
    }
  });

  it('rejects other URL schemes and an empty URL', () => {
    expect(() => openLedger('mysql://db/ledger')).toThrow(/Unsupported ledger URL scheme "mysql:"/);
    expect(() => openLedger('  ')).toThrow(UnsupportedLedgerError);
    expect(() => openLedger('sqlite:')).toThrow(UnsupportedLedgerError);
  });
});

// ─────────────────────────────── v1 tables: findings, notices, deliveries, endings ───────────────────────────────

const lateFinding: Finding = {
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
  dueAt: T0 - 45 * 60_000,
  delayMs: 45 * 60_000,
  rule: { basis: 'rule', source: '000 篇三 §四(二)' },
  binding: 'binding',
  accountabilityBasis: '000 篇三 §六',
  gradeBasis: 'assessed',
  grade: 'major',
  pendingStep: 'approval',
  ending: 'cancelled',
  plan: { id: 'county-health', version: '2026.1', hash: 'abc123' },
  reviewState: 'open',
  details: '首报迟报：迟45m',
  recordedBy: 'p-zhang',
};

/** A reviewer's finding about a person: most optional fields absent. */
const reviewerFinding: Finding = {
  id: 'INC-2/person=p-li/review:falseReport',
  incidentId: 'INC-2',
  unitId: 'city-police',
  source: 'review:falseReport',
  kind: 'falseReport',
  role: 'office',
  at: T0 + 1000,
  accountabilityBasis: 'none stated in the plan (本预案未规定责任追究条款)',
  plan: { id: 'city-police', version: '1', hash: 'def456' },
  reviewState: 'open',
  details: '谎报伤亡人数',
};

function notice(over: Partial<NoticeParams> = {}): NoticeParams {
  const base: NoticeParams = {
    noticeId: 'INC-1/assigned/firstReport/due=20250303T103000.123Z,set=20250303T083000.123Z',
    incidentId: 'INC-1',
    unitId: 'county-health',
    kind: 'assigned',
    about: 'firstReport',
    trigger: 'due=20250303T103000.123Z,set=20250303T083000.123Z',
    obligationId: 'firstReport',
    obligationKind: 'firstReport',
    dueAt: T0 + 2 * 3_600_000,
    owner: { personId: 'p-zhang', name: '张三', role: 'monitor' },
    roles: ['monitor'],
    recipients: [{ personId: 'p-zhang', name: '张三', role: 'monitor', contacts: { phone: '13800000001' } }],
    facts: {},
    incident: { title: '网传某医院收费问题', unitName: '某县卫健局', timeZone: 'Asia/Shanghai', language: 'zh', planId: 'county-health' },
    createdAt: T0,
  };
  return { ...base, ...over };
}

/** A notice of `kind` about `obligationId` in `incidentId`, its id from those. */
const noticeOf = (incidentId: string, kind: NoticeParams['kind'], obligationId: string | undefined, createdAt = T0): NoticeParams =>
  notice({
    noticeId: `${incidentId}/${kind}/${obligationId ?? 'none'}/at=${createdAt}`, incidentId, kind, about: obligationId ?? 'none',
    trigger: `at=${createdAt}`, obligationId, createdAt,
  });

function delivery(noticeId: string, personId: string, channel: string, over: Partial<DeliveryRow> = {}): DeliveryRow {
  return {
    id: deliveryId(noticeId, `person=${personId}`, channel), noticeId, incidentId: 'INC-1', destination: `person=${personId}`,
    personId, personName: personId === 'p-zhang' ? '张三' : '王五', channel, status: 'pending', attempts: 0, createdAt: T0, ...over,
  };
}

describe('SqliteLedger findings', () => {
  let l: SqliteLedger;
  beforeEach(() => {
    l = ledgerAt(file, () => T0 + 5000);
    l.migrate();
  });

  it('keeps the rules version that produced a finding beside its plan (migration 7); one recorded without it reads back without it', async () => {
    const v5 = { ...lateFinding, id: `${lateFinding.id}/v5`, plan: { ...lateFinding.plan, rules: 5 } };
    await l.recordFinding(v5);
    await l.recordFinding(lateFinding);
    const back = await l.listFindings();
    expect(back.find((f) => f.id === v5.id)?.plan).toEqual({ ...lateFinding.plan, rules: 5 });
    expect(back.find((f) => f.id === lateFinding.id)?.plan).toEqual(lateFinding.plan);
    expect(l.db.prepare('SELECT plan_rules FROM findings WHERE id = ?').get(v5.id)).toEqual({ plan_rules: 5 });
  });

  it('records a finding once with every field a review needs, reads it back as written; absent fields stay absent', async () => {
    expect(await l.recordFinding(lateFinding)).toEqual({ inserted: true });
    expect(await l.recordFinding(reviewerFinding)).toEqual({ inserted: true });
    expect(await l.listFindings()).toEqual([lateFinding, reviewerFinding]);
    const [, back] = await l.listFindings();
    for (const k of ['obligationId', 'personId', 'claimedAt', 'dueAt', 'delayMs', 'rule', 'binding', 'gradeBasis', 'grade', 'ending', 'recordedBy']) {
      expect(Object.keys(back), k).not.toContain(k);
    }
    const raw = l.db.prepare('SELECT at, claimed_at, act_recorded_at, due_at, rule_basis, rule_source, recorded_at FROM findings WHERE id = ?').get(lateFinding.id);
    expect(raw).toEqual({
      at: '2025-03-03T08:30:00.123Z', claimed_at: '2025-03-03T08:30:00.123Z', act_recorded_at: '2025-03-03T08:31:00.123Z',
      due_at: '2025-03-03T07:45:00.123Z', rule_basis: 'rule', rule_source: '000 篇三 §四(二)', recorded_at: '2025-03-03T08:30:05.123Z',
    });
  });

  it('is idempotent: the same id and content again is no new row', async () => {
    await l.recordFinding(lateFinding);
    expect(await l.recordFinding({ ...lateFinding })).toEqual({ inserted: false });
    expect((l.db.prepare('SELECT COUNT(*) AS n FROM findings').get() as { n: number }).n).toBe(1);
  });

  it('throws LedgerConflictError naming the differing fields when the same id arrives with other content', async () => {
    await l.recordFinding(lateFinding);
    const err = await l.recordFinding({ ...lateFinding, kind: 'missed', delayMs: undefined, reviewState: 'notReviewed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerConflictError);
    expect(err).toMatchObject({ table: 'findings', id: lateFinding.id, fields: ['kind', 'delay_ms', 'review_state'] });
    expect((err as Error).message).toBe('findings row "INC-1/firstReport/timers" already exists with different content (differs in: kind, delay_ms, review_state)');
    // the plan and the rule are content too
    await expect(l.recordFinding({ ...lateFinding, plan: { ...lateFinding.plan, hash: 'other' } })).rejects.toMatchObject({ fields: ['plan_hash'] });
    await expect(l.recordFinding({ ...lateFinding, rule: undefined })).rejects.toMatchObject({ fields: ['rule_basis', 'rule_source'] });
    expect(await l.listFindings()).toEqual([lateFinding]);
  });

  it('filters by incident and by unit, ordered by time', async () => {
    const early: Finding = { ...lateFinding, id: 'INC-1/writtenReport/timers', kind: 'onTime', at: T0 - 60_000, reviewState: 'notReviewed' };
    for (const f of [lateFinding, reviewerFinding, early]) await l.recordFinding(f);
    expect((await l.listFindings({ incidentId: 'INC-1' })).map((f) => f.id)).toEqual([early.id, lateFinding.id]);
    expect((await l.listFindings({ unitId: 'city-police' })).map((f) => f.id)).toEqual([reviewerFinding.id]);
    expect(await l.listFindings({ incidentId: 'INC-1', unitId: 'city-police' })).toEqual([]);
  });

  it('rejects an invalid time instead of storing garbage', async () => {
    await expect(l.recordFinding({ ...lateFinding, claimedAt: Number.NaN })).rejects.toThrow(RangeError);
    expect(await l.listFindings()).toEqual([]);
  });
});

describe('SqliteLedger endings', () => {
  let l: SqliteLedger;
  beforeEach(() => {
    l = ledgerAt(file, () => T0 + 7000);
    l.migrate();
  });
  const ending: EndingParams = { incidentId: 'INC-1', unitId: 'county-health', ending: 'cancelled', at: T0, reason: '误建', by: 'ops@ui' };

  it('records how an incident ended once; the same again is no new row, another ending a conflict', async () => {
    expect(await l.recordEnding(ending)).toEqual({ inserted: true });
    expect(await l.recordEnding({ ...ending })).toEqual({ inserted: false });
    await expect(l.recordEnding({ ...ending, ending: 'withdrawn', by: 'p-li' })).rejects.toMatchObject({ table: 'endings', id: 'INC-1', fields: ['ending', 'by_person'] });
    expect(await l.recordEnding({ incidentId: 'INC-2', unitId: 'county-health', ending: 'terminated', at: T0 + 1 })).toEqual({ inserted: true });
    expect(await l.listEndings()).toEqual([
      { ...ending, recordedAt: T0 + 7000 },
      { incidentId: 'INC-2', unitId: 'county-health', ending: 'terminated', at: T0 + 1, recordedAt: T0 + 7000 },
    ]);
    expect((await l.listEndings({ incidentId: 'INC-2' })).map((e) => e.ending)).toEqual(['terminated']);
  });
});

describe('SqliteLedger notices', () => {
  let l: SqliteLedger;
  let now: number;
  beforeEach(() => {
    now = T0 + 9000;
    l = ledgerAt(file, () => now);
    l.migrate();
  });

  it('records a notice once, pending and due at once; the same id again is no new row and keeps the first payload', async () => {
    const n = notice();
    expect(await l.recordNotice(n)).toEqual({ inserted: true });
    // a retry after a deploy: the same meaning, a payload shaped differently
    expect(await l.recordNotice({ ...n, recipients: [], createdAt: T0 + 60_000 })).toEqual({ inserted: false });
    expect(await l.listNotices()).toEqual([{
      id: n.noticeId, incidentId: 'INC-1', unitId: 'county-health', kind: 'assigned', obligationId: 'firstReport', dueAt: n.dueAt,
      notice: n, status: 'pending', attempts: 0, nextAttemptAt: T0, createdAt: T0,
    }]);
    expect(await l.getNotice(n.noticeId)).toEqual((await l.listNotices())[0]);
    expect(await l.getNotice('INC-1/nope')).toBeUndefined();
  });

  it('throws LedgerConflictError when a notice id is reused for another meaning', async () => {
    await l.recordNotice(notice());
    const err = await l.recordNotice(notice({ kind: 'reminder', trigger: 'before=30m' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerConflictError);
    expect(err).toMatchObject({ table: 'notices', fields: ['kind', 'trigger_key'] });
    expect((await l.listNotices()).map((r) => r.kind)).toEqual(['assigned']);
  });

  it('settleNotices supersedes only the pending assigned, reminder and overdue notices of that obligation and incident', async () => {
    const mine = [noticeOf('INC-1', 'assigned', 'firstReport', T0), noticeOf('INC-1', 'reminder', 'firstReport', T0 + 1), noticeOf('INC-1', 'overdue', 'firstReport', T0 + 2)];
    const others = [
      noticeOf('INC-1', 'overdue', 'firstReport', T0 + 3), // failed already: not pending
      noticeOf('INC-1', 'referral', 'firstReport', T0 + 4), // another kind
      noticeOf('INC-1', 'assigned', 'publicResponse', T0 + 5), // another obligation
      noticeOf('INC-2', 'assigned', 'firstReport', T0 + 6), // another incident
      noticeOf('INC-1', 'regrade', undefined, T0 + 7), // about no obligation
    ];
    for (const n of [...mine, ...others]) await l.recordNotice(n);
    await l.updateNotice(others[0].noticeId, { status: 'failed', attempts: 5, lastError: 'gave up' });
    await l.ensureDeliveries([delivery(mine[0].noticeId, 'p-zhang', 'log'), delivery(mine[0].noticeId, 'p-wang', 'email', { status: 'delivered' })]);
    await l.updateDelivery(deliveryId(mine[0].noticeId, 'person=p-wang', 'email'), { status: 'delivered', deliveredAt: T0 });
    await l.ensureDeliveries([delivery(others[2].noticeId, 'p-zhang', 'log')]);

    now = T0 + 20_000;
    expect(await l.settleNotices('INC-1', 'firstReport', 'met')).toBe(3);
    const byId = new Map((await l.listNotices()).map((r) => [r.id, r]));
    for (const n of mine) expect(byId.get(n.noticeId)).toMatchObject({ status: 'superseded', settledReason: 'met', updatedAt: T0 + 20_000 });
    expect(others.map((n) => byId.get(n.noticeId)!.status)).toEqual(['failed', 'pending', 'pending', 'pending', 'pending']);
    expect(others.every((n) => byId.get(n.noticeId)!.settledReason === undefined)).toBe(true);
    // deliveries of a superseded notice not yet made are not made; one made stays made; others' are untouched
    expect((await l.listDeliveries({ noticeId: mine[0].noticeId })).map((d) => [d.destination, d.status])).toEqual([
      ['person=p-zhang', 'superseded'], ['person=p-wang', 'delivered'],
    ]);
    expect((await l.listDeliveries({ noticeId: others[2].noticeId })).map((d) => d.status)).toEqual(['pending']);
    // settling again finds nothing left pending
    expect(await l.settleNotices('INC-1', 'firstReport', 'met')).toBe(0);
    // and nothing superseded is claimed
    expect((await l.claimNotices(T0 + 60_000, 10, 60_000)).map((r) => r.id)).toEqual([others[1].noticeId, others[2].noticeId, others[3].noticeId, others[4].noticeId]);
  });

  it('claimNotices leases what is due: a second claim within the lease gets nothing, after it the rows again', async () => {
    const a = noticeOf('INC-1', 'assigned', 'firstReport', T0);
    const b = noticeOf('INC-1', 'reminder', 'firstReport', T0 + 1000);
    const later = noticeOf('INC-1', 'overdue', 'firstReport', T0 + 120_000);
    for (const n of [later, b, a]) await l.recordNotice(n);
    const lease = 30_000;
    const first = await l.claimNotices(T0 + 10_000, 10, lease);
    // due ones only, earliest first
    expect(first.map((r) => [r.id, r.claimedUntil])).toEqual([[a.noticeId, T0 + 10_000 + lease], [b.noticeId, T0 + 10_000 + lease]]);
    expect(await l.claimNotices(T0 + 20_000, 10, lease)).toEqual([]);
    expect(await l.claimNotices(T0 + 10_000 + lease - 1, 10, lease)).toEqual([]);
    const again = await l.claimNotices(T0 + 10_000 + lease, 1, lease);
    expect(again.map((r) => r.id)).toEqual([a.noticeId]);
    expect((await l.claimNotices(T0 + 10_000 + lease, 10, lease)).map((r) => r.id)).toEqual([b.noticeId]);
    // a delivered one is never claimed again
    await l.updateNotice(a.noticeId, { status: 'delivered', attempts: 1, deliveredAt: T0 + 50_000 });
    expect((await l.claimNotices(T0 + 200_000, 10, lease)).map((r) => r.id)).toEqual([b.noticeId, later.noticeId]);
  });

  it('updateNotice records where a notice stands and releases its claim; it leaves a superseded notice alone; an unknown id is refused', async () => {
    const n = notice();
    await l.recordNotice(n);
    await l.claimNotices(T0 + 1000, 10, 60_000);
    now = T0 + 2000;
    await l.updateNotice(n.noticeId, { status: 'pending', attempts: 1, nextAttemptAt: T0 + 7000, lastError: 'HTTP 503' });
    expect(await l.getNotice(n.noticeId)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T0 + 7000, lastError: 'HTTP 503', updatedAt: T0 + 2000 });
    expect((await l.getNotice(n.noticeId))!.claimedUntil).toBeUndefined();
    // released: due again at its next attempt, claimable before the old lease ran out
    expect((await l.claimNotices(T0 + 7000, 10, 60_000)).map((r) => r.id)).toEqual([n.noticeId]);
    await l.updateNotice(n.noticeId, { status: 'delivered', attempts: 2, deliveredAt: T0 + 8000 });
    const done = (await l.getNotice(n.noticeId))!;
    expect(done).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: T0 + 8000 });
    expect(done.lastError).toBeUndefined();

    const moot = noticeOf('INC-1', 'reminder', 'publicResponse');
    await l.recordNotice(moot);
    await l.settleNotices('INC-1', 'publicResponse', 'waived');
    await l.updateNotice(moot.noticeId, { status: 'delivered', attempts: 1, deliveredAt: T0 + 9000 });
    expect(await l.getNotice(moot.noticeId)).toMatchObject({ status: 'superseded', attempts: 0, settledReason: 'waived' });

    await expect(l.updateNotice('INC-1/nope', { status: 'failed', attempts: 1 })).rejects.toThrow(UnknownNotificationError);
  });

  it('listNotices filters by incident and by status, in the order they were recorded', async () => {
    const a = noticeOf('INC-1', 'assigned', 'firstReport', T0);
    const b = noticeOf('INC-2', 'assigned', 'firstReport', T0 + 1);
    const c = noticeOf('INC-1', 'reminder', 'firstReport', T0 + 2);
    for (const n of [a, b, c]) await l.recordNotice(n);
    await l.updateNotice(c.noticeId, { status: 'failed', attempts: 3 });
    expect((await l.listNotices({ incidentId: 'INC-1' })).map((r) => r.id)).toEqual([a.noticeId, c.noticeId]);
    expect((await l.listNotices({ status: 'failed' })).map((r) => r.id)).toEqual([c.noticeId]);
    expect((await l.listNotices({ incidentId: 'INC-2', status: 'failed' }))).toEqual([]);
  });
});

describe('SqliteLedger deliveries and re-drive', () => {
  let l: SqliteLedger;
  let now: number;
  beforeEach(() => {
    now = T0 + 9000;
    l = ledgerAt(file, () => now);
    l.migrate();
  });

  it('ensureDeliveries creates each delivery once and returns the rows asked for as they stand', async () => {
    const n = notice();
    await l.recordNotice(n);
    const zhang = delivery(n.noticeId, 'p-zhang', 'log');
    const wangMail = delivery(n.noticeId, 'p-wang', 'email', { address: 'wang@example.gov.cn' });
    expect(zhang.id).toBe(`${n.noticeId}/person=p-zhang/log`);
    const created = await l.ensureDeliveries([zhang, wangMail]);
    expect(created).toEqual([zhang, wangMail]);
    now = T0 + 10_000;
    await l.updateDelivery(zhang.id, { status: 'delivered', attempts: 1, deliveredAt: T0 + 10_000, subject: '【某县卫健局】待办：首报', text: '请于…' });
    // asked again (a dispatcher retrying), with one more destination: the made one is not reset
    const wangPhone = delivery(n.noticeId, 'p-wang', 'phone', { address: '13800000000', createdAt: T0 + 10_000 });
    const again = await l.ensureDeliveries([{ ...zhang, createdAt: T0 + 10_000 }, wangMail, wangPhone]);
    expect(again.map((d) => [d.id, d.status, d.attempts])).toEqual([
      [zhang.id, 'delivered', 1], [wangMail.id, 'pending', 0], [wangPhone.id, 'pending', 0],
    ]);
    expect(again[0]).toMatchObject({ deliveredAt: T0 + 10_000, subject: '【某县卫健局】待办：首报', text: '请于…', createdAt: T0, updatedAt: T0 + 10_000 });
    expect(await l.listDeliveries({ noticeId: n.noticeId })).toHaveLength(3);
    expect(await l.listDeliveries({ incidentId: 'INC-2' })).toEqual([]);
    // only the rows asked for are returned
    expect((await l.ensureDeliveries([wangPhone])).map((d) => d.id)).toEqual([wangPhone.id]);
    // a new row is returned exactly as a read of it gives it (no read-back needed)
    const fresh = delivery(n.noticeId, 'p-li', 'email', { address: 'li@example.gov.cn', createdAt: T0 + 20_000 });
    const [made] = await l.ensureDeliveries([fresh]);
    expect(made).toEqual((await l.listDeliveries({ noticeId: n.noticeId })).find((d) => d.id === fresh.id));
  });

  it('noticeStatus reads a notice\'s status alone; an unknown id is undefined', async () => {
    const n = notice();
    await l.recordNotice(n);
    expect(await l.noticeStatus(n.noticeId)).toBe('pending');
    await l.settleNotices(n.incidentId, n.obligationId!, 'met');
    expect(await l.noticeStatus(n.noticeId)).toBe('superseded');
    expect(await l.noticeStatus('no-such-notice')).toBeUndefined();
  });

  it('updateDelivery changes only the fields given; an unknown id is refused', async () => {
    const n = notice();
    await l.recordNotice(n);
    const d = delivery(n.noticeId, 'p-wang', 'email', { address: 'wang@example.gov.cn' });
    await l.ensureDeliveries([d]);
    await l.updateDelivery(d.id, { status: 'failed', attempts: 1, lastError: 'SMTP 451', nextAttemptAt: T0 + 60_000 });
    await l.updateDelivery(d.id, { attempts: 2 });
    const [row] = await l.listDeliveries({ noticeId: n.noticeId });
    expect(row).toMatchObject({ status: 'failed', attempts: 2, lastError: 'SMTP 451', nextAttemptAt: T0 + 60_000, address: 'wang@example.gov.cn' });
    await l.updateDelivery(d.id, { lastError: undefined });
    expect((await l.listDeliveries({ noticeId: n.noticeId }))[0].lastError).toBeUndefined();
    await expect(l.updateDelivery('nope/person=x/log', { status: 'delivered' })).rejects.toThrow(UnknownNotificationError);
  });

  it('updates made at once are committed together, each in order; an unknown id in the batch is refused alone; a closed ledger loses none', async () => {
    const n = notice();
    await l.recordNotice(n);
    const rows = Array.from({ length: 40 }, (_, i) => delivery(n.noticeId, `p-${i}`, 'sms', { address: `1380000${String(i).padStart(4, '0')}` }));
    await l.ensureDeliveries(rows);
    const commits: number[] = [];
    // a second connection sees only what is committed: the data_version pragma counts other connections' commits
    const reader = new Database(file, { readonly: true });
    const version = () => reader.pragma('data_version', { simple: true }) as number;
    const before = version();
    const results = await Promise.allSettled([
      ...rows.map((d, i) => l.updateDelivery(d.id, { status: i % 2 ? 'delivered' : 'failed', attempts: 1, deliveredAt: T0 + i })),
      l.updateDelivery('nope/person=x/sms', { status: 'delivered' }),
      // two updates of one row in the same turn apply in the order made
      l.updateDelivery(rows[0].id, { attempts: 2 }),
      l.updateDelivery(rows[0].id, { attempts: 3, lastError: 'second' }),
    ]);
    commits.push(version() - before);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect((results[rows.length] as PromiseRejectedResult).reason).toBeInstanceOf(UnknownNotificationError);
    const after = await l.listDeliveries({ noticeId: n.noticeId });
    expect(after.filter((d) => d.status === 'delivered')).toHaveLength(20);
    expect(after.find((d) => d.id === rows[0].id)).toMatchObject({ status: 'failed', attempts: 3, lastError: 'second' });
    // one commit for the 43 updates (the reader saw the database change once), not one each
    expect(commits[0]).toBe(1);
    reader.close();
    // an update still waiting when the ledger closes is written before it closes
    const pending = l.updateDelivery(rows[1].id, { attempts: 9 });
    await l.close();
    await pending;
    const again = ledgerAt(file);
    expect((await again.listDeliveries({ noticeId: n.noticeId })).find((d) => d.id === rows[1].id)?.attempts).toBe(9);
  });

  it('redrive puts failed notices (one, or all of an incident) back in the queue due now, with their failed deliveries', async () => {
    const a = noticeOf('INC-1', 'assigned', 'firstReport', T0);
    const b = noticeOf('INC-1', 'overdue', 'firstReport', T0 + 1);
    const ok = noticeOf('INC-1', 'reminder', 'firstReport', T0 + 2);
    const elsewhere = noticeOf('INC-2', 'assigned', 'firstReport', T0 + 3);
    for (const n of [a, b, ok, elsewhere]) await l.recordNotice(n);
    for (const n of [a, b, elsewhere]) await l.updateNotice(n.noticeId, { status: 'failed', attempts: 8, lastError: 'gave up' });
    await l.updateNotice(ok.noticeId, { status: 'delivered', attempts: 1, deliveredAt: T0 + 5 });
    const failedMail = delivery(a.noticeId, 'p-wang', 'email');
    const madeLog = delivery(a.noticeId, 'p-zhang', 'log');
    await l.ensureDeliveries([failedMail, madeLog]);
    await l.updateDelivery(failedMail.id, { status: 'failed', attempts: 8, lastError: 'SMTP 550' });
    await l.updateDelivery(madeLog.id, { status: 'delivered', attempts: 1, deliveredAt: T0 + 5 });

    await expect(l.redrive({}, T0)).rejects.toThrow(RangeError);
    const one = await l.redrive({ noticeId: b.noticeId }, T0 + 100_000);
    expect(one.map((r) => [r.id, r.status, r.nextAttemptAt])).toEqual([[b.noticeId, 'pending', T0 + 100_000]]);
    const all = await l.redrive({ incidentId: 'INC-1' }, T0 + 200_000);
    // b is pending again, so only a is re-driven now; the delivered reminder and the other incident are left alone
    expect(all.map((r) => r.id)).toEqual([a.noticeId]);
    expect((await l.getNotice(a.noticeId))).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 200_000, attempts: 8 });
    expect((await l.getNotice(a.noticeId))!.claimedUntil).toBeUndefined();
    expect((await l.getNotice(ok.noticeId))!.status).toBe('delivered');
    expect((await l.getNotice(elsewhere.noticeId))!.status).toBe('failed');
    expect((await l.listDeliveries({ noticeId: a.noticeId })).map((d) => [d.channel, d.status, d.nextAttemptAt])).toEqual([
      ['email', 'pending', T0 + 200_000], ['log', 'delivered', undefined],
    ]);
    // re-driven notices are claimed when due, earliest first
    expect((await l.claimNotices(T0 + 200_000, 10, 1000)).map((r) => r.id)).toEqual([b.noticeId, a.noticeId]);
  });
});

describe('SqliteLedger migration from a v2 database', () => {
  it('adds the v1 tables and keeps the old outcomes and outbox rows readable', async () => {
    // a ledger as the v2 schema left it: migrations 1 and 2 only, with rows in both tables
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of MIGRATIONS.slice(0, 2)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, '2025-01-01T00:00:00.000Z');
    }
    old.close();
    const v2 = ledgerAt(file, () => T0);
    expect(v2.schemaVersion()).toBe(2);
    await v2.recordOutcome(lateOutcome);
    await v2.recordOutcome(commendation);
    await v2.enqueueNotification(outboxRow());
    await v2.markNotification(outboxRow().id, 'sent');
    await v2.close();

    const l = ledgerAt(file, () => T0 + 1000);
    l.migrate();
    expect(l.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(l.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: 1, applied_at: '2025-01-01T00:00:00.000Z' },
      { version: 2, applied_at: '2025-01-01T00:00:00.000Z' },
      { version: 3, applied_at: new Date(T0 + 1000).toISOString() },
      { version: 4, applied_at: new Date(T0 + 1000).toISOString() },
      { version: 5, applied_at: new Date(T0 + 1000).toISOString() },
      { version: 6, applied_at: new Date(T0 + 1000).toISOString() },
      { version: 7, applied_at: new Date(T0 + 1000).toISOString() },
    ]);
    expect(await l.listOutcomes()).toEqual([lateOutcome, commendation]);
    expect(await l.listNotifications()).toEqual([{ ...outboxRow(), status: 'sent' }]);
    // the old tables still take writes (v0 incidents still running), the new ones are empty and work
    expect(await l.recordOutcome({ ...lateOutcome, id: 'INC-1/writtenReport/late' })).toEqual({ inserted: true });
    expect(await l.listFindings()).toEqual([]);
    expect(await l.recordFinding(lateFinding)).toEqual({ inserted: true });
    expect(await l.recordNotice(notice())).toEqual({ inserted: true });
    expect(await l.listOutcomes({ incidentId: 'INC-1' })).toHaveLength(2);
  });
});

describe('SqliteLedger acknowledgements and rosters (migration 6)', () => {
  let ledger: SqliteLedger;
  beforeEach(async () => {
    ledger = ledgerAt(file, () => T0);
    await ledger.migrate();
  });
  const ack = {
    id: 'inc-1/firstReport/ack/wang.wu', incidentId: 'inc-1', unitId: 'u', obligationId: 'firstReport', personId: 'wang.wu',
    personName: '王五', role: 'officeDirector' as const, scope: 'policy' as const, at: T0, note: '已电话督促',
  };

  it('keeps an acknowledgement once (a retried step is the same row) and never lets it be changed', async () => {
    expect(await ledger.recordAcknowledgement(ack)).toEqual({ inserted: true });
    expect(await ledger.recordAcknowledgement(ack)).toEqual({ inserted: false });
    await expect(ledger.recordAcknowledgement({ ...ack, scope: 'owner' })).rejects.toBeInstanceOf(LedgerConflictError);
    expect(await ledger.listAcknowledgements({ incidentId: 'inc-1' })).toEqual([ack]);
    const db = new Database(file);
    try {
      expect(() => db.prepare("UPDATE acknowledgements SET note = 'x'").run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });

  it('keeps every roster version (its history): the same version twice is one row, the same version with other content a conflict', async () => {
    const v1 = { planId: 'county', version: '2026.1', hash: 'a'.repeat(64), effectiveFrom: T0, body: { plan: 'county', version: '2026.1' } };
    const v2 = { ...v1, version: '2026.2', hash: 'b'.repeat(64), effectiveFrom: T0 + 86_400_000, body: { plan: 'county', version: '2026.2' } };
    expect(await ledger.recordRoster(v2)).toEqual({ inserted: true });
    expect(await ledger.recordRoster(v1)).toEqual({ inserted: true });
    expect(await ledger.recordRoster(v1)).toEqual({ inserted: false });
    await expect(ledger.recordRoster({ ...v1, hash: 'c'.repeat(64) })).rejects.toBeInstanceOf(LedgerConflictError);
    const rows = await ledger.listRosters('county');
    expect(rows.map((r) => [r.version, r.effectiveFrom, r.loadedAt])).toEqual([['2026.1', T0, T0], ['2026.2', T0 + 86_400_000, T0]]);
    expect(rows[0].body).toEqual(v1.body);
    expect(await ledger.listRosters('other')).toEqual([]);
  });
});

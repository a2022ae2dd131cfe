import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/machines/effects';
import { LedgerConflictError, UnknownNotificationError, UnsupportedLedgerError } from '../../src/activities/errors';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  SqliteLedger,
  openLedger,
  outboxRowId,
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
    expect(tables).toEqual(expect.arrayContaining(['notification_outbox', 'outcomes', 'schema_migrations']));
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

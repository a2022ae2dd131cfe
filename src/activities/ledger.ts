/**
 * The ledger: the durable record of accountability outcomes (责任追究) and of every notification sent.
 *
 * Writes are idempotent by deterministic id, so an activity retry never writes twice; the same id with
 * different content is a bug and throws LedgerConflictError. `Ledger` is the seam: SQLite today,
 * a PostgreSQL class later behind the same interface and the same `openLedger(url)`.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Outcome } from '../machines/effects';
import type { ObligationKind, OutcomeKind, Role } from '../plan/codes';
import { LedgerConflictError, UnknownNotificationError, UnsupportedLedgerError } from './errors';

export const OUTBOX_CHANNELS = ['log', 'email', 'phone', 'webhook'] as const;
export type OutboxChannel = (typeof OUTBOX_CHANNELS)[number];

export const OUTBOX_STATUSES = ['queued', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** One message to one person over one channel. */
export interface OutboxRow {
  /** deterministic: `${notificationId}/${personId}/${channel}` */
  id: string;
  notificationId: string;
  incidentId: string;
  unitId: string;
  obligationId?: string;
  personId: string;
  personName: string;
  role: Role;
  channel: OutboxChannel;
  /** the email address, phone number or webhook URL; none for 'log' */
  address?: string;
  subject: string;
  text: string;
  status: OutboxStatus;
  /** ISO timestamp of the first enqueue */
  createdAt: string;
  /** last delivery error, for status 'failed' */
  error?: string;
}

export const outboxRowId = (notificationId: string, personId: string, channel: OutboxChannel): string =>
  `${notificationId}/${personId}/${channel}`;

export interface Ledger {
  /** Bring the schema up to date; safe to call on every start-up and from several processes. */
  migrate(): void | Promise<void>;
  recordOutcome(o: Outcome): Promise<{ inserted: boolean }>;
  listOutcomes(filter?: { incidentId?: string; unitId?: string }): Promise<Outcome[]>;
  enqueueNotification(row: OutboxRow): Promise<{ inserted: boolean }>;
  listNotifications(filter?: { incidentId?: string; notificationId?: string }): Promise<OutboxRow[]>;
  markNotification(id: string, status: 'sent' | 'failed', error?: string): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Schema: numbered migrations, each applied once, in its own transaction. Append; never edit.
// ---------------------------------------------------------------------------------------------------

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'outcomes',
    sql: `
      CREATE TABLE outcomes (
        id              TEXT PRIMARY KEY,
        incident_id     TEXT NOT NULL,
        unit_id         TEXT NOT NULL,
        kind            TEXT NOT NULL,
        obligation_id   TEXT,
        obligation_kind TEXT,
        person_id       TEXT,
        person_name     TEXT,
        role            TEXT NOT NULL,
        at              TEXT NOT NULL,   -- ISO 8601, UTC
        delay_ms        INTEGER,
        due_at          TEXT,            -- ISO 8601, UTC
        details         TEXT NOT NULL,
        recorded_by     TEXT,
        recorded_at     TEXT NOT NULL    -- ISO 8601, UTC: when the ledger stored it
      );
      CREATE INDEX outcomes_incident ON outcomes (incident_id, at);
      CREATE INDEX outcomes_unit ON outcomes (unit_id, at);
    `,
  },
  {
    version: 2,
    name: 'notification_outbox',
    sql: `
      CREATE TABLE notification_outbox (
        id              TEXT PRIMARY KEY,  -- notification_id/person_id/channel
        notification_id TEXT NOT NULL,
        incident_id     TEXT NOT NULL,
        unit_id         TEXT NOT NULL,
        obligation_id   TEXT,
        person_id       TEXT NOT NULL,
        person_name     TEXT NOT NULL,
        role            TEXT NOT NULL,
        channel         TEXT NOT NULL CHECK (channel IN ('log', 'email', 'phone', 'webhook')),
        address         TEXT,
        subject         TEXT NOT NULL,
        text            TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
        created_at      TEXT NOT NULL,     -- ISO 8601, UTC
        updated_at      TEXT,              -- ISO 8601, UTC: last status change
        attempts        INTEGER NOT NULL DEFAULT 0,
        error           TEXT
      );
      CREATE INDEX notification_outbox_incident ON notification_outbox (incident_id);
      CREATE INDEX notification_outbox_notification ON notification_outbox (notification_id);
      CREATE INDEX notification_outbox_status ON notification_outbox (status) WHERE status <> 'sent';
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

// ---------------------------------------------------------------------------------------------------
// Row mapping
// ---------------------------------------------------------------------------------------------------

type Sql = string | number | null;

interface OutcomeRow {
  id: string;
  incident_id: string;
  unit_id: string;
  kind: string;
  obligation_id: string | null;
  obligation_kind: string | null;
  person_id: string | null;
  person_name: string | null;
  role: string;
  at: string;
  delay_ms: number | null;
  due_at: string | null;
  details: string;
  recorded_by: string | null;
}

interface OutboxDbRow {
  id: string;
  notification_id: string;
  incident_id: string;
  unit_id: string;
  obligation_id: string | null;
  person_id: string;
  person_name: string;
  role: string;
  channel: string;
  address: string | null;
  subject: string;
  text: string;
  status: string;
  created_at: string;
  error: string | null;
}

/** Columns whose equality decides "same record" (retry) versus "different record" (conflict). */
const OUTCOME_CONTENT: (keyof OutcomeRow)[] = [
  'incident_id', 'unit_id', 'kind', 'obligation_id', 'obligation_kind', 'person_id', 'person_name',
  'role', 'at', 'delay_ms', 'due_at', 'details', 'recorded_by',
];
/** Status, timestamps and errors change over a row's life and are not content. */
const OUTBOX_CONTENT: (keyof OutboxDbRow)[] = [
  'notification_id', 'incident_id', 'unit_id', 'obligation_id', 'person_id', 'person_name', 'role',
  'channel', 'address', 'subject', 'text',
];

const iso = (ms: number, field: string): string => {
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) throw new RangeError(`${field}: not a valid time: ${ms}`);
  return d.toISOString();
};
const nul = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

function outcomeToRow(o: Outcome): OutcomeRow {
  return {
    id: o.id,
    incident_id: o.incidentId,
    unit_id: o.unitId,
    kind: o.kind,
    obligation_id: nul(o.obligationId),
    obligation_kind: nul(o.obligationKind),
    person_id: nul(o.personId),
    person_name: nul(o.personName),
    role: o.role,
    at: iso(o.at, 'at'),
    delay_ms: nul(o.delayMs),
    due_at: o.dueAt === undefined ? null : iso(o.dueAt, 'dueAt'),
    details: o.details,
    recorded_by: nul(o.recordedBy),
  };
}

function rowToOutcome(r: OutcomeRow): Outcome {
  const o: Outcome = {
    id: r.id,
    incidentId: r.incident_id,
    unitId: r.unit_id,
    kind: r.kind as OutcomeKind,
    role: r.role as Role,
    at: Date.parse(r.at),
    details: r.details,
  };
  if (r.obligation_id !== null) o.obligationId = r.obligation_id;
  if (r.obligation_kind !== null) o.obligationKind = r.obligation_kind as ObligationKind;
  if (r.person_id !== null) o.personId = r.person_id;
  if (r.person_name !== null) o.personName = r.person_name;
  if (r.delay_ms !== null) o.delayMs = r.delay_ms;
  if (r.due_at !== null) o.dueAt = Date.parse(r.due_at);
  if (r.recorded_by !== null) o.recordedBy = r.recorded_by;
  return o;
}

function outboxToRow(r: OutboxRow): OutboxDbRow {
  return {
    id: r.id,
    notification_id: r.notificationId,
    incident_id: r.incidentId,
    unit_id: r.unitId,
    obligation_id: nul(r.obligationId),
    person_id: r.personId,
    person_name: r.personName,
    role: r.role,
    channel: r.channel,
    address: nul(r.address),
    subject: r.subject,
    text: r.text,
    status: r.status,
    created_at: r.createdAt,
    error: nul(r.error),
  };
}

function rowToOutbox(r: OutboxDbRow): OutboxRow {
  const o: OutboxRow = {
    id: r.id,
    notificationId: r.notification_id,
    incidentId: r.incident_id,
    unitId: r.unit_id,
    personId: r.person_id,
    personName: r.person_name,
    role: r.role as Role,
    channel: r.channel as OutboxChannel,
    subject: r.subject,
    text: r.text,
    status: r.status as OutboxStatus,
    createdAt: r.created_at,
  };
  if (r.obligation_id !== null) o.obligationId = r.obligation_id;
  if (r.address !== null) o.address = r.address;
  if (r.error !== null) o.error = r.error;
  return o;
}

function differingFields<R extends object>(stored: R, incoming: R, columns: (keyof R)[]): string[] {
  return columns.filter((c) => stored[c] !== incoming[c]).map(String);
}

// ---------------------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------------------

export interface SqliteLedgerOptions {
  /** ms to wait on a locked database before failing (another worker writing) */
  busyTimeoutMs?: number;
  /** wall clock for recorded_at / updated_at */
  clock?: () => number;
}

export class SqliteLedger implements Ledger {
  readonly db: Database.Database;
  private readonly clock: () => number;

  constructor(readonly file: string, opts: SqliteLedgerOptions = {}) {
    this.db = new Database(file);
    this.clock = opts.clock ?? Date.now;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? 5000)}`);
  }

  migrate(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`);
    const applied = this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
    const record = this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of MIGRATIONS) {
      // IMMEDIATE takes the write lock before the check, so two processes migrating at once
      // cannot both apply the same step.
      this.db
        .transaction(() => {
          if (applied.get(m.version)) return;
          this.db.exec(m.sql);
          record.run(m.version, m.name, iso(this.clock(), 'applied_at'));
        })
        .immediate();
    }
  }

  /** The highest applied migration, 0 for an empty database. */
  schemaVersion(): number {
    const exists = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (!exists) return 0;
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  async recordOutcome(o: Outcome): Promise<{ inserted: boolean }> {
    const row = outcomeToRow(o);
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare(
            `INSERT INTO outcomes (id, incident_id, unit_id, kind, obligation_id, obligation_kind, person_id,
               person_name, role, at, delay_ms, due_at, details, recorded_by, recorded_at)
             VALUES (@id, @incident_id, @unit_id, @kind, @obligation_id, @obligation_kind, @person_id,
               @person_name, @role, @at, @delay_ms, @due_at, @details, @recorded_by, @recorded_at)
             ON CONFLICT (id) DO NOTHING`,
          )
          .run({ ...row, recorded_at: iso(this.clock(), 'recorded_at') });
        if (info.changes === 1) return { inserted: true };
        const stored = this.db.prepare('SELECT * FROM outcomes WHERE id = ?').get(row.id) as OutcomeRow;
        const diff = differingFields(stored, row, OUTCOME_CONTENT);
        if (diff.length > 0) throw new LedgerConflictError('outcomes', row.id, diff);
        return { inserted: false };
      })
      .immediate();
  }

  async listOutcomes(filter: { incidentId?: string; unitId?: string } = {}): Promise<Outcome[]> {
    const where: string[] = [];
    const args: Sql[] = [];
    if (filter.incidentId !== undefined) {
      where.push('incident_id = ?');
      args.push(filter.incidentId);
    }
    if (filter.unitId !== undefined) {
      where.push('unit_id = ?');
      args.push(filter.unitId);
    }
    const sql =
      'SELECT * FROM outcomes' + (where.length ? ` WHERE ${where.join(' AND ')}` : '') + ' ORDER BY at, rowid';
    return (this.db.prepare(sql).all(...args) as OutcomeRow[]).map(rowToOutcome);
  }

  async enqueueNotification(r: OutboxRow): Promise<{ inserted: boolean }> {
    const row = outboxToRow(r);
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare(
            `INSERT INTO notification_outbox (id, notification_id, incident_id, unit_id, obligation_id, person_id,
               person_name, role, channel, address, subject, text, status, created_at, error)
             VALUES (@id, @notification_id, @incident_id, @unit_id, @obligation_id, @person_id,
               @person_name, @role, @channel, @address, @subject, @text, @status, @created_at, @error)
             ON CONFLICT (id) DO NOTHING`,
          )
          .run(row);
        if (info.changes === 1) return { inserted: true };
        const stored = this.db.prepare('SELECT * FROM notification_outbox WHERE id = ?').get(row.id) as OutboxDbRow;
        const diff = differingFields(stored, row, OUTBOX_CONTENT);
        if (diff.length > 0) throw new LedgerConflictError('notification_outbox', row.id, diff);
        return { inserted: false };
      })
      .immediate();
  }

  async listNotifications(filter: { incidentId?: string; notificationId?: string } = {}): Promise<OutboxRow[]> {
    const where: string[] = [];
    const args: Sql[] = [];
    if (filter.incidentId !== undefined) {
      where.push('incident_id = ?');
      args.push(filter.incidentId);
    }
    if (filter.notificationId !== undefined) {
      where.push('notification_id = ?');
      args.push(filter.notificationId);
    }
    const sql =
      'SELECT * FROM notification_outbox' + (where.length ? ` WHERE ${where.join(' AND ')}` : '') + ' ORDER BY rowid';
    return (this.db.prepare(sql).all(...args) as OutboxDbRow[]).map(rowToOutbox);
  }

  async markNotification(id: string, status: 'sent' | 'failed', error?: string): Promise<void> {
    const info = this.db
      .prepare(
        `UPDATE notification_outbox
            SET status = ?, error = ?, updated_at = ?, attempts = attempts + 1
          WHERE id = ?`,
      )
      .run(status, status === 'failed' ? (error ?? 'unknown error') : null, iso(this.clock(), 'updated_at'), id);
    if (info.changes === 0) throw new UnknownNotificationError(id);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// openLedger(url)
// ---------------------------------------------------------------------------------------------------

/**
 * Open the ledger a URL names: `sqlite:<path>` (also `sqlite://<path>`), a bare file path, or `:memory:`.
 * Creates the file's parent directory. Does not migrate: call `migrate()` once at start-up.
 * `postgres://` / `postgresql://` are reserved for the PostgreSQL ledger, not available yet.
 */
export function openLedger(url: string, opts: SqliteLedgerOptions = {}): Ledger {
  const trimmed = url.trim();
  if (!trimmed) throw new UnsupportedLedgerError('', 'Ledger URL is empty; use sqlite:<path> or a file path');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    // The URL is not echoed: it usually carries a password.
    throw new UnsupportedLedgerError(
      scheme,
      'PostgreSQL ledger is not available yet; use a SQLite ledger (sqlite:<path> or a file path) for now',
    );
  }
  let file: string;
  if (scheme === 'sqlite') {
    file = trimmed.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
  } else if (scheme !== undefined && scheme.length > 1 && /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    // some other URL scheme (mysql://, http://…); a one-letter "scheme" is a Windows drive.
    throw new UnsupportedLedgerError(scheme, `Unsupported ledger URL scheme "${scheme}:"; use sqlite:<path> or a file path`);
  } else {
    file = trimmed;
  }
  if (!file) throw new UnsupportedLedgerError('sqlite', 'Ledger URL names no file; use sqlite:<path>');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return new SqliteLedger(file, opts);
}

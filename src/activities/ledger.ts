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
import type { AcknowledgementParams, EndingParams, Finding, FindingMarks, NoticeParams, Outcome } from '../machines/effects';
import type { ObligationKind, OutcomeKind, Role } from '../plan/codes';
import { LedgerConflictError, ReviewOutOfDateError, UnknownFindingError, UnknownNotificationError, UnsupportedLedgerError } from './errors';

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

export const NOTICE_STATUSES = ['pending', 'delivered', 'failed', 'superseded'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'superseded'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A notice the incident wants sent (structured, not rendered), and where its delivery stands. */
export interface NoticeRow {
  id: string;
  incidentId: string;
  unitId: string;
  kind: string;
  obligationId?: string;
  dueAt?: number;
  notice: NoticeParams;
  status: NoticeStatus;
  attempts: number;
  nextAttemptAt?: number;
  claimedUntil?: number;
  lastError?: string;
  deliveredAt?: number;
  /** why it was not sent: the obligation was met, waived … meanwhile */
  settledReason?: string;
  createdAt: number;
  updatedAt?: number;
}

/** One notice to one destination over one channel; its id is the idempotency key a receiver gets. */
export interface DeliveryRow {
  /** `${noticeId}/${destination}/${channel}` */
  id: string;
  noticeId: string;
  incidentId: string;
  /** `person=<id>` (or `group=<name>` for a group robot) */
  destination: string;
  personId?: string;
  personName: string;
  channel: string;
  address?: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
  deliveredAt?: number;
  /** what was sent on the last attempt (rendered at send time) */
  subject?: string;
  text?: string;
  createdAt: number;
  updatedAt?: number;
}

export const deliveryId = (noticeId: string, destination: string, channel: string): string => `${noticeId}/${destination}/${channel}`;

export interface EndingRow extends EndingParams {
  recordedAt: number;
}

// ── reviews of findings (复核) and explanations (申辩) ──

export const REVIEW_DECISIONS = ['confirm', 'correct', 'annul', 'reinstate'] as const;
/** What a reviewer decides about a finding. */
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
export const REVIEW_KINDS = [...REVIEW_DECISIONS, 'explanation'] as const;
/** A review record: a reviewer's decision, or the named person's explanation (申辩, which decides nothing). */
export type ReviewKind = (typeof REVIEW_KINDS)[number];
/** Where a finding stands: open until a decision; 'reinstate' reopens an annulled one. */
export const REVIEW_STATES = ['open', 'confirmed', 'corrected', 'annulled'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];
/** A finding's current state; records that are not reviewed (onTime, commendation) are 'notReviewed'. */
export type FindingState = ReviewState | 'notReviewed';

/** The values a correction sets (the finding itself is never edited), and what they were before it. */
export interface FindingCorrection {
  /** the finding's kind after the correction (e.g. onTime: the report was phoned in on time, recorded later) */
  kind: OutcomeKind;
  /** the act's claimed time, corrected (ms) */
  claimedAt?: number;
  /** the delay past the due time that follows (none when on time or not done) */
  delayMs?: number;
  /** the values in effect before this correction */
  was: { kind: OutcomeKind; claimedAt?: number; delayMs?: number };
}

export interface FindingReview {
  /** `<finding id>/review@<compact UTC>` for a decision, `<finding id>/explanation@<compact UTC>` for an explanation */
  id: string;
  findingId: string;
  incidentId: string;
  kind: ReviewKind;
  /** the person who decided or explained */
  by: string;
  /** the role they did it in (the reviewer role; for an explanation the role the finding names them in) */
  byRole: Role;
  /** a decision's reason, an explanation's text */
  reason: string;
  /** for 'correct' only */
  correction?: FindingCorrection;
  /** when it was decided or written (ms) */
  at: number;
}

export interface FindingReviewRow extends FindingReview {
  recordedAt: number;
}

/** A finding with its review records and the state they leave it in. */
export interface FindingWithReviews {
  finding: Finding;
  state: FindingState;
  /** every record about it (decisions and explanations), in order */
  reviews: FindingReviewRow[];
  /** the decision that set the state (none while never decided) */
  decision?: FindingReviewRow;
  /** the latest correction, in effect unless a later correction replaced it (an annulment suspends it, a reinstatement restores it) */
  correction?: FindingCorrection;
}

/** Records in the order they count: decision time, then recording order. */
const reviewOrder = (a: FindingReviewRow, b: FindingReviewRow) => a.at - b.at || a.recordedAt - b.recordedAt;

/**
 * A finding's current state from its records, pure: the latest decision counts (confirm → confirmed,
 * correct → corrected, annul → annulled, reinstate → open); explanations change nothing.
 */
export function deriveReviewState(finding: Finding, reviews: readonly FindingReviewRow[]): Omit<FindingWithReviews, 'finding'> {
  const mine = reviews.filter((r) => r.findingId === finding.id).sort(reviewOrder);
  if (finding.reviewState === 'notReviewed') return { state: 'notReviewed', reviews: mine };
  // a dismissal as not within the plan's scope annuls what it leaves by default: a reviewer may reinstate it
  let state: ReviewState = finding.marks?.annulledByDefault ? 'annulled' : 'open';
  let decision: FindingReviewRow | undefined;
  let correction: FindingCorrection | undefined;
  for (const r of mine) {
    if (r.kind === 'explanation') continue;
    decision = r;
    if (r.kind === 'confirm') state = 'confirmed';
    else if (r.kind === 'correct') { state = 'corrected'; correction = r.correction; }
    else if (r.kind === 'annul') state = 'annulled';
    else state = 'open';
  }
  return { state, reviews: mine, ...(decision ? { decision } : {}), ...(correction ? { correction } : {}) };
}

/** The ledger's review records; SqliteLedger implements it (a PostgreSQL ledger will too). */
export interface ReviewLedger {
  /**
   * Append one review record; the same id again is a no-op, the same id with other content a LedgerConflictError.
   * `after`: the id of the latest decision the caller judged against (null: none); if another decision was
   * recorded meanwhile, ReviewOutOfDateError and nothing is written. The finding must exist (UnknownFindingError).
   */
  recordReview(r: FindingReview, opts?: { after?: string | null }): Promise<{ inserted: boolean }>;
  listReviews(filter?: { findingId?: string; incidentId?: string }): Promise<FindingReviewRow[]>;
  /** Findings (of an incident, a unit, or one) with their records and derived state. */
  findingStates(filter?: { findingId?: string; incidentId?: string; unitId?: string }): Promise<FindingWithReviews[]>;
}

export const hasReviews = (l: object): l is ReviewLedger =>
  typeof (l as Partial<ReviewLedger>).recordReview === 'function' && typeof (l as Partial<ReviewLedger>).findingStates === 'function';

export { ReviewOutOfDateError, UnknownFindingError } from './errors';

/** An acknowledgement of an obligation's notices (v4), as the workflow records it: never meets the obligation. */
export type AcknowledgementRecord = AcknowledgementParams;

/** One loaded version of a unit's duty roster; kept for ever (the roster's history). */
export interface RosterVersionRow {
  planId: string;
  version: string;
  hash: string;
  effectiveFrom: number;
  body: unknown;
  loadedAt: number;
  loadedBy?: string;
}

export interface Ledger {
  /** Bring the schema up to date; safe to call on every start-up and from several processes. */
  migrate(): void | Promise<void>;
  /** Write one finding; the same id again is a no-op, the same id with other content a LedgerConflictError. */
  recordFinding(f: Finding): Promise<{ inserted: boolean }>;
  listFindings(filter?: { incidentId?: string; unitId?: string }): Promise<Finding[]>;
  recordEnding(e: EndingParams): Promise<{ inserted: boolean }>;
  listEndings(filter?: { incidentId?: string }): Promise<EndingRow[]>;
  /** Record a notice to send (status pending, due now); idempotent by id. */
  recordNotice(n: NoticeParams): Promise<{ inserted: boolean }>;
  /** Notices still pending about an obligation that is no longer pending are superseded, not sent. */
  settleNotices(incidentId: string, obligationId: string, reason: string): Promise<number>;
  /** Claim up to `limit` pending notices whose next attempt is due, for `leaseMs` (other dispatchers skip them). */
  claimNotices(now: number, limit: number, leaseMs: number): Promise<NoticeRow[]>;
  /** Record where a notice stands after an attempt, and release its claim. */
  updateNotice(id: string, change: Pick<NoticeRow, 'status' | 'attempts'> & Partial<Pick<NoticeRow, 'nextAttemptAt' | 'lastError' | 'deliveredAt'>>): Promise<void>;
  getNotice(id: string): Promise<NoticeRow | undefined>;
  listNotices(filter?: { incidentId?: string; status?: NoticeStatus }): Promise<NoticeRow[]>;
  /** Create the delivery rows a notice expands to (idempotent by id); returns each as stored (one already there as it stands). */
  ensureDeliveries(rows: DeliveryRow[]): Promise<DeliveryRow[]>;
  /** Where a notice stands (its status alone), or undefined for an unknown id. */
  noticeStatus(id: string): Promise<NoticeStatus | undefined>;
  updateDelivery(id: string, change: Partial<Pick<DeliveryRow, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt' | 'subject' | 'text'>>): Promise<void>;
  listDeliveries(filter?: { incidentId?: string; noticeId?: string }): Promise<DeliveryRow[]>;
  /** Put failed notices (one, or all of an incident) back in the queue, due now; returns how many. */
  redrive(filter: { noticeId?: string; incidentId?: string }, now: number): Promise<NoticeRow[]>;
  recordOutcome(o: Outcome): Promise<{ inserted: boolean }>;
  listOutcomes(filter?: { incidentId?: string; unitId?: string }): Promise<Outcome[]>;
  enqueueNotification(row: OutboxRow): Promise<{ inserted: boolean }>;
  listNotifications(filter?: { incidentId?: string; notificationId?: string }): Promise<OutboxRow[]>;
  markNotification(id: string, status: 'sent' | 'failed', error?: string): Promise<void>;
  recordAcknowledgement(a: AcknowledgementRecord): Promise<{ inserted: boolean }>;
  listAcknowledgements(filter?: { incidentId?: string }): Promise<AcknowledgementRecord[]>;
  /** Keep a roster version (idempotent by plan, version and content); a version number reused with other content is a conflict. */
  recordRoster(r: Omit<RosterVersionRow, 'loadedAt'>): Promise<{ inserted: boolean }>;
  /** Every version of a plan's roster, in the order they take effect. */
  listRosters(planId: string): Promise<RosterVersionRow[]>;
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
  {
    // Findings with every field a review needs; notices (structured, rendered at send time) and their
    // deliveries as two tables; how each incident ended. The v0 outcomes and notification_outbox stay readable.
    version: 3,
    name: 'findings_notices_deliveries',
    sql: `
      CREATE TABLE findings (
        id                   TEXT PRIMARY KEY,  -- incident/obligation-or-person/source
        incident_id          TEXT NOT NULL,
        unit_id              TEXT NOT NULL,
        source               TEXT NOT NULL,     -- timers | review:<kind>
        kind                 TEXT NOT NULL,
        obligation_id        TEXT,
        obligation_kind      TEXT,
        person_id            TEXT,
        person_name          TEXT,
        role                 TEXT NOT NULL,
        at                   TEXT NOT NULL,     -- when it became final
        claimed_at           TEXT,              -- the act it is about, as claimed
        act_recorded_at      TEXT,              -- and as recorded
        due_at               TEXT,
        delay_ms             INTEGER,
        rule_basis           TEXT,              -- rule | default
        rule_source          TEXT,              -- the citation
        binding              TEXT,              -- binding | target
        accountability_basis TEXT NOT NULL,
        grade                TEXT,
        grade_basis          TEXT,              -- assessed | computed
        pending_step         TEXT,
        ending               TEXT,
        plan_id              TEXT NOT NULL,
        plan_version         TEXT NOT NULL,
        plan_hash            TEXT NOT NULL,
        review_state         TEXT NOT NULL,     -- open | notReviewed; reviews are records of their own
        details              TEXT NOT NULL,
        recorded_by          TEXT,
        recorded_at          TEXT NOT NULL      -- when the ledger stored it
      );
      CREATE INDEX findings_incident ON findings (incident_id, at);
      CREATE INDEX findings_unit ON findings (unit_id, at);
      CREATE TABLE notices (
        id              TEXT PRIMARY KEY,  -- incident/kind/about/trigger
        incident_id     TEXT NOT NULL,
        unit_id         TEXT NOT NULL,
        kind            TEXT NOT NULL,
        about           TEXT NOT NULL,
        trigger_key     TEXT NOT NULL,
        obligation_id   TEXT,
        due_at          TEXT,
        payload         TEXT NOT NULL,     -- the structured notice (JSON)
        status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'superseded')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        claimed_until   TEXT,
        last_error      TEXT,
        delivered_at    TEXT,
        settled_reason  TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT
      );
      CREATE INDEX notices_incident ON notices (incident_id);
      CREATE INDEX notices_due ON notices (status, next_attempt_at) WHERE status = 'pending';
      CREATE INDEX notices_obligation ON notices (incident_id, obligation_id) WHERE status = 'pending';
      CREATE TABLE deliveries (
        id              TEXT PRIMARY KEY,  -- notice/destination/channel: the receiver's idempotency key
        notice_id       TEXT NOT NULL REFERENCES notices (id),
        incident_id     TEXT NOT NULL,
        destination     TEXT NOT NULL,
        person_id       TEXT,
        person_name     TEXT NOT NULL,
        channel         TEXT NOT NULL,
        address         TEXT,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'superseded')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error      TEXT,
        delivered_at    TEXT,
        subject         TEXT,
        text            TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT
      );
      CREATE INDEX deliveries_notice ON deliveries (notice_id);
      CREATE INDEX deliveries_incident ON deliveries (incident_id);
      CREATE TABLE endings (
        incident_id TEXT PRIMARY KEY,
        unit_id     TEXT NOT NULL,
        ending      TEXT NOT NULL,
        at          TEXT NOT NULL,
        reason      TEXT,
        by_person   TEXT,
        recorded_at TEXT NOT NULL
      );
    `,
  },
  {
    // Reviews of findings (复核) and the named person's explanations (申辩): append-only records of their own.
    // A finding is never edited: its current state is derived from these rows (see deriveReviewState).
    version: 4,
    name: 'finding_reviews',
    sql: `
      CREATE TABLE finding_reviews (
        id          TEXT PRIMARY KEY,  -- <finding id>/review@<compact UTC> | <finding id>/explanation@<compact UTC>
        finding_id  TEXT NOT NULL REFERENCES findings (id),
        incident_id TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('confirm', 'correct', 'annul', 'reinstate', 'explanation')),
        by_person   TEXT NOT NULL,
        by_role     TEXT NOT NULL,     -- the reviewer's role (officeDirector …), the named person's role for an explanation
        reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),  -- a decision's reason, an explanation's text
        correction  TEXT,              -- JSON, for 'correct' only: the corrected values and what they were
        at          TEXT NOT NULL,     -- when it was decided (ISO 8601, UTC)
        recorded_at TEXT NOT NULL,     -- when the ledger stored it
        CHECK ((kind = 'correct') = (correction IS NOT NULL))
      );
      CREATE INDEX finding_reviews_finding ON finding_reviews (finding_id, at);
      CREATE INDEX finding_reviews_incident ON finding_reviews (incident_id, at);
      CREATE TRIGGER finding_reviews_no_update BEFORE UPDATE ON finding_reviews
      BEGIN SELECT RAISE(ABORT, 'finding_reviews is append-only: record a new review instead'); END;
      CREATE TRIGGER finding_reviews_no_delete BEFORE DELETE ON finding_reviews
      BEGIN SELECT RAISE(ABORT, 'finding_reviews is append-only: record a new review instead'); END;
    `,
  },
  {
    // v3 findings carry marks the reviewer needs (grade not assessed, owner not named, annulled by default, the line).
    version: 5,
    name: 'finding_marks',
    sql: `
      ALTER TABLE findings ADD COLUMN marks TEXT;  -- JSON (FindingMarks), NULL for findings without marks
    `,
  },
  {
    // v4: who acknowledged an obligation's notices (the owner: their reminders stop; above the owner: the climb
    // stops), and every duty roster (值班表) version loaded, so who was on duty when can be answered later.
    version: 6,
    name: 'acknowledgements_rosters',
    sql: `
      CREATE TABLE acknowledgements (
        id            TEXT PRIMARY KEY,  -- incident/obligation/ack/person
        incident_id   TEXT NOT NULL,
        unit_id       TEXT NOT NULL,
        obligation_id TEXT NOT NULL,
        person_id     TEXT NOT NULL,
        person_name   TEXT NOT NULL,
        role          TEXT NOT NULL,
        scope         TEXT NOT NULL CHECK (scope IN ('owner', 'policy')),
        at            TEXT NOT NULL,
        note          TEXT,
        recorded_at   TEXT NOT NULL
      );
      CREATE INDEX acknowledgements_incident ON acknowledgements (incident_id);
      CREATE TRIGGER acknowledgements_no_update BEFORE UPDATE ON acknowledgements
      BEGIN SELECT RAISE(ABORT, 'acknowledgements is append-only'); END;
      CREATE TABLE rosters (
        id             TEXT PRIMARY KEY,  -- plan/version/hash
        plan_id        TEXT NOT NULL,
        version        TEXT NOT NULL,
        hash           TEXT NOT NULL,
        effective_from TEXT NOT NULL,
        body           TEXT NOT NULL,     -- the validated roster, JSON
        loaded_at      TEXT NOT NULL,
        loaded_by      TEXT
      );
      CREATE INDEX rosters_plan ON rosters (plan_id, effective_from);
      CREATE TRIGGER rosters_no_update BEFORE UPDATE ON rosters
      BEGIN SELECT RAISE(ABORT, 'rosters is append-only: load a new version'); END;
    `,
  },
  {
    // the rules version (docs/versioning.md) that produced a finding, beside its plan's id, version and hash, so a
    // later rule change can be audited; NULL for findings recorded before it was kept
    version: 7,
    name: 'finding_rules_version',
    sql: `
      ALTER TABLE findings ADD COLUMN plan_rules INTEGER;
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

function whereOf(filter: Record<string, string | undefined>): { where: string; args: Sql[] } {
  const parts: string[] = [];
  const args: Sql[] = [];
  for (const [col, v] of Object.entries(filter)) {
    if (v === undefined) continue;
    parts.push(`${col} = ?`);
    args.push(v);
  }
  return { where: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', args };
}

const ms = (v: string | null): number | undefined => (v === null ? undefined : Date.parse(v));

type FindingDbRow = Record<string, Sql> & { id: string };
/** A finding's content: everything but the ledger's own recording time. */
const FINDING_CONTENT = [
  'incident_id', 'unit_id', 'source', 'kind', 'obligation_id', 'obligation_kind', 'person_id', 'person_name', 'role', 'at',
  'claimed_at', 'act_recorded_at', 'due_at', 'delay_ms', 'rule_basis', 'rule_source', 'binding', 'accountability_basis', 'grade',
  'grade_basis', 'pending_step', 'ending', 'plan_id', 'plan_version', 'plan_hash', 'plan_rules', 'review_state', 'details', 'recorded_by', 'marks',
];
const isoOpt = (v: number | undefined, field: string) => (v === undefined ? null : iso(v, field));

function findingToRow(f: Finding): FindingDbRow {
  return {
    id: f.id, incident_id: f.incidentId, unit_id: f.unitId, source: f.source, kind: f.kind,
    obligation_id: nul(f.obligationId), obligation_kind: nul(f.obligationKind), person_id: nul(f.personId), person_name: nul(f.personName),
    role: f.role, at: iso(f.at, 'at'), claimed_at: isoOpt(f.claimedAt, 'claimedAt'), act_recorded_at: isoOpt(f.recordedAt, 'recordedAt'),
    due_at: isoOpt(f.dueAt, 'dueAt'), delay_ms: nul(f.delayMs), rule_basis: f.rule?.basis ?? null, rule_source: f.rule?.source ?? null,
    binding: nul(f.binding), accountability_basis: f.accountabilityBasis, grade: nul(f.grade), grade_basis: nul(f.gradeBasis),
    pending_step: nul(f.pendingStep), ending: nul(f.ending), plan_id: f.plan.id, plan_version: f.plan.version, plan_hash: f.plan.hash,
    plan_rules: nul(f.plan.rules),
    review_state: f.reviewState, details: f.details, recorded_by: nul(f.recordedBy),
    marks: f.marks ? JSON.stringify(f.marks) : null,
  };
}

function rowToFinding(r: FindingDbRow): Finding {
  const str = (k: string) => (r[k] === null ? undefined : String(r[k]));
  const f: Finding = {
    id: r.id, incidentId: String(r.incident_id), unitId: String(r.unit_id), source: String(r.source) as Finding['source'],
    kind: String(r.kind) as OutcomeKind, role: String(r.role) as Role, at: Date.parse(String(r.at)),
    accountabilityBasis: String(r.accountability_basis),
    plan: {
      id: String(r.plan_id), version: String(r.plan_version), hash: String(r.plan_hash),
      ...(r.plan_rules === null || r.plan_rules === undefined ? {} : { rules: Number(r.plan_rules) }),
    },
    reviewState: String(r.review_state) as Finding['reviewState'], details: String(r.details),
  };
  const opt: Array<[keyof Finding, unknown]> = [
    ['obligationId', str('obligation_id')], ['obligationKind', str('obligation_kind')], ['personId', str('person_id')],
    ['personName', str('person_name')], ['claimedAt', ms(r.claimed_at as string | null)], ['recordedAt', ms(r.act_recorded_at as string | null)],
    ['dueAt', ms(r.due_at as string | null)], ['delayMs', r.delay_ms === null ? undefined : Number(r.delay_ms)],
    ['binding', str('binding')], ['grade', str('grade')], ['gradeBasis', str('grade_basis')], ['pendingStep', str('pending_step')],
    ['ending', str('ending')], ['recordedBy', str('recorded_by')],
  ];
  for (const [k, v] of opt) if (v !== undefined) (f as unknown as Record<string, unknown>)[k] = v;
  if (r.rule_basis !== null) f.rule = { basis: String(r.rule_basis) as 'rule' | 'default', source: String(r.rule_source) };
  if (r.marks !== null && r.marks !== undefined) f.marks = JSON.parse(String(r.marks)) as FindingMarks;
  return f;
}

interface NoticeDbRow {
  id: string; incident_id: string; unit_id: string; kind: string; about: string; trigger_key: string; obligation_id: string | null;
  due_at: string | null; payload: string; status: string; attempts: number; next_attempt_at: string | null; claimed_until: string | null;
  last_error: string | null; delivered_at: string | null; settled_reason: string | null; created_at: string; updated_at: string | null;
}

function rowToNotice(r: NoticeDbRow): NoticeRow {
  const n: NoticeRow = {
    id: r.id, incidentId: r.incident_id, unitId: r.unit_id, kind: r.kind, notice: JSON.parse(r.payload) as NoticeParams,
    status: r.status as NoticeStatus, attempts: r.attempts, createdAt: Date.parse(r.created_at),
  };
  if (r.obligation_id !== null) n.obligationId = r.obligation_id;
  const opt: Array<[keyof NoticeRow, unknown]> = [
    ['dueAt', ms(r.due_at)], ['nextAttemptAt', ms(r.next_attempt_at)], ['claimedUntil', ms(r.claimed_until)],
    ['lastError', r.last_error ?? undefined], ['deliveredAt', ms(r.delivered_at)], ['settledReason', r.settled_reason ?? undefined],
    ['updatedAt', ms(r.updated_at)],
  ];
  for (const [k, v] of opt) if (v !== undefined) (n as unknown as Record<string, unknown>)[k] = v;
  return n;
}

interface DeliveryDbRow {
  id: string; notice_id: string; incident_id: string; destination: string; person_id: string | null; person_name: string; channel: string;
  address: string | null; status: string; attempts: number; next_attempt_at: string | null; last_error: string | null; delivered_at: string | null;
  subject: string | null; text: string | null; created_at: string; updated_at: string | null;
}

function rowToDelivery(r: DeliveryDbRow): DeliveryRow {
  const d: DeliveryRow = {
    id: r.id, noticeId: r.notice_id, incidentId: r.incident_id, destination: r.destination, personName: r.person_name, channel: r.channel,
    status: r.status as DeliveryStatus, attempts: r.attempts, createdAt: Date.parse(r.created_at),
  };
  const opt: Array<[keyof DeliveryRow, unknown]> = [
    ['personId', r.person_id ?? undefined], ['address', r.address ?? undefined], ['nextAttemptAt', ms(r.next_attempt_at)],
    ['lastError', r.last_error ?? undefined], ['deliveredAt', ms(r.delivered_at)], ['subject', r.subject ?? undefined],
    ['text', r.text ?? undefined], ['updatedAt', ms(r.updated_at)],
  ];
  for (const [k, v] of opt) if (v !== undefined) (d as unknown as Record<string, unknown>)[k] = v;
  return d;
}

// ── review rows ──

interface ReviewDbRow {
  id: string; finding_id: string; incident_id: string; kind: string; by_person: string; by_role: string; reason: string;
  correction: string | null; at: string; recorded_at: string;
}
const REVIEW_CONTENT: (keyof ReviewDbRow)[] = ['finding_id', 'incident_id', 'kind', 'by_person', 'by_role', 'reason', 'correction', 'at'];

function correctionToJson(c: FindingCorrection): string {
  const t = (v: number | undefined, f: string) => (v === undefined ? undefined : iso(v, f));
  return JSON.stringify({
    kind: c.kind, claimedAt: t(c.claimedAt, 'correction.claimedAt'), delayMs: c.delayMs,
    was: { kind: c.was.kind, claimedAt: t(c.was.claimedAt, 'correction.was.claimedAt'), delayMs: c.was.delayMs },
  });
}

function correctionFromJson(text: string): FindingCorrection {
  const j = JSON.parse(text) as { kind: OutcomeKind; claimedAt?: string; delayMs?: number; was: { kind: OutcomeKind; claimedAt?: string; delayMs?: number } };
  const opt = (o: { claimedAt?: string; delayMs?: number }) => ({
    ...(o.claimedAt !== undefined ? { claimedAt: Date.parse(o.claimedAt) } : {}), ...(o.delayMs !== undefined ? { delayMs: o.delayMs } : {}),
  });
  return { kind: j.kind, ...opt(j), was: { kind: j.was.kind, ...opt(j.was) } };
}

function reviewToRow(r: FindingReview): Omit<ReviewDbRow, 'recorded_at'> {
  return {
    id: r.id, finding_id: r.findingId, incident_id: r.incidentId, kind: r.kind, by_person: r.by, by_role: r.byRole, reason: r.reason,
    correction: r.correction ? correctionToJson(r.correction) : null, at: iso(r.at, 'at'),
  };
}

function rowToReview(r: ReviewDbRow): FindingReviewRow {
  return {
    id: r.id, findingId: r.finding_id, incidentId: r.incident_id, kind: r.kind as ReviewKind, by: r.by_person, byRole: r.by_role as Role,
    reason: r.reason, ...(r.correction !== null ? { correction: correctionFromJson(r.correction) } : {}), at: Date.parse(r.at),
    recordedAt: Date.parse(r.recorded_at),
  };
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
  /** prepared statements by their text (the texts are a fixed set: queries are built from fixed column lists) */
  private readonly statements = new Map<string, Database.Statement>();
  /** delivery updates waiting for the next group commit (see updateDelivery) */
  private pendingUpdates: Array<{ id: string; sql: string; args: Sql[]; done: (err?: Error) => void }> = [];

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

  /** A prepared statement, prepared once per text. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      // a safety valve only: every text comes from a fixed set of shapes
      if (this.statements.size >= 500) this.statements.clear();
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  /** The highest applied migration, 0 for an empty database. */
  schemaVersion(): number {
    const exists = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (!exists) return 0;
    const row = this.sql('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
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
        const stored = this.sql('SELECT * FROM outcomes WHERE id = ?').get(row.id) as OutcomeRow;
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
    return (this.sql(sql).all(...args) as OutcomeRow[]).map(rowToOutcome);
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
        const stored = this.sql('SELECT * FROM notification_outbox WHERE id = ?').get(row.id) as OutboxDbRow;
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
    return (this.sql(sql).all(...args) as OutboxDbRow[]).map(rowToOutbox);
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

  // ── findings ──

  async recordFinding(f: Finding): Promise<{ inserted: boolean }> {
    const row = findingToRow(f);
    return this.insertOnce('findings', row, FINDING_CONTENT, { recorded_at: iso(this.clock(), 'recorded_at') });
  }

  async listFindings(filter: { incidentId?: string; unitId?: string } = {}): Promise<Finding[]> {
    const { where, args } = whereOf({ incident_id: filter.incidentId, unit_id: filter.unitId });
    return (this.sql(`SELECT * FROM findings${where} ORDER BY at, rowid`).all(...args) as FindingDbRow[]).map(rowToFinding);
  }

  // ── endings ──

  async recordEnding(e: EndingParams): Promise<{ inserted: boolean }> {
    const row = { incident_id: e.incidentId, unit_id: e.unitId, ending: e.ending, at: iso(e.at, 'at'), reason: nul(e.reason), by_person: nul(e.by) };
    return this.insertOnce('endings', { id: e.incidentId, ...row }, ['unit_id', 'ending', 'at', 'reason', 'by_person'], { recorded_at: iso(this.clock(), 'recorded_at') }, 'incident_id');
  }

  async listEndings(filter: { incidentId?: string } = {}): Promise<EndingRow[]> {
    const { where, args } = whereOf({ incident_id: filter.incidentId });
    return (this.sql(`SELECT * FROM endings${where} ORDER BY rowid`).all(...args) as Record<string, string | null>[]).map((r) => ({
      incidentId: r.incident_id!, unitId: r.unit_id!, ending: r.ending as EndingRow['ending'], at: Date.parse(r.at!),
      ...(r.reason !== null ? { reason: r.reason } : {}), ...(r.by_person !== null ? { by: r.by_person } : {}),
      recordedAt: Date.parse(r.recorded_at!),
    }));
  }

  // ── reviews (复核) and explanations (申辩) ──

  async recordReview(r: FindingReview, opts: { after?: string | null } = {}): Promise<{ inserted: boolean }> {
    if (!(REVIEW_KINDS as readonly string[]).includes(r.kind)) throw new RangeError(`kind: not a review kind: ${String(r.kind)}`);
    const row = reviewToRow(r);
    return this.db.transaction(() => {
      const stored = this.sql('SELECT * FROM finding_reviews WHERE id = ?').get(row.id) as ReviewDbRow | undefined;
      if (stored) {
        const diff = REVIEW_CONTENT.filter((c) => stored[c] !== row[c as keyof typeof row]);
        if (diff.length > 0) throw new LedgerConflictError('finding_reviews', row.id, diff);
        return { inserted: false };
      }
      if (!this.sql('SELECT 1 FROM findings WHERE id = ?').get(row.finding_id)) throw new UnknownFindingError(row.finding_id);
      if (opts.after !== undefined) {
        const latest = this.sql(
          `SELECT id FROM finding_reviews WHERE finding_id = ? AND kind <> 'explanation' ORDER BY at DESC, recorded_at DESC, rowid DESC LIMIT 1`,
        ).get(row.finding_id) as { id: string } | undefined;
        if ((latest?.id ?? null) !== opts.after) throw new ReviewOutOfDateError(row.finding_id, opts.after, latest?.id ?? null);
      }
      this.sql(
        `INSERT INTO finding_reviews (id, finding_id, incident_id, kind, by_person, by_role, reason, correction, at, recorded_at)
         VALUES (@id, @finding_id, @incident_id, @kind, @by_person, @by_role, @reason, @correction, @at, @recorded_at)`,
      ).run({ ...row, recorded_at: iso(this.clock(), 'recorded_at') });
      return { inserted: true };
    }).immediate();
  }

  async listReviews(filter: { findingId?: string; incidentId?: string } = {}): Promise<FindingReviewRow[]> {
    const { where, args } = whereOf({ finding_id: filter.findingId, incident_id: filter.incidentId });
    return (this.sql(`SELECT * FROM finding_reviews${where} ORDER BY at, recorded_at, rowid`).all(...args) as ReviewDbRow[]).map(rowToReview);
  }

  async findingStates(filter: { findingId?: string; incidentId?: string; unitId?: string } = {}): Promise<FindingWithReviews[]> {
    const { where, args } = whereOf({ id: filter.findingId, incident_id: filter.incidentId, unit_id: filter.unitId });
    const findings = (this.sql(`SELECT * FROM findings${where} ORDER BY at, rowid`).all(...args) as FindingDbRow[]).map(rowToFinding);
    if (findings.length === 0) return [];
    const r = whereOf({ finding_id: filter.findingId, incident_id: filter.incidentId });
    const reviews = (this.sql(`SELECT * FROM finding_reviews${r.where} ORDER BY at, recorded_at, rowid`).all(...r.args) as ReviewDbRow[]).map(rowToReview);
    const byFinding = new Map<string, FindingReviewRow[]>();
    for (const x of reviews) byFinding.set(x.findingId, [...(byFinding.get(x.findingId) ?? []), x]);
    return findings.map((finding) => ({ finding, ...deriveReviewState(finding, byFinding.get(finding.id) ?? []) }));
  }

  // ── notices and deliveries ──

  async recordNotice(n: NoticeParams): Promise<{ inserted: boolean }> {
    const created = iso(n.createdAt, 'createdAt');
    const row = {
      id: n.noticeId, incident_id: n.incidentId, unit_id: n.unitId, kind: n.kind, about: n.about, trigger_key: n.trigger,
      obligation_id: nul(n.obligationId), due_at: n.dueAt === undefined ? null : iso(n.dueAt, 'dueAt'),
    };
    // Content is what the id means: a retry after a deploy may carry a differently shaped payload, and is the same notice.
    return this.insertOnce('notices', row, ['incident_id', 'unit_id', 'kind', 'about', 'trigger_key'], {
      payload: JSON.stringify(n), status: 'pending', attempts: 0, next_attempt_at: created, created_at: created,
    });
  }

  async settleNotices(incidentId: string, obligationId: string, reason: string): Promise<number> {
    const at = iso(this.clock(), 'updated_at');
    return this.db.transaction(() => {
      const pending = `SELECT id FROM notices WHERE incident_id = ? AND obligation_id = ? AND status = 'pending' AND kind IN ('assigned', 'reminder', 'overdue')`;
      // Their deliveries not yet made are not made either.
      this.sql(`UPDATE deliveries SET status = 'superseded', updated_at = ? WHERE status = 'pending' AND notice_id IN (${pending})`).run(at, incidentId, obligationId);
      const info = this.sql(
        `UPDATE notices SET status = 'superseded', settled_reason = ?, updated_at = ? WHERE id IN (${pending})`,
      ).run(reason, at, incidentId, obligationId);
      return info.changes;
    }).immediate();
  }

  async claimNotices(now: number, limit: number, leaseMs: number): Promise<NoticeRow[]> {
    const at = iso(now, 'now');
    return this.db.transaction(() => {
      const rows = this.sql(
        `SELECT * FROM notices WHERE status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
          ORDER BY next_attempt_at, rowid LIMIT ?`,
      ).all(at, at, limit) as NoticeDbRow[];
      const claim = this.sql('UPDATE notices SET claimed_until = ? WHERE id = ?');
      const until = iso(now + leaseMs, 'claimed_until');
      for (const r of rows) { claim.run(until, r.id); r.claimed_until = until; }
      return rows.map(rowToNotice);
    }).immediate();
  }

  async updateNotice(id: string, c: Pick<NoticeRow, 'status' | 'attempts'> & Partial<Pick<NoticeRow, 'nextAttemptAt' | 'lastError' | 'deliveredAt'>>): Promise<void> {
    const info = this.sql(
      `UPDATE notices SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?, claimed_until = NULL, updated_at = ?
        WHERE id = ? AND status <> 'superseded'`,
    ).run(c.status, c.attempts, c.nextAttemptAt === undefined ? null : iso(c.nextAttemptAt, 'nextAttemptAt'), nul(c.lastError),
      c.deliveredAt === undefined ? null : iso(c.deliveredAt, 'deliveredAt'), iso(this.clock(), 'updated_at'), id);
    if (info.changes === 0 && !(await this.getNotice(id))) throw new UnknownNotificationError(id);
  }

  async getNotice(id: string): Promise<NoticeRow | undefined> {
    const r = this.sql('SELECT * FROM notices WHERE id = ?').get(id) as NoticeDbRow | undefined;
    return r && rowToNotice(r);
  }

  async listNotices(filter: { incidentId?: string; status?: NoticeStatus } = {}): Promise<NoticeRow[]> {
    const { where, args } = whereOf({ incident_id: filter.incidentId, status: filter.status });
    return (this.sql(`SELECT * FROM notices${where} ORDER BY created_at, rowid`).all(...args) as NoticeDbRow[]).map(rowToNotice);
  }

  async ensureDeliveries(rows: DeliveryRow[]): Promise<DeliveryRow[]> {
    const insert = this.sql(
      `INSERT INTO deliveries (id, notice_id, incident_id, destination, person_id, person_name, channel, address, status, attempts, created_at)
       VALUES (@id, @notice_id, @incident_id, @destination, @person_id, @person_name, @channel, @address, 'pending', 0, @created_at)
       ON CONFLICT (id) DO NOTHING`,
    );
    const existing = this.sql('SELECT * FROM deliveries WHERE id = ?');
    return this.db.transaction(() => rows.map((d): DeliveryRow => {
      const createdAt = iso(d.createdAt, 'createdAt');
      const { changes } = insert.run({
        id: d.id, notice_id: d.noticeId, incident_id: d.incidentId, destination: d.destination, person_id: nul(d.personId),
        person_name: d.personName, channel: d.channel, address: nul(d.address), created_at: createdAt,
      });
      // (a new row is what was just written; one already there is read back as it stands)
      if (changes === 0) return rowToDelivery(existing.get(d.id) as DeliveryDbRow);
      return {
        id: d.id, noticeId: d.noticeId, incidentId: d.incidentId, destination: d.destination, ...(d.personId !== undefined ? { personId: d.personId } : {}),
        personName: d.personName, channel: d.channel, ...(d.address !== undefined ? { address: d.address } : {}), status: 'pending', attempts: 0,
        createdAt: Date.parse(createdAt),
      };
    })).immediate();
  }

  async noticeStatus(id: string): Promise<NoticeStatus | undefined> {
    const r = this.sql('SELECT status FROM notices WHERE id = ?').get(id) as { status: NoticeStatus } | undefined;
    return r?.status;
  }

  async updateDelivery(id: string, c: Partial<Pick<DeliveryRow, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt' | 'subject' | 'text'>>): Promise<void> {
    const sets: string[] = [];
    const args: Sql[] = [];
    const col: Record<string, string> = { status: 'status', attempts: 'attempts', nextAttemptAt: 'next_attempt_at', lastError: 'last_error', deliveredAt: 'delivered_at', subject: 'subject', text: 'text' };
    for (const [k, v] of Object.entries(c)) {
      sets.push(`${col[k]} = ?`);
      args.push(v === undefined ? null : k === 'nextAttemptAt' || k === 'deliveredAt' ? iso(v as number, k) : (v as Sql));
    }
    sets.push('updated_at = ?');
    args.push(iso(this.clock(), 'updated_at'));
    // Group commit: the updates made in one turn of the event loop (a dispatcher round sends many deliveries at once)
    // are written in one transaction, one sync to disk instead of one each. Each caller still resumes only once its row
    // is committed, so a delivery marked delivered is on disk before the dispatcher moves on.
    const sql = `UPDATE deliveries SET ${sets.join(', ')} WHERE id = ?`;
    await new Promise<void>((resolve, reject) => {
      this.pendingUpdates.push({ id, sql, args: [...args, id], done: (err) => (err ? reject(err) : resolve()) });
      if (this.pendingUpdates.length === 1) setImmediate(() => this.flushUpdates());
    });
  }

  /** Commit the waiting delivery updates together; if that fails, each on its own (one bad row sinks no other). */
  private flushUpdates() {
    const batch = this.pendingUpdates;
    this.pendingUpdates = [];
    if (!batch.length) return;
    const runOne = (u: (typeof batch)[number]) => {
      if (this.sql(u.sql).run(...u.args).changes === 0) throw new UnknownNotificationError(u.id);
    };
    let unknown: Set<string>;
    try {
      unknown = this.db.transaction(() => {
        const missing = new Set<string>();
        for (const u of batch) if (this.sql(u.sql).run(...u.args).changes === 0) missing.add(u.id);
        return missing;
      }).immediate();
    } catch {
      for (const u of batch) {
        try {
          runOne(u);
          u.done();
        } catch (err) {
          u.done(err as Error);
        }
      }
      return;
    }
    for (const u of batch) u.done(unknown.has(u.id) ? new UnknownNotificationError(u.id) : undefined);
  }

  async listDeliveries(filter: { incidentId?: string; noticeId?: string } = {}): Promise<DeliveryRow[]> {
    const { where, args } = whereOf({ incident_id: filter.incidentId, notice_id: filter.noticeId });
    return (this.sql(`SELECT * FROM deliveries${where} ORDER BY created_at, rowid`).all(...args) as DeliveryDbRow[]).map(rowToDelivery);
  }

  async redrive(filter: { noticeId?: string; incidentId?: string }, now: number): Promise<NoticeRow[]> {
    if (!filter.noticeId && !filter.incidentId) throw new RangeError('redrive: name a notice or an incident');
    const { where, args } = whereOf({ id: filter.noticeId, incident_id: filter.incidentId, status: 'failed' });
    return this.db.transaction(() => {
      const rows = this.sql(`SELECT * FROM notices${where}`).all(...args) as NoticeDbRow[];
      const at = iso(now, 'now');
      for (const r of rows) {
        this.sql(`UPDATE notices SET status = 'pending', next_attempt_at = ?, claimed_until = NULL, updated_at = ? WHERE id = ?`).run(at, at, r.id);
        this.sql(`UPDATE deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE notice_id = ? AND status = 'failed'`).run(at, at, r.id);
      }
      return rows.map((r) => rowToNotice({ ...r, status: 'pending', next_attempt_at: at }));
    }).immediate();
  }

  /** Insert a row unless its id exists; the same id with other content is a LedgerConflictError. */
  // ── acknowledgements and rosters (v4) ──

  async recordAcknowledgement(a: AcknowledgementRecord): Promise<{ inserted: boolean }> {
    const row = {
      id: a.id, incident_id: a.incidentId, unit_id: a.unitId, obligation_id: a.obligationId, person_id: a.personId, person_name: a.personName,
      role: a.role, scope: a.scope, at: iso(a.at, 'at'), note: nul(a.note),
    };
    return this.insertOnce('acknowledgements', row, ['incident_id', 'obligation_id', 'person_id', 'scope', 'at'], { recorded_at: iso(this.clock(), 'recorded_at') });
  }

  async listAcknowledgements(filter: { incidentId?: string } = {}): Promise<AcknowledgementRecord[]> {
    const { where, args } = whereOf({ incident_id: filter.incidentId });
    return (this.sql(`SELECT * FROM acknowledgements${where} ORDER BY at, rowid`).all(...args) as Record<string, string | null>[]).map((r) => ({
      id: r.id!, incidentId: r.incident_id!, unitId: r.unit_id!, obligationId: r.obligation_id!, personId: r.person_id!, personName: r.person_name!,
      role: r.role as Role, scope: r.scope as 'owner' | 'policy', at: Date.parse(r.at!), ...(r.note !== null ? { note: r.note } : {}),
    }));
  }

  async recordRoster(r: Omit<RosterVersionRow, 'loadedAt'>): Promise<{ inserted: boolean }> {
    const row = {
      id: `${r.planId}/${r.version}`, plan_id: r.planId, version: r.version, hash: r.hash, effective_from: iso(r.effectiveFrom, 'effectiveFrom'),
      body: JSON.stringify(r.body), loaded_by: nul(r.loadedBy),
    };
    return this.insertOnce('rosters', row, ['plan_id', 'version', 'hash'], { loaded_at: iso(this.clock(), 'loaded_at') });
  }

  async listRosters(planId: string): Promise<RosterVersionRow[]> {
    return (this.sql('SELECT * FROM rosters WHERE plan_id = ? ORDER BY effective_from, rowid').all(planId) as Record<string, string | null>[]).map((r) => ({
      planId: r.plan_id!, version: r.version!, hash: r.hash!, effectiveFrom: Date.parse(r.effective_from!), body: JSON.parse(r.body!),
      loadedAt: Date.parse(r.loaded_at!), ...(r.loaded_by !== null ? { loadedBy: r.loaded_by } : {}),
    }));
  }

  private insertOnce(table: string, row: Record<string, Sql>, content: string[], extra: Record<string, Sql>, idColumn = 'id'): { inserted: boolean } {
    const { id, ...rest } = row;
    const all = { ...(idColumn === 'id' ? { id } : {}), ...rest, ...extra };
    const cols = Object.keys(all);
    return this.db.transaction(() => {
      const info = this.sql(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')}) ON CONFLICT (${idColumn}) DO NOTHING`).run(all);
      if (info.changes === 1) return { inserted: true };
      const stored = this.sql(`SELECT * FROM ${table} WHERE ${idColumn} = ?`).get(id) as Record<string, Sql>;
      const diff = content.filter((c) => stored[c] !== (row as Record<string, Sql>)[c]);
      if (diff.length > 0) throw new LedgerConflictError(table, String(id), diff);
      return { inserted: false };
    }).immediate();
  }

  async close(): Promise<void> {
    this.flushUpdates();
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

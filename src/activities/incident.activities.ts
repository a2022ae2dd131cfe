/**
 * The incident's side effects as Temporal activities: write findings, endings and notices to the ledger.
 * None of them delivers anything: the dispatcher (src/delivery) sends notices on its own path, so an update
 * waits for the ledger, never for a mail server. Dependencies come in through createActivities; workflows
 * import only `type IncidentActivities`.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EndingParams, Finding, NoticeParams, Outcome, SettleNoticesParams } from '../machines/effects';
import { LedgerConflictError } from './errors';
import type { AcknowledgementRecord, Ledger } from './ledger';

/** The part of Temporal's Logger the activities use. */
export interface ActivityLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface ActivityDeps {
  ledger: Ledger;
  /** used outside an activity context (inside one, Context.current().log is used) */
  log?: ActivityLogger;
  /** told after new notices were recorded (the worker wakes its dispatcher: no wait for the next poll) */
  onNoticesRecorded?: () => void;
}

/** What one step of an incident writes (v1): its findings, the notices it wants sent, notices made moot, its ending. */
export interface StepRecords {
  findings: Finding[];
  notices: NoticeParams[];
  settled: SettleNoticesParams[];
  ending?: EndingParams;
  /** v4: acknowledgements of an obligation's notices */
  acknowledgements?: AcknowledgementRecord[];
}

/** A v0 notification as running v0 incidents still send it: rendered text, an unscoped id. */
interface LegacyNotification {
  notificationId: string;
  incidentId: string;
  unitId: string;
  kind: string;
  obligationId?: string;
  recipients: NoticeParams['recipients'];
  subject: string;
  text: string;
}

const consoleLogger: ActivityLogger = {
  info: (m, meta) => console.info(m, meta ?? ''),
  warn: (m, meta) => console.warn(m, meta ?? ''),
  error: (m, meta) => console.error(m, meta ?? ''),
};

/** A v0 notification as a notice: its id scoped to the incident, its text kept as written. */
export function legacyNotice(p: LegacyNotification, createdAt: number): NoticeParams & { legacy: { subject: string; text: string } } {
  return {
    noticeId: `${p.incidentId}/legacy/${p.notificationId}`, incidentId: p.incidentId, unitId: p.unitId,
    kind: p.kind === 'overdue' || p.kind === 'reminder' || p.kind === 'assigned' ? p.kind : p.kind === 'escalation' ? 'regrade' : 'referral',
    about: p.obligationId ?? p.notificationId, trigger: 'v0', obligationId: p.obligationId, roles: [], recipients: p.recipients, facts: {},
    incident: { title: '', unitName: '', timeZone: 'Asia/Shanghai', language: 'zh', planId: '' },
    createdAt, legacy: { subject: p.subject, text: p.text },
  };
}

export function createActivities({ ledger, log, onNoticesRecorded }: ActivityDeps) {
  const fallback = log ?? consoleLogger;
  const logger = (): ActivityLogger => {
    try {
      return Context.current().log;
    } catch {
      return fallback; // called outside an activity (a script, a plain unit test)
    }
  };
  /** Retrying cannot fix a content conflict: fail the activity for good, under the error's name. */
  const conflictsAreFinal = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof LedgerConflictError) {
        throw ApplicationFailure.create({
          message: err.message, type: err.name, nonRetryable: true, details: [{ table: err.table, id: err.id, fields: err.fields }], cause: err,
        });
      }
      throw err;
    }
  };

  return {
    /** v1: everything one step writes, in one activity; a retry writes nothing twice. */
    async recordStep(step: StepRecords): Promise<{ findings: number; notices: number; settled: number }> {
      return conflictsAreFinal(async () => {
        let findings = 0;
        let notices = 0;
        let settled = 0;
        for (const f of step.findings) if ((await ledger.recordFinding(f)).inserted) findings++;
        for (const n of step.notices) if ((await ledger.recordNotice(n)).inserted) notices++;
        for (const s of step.settled) settled += await ledger.settleNotices(s.incidentId, s.obligationId, s.reason);
        if (step.ending) await ledger.recordEnding(step.ending);
        for (const a of step.acknowledgements ?? []) await ledger.recordAcknowledgement(a);
        logger().info('step recorded', { findings, notices, settled, ending: step.ending?.ending });
        if (notices > 0) onNoticesRecorded?.();
        return { findings, notices, settled };
      });
    },

    /** One accountability record (v0 interpreter); a retry of the same record is a no-op. */
    async recordOutcome(p: { finding?: Finding; outcome?: Outcome }): Promise<{ inserted: boolean }> {
      return conflictsAreFinal(async () => {
        if (p.finding) return ledger.recordFinding(p.finding);
        if (p.outcome) return ledger.recordOutcome(p.outcome);
        throw ApplicationFailure.create({ message: 'recordOutcome: neither a finding nor an outcome', type: 'InvalidPayload', nonRetryable: true });
      });
    },

    /**
     * The v0 interpreter's notify: now it only records the notice for the dispatcher (fast, no delivery),
     * whether it comes as a structured notice or as a v0 notification with its text.
     */
    async notify(p: NoticeParams | LegacyNotification): Promise<{ queued: number }> {
      return conflictsAreFinal(async () => {
        const notice = 'noticeId' in p ? p : legacyNotice(p, Date.now());
        const { inserted } = await ledger.recordNotice(notice);
        if (inserted) onNoticesRecorded?.();
        return { queued: inserted ? 1 : 0 };
      });
    },

    /** Who asked for a cancellation and why, read from the workflow's history (the SDK does not hand it over). */
    async cancellationRequest(p: { workflowId: string; runId: string }): Promise<{ reason?: string; identity?: string }> {
      const history = await Context.current().client.workflow.getHandle(p.workflowId, p.runId).fetchHistory();
      const event = [...(history.events ?? [])].reverse().find((e) => e.workflowExecutionCancelRequestedEventAttributes);
      const a = event?.workflowExecutionCancelRequestedEventAttributes;
      return { ...(a?.cause ? { reason: a.cause } : {}), ...(a?.identity ? { identity: a.identity } : {}) };
    },
  };
}

export type IncidentActivities = ReturnType<typeof createActivities>;

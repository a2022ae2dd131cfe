/**
 * The incident's side effects as Temporal activities: record an accountability outcome, notify people.
 * Dependencies come in through createActivities; workflows import only `type IncidentActivities`.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { NotifyParams, Recipient, RecordOutcomeParams } from '../machines/effects';
import { LedgerConflictError, NotificationDeliveryError } from './errors';
import { OUTBOX_CHANNELS, outboxRowId, type Ledger, type OutboxChannel, type OutboxRow } from './ledger';
import { LogChannel, type NotificationChannel } from './notifier';

/** The part of Temporal's Logger the activities use. */
export interface ActivityLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface ActivityDeps {
  ledger: Ledger;
  /** delivery channels by name; a LogChannel is added when none is named 'log' */
  channels?: NotificationChannel[];
  /** used outside an activity context (inside one, Context.current().log is used) */
  log?: ActivityLogger;
  /** wall clock for outbox createdAt */
  clock?: () => number;
}

const consoleLogger: ActivityLogger = {
  info: (m, meta) => console.info(m, meta ?? ''),
  warn: (m, meta) => console.warn(m, meta ?? ''),
  error: (m, meta) => console.error(m, meta ?? ''),
};

/** Which contact field feeds which channel; 'log' needs none and is always used. */
const CONTACT_OF: Record<Exclude<OutboxChannel, 'log'>, keyof Recipient['contacts']> = {
  email: 'email',
  phone: 'phone',
  webhook: 'webhook',
};

const isOutboxChannel = (name: string): name is OutboxChannel =>
  (OUTBOX_CHANNELS as readonly string[]).includes(name);

const errorText = (err: unknown): string => (err instanceof Error ? err.message || err.name : String(err));

/** The outbox rows a notification expands to: one per distinct person per available channel. */
export function outboxRowsFor(params: NotifyParams, channels: Iterable<OutboxChannel>, createdAt: string): OutboxRow[] {
  const available = new Set(channels);
  const seen = new Set<string>();
  const rows: OutboxRow[] = [];
  for (const r of params.recipients) {
    // One person may be resolved through two roles; they get the message once (the first role wins).
    if (seen.has(r.personId)) continue;
    seen.add(r.personId);
    for (const channel of OUTBOX_CHANNELS) {
      if (!available.has(channel)) continue;
      const address = channel === 'log' ? undefined : r.contacts[CONTACT_OF[channel]];
      if (channel !== 'log' && !address) continue;
      const row: OutboxRow = {
        id: outboxRowId(params.notificationId, r.personId, channel),
        notificationId: params.notificationId,
        incidentId: params.incidentId,
        unitId: params.unitId,
        personId: r.personId,
        personName: r.name,
        role: r.role,
        channel,
        subject: params.subject,
        text: params.text,
        status: 'queued',
        createdAt,
      };
      if (params.obligationId !== undefined) row.obligationId = params.obligationId;
      if (address !== undefined) row.address = address;
      rows.push(row);
    }
  }
  return rows;
}

export function createActivities({ ledger, channels = [], log, clock = Date.now }: ActivityDeps) {
  const byName = new Map<OutboxChannel, NotificationChannel>();
  for (const c of channels) {
    if (!isOutboxChannel(c.name)) {
      throw new TypeError(`Unknown notification channel "${c.name}"; expected one of ${OUTBOX_CHANNELS.join(', ')}`);
    }
    if (byName.has(c.name)) throw new TypeError(`Notification channel "${c.name}" given twice`);
    byName.set(c.name, c);
  }
  if (!byName.has('log')) byName.set('log', new LogChannel());

  const fallback = log ?? consoleLogger;
  const logger = (): ActivityLogger => {
    try {
      return Context.current().log;
    } catch {
      return fallback; // called outside an activity (a script, a plain unit test)
    }
  };

  return {
    /** Write one accountability record; a retry of the same outcome is a no-op. */
    async recordOutcome({ outcome }: RecordOutcomeParams): Promise<{ inserted: boolean }> {
      try {
        const result = await ledger.recordOutcome(outcome);
        logger().info(result.inserted ? 'outcome recorded' : 'outcome already recorded', {
          outcomeId: outcome.id,
          incidentId: outcome.incidentId,
          kind: outcome.kind,
        });
        return result;
      } catch (err) {
        if (err instanceof LedgerConflictError) {
          // Retrying cannot fix a content conflict: fail the activity for good, under the error's name.
          throw ApplicationFailure.create({
            message: err.message,
            type: err.name,
            nonRetryable: true,
            details: [{ table: err.table, id: err.id, fields: err.fields }],
            cause: err,
          });
        }
        throw err;
      }
    },

    /**
     * Queue one outbox row per recipient per channel, then deliver every row of this notification not yet
     * sent. Per-call counts: `queued` rows newly written, `delivered` rows delivered by this call.
     * A failed delivery marks its row failed and throws after the other rows were tried, so Temporal retries;
     * the retry re-delivers only rows not yet sent.
     */
    async notify(params: NotifyParams): Promise<{ queued: number; delivered: number }> {
      const rows = outboxRowsFor(params, byName.keys(), new Date(clock()).toISOString());
      let queued = 0;
      for (const row of rows) {
        try {
          if ((await ledger.enqueueNotification(row)).inserted) queued++;
        } catch (err) {
          if (err instanceof LedgerConflictError) {
            throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, cause: err });
          }
          throw err;
        }
      }

      const stored = new Map(
        (await ledger.listNotifications({ notificationId: params.notificationId })).map((r) => [r.id, r]),
      );
      let delivered = 0;
      const failures: { id: string; channel: string; error: string }[] = [];
      for (const { id } of rows) {
        const row = stored.get(id);
        if (!row || row.status === 'sent') continue;
        const channel = byName.get(row.channel)!;
        try {
          await channel.deliver(row);
        } catch (err) {
          const error = errorText(err);
          await ledger.markNotification(id, 'failed', error);
          failures.push({ id, channel: row.channel, error });
          logger().warn('notification delivery failed', { outboxId: id, channel: row.channel, error });
          continue;
        }
        await ledger.markNotification(id, 'sent');
        delivered++;
      }

      logger().info('notification processed', {
        notificationId: params.notificationId,
        incidentId: params.incidentId,
        kind: params.kind,
        rows: rows.length,
        queued,
        delivered,
        failed: failures.length,
      });
      if (failures.length > 0) throw new NotificationDeliveryError(params.notificationId, failures);
      return { queued, delivered };
    },
  };
}

export type IncidentActivities = ReturnType<typeof createActivities>;

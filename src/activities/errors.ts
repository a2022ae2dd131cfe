/**
 * Named errors of the side-effect layer. Each class name is also its `name`, which Temporal uses as the
 * `ApplicationFailure` type, so retry policies can match it. Pure: safe to import from workflow code.
 */

/** The same id arrived with different content: a bug in id derivation, never a retry. */
export class LedgerConflictError extends Error {
  override readonly name = 'LedgerConflictError';
  constructor(
    readonly table: string,
    readonly id: string,
    /** the columns whose stored value differs from the new one */
    readonly fields: string[],
  ) {
    super(`${table} row "${id}" already exists with different content (differs in: ${fields.join(', ')})`);
  }
}

/** The ledger URL names a store this build cannot open. */
export class UnsupportedLedgerError extends Error {
  override readonly name = 'UnsupportedLedgerError';
  constructor(readonly scheme: string, message: string) {
    super(message);
  }
}

/** markNotification was asked to update an outbox row that does not exist. */
export class UnknownNotificationError extends Error {
  override readonly name = 'UnknownNotificationError';
  constructor(readonly id: string) {
    super(`notification_outbox row "${id}" does not exist`);
  }
}

/** One or more outbox rows could not be delivered; they are marked failed and the activity is retried. */
export class NotificationDeliveryError extends Error {
  override readonly name = 'NotificationDeliveryError';
  constructor(
    readonly notificationId: string,
    readonly failures: { id: string; channel: string; error: string }[],
  ) {
    super(
      `notification ${notificationId}: ${failures.length} delivery(ies) failed: ` +
        failures.map((f) => `${f.id}: ${f.error}`).join('; '),
    );
  }
}

/** A review names a finding the ledger does not hold. */
export class UnknownFindingError extends Error {
  override readonly name = 'UnknownFindingError';
  constructor(readonly findingId: string) {
    super(`findings row "${findingId}" does not exist`);
  }
}

/** Another decision on the finding was recorded after the one the caller judged against. */
export class ReviewOutOfDateError extends Error {
  override readonly name = 'ReviewOutOfDateError';
  constructor(readonly findingId: string, readonly expected: string | null, readonly latest: string | null) {
    super(`finding "${findingId}" was reviewed meanwhile (latest decision ${latest ?? 'none'}, expected ${expected ?? 'none'})`);
  }
}

/** Error types an activity retry can never fix; workflows may list them in `nonRetryableErrorTypes`. */
export const NON_RETRYABLE_ACTIVITY_ERRORS = ['LedgerConflictError', 'UnsupportedLedgerError'] as const;

/**
 * Delivery channels for outbox rows. Only the log channel exists today; email, webhook and SMS
 * channels implement the same interface later and are chosen by the recipient's contacts.
 */
import type { OutboxRow } from './ledger';

export interface NotificationChannel {
  /** one of the outbox channels: 'log' | 'email' | 'phone' | 'webhook' */
  name: string;
  /** Deliver one message; throw if it was not delivered (the row is marked failed and retried). */
  deliver(row: OutboxRow): Promise<void>;
}

export const formatLogLine = (row: OutboxRow): string =>
  `[notify] ${row.incidentId} → ${row.personName}(${row.role}) via log: ${row.subject}`;

/** Writes one line per message, e.g. `[notify] INC-1 → 张三(office) via log: 首报提醒`. */
export class LogChannel implements NotificationChannel {
  readonly name = 'log';
  constructor(private readonly writeLine: (line: string) => void = (line) => console.log(line)) {}

  async deliver(row: OutboxRow): Promise<void> {
    this.writeLine(formatLogLine(row));
  }
}

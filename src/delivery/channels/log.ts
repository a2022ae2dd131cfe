import type { DeliveryChannel, OutgoingMessage } from './channel';

/** Writes one line per message: `[notify] INC-1 → 张三 via log: 【单位】逾期：首报…`. Reaches everyone. */
export class LogDeliveryChannel implements DeliveryChannel {
  readonly name = 'log';
  readonly type = 'log' as const;
  readonly mode = 'person' as const;
  constructor(private readonly writeLine: (line: string) => void = (line) => console.log(line)) {}

  addressOf(): string {
    return '';
  }

  receiverKey(m: Pick<OutgoingMessage, 'destination'>): string {
    return m.destination;
  }

  async deliver(m: OutgoingMessage): Promise<void> {
    this.writeLine(`[notify] ${m.incidentId} → ${m.people.map((p) => p.name).join('、')} via log: ${m.subject}`);
  }
}

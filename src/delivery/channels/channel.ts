import type { NoticeParams, Recipient } from '../../machines/effects';

/** One message on its way to one destination. `deliveryId` is the idempotency key the receiver gets. */
export interface OutgoingMessage {
  deliveryId: string;
  noticeId: string;
  incidentId: string;
  kind: NoticeParams['kind'];
  personId?: string;
  personName: string;
  address?: string;
  subject: string;
  text: string;
}

/**
 * A way of reaching people. The dispatcher asks each channel for a person's address (none: the channel
 * does not reach them) and hands it each message; `deliver` throws when the message was not accepted.
 */
export interface DeliveryChannel {
  readonly name: string;
  addressOf(recipient: Recipient): string | undefined;
  deliver(message: OutgoingMessage): Promise<void>;
}

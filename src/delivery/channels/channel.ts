import type { NoticeParams, Recipient } from '../../machines/effects';

/**
 * The delivery seam. The dispatcher works out, for one notice, every destination over every configured
 * channel, renders the notice at the moment of sending and hands each channel one {@link OutgoingMessage}
 * per destination. Channels know their wire format and nothing about incidents.
 *
 * - A **person** channel (email, webhook, SMS, voice) has one destination per person it can reach:
 *   `addressOf(recipient)` gives that person's address on it, or undefined when it cannot reach them.
 * - A **group** channel (the WeCom, DingTalk and Feishu group robots) posts once per notice to its group:
 *   `members(recipients)` says which of the notice's recipients are in the group (they are @-mentioned);
 *   none: the group is not addressed for this notice.
 */
export type ChannelType = 'log' | 'email' | 'webhook' | 'wecom' | 'dingtalk' | 'feishu' | 'sms' | 'voice' | 'http-test';

/** One person a message is for, as the channel needs them (contacts from the plan). */
export type MessagePerson = Pick<Recipient, 'personId' | 'name' | 'role' | 'contacts'>;

/** One message on its way to one destination. `deliveryId` is stable: the receiver's idempotency key. */
export interface OutgoingMessage {
  deliveryId: string;
  noticeId: string;
  incidentId: string;
  kind: NoticeParams['kind'];
  /** `person=<id>` for a person channel, `group=<channel name>` for a robot */
  destination: string;
  /** the address on this channel (email address, phone number, webhook URL label); none for a robot */
  address?: string;
  /** who it is for: the one person, or the group's members among the notice's recipients (to @-mention) */
  people: MessagePerson[];
  /** plain-text subject and body, rendered at the time of sending in the plan's language */
  subject: string;
  text: string;
  /** one short line for SMS and voice (≤ 70 Chinese characters where the renderer can) */
  short: string;
  language: 'zh' | 'en';
  /** the obligation behind it is binding (voice calls are kept for these) */
  binding: boolean;
  /** when it was rendered (epoch ms): also the signature timestamp where a channel signs */
  sentAt: number;
}

/** What a channel throws when a destination did not accept the message. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    /** false: retrying the same message will never work (bad address, rejected signature); the delivery fails at once */
    readonly retryable = true,
    /** the receiver asked to wait this long (HTTP 429 Retry-After, a vendor's rate-limit error code) */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** How many messages one receiver takes per window (a robot: per group; email: per address; SMS: per number). */
export interface ChannelRate {
  limit: number;
  windowMs: number;
}

export interface DeliveryChannel {
  /** the configured name a plan refers to (`office-mail`, `duty-wecom`) */
  readonly name: string;
  readonly type: ChannelType;
  readonly mode: 'person' | 'group';
  /** person channels: the recipient's address here, or undefined when this channel cannot reach them */
  addressOf(recipient: Recipient): string | undefined;
  /** group channels: which recipients are members of the group (an empty list: not addressed) */
  members?(recipients: Recipient[]): Recipient[];
  /** the throttle key of a destination: messages to one key share {@link rate} */
  receiverKey(m: Pick<OutgoingMessage, 'destination' | 'address'>): string;
  readonly rate?: ChannelRate;
  /** send one message; resolves when the receiver accepted it, throws (preferably a DeliveryError) otherwise */
  deliver(message: OutgoingMessage): Promise<void>;
  /** let go of what the channel keeps open (an SMTP connection pool) when the dispatcher stops */
  close?(): void | Promise<void>;
}

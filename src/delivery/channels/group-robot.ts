import type { Recipient } from '../../machines/effects';
import type { ChannelRate, DeliveryChannel, OutgoingMessage } from './channel';
import { checkRate, membersOf, trimBase } from './http';

/**
 * What the group robots (WeCom, DingTalk, Feishu) share: a group of plan people (its members, @-mentioned), one
 * post per notice and group, a rate per robot, and a base URL a private deployment can replace. Each vendor's
 * subclass builds its body and signature and reads its answer.
 */
export abstract class GroupRobotChannel implements DeliveryChannel {
  abstract readonly type: 'wecom' | 'dingtalk' | 'feishu';
  readonly mode = 'group' as const;
  readonly name: string;
  readonly rate: ChannelRate;
  protected readonly memberIds: ReadonlySet<string>;
  protected readonly base: string;

  protected constructor(o: { name: string; members: readonly string[]; baseUrl?: string; rate?: ChannelRate }, defaults: { rate: ChannelRate; baseUrl: string }) {
    this.name = o.name;
    this.rate = checkRate(o.rate, o.name) ?? defaults.rate;
    this.memberIds = new Set(o.members);
    this.base = trimBase(o.baseUrl ?? defaults.baseUrl);
  }

  /** a group channel: nobody is reached one by one */
  addressOf(): undefined {
    return undefined;
  }

  members(recipients: Recipient[]): Recipient[] {
    return membersOf(recipients, this.memberIds);
  }

  receiverKey(): string {
    return `${this.type}:${this.name}`;
  }

  abstract deliver(message: OutgoingMessage): Promise<void>;
}

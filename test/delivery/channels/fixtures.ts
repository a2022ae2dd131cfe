import type { Recipient } from '../../../src/machines/effects';
import { DeliveryError, type OutgoingMessage } from '../../../src/delivery/channels/channel';
import { expect } from 'vitest';

/** The people of the channel tests: one with every contact, one with some, one with none. */
export const zhang: Recipient = {
  personId: 'zhang.san', name: '张三', role: 'monitor',
  contacts: { phone: '13800000001', email: 'zhangsan@example.gov.cn', wecomUserId: 'ZhangSan', dingtalkUserId: 'dt-zhangsan', feishuOpenId: 'ou_7d8a6e6df7621556ce0d21922b676706' },
};
export const li: Recipient = { personId: 'li.si', name: '李四', role: 'office', contacts: { phone: '13800000002', email: 'lisi@example.gov.cn' } };
export const wang: Recipient = { personId: 'wang.wu', name: '王五', role: 'office', contacts: {} };

export const SUBJECT = '【市委网信办】逾期：首报（已逾期 12 分钟）';
export const TEXT = '舆情事件「某小区业主维权」（INC-2024-007）：首报应于 10:30 完成，仍未完成。责任人：张三（监测员）。办理后请登记。';

/** One message as the dispatcher hands it over. */
export function message(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const people = over.people ?? [zhang];
  return {
    deliveryId: `N-1/person=${people[0]?.personId ?? 'x'}/test`,
    noticeId: 'N-1',
    incidentId: 'INC-2024-007',
    kind: 'overdue',
    destination: `person=${people[0]?.personId ?? 'x'}`,
    people,
    subject: SUBJECT,
    text: TEXT,
    short: '首报已逾期：某小区业主维权，请张三立即报送。',
    language: 'zh',
    binding: true,
    sentAt: Date.now(),
    ...over,
  };
}

/** The DeliveryError a promise rejects with (fails the test when it resolves or throws something else). */
export async function deliveryError(p: Promise<unknown>): Promise<DeliveryError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DeliveryError);
    return err as DeliveryError;
  }
  throw new Error('expected the delivery to fail');
}

/** No secret appears in the error message. */
export function expectNoSecret(err: Error, secrets: string[]) {
  for (const s of secrets) {
    expect(err.message).not.toContain(s);
    expect(err.message).not.toContain(encodeURIComponent(s));
  }
}

/** A port nothing listens on (a receiver started and stopped). */
export async function deadPort(start: () => Promise<{ port: number; stop(): Promise<void> }>): Promise<number> {
  const r = await start();
  const port = r.port;
  await r.stop();
  return port;
}

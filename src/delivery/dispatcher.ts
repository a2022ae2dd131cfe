import type { NoticeParams, Recipient } from '../machines/effects';
import { deliveryId, type DeliveryRow, type Ledger, type NoticeRow } from '../activities/ledger';
import type { DeliveryChannel } from './channels/channel';
import { renderNotice, type LegacyText } from './render';

/**
 * The dispatcher: drains the notices incidents recorded, apart from every update. Each round it claims the
 * notices due (a lease, so two workers never send one twice at once), renders each at the moment of sending,
 * expands it to deliveries (destination × channel, resolved now), sends what is not yet delivered, and
 * records attempts, next attempt, delivered time and last error. A delivery that keeps failing is retried
 * with backoff for hours; then the notice is marked failed and the incident is told.
 */
export interface DispatcherOptions {
  ledger: Ledger;
  channels: DeliveryChannel[];
  clock?: () => number;
  /** how often to look for due notices when idle */
  pollMs?: number;
  /** notices claimed per round */
  batch?: number;
  /** how long a claim holds (a crashed dispatcher's notices are retried after it) */
  leaseMs?: number;
  /** backoff between attempts of one delivery */
  backoff?: { initialMs: number; factor: number; maxMs: number };
  /** give up on a notice this long after it was recorded */
  giveUpAfterMs?: number;
  /** told when a notice finally failed, and when a re-driven one got through */
  onFailed?: (notice: NoticeRow, reason: string) => Promise<void>;
  onRecovered?: (notice: NoticeRow) => Promise<void>;
  log?: (message: string, meta?: Record<string, unknown>) => void;
}

export const DEFAULT_BACKOFF = { initialMs: 5_000, factor: 2, maxMs: 15 * 60_000 };
export const DEFAULT_GIVE_UP_AFTER_MS = 6 * 3600_000;

const errorText = (err: unknown): string => (err instanceof Error ? err.message || err.name : String(err));

export class Dispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly clock: () => number;

  constructor(private readonly o: DispatcherOptions) {
    this.clock = o.clock ?? Date.now;
    if (!o.channels.length) throw new TypeError('the dispatcher needs at least one delivery channel');
    const names = new Set<string>();
    for (const c of o.channels) {
      if (names.has(c.name)) throw new TypeError(`delivery channel "${c.name}" given twice`);
      names.add(c.name);
    }
  }

  /** Run rounds until stopped: at once while there is work, every pollMs when idle. */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      let handled = 0;
      try {
        handled = await this.tick();
      } catch (err) {
        this.o.log?.('dispatcher round failed', { error: errorText(err) });
      }
      if (!this.stopped) this.timer = setTimeout(() => { this.running = loop(); }, handled > 0 ? 0 : this.o.pollMs ?? 1000);
    };
    this.running = loop();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One round: claim the notices due now and try each once. Returns how many were handled. */
  async tick(): Promise<number> {
    const now = this.clock();
    const claimed = await this.o.ledger.claimNotices(now, this.o.batch ?? 50, this.o.leaseMs ?? 60_000);
    for (const n of claimed) await this.send(n);
    return claimed.length;
  }

  /** Every destination of the notice over every channel that reaches it, created now (who is addressed now). */
  destinations(n: NoticeRow, now: number): DeliveryRow[] {
    const rows: DeliveryRow[] = [];
    const seen = new Set<string>();
    for (const r of n.notice.recipients as Recipient[]) {
      if (seen.has(r.personId)) continue;
      seen.add(r.personId);
      for (const c of this.o.channels) {
        const address = c.addressOf(r);
        if (address === undefined) continue;
        const destination = `person=${r.personId}`;
        rows.push({
          id: deliveryId(n.id, destination, c.name), noticeId: n.id, incidentId: n.incidentId, destination, personId: r.personId,
          personName: r.name, channel: c.name, ...(address ? { address } : {}), status: 'pending', attempts: 0, createdAt: now,
        });
      }
    }
    return rows;
  }

  private async send(n: NoticeRow) {
    const now = this.clock();
    const backoff = this.o.backoff ?? DEFAULT_BACKOFF;
    const attempts = n.attempts + 1;
    const wanted = this.destinations(n, now);
    if (wanted.length === 0) {
      await this.fail(n, attempts, 'no recipient has a channel that reaches them');
      return;
    }
    const deliveries = await this.o.ledger.ensureDeliveries(wanted);
    // Rendered once per attempt, at the time of sending.
    const { subject, text } = renderNotice(n.notice as NoticeParams & Partial<LegacyText>, now);
    const byName = new Map(this.o.channels.map((c) => [c.name, c]));
    let nextAttemptAt: number | undefined;
    let lastError: string | undefined;
    for (const d of deliveries) {
      if (d.status === 'delivered') continue;
      if (d.nextAttemptAt !== undefined && d.nextAttemptAt > now) {
        nextAttemptAt = Math.min(nextAttemptAt ?? Infinity, d.nextAttemptAt);
        lastError ??= d.lastError;
        continue;
      }
      const channel = byName.get(d.channel);
      if (!channel) {
        lastError = `channel ${d.channel} is no longer configured`;
        await this.o.ledger.updateDelivery(d.id, { status: 'failed', lastError });
        continue;
      }
      try {
        await channel.deliver({
          deliveryId: d.id, noticeId: n.id, incidentId: n.incidentId, kind: n.notice.kind, destination: d.destination, address: d.address,
          people: (n.notice.recipients as Recipient[]).filter((r) => r.personId === d.personId), subject, text, short: subject,
          language: n.notice.incident?.language ?? 'zh', binding: false, sentAt: now,
        });
        await this.o.ledger.updateDelivery(d.id, { status: 'delivered', attempts: d.attempts + 1, deliveredAt: this.clock(), subject, text, lastError: undefined, nextAttemptAt: undefined });
        d.status = 'delivered';
      } catch (err) {
        lastError = `${d.channel} → ${d.personName}: ${errorText(err)}`;
        const wait = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** d.attempts);
        const next = now + wait;
        nextAttemptAt = Math.min(nextAttemptAt ?? Infinity, next);
        await this.o.ledger.updateDelivery(d.id, { status: 'pending', attempts: d.attempts + 1, nextAttemptAt: next, lastError, subject, text });
        this.o.log?.('delivery failed; will retry', { deliveryId: d.id, error: lastError, nextAttemptAt: new Date(next).toISOString() });
      }
    }
    const all = await this.o.ledger.listDeliveries({ noticeId: n.id });
    // Made moot while it was being sent (its obligation met): what was not delivered is not retried.
    if ((await this.o.ledger.getNotice(n.id))?.status === 'superseded') {
      for (const d of all) if (d.status !== 'delivered' && d.status !== 'superseded') await this.o.ledger.updateDelivery(d.id, { status: 'superseded' });
      return;
    }
    if (all.every((d) => d.status === 'delivered')) {
      await this.o.ledger.updateNotice(n.id, { status: 'delivered', attempts, deliveredAt: this.clock() });
      if (n.lastError !== undefined && n.attempts > 0 && this.o.onRecovered && (await this.wasReportedFailed(n))) await this.o.onRecovered(n);
      return;
    }
    if (now - n.createdAt >= (this.o.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS)) {
      await this.fail(n, attempts, lastError ?? 'not delivered');
      return;
    }
    await this.o.ledger.updateNotice(n.id, { status: 'pending', attempts, nextAttemptAt: nextAttemptAt ?? now + backoff.initialMs, lastError });
  }

  private async wasReportedFailed(n: NoticeRow): Promise<boolean> {
    return n.lastError?.startsWith('[failed] ') ?? false;
  }

  private async fail(n: NoticeRow, attempts: number, reason: string) {
    for (const d of await this.o.ledger.listDeliveries({ noticeId: n.id })) {
      if (d.status !== 'delivered') await this.o.ledger.updateDelivery(d.id, { status: 'failed' });
    }
    // The "[failed]" mark survives a re-drive, so a later success tells the incident it recovered.
    await this.o.ledger.updateNotice(n.id, { status: 'failed', attempts, lastError: `[failed] ${reason}` });
    this.o.log?.('notice not delivered; given up', { noticeId: n.id, reason });
    await this.o.onFailed?.(n, reason);
  }
}

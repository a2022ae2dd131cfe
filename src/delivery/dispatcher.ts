import type { NoticeParams, Recipient } from '../machines/effects';
import type { Role } from '../plan/codes';
import { localOffsetMs } from '../plan/time-zone';
import { deliveryId, type DeliveryRow, type Ledger, type NoticeRow } from '../activities/ledger';
import { DeliveryError, type DeliveryChannel, type OutgoingMessage } from './channels/channel';
import { renderNotice, type LegacyText } from './render';

/** The channel name of a delivery no channel could make (a person without a usable contact). */
export const NO_CHANNEL = 'none';

const dedupe = (people: Recipient[]): Recipient[] => people.filter((r, i) => people.findIndex((x) => x.personId === r.personId) === i);

/** Is `at` within local hours from–to in the zone (to ≤ from: the span crosses midnight, e.g. 22:00–07:00)? */
export function withinHours(timeZone: string, at: number, from: string, to: string): boolean {
  const local = new Date(at + localOffsetMs(timeZone, at));
  const m = local.getUTCHours() * 60 + local.getUTCMinutes();
  const [fh, fm] = from.split(':').map(Number);
  const [th, tm] = to.split(':').map(Number);
  const a = fh * 60 + fm;
  const b = th * 60 + tm;
  return a < b ? m >= a && m < b : m >= a || m < b;
}

/**
 * Per-receiver rates (a robot's group, an address, a number): a sliding window of send times per channel and
 * receiver. In memory: each dispatcher process keeps its own (a receiver shared by several processes gets each one's rate).
 */
export class Throttle {
  private readonly sent = new Map<string, number[]>();

  /** How long until one more message may go to this receiver (0: now). */
  wait(c: DeliveryChannel, receiver: string, now: number): number {
    if (!c.rate) return 0;
    const times = this.recent(c, receiver, now);
    return times.length < c.rate.limit ? 0 : times[0] + c.rate.windowMs - now;
  }

  take(c: DeliveryChannel, receiver: string, now: number) {
    if (!c.rate) return;
    const times = this.recent(c, receiver, now);
    // (kept in order: a clock that stepped back records the latest time seen)
    times.push(Math.max(now, times[times.length - 1] ?? now));
  }

  /** The send times within the window, oldest first (the expired ones dropped from the front). */
  private recent(c: DeliveryChannel, receiver: string, now: number): number[] {
    const key = `${c.name}\u0000${receiver}`;
    let times = this.sent.get(key);
    if (!times) this.sent.set(key, (times = []));
    let expired = 0;
    while (expired < times.length && times[expired] <= now - c.rate!.windowMs) expired++;
    if (expired) times.splice(0, expired);
    return times;
  }
}

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
  /** notices sent at once within a round (default DEFAULT_CONCURRENCY) */
  concurrency?: number;
  /** how long a claim holds (a crashed dispatcher's notices are retried after it) */
  leaseMs?: number;
  /** backoff between attempts of one delivery */
  backoff?: { initialMs: number; factor: number; maxMs: number };
  /** give up on a notice this long after it was recorded */
  giveUpAfterMs?: number;
  /**
   * Who is on duty in a role now (the plan's duty roster, 值班表): person ids, or undefined when the role is not
   * rostered. A notice's recipients in a rostered role are narrowed to those on duty when it is sent.
   */
  onDuty?: (planId: string, role: Role, at: number) => Promise<OnDutyPerson[] | undefined>;
  /** told when a notice finally failed, and when a re-driven one got through */
  onFailed?: (notice: NoticeRow, reason: string) => Promise<void>;
  onRecovered?: (notice: NoticeRow) => Promise<void>;
  log?: (message: string, meta?: Record<string, unknown>) => void;
}

/** A person the roster has on duty, with the plan's contacts (a roster may grant a role to someone outside it). */
export type OnDutyPerson = Pick<Recipient, 'personId' | 'name' | 'contacts'>;

/** A destination for one notice on one channel, with the people it reaches. */
interface Planned {
  row: DeliveryRow;
  people: Recipient[];
}

/**
 * Notices sent at once within a round. A notice holds its place until each of its deliveries got an answer, so a slow
 * receiver (a mail relay takes several round trips per mail) must not leave the fast channels of the next notices waiting.
 */
export const DEFAULT_CONCURRENCY = 32;
export const DEFAULT_BACKOFF = { initialMs: 5_000, factor: 2, maxMs: 15 * 60_000 };
export const DEFAULT_GIVE_UP_AFTER_MS = 6 * 3600_000;

const errorText = (err: unknown): string => (err instanceof Error ? err.message || err.name : String(err));

export class Dispatcher {
  private readonly throttle = new Throttle();
  /**
   * Receivers that just failed (a channel and its receiver: an SMTP server, a robot's group, a webhook URL): until
   * their next probe, deliveries to them wait without trying (not an attempt), so an outage costs one try per
   * receiver per backoff step rather than one per delivery; the first success closes it.
   */
  private readonly down = new Map<string, { failures: number; until: number; error: string; probing?: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** a round is in progress (wake() then asks for another right after it) */
  private busy = false;
  private wakeAsked = false;
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

  /** The names of the channels it sends on. */
  channelNames(): string[] {
    return this.o.channels.map((c) => c.name);
  }

  /** Run rounds until stopped: at once while there is work or when woken, every pollMs when idle. */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    this.timer = undefined;
    this.busy = true;
    this.wakeAsked = false;
    let handled = 0;
    try {
      handled = await this.tick();
    } catch (err) {
      this.o.log?.('dispatcher round failed', { error: errorText(err) });
    }
    this.busy = false;
    if (!this.stopped) this.timer = setTimeout(() => { this.running = this.loop(); }, handled > 0 || this.wakeAsked ? 0 : this.o.pollMs ?? 1000);
  }

  /**
   * New notices were recorded (the worker's activities say so): look now rather than at the next poll. During a round,
   * another follows right after it. Polling stays, for notices recorded elsewhere (another worker on the same ledger).
   */
  wake() {
    if (this.stopped) return;
    if (this.busy) {
      this.wakeAsked = true;
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { this.running = this.loop(); }, 0);
    }
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    for (const c of this.o.channels) await c.close?.();
  }

  /**
   * One round: claim the notices due now and try each once, up to `concurrency` at a time (a slow receiver
   * holds its own notices, not everyone's). Returns how many were handled.
   */
  async tick(): Promise<number> {
    const now = this.clock();
    const claimed = await this.o.ledger.claimNotices(now, this.o.batch ?? 50, this.o.leaseMs ?? 60_000);
    let next = 0;
    const lane = async () => {
      while (next < claimed.length) {
        const n = claimed[next++];
        try {
          await this.send(n);
        } catch (err) {
          // one notice's trouble (a ledger hiccup) must not stop the others; its claim runs out and it is retried
          this.o.log?.('notice not handled this round', { noticeId: n.id, error: errorText(err) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? DEFAULT_CONCURRENCY, claimed.length) }, lane));
    return claimed.length;
  }

  /** Whether a plan's routes let this channel carry this notice now (kinds, binding only, local hours). */
  routed(n: NoticeParams, c: DeliveryChannel, now: number): boolean {
    const routes = n.routes;
    // the development channels (the worker's log, the test HTTP endpoint) carry everything whatever the plan routes
    if (!routes || c.type === 'log' || c.type === 'http-test') return true;
    // a channel may have several routes (SMS for binding deadlines, and for alerts): any one that matches carries it
    return routes.some((r) => r.channel === c.name
      && (!r.kinds || r.kinds.includes(n.kind))
      && (!r.bindingOnly || n.binding === true)
      && (!r.hours || withinHours(n.incident.timeZone, now, r.hours.from, r.hours.to)));
  }

  /** The recipients as of sending: a rostered role's holders narrowed to those on duty (the named owner always stays). */
  async addressed(n: NoticeParams, now: number): Promise<{ people: Recipient[]; rosterGaps: Role[] }> {
    const all = dedupe(n.recipients as Recipient[]);
    if (!this.o.onDuty) return { people: all, rosterGaps: [] };
    const byRole = new Map<Role, Recipient[]>();
    for (const r of all) byRole.set(r.role, [...(byRole.get(r.role) ?? []), r]);
    const out: Recipient[] = [];
    const rosterGaps: Role[] = [];
    for (const [role, people] of byRole) {
      const duty = await this.o.onDuty(n.incident.planId, role, now);
      if (duty === undefined) {
        out.push(...people);
        continue;
      }
      // nobody of the role on duty (a gap in the roster): everyone who holds it is told, and the gap is logged
      if (duty.length === 0) {
        rosterGaps.push(role);
        out.push(...people);
        continue;
      }
      // the named owner always stays; the role's other holders give way to who is on duty now
      out.push(...people.filter((p) => p.personId === n.owner?.personId), ...duty.map((p) => ({ ...p, role })));
    }
    return { people: dedupe(out), rosterGaps };
  }

  /** Every destination of the notice over every channel that carries it, for the people addressed now. */
  destinations(n: NoticeRow, people: Recipient[], now: number): { planned: Planned[]; unreachable: Recipient[] } {
    const notice = n.notice as NoticeParams;
    const planned: Planned[] = [];
    const reached = new Set<string>();
    const row = (destination: string, c: DeliveryChannel, name: string, personId?: string, address?: string): DeliveryRow => ({
      id: deliveryId(n.id, destination, c.name), noticeId: n.id, incidentId: n.incidentId, destination, ...(personId ? { personId } : {}),
      personName: name, channel: c.name, ...(address ? { address } : {}), status: 'pending', attempts: 0, createdAt: now,
    });
    for (const c of this.o.channels) {
      if (!this.routed(notice, c, now)) continue;
      if (c.mode === 'group') {
        const members = c.members?.(people) ?? [];
        if (!members.length) continue;
        members.forEach((m) => reached.add(m.personId));
        planned.push({ row: row(`group=${c.name}`, c, members.map((m) => m.name).join('、')), people: members });
        continue;
      }
      for (const r of people) {
        const address = c.addressOf(r);
        if (address === undefined) continue;
        reached.add(r.personId);
        planned.push({ row: row(`person=${r.personId}`, c, r.name, r.personId, address), people: [r] });
      }
    }
    return { planned, unreachable: people.filter((p) => !reached.has(p.personId)) };
  }

  private async send(n: NoticeRow) {
    const now = this.clock();
    const backoff = this.o.backoff ?? DEFAULT_BACKOFF;
    const attempts = n.attempts + 1;
    const notice = n.notice as NoticeParams & Partial<LegacyText>;
    // Who is addressed, and on which channels, is settled at the first attempt: a retry after a hand-over goes to the
    // same people (the shift on duty when the notice was first sent), never to the next shift as well.
    const earlier = await this.o.ledger.listDeliveries({ noticeId: n.id });
    const settledAt = earlier.length ? Math.min(...earlier.map((d) => d.createdAt)) : now;
    const { people, rosterGaps } = await this.addressed(notice, settledAt);
    if (rosterGaps.length) this.o.log?.('nobody on duty in the roster; every holder is told', { noticeId: n.id, roles: rosterGaps });
    const { planned, unreachable } = this.destinations(n, people, settledAt);
    if (planned.length === 0) {
      await this.fail(n, attempts, 'no recipient has a channel that reaches them');
      return;
    }
    // A person no channel reaches is a failed delivery of its own, visible beside the others.
    const missing: DeliveryRow[] = unreachable.map((p) => ({
      id: deliveryId(n.id, `person=${p.personId}`, NO_CHANNEL), noticeId: n.id, incidentId: n.incidentId, destination: `person=${p.personId}`,
      personId: p.personId, personName: p.name, channel: NO_CHANNEL, status: 'pending', attempts: 0, createdAt: now,
    }));
    const deliveries = await this.o.ledger.ensureDeliveries([...planned.map((p) => p.row), ...missing]);
    const peopleOf = new Map(planned.map((p) => [p.row.id, p.people]));
    // Rendered once per attempt, at the time of sending.
    const { subject, text, short } = renderNotice(notice, now);
    const byName = new Map(this.o.channels.map((c) => [c.name, c]));
    let nextAttemptAt: number | undefined;
    let lastError: string | undefined;
    const redriven = await this.wasReportedFailed(n);
    // Every destination of the notice at once (each channel's receivers are independent; throttling is per receiver).
    // A delivery's row is written and its copy here kept the same (the notice's outcome is read from the copies).
    const write = async (d: DeliveryRow, change: Parameters<Ledger['updateDelivery']>[1]) => {
      await this.o.ledger.updateDelivery(d.id, change);
      Object.assign(d, change);
    };
    const attempt = async (d: DeliveryRow): Promise<void> => {
      if (d.status === 'delivered' || d.status === 'superseded') return;
      if (d.channel === NO_CHANNEL) {
        if (d.status !== 'failed' || d.lastError === undefined) {
          await write(d, { status: 'failed', lastError: `no channel reaches ${d.personName} (${d.personId}): add a contact to the plan or a route` });
        }
        return;
      }
      if (d.status === 'failed') return;
      if (d.nextAttemptAt !== undefined && d.nextAttemptAt > now) {
        nextAttemptAt = Math.min(nextAttemptAt ?? Infinity, d.nextAttemptAt);
        lastError ??= d.lastError;
        return;
      }
      const channel = byName.get(d.channel);
      if (!channel) {
        lastError = `channel ${d.channel} is no longer configured`;
        await write(d, { status: 'failed', lastError });
        return;
      }
      // A receiver that just failed is probed again at its time; the others wait for that (not an attempt). A notice
      // an operator re-drove after it was given up is tried at once: the re-drive says the receiver is back.
      const receiver = `${channel.name}|${channel.receiverKey(d)}`;
      const down = this.down.get(receiver);
      if (down && !redriven) {
        // (nothing written for the delivery: the notice waits until the probe, with the receiver's error, and the
        // delivery is due again then; an outage then costs the dispatcher no ledger writes per delivery either)
        // Once its time comes, one delivery probes the receiver; the others wait for that answer, a step later.
        const wait = down.until > now ? down.until : down.probing ? now + backoff.initialMs : undefined;
        if (wait !== undefined) {
          nextAttemptAt = Math.min(nextAttemptAt ?? Infinity, wait);
          lastError ??= `${d.channel} → ${d.personName}: ${down.error}`;
          return;
        }
        down.probing = true;
      }
      // Throttled per receiver: a burst waits its turn (not an attempt), never dropped.
      const wait = this.throttle.wait(channel, channel.receiverKey(d), now);
      if (wait > 0) {
        await write(d, { status: 'pending', nextAttemptAt: now + wait });
        nextAttemptAt = Math.min(nextAttemptAt ?? Infinity, now + wait);
        return;
      }
      const message: OutgoingMessage = {
        deliveryId: d.id, noticeId: n.id, incidentId: n.incidentId, kind: notice.kind, destination: d.destination, address: d.address,
        people: peopleOf.get(d.id) ?? people.filter((p) => p.personId === d.personId), subject, text, short,
        language: notice.incident?.language ?? 'zh', binding: notice.binding ?? false, sentAt: now,
      };
      try {
        this.throttle.take(channel, channel.receiverKey(d), now);
        await channel.deliver(message);
        if (this.down.delete(receiver)) this.o.log?.('receiver back', { channel: d.channel, receiver: channel.receiverKey(d) });
        await write(d, { status: 'delivered', attempts: d.attempts + 1, deliveredAt: this.clock(), subject, text, lastError: undefined, nextAttemptAt: undefined });
      } catch (err) {
        const permanent = err instanceof DeliveryError && !err.retryable;
        lastError = `${d.channel} → ${d.personName}: ${errorText(err)}`;
        if (permanent) {
          // (the receiver answered: it is up, whatever it thought of this one delivery)
          this.down.delete(receiver);
          await write(d, { status: 'failed', attempts: d.attempts + 1, lastError, subject, text });
          this.o.log?.('delivery refused for good', { deliveryId: d.id, error: lastError });
          return;
        }
        const asked = err instanceof DeliveryError ? err.retryAfterMs ?? 0 : 0;
        const pause = Math.max(asked, Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** d.attempts));
        const next = now + pause;
        // the receiver waits for its next probe too: its own backoff, from its consecutive failed probes. Deliveries to it
        // sent at once (before the first answer) fail together: they count as one probe, not one each. (A new entry has
        // no probe in flight.)
        const prev = this.down.get(receiver);
        if (!prev || prev.until <= now || prev.probing) {
          const failures = (prev?.failures ?? 0) + 1;
          const probeIn = Math.max(asked, Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (failures - 1)));
          if (failures === 1) this.o.log?.('receiver down; its deliveries wait for the next probe', { channel: d.channel, receiver: channel.receiverKey(d), error: errorText(err) });
          this.down.set(receiver, { failures, until: now + probeIn, error: errorText(err) });
        }
        nextAttemptAt = Math.min(nextAttemptAt ?? Infinity, next);
        await write(d, { status: 'pending', attempts: d.attempts + 1, nextAttemptAt: next, lastError, subject, text });
        this.o.log?.('delivery failed; will retry', { deliveryId: d.id, error: lastError, nextAttemptAt: new Date(next).toISOString() });
      }
    };
    await Promise.all(deliveries.map(attempt));
    // Where each delivery stands now: as this attempt left it (this dispatcher holds the notice's claim, so nobody else
    // wrote them meanwhile), and any earlier row this attempt did not plan (a channel no longer routed) as it was.
    const standing = new Map(earlier.map((d) => [d.id, d]));
    for (const d of deliveries) standing.set(d.id, d);
    const all = [...standing.values()];
    // Made moot while it was being sent (its obligation met): what was not delivered is not retried.
    if ((await this.o.ledger.noticeStatus(n.id)) === 'superseded') {
      for (const d of all) if (d.status !== 'delivered' && d.status !== 'superseded') await this.o.ledger.updateDelivery(d.id, { status: 'superseded' });
      return;
    }
    const open = all.filter((d) => d.status === 'pending');
    if (open.length === 0) {
      const failed = all.filter((d) => d.status === 'failed');
      if (failed.length === 0) {
        await this.o.ledger.updateNotice(n.id, { status: 'delivered', attempts, deliveredAt: this.clock() });
        if (n.lastError !== undefined && n.attempts > 0 && this.o.onRecovered && (await this.wasReportedFailed(n))) await this.o.onRecovered(n);
      } else {
        await this.fail(n, attempts, failed.map((d) => d.lastError ?? `${d.channel} → ${d.personName}`).join('; '));
      }
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

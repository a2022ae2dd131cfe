/**
 * Calendar arithmetic in a unit's time zone, using only the JS built-in Intl (no I/O, no clock):
 * "by the end of the calendar day" means 23:59:59.999 local time of that day.
 */
/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one (every time shown uses it). */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let fmt = FORMATTERS.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    FORMATTERS.set(timeZone, fmt);
  }
  return fmt;
}

/** The zone's offset from UTC at an instant, in ms. */
export function localOffsetMs(timeZone: string, at: number): number {
  const fmt = formatterFor(timeZone);
  const parts = Object.fromEntries(fmt.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(timeZone: string, at: number): string {
  return new Date(at + localOffsetMs(timeZone, at)).toISOString().slice(0, 10);
}

/** The last millisecond of the local calendar day containing `at`. */
export function endOfLocalDay(timeZone: string, at: number): number {
  const [y, m, d] = localDate(timeZone, at).split('-').map(Number);
  const nextMidnightAsUtc = Date.UTC(y, m - 1, d + 1);
  // Guess with the offset at `at`, then correct once for an offset change during the day.
  let guess = nextMidnightAsUtc - localOffsetMs(timeZone, at);
  guess = nextMidnightAsUtc - localOffsetMs(timeZone, guess - 1);
  return guess - 1;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** ISO-8601 with the zone's offset, for people reading a deadline. */
export function formatLocal(timeZone: string, at: number): string {
  const off = localOffsetMs(timeZone, at);
  const local = new Date(at + off).toISOString().slice(0, 16).replace('T', ' ');
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off) / 60_000;
  return `${local} ${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

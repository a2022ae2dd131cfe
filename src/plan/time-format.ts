import type { Language } from './codes';
import { formatLocal, localOffsetMs } from './time-zone';

/**
 * How a person reads a time: in the plan's time zone with its offset, plus how long until (or since) it,
 * written one way everywhere ("逾期 3 小时 12 分" / "overdue 3h12m"). Pure: the caller passes `now`.
 */

/** A span as people read it, to the minute (seconds only under a minute): 3 小时 12 分 · 3h12m. */
export function formatSpan(ms: number, lang: Language): string {
  const abs = Math.abs(ms);
  if (abs < 60_000) {
    const s = Math.round(abs / 1000);
    return lang === 'zh' ? `${s} 秒` : `${s}s`;
  }
  let minutes = Math.floor(abs / 60_000);
  const days = Math.floor(minutes / 1440);
  minutes -= days * 1440;
  const hours = Math.floor(minutes / 60);
  minutes -= hours * 60;
  const parts: string[] = [];
  if (lang === 'zh') {
    if (days) parts.push(`${days} 天`);
    if (hours) parts.push(`${hours} 小时`);
    if (minutes) parts.push(`${minutes} 分`);
    return parts.join(' ');
  }
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  return parts.join('');
}

/** Time left before `due`, or overdue since it, as of `now`. */
export function formatRelative(due: number, now: number, lang: Language): string {
  const span = formatSpan(due - now, lang);
  if (due >= now) return lang === 'zh' ? `剩余 ${span}` : `${span} left`;
  return lang === 'zh' ? `逾期 ${span}` : `overdue ${span}`;
}

/** "2026-12-01 23:05 +08:00（剩余 30 分）": a due time with the time left or overdue. */
export function formatDue(timeZone: string, due: number, now: number, lang: Language): string {
  const rel = formatRelative(due, now, lang);
  return lang === 'zh' ? `${formatLocal(timeZone, due)}（${rel}）` : `${formatLocal(timeZone, due)} (${rel})`;
}

/** ISO 8601 in the plan's zone, with its offset and no milliseconds: 2026-12-01T23:05:00+08:00. */
export function isoLocal(timeZone: string, at: number): string {
  const off = localOffsetMs(timeZone, at);
  const local = new Date(Math.floor(at / 1000) * 1000 + off).toISOString().slice(0, 19);
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off) / 60_000;
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export { formatLocal };

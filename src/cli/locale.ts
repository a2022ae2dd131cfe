import { LANGUAGES, type Language } from '../plan/codes';
import { formatLocal, formatRelative, formatSpan } from '../plan/time-format';
import { isValidTimeZone } from '../plan/time-zone';

/** The zone and language a person reads an incident in: the plan's. */
export interface Locale {
  timeZone: string;
  language: Language;
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
export const DEFAULT_LANGUAGE: Language = 'zh';

export function isLanguage(x: unknown): x is Language {
  return typeof x === 'string' && (LANGUAGES as readonly string[]).includes(x);
}

/**
 * The locale of a view (an IncidentStatus, a listed incident): its `timeZone` and `language` when it
 * carries them, else the plans' defaults. `lang` (from --lang) overrides the language.
 */
export function localeOf(view: object, lang?: Language): Locale {
  const v = view as { timeZone?: unknown; language?: unknown };
  const timeZone = typeof v.timeZone === 'string' && isValidTimeZone(v.timeZone) ? v.timeZone : DEFAULT_TIME_ZONE;
  return { timeZone, language: lang ?? (isLanguage(v.language) ? v.language : DEFAULT_LANGUAGE) };
}

/** A time as people read it: local time with offset ("2026-11-22 08:45 +08:00"); "—" when absent. */
export function localTime(l: Locale, iso: string | null | undefined): string {
  if (!iso) return '—';
  return formatLocal(l.timeZone, Date.parse(iso));
}

/** "（剩余 30 分）" / " (30m left)": the relative part of a due time, in the brackets of the language. */
export function bracket(l: Locale, text: string): string {
  return l.language === 'zh' ? `（${text}）` : ` (${text})`;
}

/** A due time with what is left or overdue: "2026-11-22 09:45 +08:00（逾期 1 小时 5 分）". */
export function dueTime(l: Locale, iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  return localTime(l, iso) + bracket(l, formatRelative(Date.parse(iso), now, l.language));
}

/** A past time with how long ago: "2026-11-22 08:45 +08:00（2 小时 前）". */
export function pastTime(l: Locale, iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (at > now) return localTime(l, iso);
  return localTime(l, iso) + bracket(l, l.language === 'zh' ? `${formatSpan(now - at, 'zh')}前` : `${formatSpan(now - at, 'en')} ago`);
}

/** A span of minutes written the one way (formatSpan): "1 小时 5 分" / "1h5m". */
export function span(l: Locale, ms: number): string {
  return formatSpan(ms, l.language);
}

/**
 * Plan durations are written the way a plan reads: "30m", "2h", "1d", "1h30m".
 * Parsed to milliseconds; pure, shared by the machine, the plan loader and tools.
 */
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const [, d, h, mi, s] = m;
  return (Number(d ?? 0) * UNIT_MS.d) + (Number(h ?? 0) * UNIT_MS.h) + (Number(mi ?? 0) * UNIT_MS.m) + (Number(s ?? 0) * UNIT_MS.s);
}

export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return sign + (parts.length ? parts.join('') : '0s');
}

// How KPI figures read: working delays in minutes, hours or working days; shares in percent.
import { pick } from '../i18n/locale.ts';
import { DAY_SECONDS } from './targets.ts';

const round1 = (n: number) => Math.round(n * 10) / 10;

/** A working delay: minutes under an hour, hours under a working day, working days beyond. */
export function delay(seconds: number | null, l: 'en' | 'zh'): string {
  if (seconds === null) return '—';
  if (seconds < 3600)
    return pick(l, { en: `${Math.round(seconds / 60)} min`, zh: `${Math.round(seconds / 60)} 分钟` });
  if (seconds < DAY_SECONDS)
    return pick(l, { en: `${round1(seconds / 3600)} h`, zh: `${round1(seconds / 3600)} 小时` });
  return pick(l, { en: `${round1(seconds / DAY_SECONDS)} d`, zh: `${round1(seconds / DAY_SECONDS)} 工作日` });
}

/** a of b in percent, one decimal; null when b is 0. */
export const pct = (a: number, b: number): number | null =>
  b === 0 ? null : Math.round((a / b) * 1000) / 10;
export const pctText = (v: number | null): string => (v === null ? '—' : `${v}%`);

/** A change against last month in points: "+5 pts", "−2.5 pts", "" when either is missing. */
export function versus(now: number | null, before: number | null, l: 'en' | 'zh'): string {
  if (now === null || before === null) return pick(l, { en: 'last month —', zh: '上月 —' });
  const d = round1(now - before);
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  return pick(l, {
    en: `last month ${before}% (${sign}${Math.abs(d)})`,
    zh: `上月 ${before}%（${sign}${Math.abs(d)}）`,
  });
}

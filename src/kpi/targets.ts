// Target delays per flow (R-KPI-1), in WORKING time of the organisation's calendar: "1h" is one working
// hour, "1d" one working day (the working hours of a day). Defaults from the issue; admins change them with
// `admin policy target.order.ack=8h`, stored in org_settings.settings.kpi.targets.
import { pick } from '../i18n/locale.ts';
import { DEFAULT_HOURS } from '../schedule/calendar.ts';
import type { TargetKey } from './policy-keys.ts';

/** A target as stored: working minutes, or working days (a day is as long as the working hours). */
export type Target = { minutes: number } | { days: number };
export type Targets = Record<TargetKey, Target>;

export const DEFAULT_TARGETS: Targets = {
  'target.order.deliver': { minutes: 60 },
  'target.order.ack': { days: 1 },
  'target.change.deliver': { minutes: 60 },
  'target.change.ack': { days: 1 },
  'target.cancel.deliver': { minutes: 60 },
  'target.cancel.ack': { days: 1 },
  'target.lead.assign': { days: 1 },
  // Used only for an assignment without a follow-up deadline; otherwise the deadline is the target.
  'target.lead.follow': { days: 2 },
  'target.shipment.deliver': { minutes: 60 },
  'target.quote.deliver': { minutes: 60 },
  'target.correction.deliver': { minutes: 60 },
};

/** Working seconds of one working day. */
export const DAY_SECONDS = (DEFAULT_HOURS.end - DEFAULT_HOURS.start) * 3600;

/** `30m`, `8h`, `1.5h`, `1d`, `2d` (also 分钟/小时/天 and 工作日). Null when it is none of these. */
export function parseTarget(raw: string): Target | null {
  const m = /^(\d{1,3}(?:\.\d{1,2})?)\s*(m|min|分钟|分|h|小时|时|d|天|工作日)$/i.exec(raw.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (!(n > 0)) return null;
  const unit = m[2]!.toLowerCase();
  if (['d', '天', '工作日'].includes(unit)) return n > 60 ? null : { days: n };
  const minutes = ['h', '小时', '时'].includes(unit) ? n * 60 : n;
  if (minutes < 1 || minutes > 60 * 24 * 30) return null;
  return { minutes: Math.round(minutes) };
}

export function targetSeconds(t: Target): number {
  return 'days' in t ? Math.round(t.days * DAY_SECONDS) : t.minutes * 60;
}

export function formatTarget(t: Target, locale: 'en' | 'zh'): string {
  if ('days' in t)
    return pick(locale, { en: `${t.days} working day${t.days === 1 ? '' : 's'}`, zh: `${t.days} 个工作日` });
  if (t.minutes % 60 === 0) {
    const h = t.minutes / 60;
    return pick(locale, { en: `${h} working hour${h === 1 ? '' : 's'}`, zh: `${h} 工作小时` });
  }
  return pick(locale, { en: `${t.minutes} working minutes`, zh: `${t.minutes} 工作分钟` });
}

/** The short form an admin types (`8h`, `1d`, `30m`). */
export function shortTarget(t: Target): string {
  if ('days' in t) return `${t.days}d`;
  return t.minutes % 60 === 0 ? `${t.minutes / 60}h` : `${t.minutes}m`;
}

export function readTargets(stored: unknown): Targets {
  const s = (stored ?? {}) as Partial<Record<TargetKey, Target>>;
  const out = { ...DEFAULT_TARGETS };
  for (const key of Object.keys(DEFAULT_TARGETS) as TargetKey[]) {
    const v = s[key];
    if (v && (('days' in v && v.days > 0) || ('minutes' in v && v.minutes > 0))) out[key] = v;
  }
  return out;
}

// The organisation's settings: one row, read once per command (cheap, and changes apply at once).

import type { Queryable } from '../db/client.ts';
import { orgSettings } from '../db/schema.ts';
import { isLocale, type Locale } from '../i18n/locale.ts';

export type Org = {
  name: string;
  locale: Locale;
  timezone: string;
  currency: string;
  /** Configured channels that reach people by contact address (set by the core from the registry; not stored). */
  contactChannels?: readonly string[];
};

export async function loadOrg(db: Queryable): Promise<Org> {
  const [row] = await db.select().from(orgSettings).limit(1);
  if (!row) return { name: 'My Company', locale: 'zh', timezone: 'Asia/Shanghai', currency: 'CNY' };
  return {
    name: row.name,
    locale: isLocale(row.locale) ? row.locale : 'zh',
    timezone: row.timezone,
    currency: row.currency,
  };
}

/** The settings come from the configuration (ORG_*): a changed ORG_TIMEZONE applies at the next start. */
export async function ensureOrg(db: Queryable, org: Org): Promise<void> {
  await db
    .insert(orgSettings)
    .values({ id: 1, ...org })
    .onConflictDoUpdate({ target: orgSettings.id, set: { ...org, updatedAt: new Date() } });
}

// The admin pages' data, read where the admin commands read it: people with their platform identities and
// roles (admin people), chat bindings and their departments (admin bind), the approval policy, KPI targets
// and required fields (admin policy), the working calendar (npm run calendar) and the backup log (backup list).
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { type ApprovalSettings, readSettings } from '../approvals/policy.ts';
import type { LogRow } from '../backup/log.ts';
import type { FlowContext } from '../core/context.ts';
import {
  backupLog,
  chatBindingDepartments,
  chatBindings,
  departments,
  identities,
  orgSettings,
  people,
} from '../db/schema.ts';
import { type MailItem, readMailItems } from '../flows/mail-policy.ts';
import { type KpiSettings, readKpiSettings } from '../kpi/settings.ts';
import { type CalendarRow, readCalendarYears } from '../schedule/calendar-file.ts';

export const ADMIN_TABS = ['people', 'chats', 'policy', 'calendar', 'backups'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

export type PersonRow = {
  id: number;
  name: string;
  handle: string | null;
  role: string | null;
  dept: string | null;
  email: string | null;
  locale: string | null;
  active: boolean;
  identities: { platform: string; tenant: string; externalId: string; displayName: string | null }[];
};

/** Everyone (someone merged into another person is that person now, listed once), by department. */
export async function peopleRows(ctx: FlowContext): Promise<PersonRow[]> {
  const rows = await ctx.tx
    .select({
      id: people.id,
      name: people.name,
      handle: people.handle,
      role: people.role,
      dept: departments.code,
      email: people.email,
      locale: people.locale,
      active: people.active,
    })
    .from(people)
    .leftJoin(departments, eq(departments.id, people.departmentId))
    .where(isNull(people.mergedInto))
    .orderBy(desc(people.active), asc(departments.id), asc(people.name))
    .limit(1000);
  const ids = rows.map((r) => r.id);
  const ident = ids.length
    ? await ctx.tx
        .select({
          personId: identities.personId,
          platform: identities.platform,
          tenant: identities.tenant,
          externalId: identities.externalId,
          displayName: identities.displayName,
        })
        .from(identities)
        .where(inArray(identities.personId, ids))
        .orderBy(identities.platform, identities.id)
    : [];
  return rows.map((r) => ({
    ...r,
    identities: ident.filter((i) => i.personId === r.id).map(({ personId: _, ...i }) => i),
  }));
}

export type BindingRow = {
  id: number;
  platform: string;
  tenant: string;
  chatId: string;
  title: string | null;
  departments: string[];
  boundBy: string | null;
  since: Date;
  /** The names of the chat's settings (a group robot's webhook…), never their values. */
  settings: string[];
};

export async function bindingRows(ctx: FlowContext): Promise<BindingRow[]> {
  const rows = await ctx.tx
    .select({
      id: chatBindings.id,
      platform: chatBindings.platform,
      tenant: chatBindings.tenant,
      chatId: chatBindings.chatId,
      title: chatBindings.title,
      settings: chatBindings.settings,
      boundBy: people.name,
      since: chatBindings.createdAt,
    })
    .from(chatBindings)
    .leftJoin(people, eq(people.id, chatBindings.boundBy))
    .orderBy(chatBindings.platform, chatBindings.id)
    .limit(1000);
  const depts = rows.length
    ? await ctx.tx
        .select({ bindingId: chatBindingDepartments.bindingId, code: departments.code })
        .from(chatBindingDepartments)
        .innerJoin(departments, eq(departments.id, chatBindingDepartments.departmentId))
        .where(
          inArray(
            chatBindingDepartments.bindingId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(departments.id)
    : [];
  return rows.map((r) => ({
    ...r,
    departments: depts.filter((d) => d.bindingId === r.id).map((d) => d.code),
    settings: Object.keys(r.settings ?? {}),
  }));
}

export type Policy = { approvals: ApprovalSettings; kpi: KpiSettings; email: MailItem[] };

export async function policyOf(ctx: FlowContext): Promise<Policy> {
  const [row] = await ctx.tx.select({ settings: orgSettings.settings }).from(orgSettings).limit(1);
  return {
    approvals: readSettings(row?.settings?.approvals),
    kpi: await readKpiSettings(ctx.tx),
    email: await readMailItems(ctx.tx),
  };
}

export type CalendarView = { years: number[]; rows: CalendarRow[]; zone: string };

/** This year's and next year's holidays and make-up working days. */
export async function calendarOf(ctx: FlowContext): Promise<CalendarView> {
  const year = DateTime.fromJSDate(ctx.now, { zone: ctx.org.timezone }).year;
  const years = [year, year + 1];
  return { years, rows: await readCalendarYears(ctx.tx, years), zone: ctx.org.timezone };
}

export type BackupView = { good: LogRow | null; drill: LogRow | null; rows: LogRow[]; total: number };

/** The backup log as backup list reads it: the newest good backup, the last drill, the last 50 entries. */
export async function backupsOf(ctx: FlowContext): Promise<BackupView> {
  const [good] = await ctx.tx
    .select()
    .from(backupLog)
    .where(and(eq(backupLog.kind, 'backup'), eq(backupLog.state, 'done')))
    .orderBy(desc(backupLog.finishedAt), desc(backupLog.id))
    .limit(1);
  const [drill] = await ctx.tx
    .select()
    .from(backupLog)
    .where(and(eq(backupLog.kind, 'drill'), sql`${backupLog.state} in ('done', 'failed')`))
    .orderBy(desc(backupLog.id))
    .limit(1);
  const [{ n } = { n: 0 }] = await ctx.tx.select({ n: sql<number>`count(*)::int` }).from(backupLog);
  const rows = await ctx.tx.select().from(backupLog).orderBy(desc(backupLog.id)).limit(50);
  return { good: good ?? null, drill: drill ?? null, rows, total: Number(n) };
}

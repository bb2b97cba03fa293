// A distribution also goes to the receiving department's heads by contact address (issue 16, R-CHAN-3),
// when the policy names the item (admin policy email=…): the same card as in the chat, in full as their
// direct chat would show it, with a subject that leads with the record number and the key point.
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Message } from '../cards/card.ts';
import type { DepartmentCode } from '../commands/keys.ts';
import { sendToContacts } from '../core/contact-posts.ts';
import type { FlowContext } from '../core/context.ts';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { departments, people } from '../db/schema.ts';
import { type Bilingual, type Locale, pick } from '../i18n/locale.ts';
import { DEPARTMENT_NAMES } from './common.ts';
import { type MailItem, readMailItems } from './mail-policy.ts';
import { remindIfUnacknowledged } from './mail-reminders.ts';

// The distribution's own types, restated: distribution.ts calls this module, so it may not import that one.
type DistributionKind = 'order' | 'change' | 'cancel';
type Content = (
  locale: Locale,
  audience: 'private',
  department: DepartmentCode,
) => { title: string; keyPoint?: string };

const ITEM: Record<DistributionKind, MailItem> = {
  order: 'order.distribution',
  change: 'order.change',
  cancel: 'order.cancel',
};

const WHAT: Record<DistributionKind, Record<Locale, string>> = {
  order: { en: 'approved', zh: '已批准' },
  change: { en: 'changed', zh: '已变更' },
  cancel: { en: 'cancelled', zh: '已取消' },
};

/** The key the copies by address are written under (not the card's: the chat copies' KPIs stay theirs). */
export const mailKey = (distributionId: number) => `mail:dist:${distributionId}`;

export async function mailDistribution(
  ctx: FlowContext,
  args: {
    ref: string;
    kind: DistributionKind;
    department: DepartmentCode;
    distributionId: number;
    content: Content;
    /** The department's card, as its chat gets it. */
    card: (locale: Locale, audience: 'private') => Message;
  },
): Promise<number> {
  if (!ctx.org.contactChannels?.length) return 0;
  if (!(await readMailItems(ctx.tx)).includes(ITEM[args.kind])) return 0;
  const heads = await ctx.tx
    .select({ id: people.id })
    .from(people)
    .innerJoin(departments, eq(departments.id, people.departmentId))
    .where(
      and(
        eq(departments.code, args.department),
        eq(people.role, 'head'),
        eq(people.active, true),
        isNotNull(people.email),
      ),
    );
  const sent = await sendToContacts(
    ctx.tx,
    ctx.org,
    heads.map((h) => h.id),
    (l) => {
      const m = args.card(l, 'private');
      const c = args.content(l, 'private', args.department);
      const point = c.keyPoint ?? m.card?.title ?? '';
      const sep = pick(l, { en: ': ', zh: '：' });
      return { ...m, headline: c.keyPoint ? `${args.ref} ${WHAT[args.kind][l]}${sep}${point}` : point };
    },
    mailKey(args.distributionId),
  );
  // Not acknowledged within the policy's target: each recipient is reminded in chat.
  if (sent > 0)
    await remindIfUnacknowledged(ctx, {
      kind: args.kind,
      ref: args.ref,
      distributionId: args.distributionId,
      personIds: heads.map((h) => h.id),
    });
  return sent;
}

/**
 * `order show`: per recipient of each email copy of the order's distributions, sent / opened /
 * acknowledged and when (acknowledged: the department's acknowledgement, by email or in chat).
 */
export async function mailReceiptFields(
  ctx: FlowContext,
  subject: { type: string; id: number },
): Promise<{ label: string; value: string }[]> {
  const res = await ctx.tx.execute(sql`
    select d.kind, dp.code, p.name, o.state, o.sent_at, mo.opened_at, mo.acted_at, d.acked_at, ap.name as acked_by
    from distributions d
    join departments dp on dp.id = d.department_id
    join outbox o on o.card_key = 'mail:dist:' || d.id and o.op = 'post'
    join people p on p.id::text = o.target_id
    left join message_opens mo on mo.outbox_id = o.id
    left join people ap on ap.id = d.acked_by
    where d.subject_type = ${subject.type} and d.subject_id = ${subject.id}
    order by d.id, o.id`);
  type Row = {
    kind: DistributionKind;
    code: DepartmentCode;
    name: string;
    state: string;
    sent_at: string | Date | null;
    opened_at: string | Date | null;
    acted_at: string | Date | null;
    acked_at: string | Date | null;
    acked_by: string | null;
  };
  const l = ctx.locale;
  return rowsOf<Row>(res).map((r) => {
    const at = (v: string | Date | null) => (v ? ctx.fmtDate(new Date(v), true) : '');
    const parts = [
      r.sent_at
        ? pick(l, { en: `sent ${at(r.sent_at)}`, zh: `已发送 ${at(r.sent_at)}` })
        : r.state === 'failed'
          ? pick(l, { en: 'not delivered', zh: '未送达' })
          : pick(l, { en: 'waiting to be sent', zh: '待发送' }),
      ...(r.opened_at ? [pick(l, { en: `opened ${at(r.opened_at)}`, zh: `已打开 ${at(r.opened_at)}` })] : []),
      r.acked_at
        ? pick(l, {
            en: `acknowledged ${at(r.acked_at)}${r.acked_by ? ` by ${r.acked_by}` : ''}${r.acted_at ? ' (by email)' : ''}`,
            zh: `${r.acked_by ? `${r.acked_by} ` : ''}已于 ${at(r.acked_at)} ${r.acted_at ? '通过邮件' : ''}确认收到`,
          })
        : pick(l, { en: 'not acknowledged', zh: '未确认' }),
    ];
    return {
      label: `${pick(l, { en: 'Email', zh: '邮件' })} · ${DEPARTMENT_NAMES[r.code][l]}${r.kind === 'order' ? '' : ` (${WHAT[r.kind][l]})`}`,
      value: `${r.name}: ${parts.join(pick(l, { en: ' · ', zh: ' · ' }))}`,
    };
  });
}

/** What an email copy of a record's distribution did: sent to its recipient, opened, acknowledged by its link. */
export type MailEvent = {
  at: Date;
  step: 'sent' | 'opened' | 'acked';
  /** The recipient. */
  person: string;
  /** What it says, in each language ("emailed to Zhao Yun (Finance)", "opened the email", …). */
  text: Bilingual;
};

/**
 * The history of the email copies of a record's distributions (sent, opened, acknowledged by email), for
 * `order history` and the web order page's timeline: the outbox rows, their openings and link presses.
 */
export async function mailEvents(db: Queryable, subject: { type: string; id: number }): Promise<MailEvent[]> {
  const res = await db.execute(sql`
    select d.kind, dp.code, p.name, o.sent_at, mo.opened_at, mo.acted_at
    from distributions d
    join departments dp on dp.id = d.department_id
    join outbox o on o.card_key = 'mail:dist:' || d.id and o.op = 'post'
    join people p on p.id::text = o.target_id
    left join message_opens mo on mo.outbox_id = o.id
    where d.subject_type = ${subject.type} and d.subject_id = ${subject.id}
    order by o.id`);
  type Row = {
    kind: DistributionKind;
    code: DepartmentCode;
    name: string;
    sent_at: string | Date | null;
    opened_at: string | Date | null;
    acted_at: string | Date | null;
  };
  const WHAT_SENT: Record<DistributionKind, Bilingual> = {
    order: { en: 'emailed', zh: '已发邮件' },
    change: { en: 'emailed the change', zh: '已发邮件（变更）' },
    cancel: { en: 'emailed the cancellation', zh: '已发邮件（取消）' },
  };
  return rowsOf<Row>(res).flatMap((r) => {
    const dept = DEPARTMENT_NAMES[r.code];
    const events: MailEvent[] = [];
    if (r.sent_at)
      events.push({
        at: new Date(r.sent_at),
        step: 'sent',
        person: r.name,
        text: {
          en: `${WHAT_SENT[r.kind].en} to ${r.name} (${dept.en})`,
          zh: `${WHAT_SENT[r.kind].zh}给 ${r.name}（${dept.zh}）`,
        },
      });
    if (r.opened_at)
      events.push({
        at: new Date(r.opened_at),
        step: 'opened',
        person: r.name,
        text: { en: `opened the email (${dept.en})`, zh: `打开了邮件（${dept.zh}）` },
      });
    if (r.acted_at)
      events.push({
        at: new Date(r.acted_at),
        step: 'acked',
        person: r.name,
        text: { en: `acknowledged by email (${dept.en})`, zh: `通过邮件确认收到（${dept.zh}）` },
      });
    return events;
  });
}

// Sending a record to departments for acknowledgement (R-ORD-3/5/6): one card per department chat with an
// Acknowledge button; who acknowledged and when is recorded (the KPIs read it).
import { and, desc, eq, isNull } from 'drizzle-orm';
import { runButton } from '../cards/actions.ts';
import type { Card, CardField } from '../cards/card.ts';
import type { DepartmentCode } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import type { Audience } from '../core/outbox.ts';
import { departments, distributions, people } from '../db/schema.ts';
import type { Locale } from '../i18n/locale.ts';
import { departmentId, label } from './common.ts';

export type DistributionKind = 'order' | 'change' | 'cancel';

/** The card body per reader; `department` lets finance's chat see amounts that production's does not. */
export type DistributionContent = (
  locale: Locale,
  audience: Audience,
  department: DepartmentCode,
) => { title: string; fields: CardField[] };

const KIND_ACK: Record<DistributionKind, { en: string; zh: string }> = {
  order: { en: 'Acknowledge', zh: '确认收到' },
  change: { en: 'Acknowledge change', zh: '确认收到变更' },
  cancel: { en: 'Acknowledge and record handling', zh: '确认收到并记录处理' },
};

const cardKey = (id: number) => `dist:${id}`;

function render(
  content: DistributionContent,
  department: DepartmentCode,
  ref: string,
  kind: DistributionKind,
  acked: { by: string; at: string; note: string | null } | null,
) {
  return (l: Locale, audience: Audience) => {
    const c = content(l, audience, department);
    const card: Card = {
      title: c.title,
      fields: c.fields,
      actions: acked
        ? []
        : [
            {
              id: runButton(`order ack ${ref}`),
              label: label(l, KIND_ACK[kind].en, KIND_ACK[kind].zh),
              style: 'primary',
              ...(kind === 'cancel'
                ? {
                    input: {
                      name: 'note',
                      label: label(l, 'How was it handled?', '如何处理？'),
                      required: true,
                    },
                  }
                : {}),
            },
          ],
      note: acked
        ? label(
            l,
            `Acknowledged by ${acked.by} at ${acked.at}${acked.note ? `: ${acked.note}` : ''}`,
            `${acked.by} 已于 ${acked.at} 确认收到${acked.note ? `：${acked.note}` : ''}`,
          )
        : label(l, `Or type: order ack ${ref} note="…"`, `或输入：订单 确认收到 ${ref} 备注=…`),
    };
    return { text: [c.title, ...c.fields.map((f) => `${f.label}: ${f.value}`), card.note].join('\n'), card };
  };
}

export async function distribute(
  ctx: FlowContext,
  subject: { type: string; id: number; ref: string },
  kind: DistributionKind,
  to: DepartmentCode[],
  content: DistributionContent,
): Promise<void> {
  for (const code of to) {
    const [row] = await ctx.tx
      .insert(distributions)
      .values({
        subjectType: subject.type,
        subjectId: subject.id,
        subjectRef: subject.ref,
        kind,
        departmentId: await departmentId(ctx, code),
        sentAt: ctx.now,
      })
      .returning({ id: distributions.id });
    await ctx.out.send(
      { kind: 'department', code },
      render(content, code, subject.ref, kind, null),
      cardKey(row!.id),
    );
  }
}

/** The departments that received a subject, for telling them about later changes. */
export async function receivers(
  ctx: FlowContext,
  subjectType: string,
  subjectId: number,
): Promise<DepartmentCode[]> {
  const rows = await ctx.tx
    .selectDistinct({ code: departments.code })
    .from(distributions)
    .innerJoin(departments, eq(departments.id, distributions.departmentId))
    .where(and(eq(distributions.subjectType, subjectType), eq(distributions.subjectId, subjectId)));
  return rows.map((r) => r.code as DepartmentCode);
}

/**
 * Acknowledges the newest unacknowledged distribution of the subject to the actor's department.
 * Returns null when there is none (already acknowledged, or never sent there).
 */
export async function acknowledge(
  ctx: FlowContext,
  subject: { type: string; id: number; ref: string },
  note: string | null,
  content: DistributionContent,
): Promise<
  { kind: DistributionKind; department: DepartmentCode } | { already: { by: string; at: string } } | null
> {
  if (!ctx.actor.department) return null;
  const deptId = await departmentId(ctx, ctx.actor.department);
  const where = and(
    eq(distributions.subjectType, subject.type),
    eq(distributions.subjectId, subject.id),
    eq(distributions.departmentId, deptId),
  );
  const [open] = await ctx.tx
    .select()
    .from(distributions)
    .where(and(where, isNull(distributions.ackedAt)))
    .orderBy(desc(distributions.id))
    .limit(1)
    .for('update');
  if (!open) {
    const [done] = await ctx.tx
      .select({ at: distributions.ackedAt, by: people.name })
      .from(distributions)
      .leftJoin(people, eq(people.id, distributions.ackedBy))
      .where(where)
      .orderBy(desc(distributions.id))
      .limit(1);
    return done?.at ? { already: { by: done.by ?? '?', at: ctx.fmtDate(done.at, true) } } : null;
  }
  const kind = open.kind as DistributionKind;
  if (kind === 'cancel' && !note) {
    refuse(
      'Say how your department handled the cancellation: note="…".',
      '请说明本部门如何处理该取消：备注=…。',
    );
  }
  await ctx.tx
    .update(distributions)
    .set({ ackedBy: ctx.actor.personId, ackedAt: ctx.now, note })
    .where(eq(distributions.id, open.id));
  await ctx.out.update(
    cardKey(open.id),
    render(content, ctx.actor.department, subject.ref, kind, {
      by: ctx.actor.name,
      at: ctx.fmtDate(ctx.now, true),
      note,
    }),
  );
  return { kind, department: ctx.actor.department };
}

/**
 * Re-renders, in place, every card of the subject's distributions of the given kinds, each with its own
 * acknowledgement as it stands (e.g. after a correction of the customer an order card shows).
 * `content` gives the body per card (null: leave that card as it is); acknowledged cards read as `order ack`
 * re-renders them.
 */
export async function rerenderDistributions(
  ctx: FlowContext,
  subject: { type: string; id: number; ref: string },
  kinds: DistributionKind[],
  content: (card: {
    kind: DistributionKind;
    acknowledged: boolean;
    sentAt: Date;
  }) => DistributionContent | null,
): Promise<number> {
  const rows = await ctx.tx
    .select({
      id: distributions.id,
      kind: distributions.kind,
      code: departments.code,
      at: distributions.ackedAt,
      by: people.name,
      note: distributions.note,
      sentAt: distributions.sentAt,
    })
    .from(distributions)
    .innerJoin(departments, eq(departments.id, distributions.departmentId))
    .leftJoin(people, eq(people.id, distributions.ackedBy))
    .where(and(eq(distributions.subjectType, subject.type), eq(distributions.subjectId, subject.id)));
  let n = 0;
  for (const row of rows) {
    const kind = row.kind as DistributionKind;
    if (!kinds.includes(kind)) continue;
    const acked = row.at ? { by: row.by ?? '?', at: ctx.fmtDate(row.at, true), note: row.note } : null;
    const body = content({ kind, acknowledged: acked !== null, sentAt: row.sentAt });
    if (!body) continue;
    await ctx.out.update(cardKey(row.id), render(body, row.code as DepartmentCode, subject.ref, kind, acked));
    n++;
  }
  return n;
}

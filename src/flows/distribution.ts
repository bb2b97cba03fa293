// Sending a record to departments for acknowledgement (R-ORD-3/5/6): one card per department chat with an
// Acknowledge button; who acknowledged and when is recorded (the KPIs read it).
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { runButton } from '../cards/actions.ts';
import type { Card, CardAction, CardField } from '../cards/card.ts';
import type { DepartmentCode } from '../commands/keys.ts';
import { boundChatKey, chatsOfDepartments } from '../core/chat-departments.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import type { Audience } from '../core/outbox.ts';
import { departments, distributions, outbox, people, postedCards } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { DEPARTMENT_NAMES, departmentId, label } from './common.ts';
import { mailDistribution } from './distribution-mail.ts';

export type DistributionKind = 'order' | 'change' | 'cancel';

/**
 * The card body per reader; `department` lets finance's chat see amounts that production's does not.
 * `keyPoint`: what it says in one line, for a subject line (`deliver 2027-01-15 to Shenzhen, ¥7,120.50`).
 */
export type DistributionContent = (
  locale: Locale,
  audience: Audience,
  department: DepartmentCode,
) => { title: string; fields: CardField[]; keyPoint?: string };

const KIND_ACK: Record<DistributionKind, { en: string; zh: string }> = {
  order: { en: 'Acknowledge', zh: '确认收到' },
  change: { en: 'Acknowledge change', zh: '确认收到变更' },
  cancel: { en: 'Acknowledge and record handling', zh: '确认收到并记录处理' },
};

const cardKey = (id: number) => `dist:${id}`;

/** The Acknowledge button: it runs `order ack`, which acknowledges for the presser's department. */
function ackAction(l: Locale, ref: string, kind: DistributionKind): CardAction {
  return {
    id: runButton(`order ack ${ref}`),
    label: label(l, KIND_ACK[kind].en, KIND_ACK[kind].zh),
    style: 'primary',
    ...(kind === 'cancel'
      ? { input: { name: 'note', label: label(l, 'How was it handled?', '如何处理？'), required: true } }
      : {}),
  };
}

/** A department's card (also what its heads are sent by contact address, distribution-mail.ts). */
export function distributionCard(
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
      actions: acked ? [] : [ackAction(l, ref, kind)],
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

/**
 * Sends the subject to each department of `to` for acknowledgement. A chat bound to several of them
 * (R-CHAN-4) gets one card for all of them, with what every one of them may read, and each department
 * acknowledges on it. Returns the chats posted to (boundChatKey), so a follow-up notice can skip them.
 */
export async function distribute(
  ctx: FlowContext,
  subject: { type: string; id: number; ref: string },
  kind: DistributionKind,
  to: DepartmentCode[],
  content: DistributionContent,
): Promise<Set<string>> {
  const ids = new Map<DepartmentCode, number>();
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
    ids.set(code, row!.id);
  }
  const posted = new Set<string>();
  for (const { chat, codes } of await chatsOfDepartments(ctx.tx, to)) {
    const target = { kind: 'chat' as const, ...chat };
    const members = codes.map((code) => ({ id: ids.get(code)!, code, acked: null }));
    if (members.length === 1)
      await ctx.out.send(
        target,
        distributionCard(content, codes[0]!, subject.ref, kind, null),
        cardKey(members[0]!.id),
      );
    else
      await ctx.out.send(
        target,
        renderShared(content, members, subject.ref, kind),
        sharedKey(members.map((m) => m.id)),
      );
    posted.add(boundChatKey(chat));
  }
  // Also by contact address to each department's heads, when the policy names the item: beside the cards.
  for (const [code, id] of ids)
    await mailDistribution(ctx, {
      ref: subject.ref,
      kind,
      department: code,
      distributionId: id,
      content,
      card: distributionCard(content, code, subject.ref, kind, null),
    });
  return posted;
}

type Acked = { by: string; at: string; note: string | null };
type Member = { id: number; code: DepartmentCode; acked: Acked | null };

/** One card for several departments in one chat: its key names each distribution, ids ascending. */
const sharedKey = (ids: number[]) => `dist:${[...ids].sort((a, b) => a - b).join('+')}`;

function renderShared(content: DistributionContent, members: Member[], ref: string, kind: DistributionKind) {
  return (l: Locale, audience: Audience) => {
    const bodies = members.map((m) => content(l, audience, m.code));
    // Read by all of them: only what every one of these departments may see.
    const fields = bodies[0]!.fields.filter((f) =>
      bodies.every((b) => b.fields.some((g) => g.label === f.label && g.value === f.value)),
    );
    const open = members.some((m) => !m.acked);
    const states = members.map((m) => {
      const dept = DEPARTMENT_NAMES[m.code][l];
      return m.acked
        ? label(
            l,
            `${dept}: acknowledged by ${m.acked.by} at ${m.acked.at}${m.acked.note ? `: ${m.acked.note}` : ''}`,
            `${dept}：${m.acked.by} 已于 ${m.acked.at} 确认收到${m.acked.note ? `：${m.acked.note}` : ''}`,
          )
        : label(l, `${dept}: waiting`, `${dept}：待确认`);
    });
    const card: Card = {
      title: bodies[0]!.title,
      fields: [
        {
          label: label(l, 'For', '接收部门'),
          value: members.map((m) => DEPARTMENT_NAMES[m.code][l]).join(pick(l, { en: ', ', zh: '、' })),
        },
        ...fields,
      ],
      actions: open ? [ackAction(l, ref, kind)] : [],
      note: [
        ...states,
        ...(open
          ? [label(l, `Or type: order ack ${ref} note="…"`, `或输入：订单 确认收到 ${ref} 备注=…`)]
          : []),
      ].join('\n'),
    };
    return {
      text: [card.title, ...card.fields.map((f) => `${f.label}: ${f.value}`), card.note].join('\n'),
      card,
    };
  };
}

/**
 * The shared cards (renderShared) posted for these distributions of one subject: the keys a batch (one
 * distribute call: same kind, same instant) could have used, those that were posted, with their members.
 */
async function sharedCards(
  ctx: FlowContext,
  rows: { id: number; kind: string; code: string; sentAt: Date; acked: Acked | null }[],
): Promise<{ key: string; kind: DistributionKind; members: Member[] }[]> {
  const batches = new Map<string, typeof rows>();
  for (const r of rows) {
    const b = `${r.kind}/${r.sentAt.getTime()}`;
    batches.set(b, [...(batches.get(b) ?? []), r]);
  }
  const candidates = new Map<string, typeof rows>();
  for (const batch of batches.values()) {
    // A batch has one row per department (a handful), so its subsets are few.
    const sorted = [...batch].sort((a, b) => a.id - b.id).slice(0, 10);
    for (let mask = 1; mask < 1 << sorted.length; mask++) {
      const subset = sorted.filter((_, i) => mask & (1 << i));
      if (subset.length >= 2) candidates.set(sharedKey(subset.map((r) => r.id)), subset);
    }
  }
  if (candidates.size === 0) return [];
  const keys = [...candidates.keys()];
  const found = new Set([
    ...(
      await ctx.tx
        .selectDistinct({ key: postedCards.cardKey })
        .from(postedCards)
        .where(inArray(postedCards.cardKey, keys))
    ).map((r) => r.key),
    ...(
      await ctx.tx
        .selectDistinct({ key: outbox.cardKey })
        .from(outbox)
        .where(and(eq(outbox.op, 'post'), inArray(outbox.cardKey, keys)))
    ).map((r) => r.key!),
  ]);
  return [...found].map((key) => {
    const subset = candidates.get(key)!;
    return {
      key,
      kind: subset[0]!.kind as DistributionKind,
      members: subset.map((r) => ({ id: r.id, code: r.code as DepartmentCode, acked: r.acked })),
    };
  });
}

/** The subject's distributions with who acknowledged them, for re-rendering their cards. */
async function distributionRows(ctx: FlowContext, subject: { type: string; id: number }) {
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
  return rows.map((r) => ({
    ...r,
    acked: r.at ? { by: r.by ?? '?', at: ctx.fmtDate(r.at, true), note: r.note } : null,
  }));
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
    distributionCard(content, ctx.actor.department, subject.ref, kind, {
      by: ctx.actor.name,
      at: ctx.fmtDate(ctx.now, true),
      note,
    }),
  );
  // A chat shared with other departments shows this acknowledgement on its one card too.
  const shared = await sharedCards(ctx, await distributionRows(ctx, subject));
  for (const card of shared.filter((c) => c.members.some((m) => m.id === open.id)))
    await ctx.out.update(card.key, renderShared(content, card.members, subject.ref, card.kind));
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
  const rows = await distributionRows(ctx, subject);
  let n = 0;
  for (const row of rows) {
    const kind = row.kind as DistributionKind;
    if (!kinds.includes(kind)) continue;
    const body = content({ kind, acknowledged: row.acked !== null, sentAt: row.sentAt });
    if (!body) continue;
    await ctx.out.update(
      cardKey(row.id),
      distributionCard(body, row.code as DepartmentCode, subject.ref, kind, row.acked),
    );
    n++;
  }
  for (const card of await sharedCards(ctx, rows)) {
    if (!kinds.includes(card.kind)) continue;
    const sentAt = rows.find((r) => r.id === card.members[0]!.id)!.sentAt;
    const body = content({ kind: card.kind, acknowledged: card.members.every((m) => m.acked), sentAt });
    if (!body) continue;
    await ctx.out.update(card.key, renderShared(body, card.members, subject.ref, card.kind));
    n++;
  }
  return n;
}

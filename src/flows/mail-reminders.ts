// An item sent by contact address (email) and not acknowledged within the policy's target
// (target.<kind>.ack, in working time) reminds its recipient in chat: one reminder per recipient, written
// with the email, standing down once the department has acknowledged (by email or on the card).
import { and, eq, isNotNull } from 'drizzle-orm';
import type { FlowContext } from '../core/context.ts';
import { distributions, reminders } from '../db/schema.ts';
import type { TargetKey } from '../kpi/policy-keys.ts';
import { readKpiSettings } from '../kpi/settings.ts';
import { targetSeconds } from '../kpi/targets.ts';
import { addWorkingHours, calendarAround } from '../schedule/calendar.ts';
import { createReminder } from '../schedule/create.ts';
import { registerFireHook } from '../schedule/hooks.ts';

export const MAIL_ACK_KIND = 'mail_ack';

export async function remindIfUnacknowledged(
  ctx: FlowContext,
  args: { kind: 'order' | 'change' | 'cancel'; ref: string; distributionId: number; personIds: number[] },
): Promise<void> {
  if (args.personIds.length === 0) return;
  const target = (await readKpiSettings(ctx.tx)).targets[`target.${args.kind}.ack` as TargetKey];
  const zone = ctx.org.timezone;
  const due = addWorkingHours(
    ctx.now,
    targetSeconds(target) / 3600,
    zone,
    await calendarAround(ctx.tx, ctx.now),
  );
  const how = args.kind === 'cancel' ? `order ack ${args.ref} note="…"` : `order ack ${args.ref}`;
  const howZh = args.kind === 'cancel' ? `订单 确认收到 ${args.ref} 备注=…` : `订单 确认收到 ${args.ref}`;
  for (const personId of args.personIds)
    await createReminder(
      ctx.tx,
      {
        kind: MAIL_ACK_KIND,
        subject: { type: 'distribution', ref: String(args.distributionId) },
        target: { kind: 'person', personId },
        text: {
          en: `${args.ref} was emailed to you for acknowledgement and is not acknowledged yet: use the link in the email, the card in your department's chat, or type ${how}`,
          zh: `${args.ref} 已发邮件请您确认，尚未确认：请点邮件中的链接、在部门群聊的卡片上确认，或输入 ${howZh}`,
        },
        timezone: zone,
        // Already in working time (the target is counted in it).
        urgent: true,
      },
      [due],
    );
}

export function registerMailReminderHooks(): void {
  // Stands down (and is done) once the department acknowledged, whoever did and wherever.
  registerFireHook(MAIL_ACK_KIND, async (tx, r) => {
    const id = Number(r.subjectRef);
    const [acked] = Number.isSafeInteger(id)
      ? await tx
          .select({ id: distributions.id })
          .from(distributions)
          .where(and(eq(distributions.id, id), isNotNull(distributions.ackedAt)))
      : [];
    if (!acked) return undefined;
    await tx.update(reminders).set({ state: 'done' }).where(eq(reminders.id, r.id));
    return { skip: true };
  });
}

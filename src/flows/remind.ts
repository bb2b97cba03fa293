// People's own reminders: `remind me|@someone|#chat <when> "text"`, repeating ones (`every monday 09:00`,
// `every workday 18:00`), list, cancel; and Done / Snooze on any reminder card.
import { and, asc, eq, or } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { formatDate, parseDateExpr } from '../commands/dates.ts';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseAudited, refuseInput } from '../core/errors.ts';
import { isStaff } from '../core/permissions.ts';
import { chatBindings, reminderOccurrences, reminders } from '../db/schema.ts';
import { calendarAround, nextWorkingDay } from '../schedule/calendar.ts';
import { createReminder, type ReminderTarget } from '../schedule/create.ts';
import type { Occurrence, Reminder } from '../schedule/fire.ts';
import { renderReminder } from '../schedule/render.ts';
import { describeRepeat, formatRepeat, nextOccurrence, type RepeatRule } from '../schedule/repeat.ts';
import { command } from './common.ts';

const WEEKDAYS: Record<string, number> = {
  monday: 1,
  mon: 1,
  一: 1,
  tuesday: 2,
  tue: 2,
  二: 2,
  wednesday: 3,
  wed: 3,
  三: 3,
  thursday: 4,
  thu: 4,
  四: 4,
  friday: 5,
  fri: 5,
  五: 5,
  saturday: 6,
  sat: 6,
  六: 6,
  sunday: 7,
  sun: 7,
  日: 7,
  天: 7,
};

function parseTime(s: string | undefined): { hour: number; minute: number } | null {
  const m = /^(\d{1,2})(?:[:：](\d{2}))?$/.exec(s ?? '09:00');
  if (!m || Number(m[1]) > 23 || Number(m[2] ?? 0) > 59) return null;
  return { hour: Number(m[1]), minute: Number(m[2] ?? 0) };
}

/** `every monday 09:00`, `every day 8:30`, `every workday 18:00`, `每周一 9:00`, `每天 9:00`, `每个工作日 18:00`. */
export function parseEvery(words: string[]): RepeatRule | null {
  const text = words.join(' ').toLowerCase().trim();
  let m =
    /^(?:every\s+(\w+)|每(?:个|個)?(?:周|星期|週)?([一二三四五六日天])|每(?:个|個)?(工作日|天|日))\s*(\S+)?$/.exec(
      text,
    );
  if (!m) return null;
  const what = m[1] ?? m[2] ?? m[3]!;
  const time = parseTime(m[4]);
  if (!time) return null;
  if (['day', 'daily', '天', '日'].includes(what) && !m[2]) return { kind: 'daily', ...time };
  if (['workday', 'weekday', 'workdays', '工作日'].includes(what)) return { kind: 'workdays', ...time };
  const weekday = WEEKDAYS[what];
  m = null;
  return weekday ? { kind: 'weekly', weekday, ...time } : null;
}

async function targetOf(
  ctx: FlowContext,
  word: string | undefined,
  mention: boolean,
  mentions: Parameters<FlowContext['person']>[0][],
): Promise<{ target: ReminderTarget; name: string }> {
  if (mention) {
    const { person } = await ctx.person(mentions[0]!);
    return { target: { kind: 'person', personId: person.id }, name: person.name };
  }
  if (word === 'me' || word === '我')
    return { target: { kind: 'person', personId: ctx.actor.personId }, name: ctx.t({ en: 'you', zh: '您' }) };
  if (word?.startsWith('#')) {
    const chatId = word.slice(1);
    if (!chatId || chatId === 'here' || chatId === '这里' || chatId === '本群') {
      return {
        target: {
          kind: 'chat',
          platform: ctx.chat.platform,
          tenant: ctx.chat.tenant,
          chatId: ctx.chat.chatId,
        },
        name: ctx.t({ en: 'this chat', zh: '本群' }),
      };
    }
    return { target: await knownChat(ctx, chatId), name: word };
  }
  return refuseInput('Say whom to remind: me, @someone or #chat.', '请说明提醒谁：我、@某人 或 #群。');
}

/**
 * A chat named `#…` must be one the bot posts to: a chat bound to a department on this platform, by its id
 * or its title. An unknown name is refused with the chats there are, not stored as a reminder nobody gets.
 */
async function knownChat(ctx: FlowContext, name: string): Promise<ReminderTarget> {
  const bound = await ctx.tx
    .select({ chatId: chatBindings.chatId, title: chatBindings.title, tenant: chatBindings.tenant })
    .from(chatBindings)
    .where(eq(chatBindings.platform, ctx.chat.platform))
    .orderBy(asc(chatBindings.id));
  const wanted = name.toLowerCase();
  const hit =
    bound.find((b) => b.chatId === name && b.tenant === ctx.chat.tenant) ??
    bound.find((b) => b.chatId.toLowerCase() === wanted || b.title?.toLowerCase() === wanted);
  if (hit) return { kind: 'chat', platform: ctx.chat.platform, tenant: hit.tenant, chatId: hit.chatId };
  const names = bound.map((b) => `#${b.title ?? b.chatId}`).join(', ');
  return refuseInput(
    `I don't know the chat #${name}. ${names ? `Chats I post to: ${names}, or #here for this chat.` : 'No chat is bound yet (admin bind <department> in the chat); #here means this chat.'}`,
    `不认识群 #${name}。${names ? `可用的群：${names}，或用 #本群 表示当前群。` : '还没有绑定任何群（在群里输入 管理 绑定 <部门>）；#本群 表示当前群。'}`,
  );
}

/**
 * Who may close, snooze or cancel a reminder: whoever set it, the person it is for, the department it is
 * for, anyone in the chat it was posted to (the buttons are there), and an admin. One rule for every verb.
 */
async function mayHandle(ctx: FlowContext, r: Reminder): Promise<boolean> {
  const me = ctx.actor.personId;
  if (ctx.actor.role === 'admin' || r.createdBy === me) return true;
  if (r.targetKind === 'person') return r.targetPersonId === me;
  if (r.targetKind === 'department') return r.targetDepartment === ctx.actor.department;
  if (r.targetKind === 'chat')
    return (
      r.targetPlatform === ctx.chat.platform &&
      (r.targetTenant ?? '') === ctx.chat.tenant &&
      r.targetChatId === ctx.chat.chatId
    );
  return false;
}

async function ownReminder(ctx: FlowContext, r: Reminder, verb: { en: string; zh: string }): Promise<void> {
  if (await mayHandle(ctx, r)) return;
  refuseAudited(
    { action: 'denied', entity: 'reminder', ref: r.number, detail: { verb: verb.en } },
    `${r.number} is not yours to ${verb.en}: it was set by someone else for someone else.`,
    `${r.number} 不是您的提醒，不能${verb.zh}。`,
  );
}

const USAGE = {
  en: 'remind me|@someone|#chat <when> "text"   e.g. remind me tomorrow 09:00 "call Acme"; remind #sales every monday 09:00 "weekly review"',
  zh: '提醒 我|@某人|#群 <时间> "内容"   例如：提醒 我 明天 9:00 "给华星打电话"；提醒 #sales 每周一 9:00 "周会"',
};

const create = command({
  noun: 'remind',
  verbs: [null],
  mention: 'optional',
  words: Array.from({ length: 8 }, (_, i) => ({
    name: i === 0 ? { en: 'whom', zh: '提醒谁' } : { en: 'when', zh: '时间' },
    required: i < 2,
  })),
  keys: { text: k.text(1000).optional() },
  usage: USAGE,
  summary: {
    en: 'remind yourself, someone or a chat, once or repeating',
    zh: '提醒自己、他人或群，一次或重复',
  },
  allow: isStaff,
  async run(ctx, { words, mentions, args }) {
    const mention = mentions.length > 0;
    const rest = mention ? words : words.slice(1);
    const text = args.text ?? rest[rest.length - 1];
    const when = args.text ? rest : rest.slice(0, -1);
    if (!text?.trim() || when.length === 0)
      return refuseInput(
        'Say when and what, e.g. tomorrow 09:00 "call Acme".',
        '请写明时间和内容，例如 明天 9:00 "给华星打电话"。',
      );
    const { target, name } = await targetOf(ctx, words[0], mention, mentions);
    const repeat = when[0]?.toLowerCase() === 'every' || when[0]?.startsWith('每') ? parseEvery(when) : null;
    if ((when[0]?.toLowerCase() === 'every' || when[0]?.startsWith('每')) && !repeat) {
      refuseInput(
        'Repeat like: every monday 09:00, every day 08:30, every workday 18:00.',
        '重复写法：每周一 9:00、每天 8:30、每个工作日 18:00。',
      );
    }
    let first: Date;
    if (repeat) {
      first = (await nextOccurrence(ctx.tx, formatRepeat(repeat), ctx.zone, ctx.now))!;
    } else {
      const expr = parseDateExpr(when.join(' '));
      if (!expr.ok)
        return refuseInput(
          `"${when.join(' ')}" is not a time I understand. Try: tomorrow 09:00, 14:30, in 2 hours, next monday 10:00, Dec 20, 2026-12-04 15:00.`,
          `无法理解时间“${when.join(' ')}”。可以写：明天 9:00、14:30、2小时后、明天上午9点、下周一 10:00、12月20日、2026-12-04 15:00。`,
        );
      first = ctx.date(expr.value).at;
      if (first.getTime() <= ctx.now.getTime()) refuse('That time has passed.', '该时间已过。');
    }
    // A time someone asked for is kept as asked (urgent); only system reminders move to working hours.
    const r = await createReminder(
      ctx.tx,
      {
        kind: 'personal',
        target,
        text,
        repeat: repeat ? formatRepeat(repeat) : null,
        timezone: ctx.zone,
        urgent: true,
        createdBy: ctx.actor.personId,
      },
      [first],
    );
    await ctx.audit('remind.add', 'reminder', r.number);
    const at = ctx.fmtDate(first, true);
    return {
      text: ctx.t({
        en: `${r.number}: I will remind ${name}${repeat ? ` ${describeRepeat(formatRepeat(repeat), 'en')}, first` : ''} at ${at}: ${text}`,
        zh: `${r.number}：将于 ${at} 提醒${name}${repeat ? `（重复：${describeRepeat(formatRepeat(repeat), 'zh')}）` : ''}：${text}`,
      }),
    };
  },
});

const list = command({
  noun: 'remind',
  verbs: ['list'],
  keys: {},
  usage: { en: 'remind list', zh: '提醒 列表' },
  summary: { en: 'your reminders and the ones you set', zh: '您的提醒和您设置的提醒' },
  allow: isStaff,
  readOnly: true,
  async run(ctx) {
    const rows = await ctx.tx
      .select({ r: reminders, due: reminderOccurrences.dueAt })
      .from(reminders)
      .innerJoin(
        reminderOccurrences,
        and(eq(reminderOccurrences.reminderId, reminders.id), eq(reminderOccurrences.state, 'scheduled')),
      )
      .where(
        and(
          eq(reminders.state, 'active'),
          or(eq(reminders.targetPersonId, ctx.actor.personId), eq(reminders.createdBy, ctx.actor.personId)),
        ),
      )
      .orderBy(asc(reminderOccurrences.dueAt))
      .limit(30);
    if (rows.length === 0) return { text: ctx.t({ en: 'No reminders pending.', zh: '没有待发送的提醒。' }) };
    const lines = rows.map(
      ({ r, due }) =>
        `${r.number}  ${ctx.t({ en: 'next at', zh: '下次' })} ${ctx.fmtDate(due, true)}${r.repeat ? ` (${describeRepeat(r.repeat, ctx.locale)})` : ''} · ${renderReminder(r, { id: 0, dueAt: due } as Occurrence, ctx.locale, 'private', ctx.now).card!.fields[0]!.value}`,
    );
    return { text: `${ctx.t({ en: 'Reminders:', zh: '提醒：' })}\n${lines.join('\n')}` };
  },
});

const cancel = command({
  noun: 'remind',
  verbs: ['cancel'],
  ref: { kind: 'reminder', required: true },
  keys: {},
  usage: { en: 'remind cancel R-0001', zh: '提醒 取消 R-0001' },
  summary: { en: 'stop a reminder you set or that is for you', zh: '取消您设置的或发给您的提醒' },
  allow: isStaff,
  async run(ctx, { ref }) {
    const [r] = await ctx.tx.select().from(reminders).where(eq(reminders.number, ref!)).for('update');
    if (!r) return refuseInput(`There is no reminder ${ref}.`, `提醒 ${ref} 不存在。`);
    await ownReminder(ctx, r, { en: 'cancel', zh: '取消' });
    if (r.state !== 'active')
      refuse(
        `${r.number} is already ${r.state}.`,
        `${r.number} 已${r.state === 'cancelled' ? '取消' : '结束'}。`,
      );
    await ctx.tx.update(reminders).set({ state: 'cancelled' }).where(eq(reminders.id, r.id));
    await ctx.tx
      .update(reminderOccurrences)
      .set({ state: 'cancelled' })
      .where(and(eq(reminderOccurrences.reminderId, r.id), eq(reminderOccurrences.state, 'scheduled')));
    await ctx.audit('remind.cancel', 'reminder', r.number);
    return { text: ctx.t({ en: `${r.number} cancelled.`, zh: `${r.number} 已取消。` }) };
  },
});

async function loadOccurrence(
  ctx: FlowContext,
  idText: string | undefined,
): Promise<{ occ: Occurrence; r: Reminder }> {
  const id = Number(idText);
  if (!Number.isSafeInteger(id) || id <= 0)
    return refuseInput('That reminder does not exist.', '该提醒不存在。');
  const [occ] = await ctx.tx
    .select()
    .from(reminderOccurrences)
    .where(eq(reminderOccurrences.id, id))
    .for('update');
  if (!occ) return refuseInput('That reminder does not exist.', '该提醒不存在。');
  const [r] = await ctx.tx.select().from(reminders).where(eq(reminders.id, occ.reminderId));
  return { occ, r: r! };
}

/** Re-renders the reminder card everywhere with what happened, and no buttons. */
async function closeCard(
  ctx: FlowContext,
  r: Reminder,
  occ: Occurrence,
  note: { en: string; zh: string },
): Promise<void> {
  await ctx.out.update(`reminder:${occ.id}`, (l, audience) => {
    const m = renderReminder(r, occ, l, audience, occ.firedAt ?? ctx.now);
    return { text: `${m.text}\n${note[l]}`, card: { ...m.card!, actions: [], note: note[l] } };
  });
}

const done = command({
  noun: 'remind',
  verbs: ['done'],
  words: [{ name: { en: 'reminder', zh: '提醒' }, required: true }],
  keys: {},
  usage: { en: 'remind done <id>   (the Done button)', zh: '提醒 已完成 <编号>（“完成”按钮）' },
  summary: { en: 'mark a reminder done', zh: '标记提醒已完成' },
  allow: isStaff,
  async run(ctx, { words }) {
    const { occ, r } = await loadOccurrence(ctx, words[0]);
    await ownReminder(ctx, r, { en: 'close', zh: '标记完成' });
    if (occ.state === 'done') {
      return {
        text: ctx.t({
          en: `Already done at ${ctx.fmtDate(occ.doneAt, true)}.`,
          zh: `已于 ${ctx.fmtDate(occ.doneAt, true)} 完成。`,
        }),
      };
    }
    if (occ.state === 'snoozed' || occ.state === 'cancelled')
      refuse('This reminder is no longer open (snoozed or cancelled).', '该提醒已处理（推迟或取消）。');
    await ctx.tx
      .update(reminderOccurrences)
      .set({ state: 'done', doneBy: ctx.actor.personId, doneAt: ctx.now })
      .where(eq(reminderOccurrences.id, occ.id));
    // Done before it fired: firing would have scheduled the next one of a series, so this does.
    if (occ.state === 'scheduled' && r.repeat && r.state === 'active') {
      const next = await nextOccurrence(ctx.tx, r.repeat, r.timezone, occ.dueAt);
      if (next)
        await ctx.tx
          .insert(reminderOccurrences)
          .values({ reminderId: r.id, dueAt: next })
          .onConflictDoNothing();
    }
    await ctx.audit('remind.done', 'reminder', r.number, { occurrence: occ.id });
    const at = ctx.fmtDate(ctx.now, true);
    await closeCard(ctx, r, occ, {
      en: `✅ Done by ${ctx.actor.name} at ${at}`,
      zh: `✅ ${ctx.actor.name} 已于 ${at} 完成`,
    });
    return { text: ctx.t({ en: `Done: ${r.number}.`, zh: `已完成：${r.number}。` }) };
  },
});

const snooze = command({
  noun: 'remind',
  verbs: ['snooze'],
  words: [{ name: { en: 'reminder', zh: '提醒' }, required: true }],
  keys: { for: k.choice({ '1h': ['1小时', '一小时', 'hour'], '1d': ['1天', '一天', '1个工作日', 'day'] }) },
  usage: {
    en: 'remind snooze <id> for=1h|1d   (the Snooze buttons)',
    zh: '提醒 推迟 <编号> 时长=1h|1d（“稍后”按钮）',
  },
  summary: { en: 'remind again in an hour or the next working day', zh: '1 小时后或下个工作日再提醒' },
  allow: isStaff,
  async run(ctx, { words, args }) {
    const { occ, r } = await loadOccurrence(ctx, words[0]);
    await ownReminder(ctx, r, { en: 'snooze', zh: '推迟' });
    if (occ.state !== 'fired') {
      refuse(
        'This reminder is no longer open (done, snoozed or cancelled).',
        '该提醒已处理（完成、推迟或取消）。',
      );
    }
    let until: Date;
    if (args.for === '1h') {
      until = new Date(ctx.now.getTime() + 3600_000);
    } else {
      const cal = await calendarAround(ctx.tx, ctx.now);
      const here = DateTime.fromJSDate(ctx.now, { zone: r.timezone });
      until = nextWorkingDay(here, cal)
        .set({ hour: here.hour, minute: here.minute, second: 0, millisecond: 0 })
        .toJSDate();
    }
    await ctx.tx
      .update(reminderOccurrences)
      .set({ state: 'snoozed', doneBy: ctx.actor.personId, doneAt: ctx.now })
      .where(eq(reminderOccurrences.id, occ.id));
    await ctx.tx.insert(reminderOccurrences).values({ reminderId: r.id, dueAt: until }).onConflictDoNothing();
    await ctx.audit('remind.snooze', 'reminder', r.number, {
      occurrence: occ.id,
      until: until.toISOString(),
    });
    const at = formatDate(until, ctx.zone, true);
    await closeCard(ctx, r, occ, {
      en: `💤 Snoozed by ${ctx.actor.name} until ${at}`,
      zh: `💤 ${ctx.actor.name} 已推迟到 ${at}`,
    });
    return { text: ctx.t({ en: `I will remind again at ${at}.`, zh: `将于 ${at} 再次提醒。` }) };
  },
});

export const remindCommands = [create, list, cancel, done, snooze];

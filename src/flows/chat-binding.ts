// Binding a chat to departments (R-CHAN-1, R-CHAN-4): `admin bind finance` in a chat makes it receive
// finance's messages; a project group may be bound to several departments (`admin bind sales production
// logistics`) and then gets a message meant for several of them once. `admin unbind` takes one off.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type DepartmentCode, k } from '../commands/keys.ts';
import { REDACTED } from '../commands/secrets.ts';
import { departmentsOfChat } from '../core/chat-departments.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { isAdmin } from '../core/permissions.ts';
import { chatBindingDepartments, chatBindings, departments } from '../db/schema.ts';
import { pick } from '../i18n/locale.ts';
import { command, DEPARTMENT_NAMES, departmentCodes, departmentId, deptChoice } from './common.ts';

/** Up to this many departments in one command, as words or comma-separated. */
const MAX_WORDS = 6;
const deptWords = Array.from({ length: MAX_WORDS }, (_, i) => ({
  name: { en: 'department', zh: '部门' },
  required: i === 0,
}));

/** The departments named, each once; an unknown one refuses the whole command. */
function parseDepartments(words: string[]): DepartmentCode[] {
  const out: DepartmentCode[] = [];
  for (const w of words.flatMap((x) => x.split(/[,，、]/)).filter(Boolean)) {
    const parsed = k.choice(deptChoice).safeParse(w);
    if (!parsed.success)
      return refuse(
        `"${w}" is not a department: ${departmentCodes.join(', ')}.`,
        `“${w}”不是部门：${departmentCodes.join('、')}。`,
      );
    if (!out.includes(parsed.data)) out.push(parsed.data);
  }
  return out;
}

function inGroup(ctx: FlowContext) {
  if (ctx.chat.kind === 'dm')
    refuse('Bind in the group chat itself, not in a direct message.', '请在要绑定的群聊中发送，而不是私聊。');
}

const names = (ctx: FlowContext, codes: DepartmentCode[]) =>
  codes.map((c) => DEPARTMENT_NAMES[c][ctx.locale]).join(pick(ctx.locale, { en: ', ', zh: '、' }));

function thisChat(ctx: FlowContext) {
  return and(
    eq(chatBindings.platform, ctx.chat.platform),
    eq(chatBindings.tenant, ctx.chat.tenant),
    eq(chatBindings.chatId, ctx.chat.chatId),
  );
}

const bind = command({
  noun: 'admin',
  verbs: ['bind'],
  words: deptWords,
  // A group-robot webhook key, for platforms whose bot cannot push into every group itself.
  keys: { webhook: k.text(200).optional() },
  usage: {
    en: 'admin bind finance [production logistics …] [webhook=<group robot key>]   (in the chat to bind)',
    zh: '管理 绑定 财务 [生产 物流 …] [webhook=<群机器人 key>]   （在要绑定的群里发送）',
  },
  summary: { en: 'bind this chat to one or more departments', zh: '将本群绑定到一个或多个部门' },
  allow: isAdmin,
  async run(ctx, { words, args }) {
    const webhook = args.webhook === undefined ? undefined : robotKey(args.webhook);
    const codes = parseDepartments(words);
    inGroup(ctx);
    const [existing] = await ctx.tx
      .select({ id: chatBindings.id, settings: chatBindings.settings })
      .from(chatBindings)
      .where(thisChat(ctx));
    const before = await departmentsOfChat(ctx.tx, ctx.chat);
    const settings = { ...(existing?.settings ?? {}), ...(webhook ? { webhook } : {}) };
    let bindingId = existing?.id;
    if (bindingId === undefined) {
      const [row] = await ctx.tx
        .insert(chatBindings)
        .values({
          platform: ctx.chat.platform,
          tenant: ctx.chat.tenant,
          chatId: ctx.chat.chatId,
          title: ctx.chat.title ?? null,
          departmentId: await departmentId(ctx, codes[0]!),
          boundBy: ctx.actor.personId,
          settings,
        })
        .returning({ id: chatBindings.id });
      bindingId = row!.id;
    } else {
      await ctx.tx
        .update(chatBindings)
        .set({ boundBy: ctx.actor.personId, title: ctx.chat.title ?? null, settings })
        .where(eq(chatBindings.id, bindingId));
    }
    // Added beside the departments it has: a project group serves several.
    for (const code of codes)
      await ctx.tx
        .insert(chatBindingDepartments)
        .values({
          bindingId,
          departmentId: await departmentId(ctx, code),
          boundBy: ctx.actor.personId,
          // The database's clock as each is written: after the first department's row (written by the
          // chat_bindings trigger at the transaction's start) and in the order given, which the reply lists.
          createdAt: sql`clock_timestamp()`,
        })
        .onConflictDoNothing();
    const after = await departmentsOfChat(ctx.tx, ctx.chat);
    // The webhook key is a secret: the audit says one was set, not what it is.
    await ctx.audit('admin.bind', 'chat', ctx.chat.chatId, {
      departments: after,
      previous: before,
      webhook: webhook ? 'set' : undefined,
    });
    const others = after.filter((c) => !codes.includes(c));
    return {
      text: `${ctx.t({
        en: `This chat now receives the messages of ${names(ctx, after)}.${others.length ? ` To stop one: admin unbind ${others[0]}.` : ''} A message to several of them arrives here once.`,
        zh: `本群已绑定${names(ctx, after)}，将接收这些部门的消息；发给其中多个部门的消息只发一次。${others.length ? `如需解除：管理 解绑 ${DEPARTMENT_NAMES[others[0]!].zh}。` : ''}`,
      })}${
        webhook
          ? `\n${ctx.t({
              en: 'Notices without buttons for this chat go through its group robot.',
              zh: '本群不含按钮的通知将通过群机器人发送。',
            })}`
          : ''
      }`,
    };
  },
});

/**
 * The key of a group robot, from the key itself or the robot's whole address (…?key=<key>). A command
 * replayed after a restart has it redacted (src/commands/secrets.ts): it is asked for again.
 */
function robotKey(value: string): string {
  if (value === REDACTED)
    refuse(
      'The group robot key was not kept while the bot restarted: send the command again.',
      '机器人重启期间没有保存群机器人 key：请重新发送这条命令。',
    );
  const key = value.replace(/^.*[?&]key=/, '');
  if (!/^[\w-]{8,100}$/.test(key))
    refuse(
      'That webhook key does not look right: copy the key= part of the group robot address (letters, digits, dashes).',
      'webhook 密钥格式不对：请复制群机器人地址中 key= 后面的部分（字母、数字、短横线）。',
    );
  return key;
}

const unbind = command({
  noun: 'admin',
  verbs: ['unbind'],
  words: deptWords,
  keys: {},
  usage: {
    en: 'admin unbind finance [production …]   (in the bound chat)',
    zh: '管理 解绑 财务 [生产 …]   （在已绑定的群里发送）',
  },
  summary: { en: 'stop this chat receiving a department’s messages', zh: '本群不再接收某部门的消息' },
  allow: isAdmin,
  async run(ctx, { words }) {
    const codes = parseDepartments(words);
    inGroup(ctx);
    const before = await departmentsOfChat(ctx.tx, ctx.chat);
    const missing = codes.filter((c) => !before.includes(c));
    if (missing.length)
      refuse(
        `This chat is not bound to ${names(ctx, missing)}${before.length ? ` (it is bound to ${names(ctx, before)})` : ' (it is bound to no department)'}.`,
        `本群未绑定${names(ctx, missing)}${before.length ? `（已绑定：${names(ctx, before)}）` : '（未绑定任何部门）'}。`,
      );
    const [binding] = await ctx.tx.select().from(chatBindings).where(thisChat(ctx)).for('update');
    const after = before.filter((c) => !codes.includes(c));
    if (after.length === 0) {
      // Nothing left: the binding goes (its departments with it), webhook key too.
      await ctx.tx.delete(chatBindings).where(eq(chatBindings.id, binding!.id));
    } else {
      const ids = await ctx.tx
        .select({ id: departments.id })
        .from(departments)
        .where(inArray(departments.code, codes));
      await ctx.tx.delete(chatBindingDepartments).where(
        and(
          eq(chatBindingDepartments.bindingId, binding!.id),
          inArray(
            chatBindingDepartments.departmentId,
            ids.map((r) => r.id),
          ),
        ),
      );
      // chat_bindings.department_id names one department the chat still has (the first bound).
      const first = await departmentId(ctx, after[0]!);
      if (binding!.departmentId !== first)
        await ctx.tx
          .update(chatBindings)
          .set({ departmentId: first })
          .where(eq(chatBindings.id, binding!.id));
    }
    await ctx.audit('admin.unbind', 'chat', ctx.chat.chatId, { removed: codes, departments: after });
    return {
      text: after.length
        ? ctx.t({
            en: `This chat no longer receives ${names(ctx, codes)}'s messages; it still receives ${names(ctx, after)}'s.`,
            zh: `本群已解绑${names(ctx, codes)}，仍接收${names(ctx, after)}的消息。`,
          })
        : ctx.t({
            en: `This chat no longer receives any department's messages.`,
            zh: `本群已解除全部绑定，不再接收部门消息。`,
          }),
    };
  },
});

export const chatBindingCommands = [bind, unbind];

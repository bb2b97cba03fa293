// One person across platforms (R-ORG-2). An admin links an account of another platform to a person
// (`admin link @li <platform>:zhangsan`) or takes it off again (`admin unlink`); anyone proves both ends
// themselves with a one-time code (`me link` on one platform, `me link <code>` on the other).
// What may be joined is decided in core/person-links.ts; every link and unlink is audited.
import { and, eq } from 'drizzle-orm';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { isCodeShaped, issueCode, takeCode } from '../core/link-codes.ts';
import { anyone, isAdmin } from '../core/permissions.ts';
import {
  findIdentity,
  type IdentityRow,
  identitiesOf,
  identityLabel,
  mayJoin,
  moveIdentity,
} from '../core/person-links.ts';
import { identities, people } from '../db/schema.ts';
import { command, label } from './common.ts';

type PersonRow = typeof people.$inferSelect;

async function personRow(ctx: FlowContext, id: number): Promise<PersonRow> {
  const [p] = await ctx.tx.select().from(people).where(eq(people.id, id)).for('update');
  return p!;
}

/** One account per platform and workspace for a person: a second one is almost always a mistake. */
async function noSecondAccount(ctx: FlowContext, to: PersonRow, adding: IdentityRow[]) {
  const have = await identitiesOf(ctx.tx, to.id);
  for (const a of adding) {
    const clash = have.find((h) => h.platform === a.platform && h.tenant === a.tenant && h.id !== a.id);
    if (clash)
      refuse(
        `${to.name} already has ${identityLabel(clash)} on that platform: unlink it first (admin unlink).`,
        `${to.name} 在该平台已有账号 ${identityLabel(clash)}：请先取消关联（管理 取消关联）。`,
      );
  }
}

/** The identity the actor is writing from (none in the web workspace, which has no platform account). */
async function currentIdentity(ctx: FlowContext): Promise<IdentityRow> {
  const [row] = await ctx.tx
    .select()
    .from(identities)
    .where(
      and(
        eq(identities.personId, ctx.actor.personId),
        eq(identities.platform, ctx.chat.platform),
        eq(identities.tenant, ctx.chat.tenant),
      ),
    )
    .limit(1);
  return (
    row ??
    refuse(
      'Type me link in the chat app where your account is, not here.',
      '请在您账号所在的聊天应用中发送「我 关联」，而不是这里。',
    )
  );
}

const adminLink = command({
  noun: 'admin',
  verbs: ['link'],
  mention: 'required',
  words: [{ name: { en: 'platform:user', zh: '平台:用户' }, required: true }],
  keys: {},
  usage: {
    en: 'admin link @li <platform>:zhangsan   (the account of another platform becomes li’s)',
    zh: '管理 关联 @li <platform>:zhangsan   （把其他平台的账号关联到 li）',
  },
  summary: {
    en: 'make an account of another platform the same person',
    zh: '把其他平台的账号关联为同一人',
  },
  allow: isAdmin,
  async run(ctx, { mentions, words }) {
    const { person } = await ctx.person(mentions[0]!);
    const identity = await findIdentity(ctx.tx, words[0]!);
    const name = identityLabel(identity);
    const to = await personRow(ctx, person.id);
    const from = await personRow(ctx, identity.personId);
    mayJoin(to, from, name, 'admin');
    await noSecondAccount(ctx, to, [identity]);
    const merged = await moveIdentity(ctx.tx, identity, to, ctx.now);
    await ctx.history('person', to.id, [{ field: 'identity', from: null, to: name }]);
    await ctx.audit('admin.link', 'person', String(to.id), {
      identity: name,
      from: from.id,
      merged,
    });
    await ctx.out.send({ kind: 'person', personId: to.id }, (l) => ({
      text: label(
        l,
        `${ctx.actor.name} linked ${name} to you: the bot knows both accounts as you.`,
        `${ctx.actor.name} 已将 ${name} 关联到您：机器人把两个账号视为同一人。`,
      ),
    }));
    return {
      text: ctx.t({
        en: `${name} is now ${to.name}'s account.${merged ? ` ${from.name} (no role, no work of their own) is merged into ${to.name}.` : ''}`,
        zh: `${name} 现为 ${to.name} 的账号。${merged ? `${from.name}（无角色、无自己的工作）已并入 ${to.name}。` : ''}`,
      }),
    };
  },
});

const adminUnlink = command({
  noun: 'admin',
  verbs: ['unlink'],
  mention: 'required',
  words: [{ name: { en: 'platform:user', zh: '平台:用户' }, required: true }],
  keys: {},
  usage: {
    en: 'admin unlink @li <platform>:zhangsan   (the account becomes a person of its own, without a role)',
    zh: '管理 取消关联 @li <platform>:zhangsan   （该账号成为独立的人员，无角色）',
  },
  summary: { en: 'take an account off a person', zh: '取消账号与人员的关联' },
  allow: isAdmin,
  async run(ctx, { mentions, words }) {
    const { person } = await ctx.person(mentions[0]!);
    const identity = await findIdentity(ctx.tx, words[0]!);
    const name = identityLabel(identity);
    if (identity.personId !== person.id)
      refuse(`${name} is not ${person.name}'s account.`, `${name} 不是 ${person.name} 的账号。`);
    if ((await identitiesOf(ctx.tx, person.id)).length < 2)
      refuse(
        `${name} is ${person.name}'s only account: nothing to unlink it from.`,
        `${name} 是 ${person.name} 唯一的账号，无法取消关联。`,
      );
    const [own] = await ctx.tx
      .insert(people)
      .values({ name: identity.displayName ?? identity.externalId, email: null, role: null })
      .returning();
    await ctx.tx.update(identities).set({ personId: own!.id }).where(eq(identities.id, identity.id));
    await ctx.history('person', person.id, [{ field: 'identity', from: name, to: null }]);
    await ctx.audit('admin.unlink', 'person', String(person.id), { identity: name, to: own!.id });
    return {
      text: ctx.t({
        en: `${name} is no longer ${person.name}'s: it is a person of its own, without a role.`,
        zh: `${name} 已不再是 ${person.name} 的账号，现为独立人员（无角色）。`,
      }),
    };
  },
});

const meLink = command({
  noun: 'me',
  verbs: ['link'],
  words: [{ name: { en: 'code', zh: '验证码' }, required: false }],
  keys: {},
  usage: {
    en: 'me link   (gives a code) · me link ABCD-2345   (typed on the other platform)',
    zh: '我 关联   （获取验证码） · 我 关联 ABCD-2345   （在另一个平台输入）',
  },
  summary: {
    en: 'join your accounts on two platforms into one person',
    zh: '把您在两个平台上的账号合为同一人',
  },
  allow: anyone,
  async run(ctx, { words }) {
    const here = await currentIdentity(ctx);
    if (words[0] === undefined) {
      const { code } = await issueCode(ctx.tx, ctx.actor.personId, here.id, ctx.now);
      await ctx.audit('me.link.code', 'person', String(ctx.actor.personId), {
        identity: identityLabel(here),
      });
      const text = (l: 'en' | 'zh') =>
        label(
          l,
          `Your code: ${code}. On the other platform, type: me link ${code}. It works once, for 10 minutes; asking again voids it.`,
          `您的验证码：${code}。请在另一个平台发送：我 关联 ${code}。仅可使用一次，10 分钟内有效；再次获取则作废。`,
        );
      // The code is a key to this person: never shown in a group.
      if (ctx.replyAudience === 'private') return { text: text(ctx.locale) };
      await ctx.out.send({ kind: 'person', personId: ctx.actor.personId }, (l) => ({ text: text(l) }));
      return {
        text: ctx.t({
          en: 'I sent you the code in a private message.',
          zh: '验证码已私信发给您。',
        }),
      };
    }
    if (!isCodeShaped(words[0]))
      refuse(
        `"${words[0]}" is not a link code: it has 8 letters and digits, like ABCD-2345 (me link gives one).`,
        `“${words[0]}”不是验证码：验证码为 8 位字母和数字，例如 ABCD-2345（发送「我 关联」获取）。`,
      );
    const taken = await takeCode(ctx.tx, words[0], ctx.now);
    if (!taken)
      refuse(
        'That code is unknown, used or expired: type me link on the other platform for a new one.',
        '验证码无效、已使用或已过期：请在另一个平台重新发送「我 关联」获取。',
      );
    if (taken!.personId === ctx.actor.personId)
      refuse(
        'That code is from this same person: type it on your other platform.',
        '这是您本人在此账号上获取的验证码：请在另一个平台输入。',
      );
    const a = await personRow(ctx, taken!.personId);
    const b = await personRow(ctx, ctx.actor.personId);
    // The one with a role keeps the other's accounts; with neither, the one who asked for the code.
    const [to, from] = b.role !== null && a.role === null ? [b, a] : [a, b];
    mayJoin(to, from, from.name, 'self');
    const moving = await identitiesOf(ctx.tx, from.id);
    await noSecondAccount(ctx, to, moving);
    for (const i of moving) await moveIdentity(ctx.tx, i, to, ctx.now);
    const names = moving.map(identityLabel).join(', ');
    await ctx.history('person', to.id, [{ field: 'identity', from: null, to: names }]);
    await ctx.audit('me.link', 'person', String(to.id), {
      identities: moving.map(identityLabel),
      from: from.id,
    });
    return {
      text: ctx.t({
        en: `Linked: this account and your other one are one person now, ${to.name} (${names} joined).`,
        zh: `已关联：此账号与您的另一个账号现为同一人：${to.name}（并入：${names}）。`,
      }),
    };
  },
});

/** me link, and the admin's own way to the same end (admin link, admin unlink). */
export const personLinkCommands = [meLink, adminLink, adminUnlink];

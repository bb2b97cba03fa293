// An admin sets a person's contact address (`admin person @li email=…`); people set their own with `me email=…`.
// A channel that reaches people by address (not by a chat identity) uses it.
import { eq } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import { refuse } from '../core/errors.ts';
import { isAdmin } from '../core/permissions.ts';
import { people } from '../db/schema.ts';
import { command } from './common.ts';

const person = command({
  noun: 'admin',
  verbs: ['person'],
  mention: 'required',
  keys: { email: k.email().optional() },
  usage: {
    en: 'admin person @li email=li@example.com',
    zh: '管理 人员资料 @li 邮箱=li@example.com',
  },
  summary: { en: "show or set a person's email address", zh: '查看或设置人员的邮箱' },
  allow: isAdmin,
  async run(ctx, { mentions, args }) {
    const { person: p } = await ctx.person(mentions[0]!);
    if (args.email !== undefined && !p.active)
      refuse(`${p.name} has left; their address is kept as it was.`, `${p.name} 已离职，邮箱保持不变。`);
    const email = args.email ?? p.email;
    if (args.email !== undefined && args.email !== p.email) {
      await ctx.tx.update(people).set({ email: args.email }).where(eq(people.id, p.id));
      await ctx.history('person', p.id, [{ field: 'email', from: p.email, to: args.email }]);
      await ctx.audit('admin.person', 'person', String(p.id), { fields: ['email'] });
    }
    const saved = args.email !== undefined;
    return {
      text: ctx.t({
        en: `${saved ? 'Saved. ' : ''}${p.name}: email ${email ?? '— (admin person @… email=…)'}.`,
        zh: `${saved ? '已保存。' : ''}${p.name}：邮箱 ${email ?? '—（管理 人员资料 @… 邮箱=…）'}。`,
      }),
    };
  },
});

export const adminPersonCommands = [person];

// A person's own settings: language, time zone and contact address. Shown with their role, so people know what they can do.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { k } from '../commands/keys.ts';
import { ROLE_NAMES } from '../core/actor.ts';
import { anyone } from '../core/permissions.ts';
import { people } from '../db/schema.ts';
import { pick } from '../i18n/locale.ts';
import { command, DEPARTMENT_NAMES } from './common.ts';
import { personLinkCommands } from './person-links.ts';

const zone = z
  .string()
  .trim()
  .refine((tz) => tz === 'UTC' || Intl.supportedValuesOf('timeZone').includes(tz), {
    params: { problem: 'timezone', example: 'Asia/Shanghai' },
  });

const me = command({
  noun: 'me',
  verbs: [null],
  keys: {
    lang: k.choice({ en: ['english', '英文', '英语'], zh: ['chinese', '中文', '汉语', 'cn'] }).optional(),
    tz: zone.optional(),
    name: k.text(100).optional(),
    // The contact address a channel that reaches people by address uses (see admin person).
    email: k.email().optional(),
  },
  usage: {
    en: 'me [lang=en|zh] [tz=Asia/Shanghai] [name="Li Lei"] [email=li@example.com]',
    zh: '我 [语言=中文|英文] [时区=Asia/Shanghai] [姓名=李雷] [邮箱=li@example.com]',
  },
  summary: { en: 'your role, language and time zone', zh: '我的角色、语言和时区' },
  allow: anyone,
  async run(ctx, { args }) {
    const changed =
      args.lang !== undefined || args.tz !== undefined || args.name !== undefined || args.email !== undefined;
    const locale = args.lang ?? ctx.locale;
    if (changed) {
      const [before] = await ctx.tx.select().from(people).where(eq(people.id, ctx.actor.personId));
      const set = {
        locale: args.lang ?? before!.locale,
        timezone: args.tz ?? before!.timezone,
        name: args.name ?? before!.name,
        email: args.email ?? before!.email,
      };
      await ctx.tx.update(people).set(set).where(eq(people.id, ctx.actor.personId));
      await ctx.history('person', ctx.actor.personId, [
        { field: 'locale', from: before!.locale, to: set.locale },
        { field: 'timezone', from: before!.timezone, to: set.timezone },
        { field: 'name', from: before!.name, to: set.name },
        { field: 'email', from: before!.email, to: set.email },
      ]);
      // Changes are audited like any other (R-SEC-2), naming what changed.
      await ctx.audit('me.update', 'person', before!.handle ?? String(ctx.actor.personId), {
        fields: (['locale', 'timezone', 'name', 'email'] as const).filter((f) => set[f] !== before![f]),
      });
    }
    const role = ctx.actor.role
      ? ROLE_NAMES[ctx.actor.role][locale]
      : pick(locale, { en: 'no role yet (ask an admin)', zh: '尚无角色（请联系管理员）' });
    const dept = ctx.actor.department ? DEPARTMENT_NAMES[ctx.actor.department][locale] : '—';
    const tz = args.tz ?? ctx.zone;
    const name = args.name ?? ctx.actor.name;
    const [mine] = await ctx.tx
      .select({ email: people.email })
      .from(people)
      .where(eq(people.id, ctx.actor.personId));
    const email = mine?.email ?? null;
    const text = pick(locale, {
      en: `${changed ? 'Saved. ' : ''}${name}: ${role}, ${dept}. Language: English. Time zone: ${tz}.${email ? ` Email: ${email}.` : ''}`,
      zh: `${changed ? '已保存。' : ''}${name}：${role}，${dept}。语言：中文。时区：${tz}。${email ? `邮箱：${email}。` : ''}`,
    });
    return { text };
  },
});

// me link and the admin's link/unlink are one concept, kept together in person-links.ts.
export const meCommands = [me, ...personLinkCommands];

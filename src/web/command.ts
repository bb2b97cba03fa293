// `web` (网页): a sign-in link to the web workspace, for the person who asks and nobody else. In a chat others
// read it goes to the asker's private chat instead, since whoever holds the link signs in as them.
import { anyone } from '../core/permissions.ts';
import { command } from '../flows/common.ts';
import { pick } from '../i18n/locale.ts';
import { webUrl } from './address.ts';
import { createSignInLink, LINK_MINUTES } from './sessions.ts';

const web = command({
  noun: 'web',
  verbs: [null],
  keys: {},
  usage: { en: 'web', zh: '网页' },
  summary: { en: 'a sign-in link to the web workspace', zh: '网页工作台的登录链接' },
  allow: anyone,
  async run(ctx) {
    const token = await createSignInLink(ctx.tx, ctx.actor.personId, ctx.now);
    const link = webUrl(`/sign-in/${token}`);
    const text = (l: 'en' | 'zh') =>
      pick(l, {
        en: `Your sign-in link to the web workspace (for you alone, once, valid ${LINK_MINUTES} minutes):\n${link}`,
        zh: `您的网页工作台登录链接（仅限本人、一次有效，${LINK_MINUTES} 分钟内有效）：\n${link}`,
      });
    await ctx.audit('web.link', 'person', String(ctx.actor.personId));
    if (ctx.replyAudience === 'private') return { text: text(ctx.locale) };
    await ctx.out.send({ kind: 'person', personId: ctx.actor.personId }, (l) => ({ text: text(l) }));
    return {
      text: ctx.t({
        en: 'I sent you a sign-in link in our private chat.',
        zh: '登录链接已私信发给您。',
      }),
    };
  },
});

export const webCommands = [web];

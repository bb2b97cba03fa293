// A rectification notice also goes to the person responsible by contact address (issue 16), when the
// policy names `rectify` (admin policy email=…): the same card as in their direct chat; its link presses the
// card's first button (Accept) as them.
import { sendToContacts } from '../core/contact-posts.ts';
import type { FlowContext } from '../core/context.ts';
import { pick } from '../i18n/locale.ts';
import { type Notice, renderNotice, viewOf } from '../rectify/notices.ts';
import { readMailItems } from './mail-policy.ts';

export async function mailNotice(ctx: FlowContext, n: Notice, personId: number): Promise<number> {
  if (!ctx.org.contactChannels?.length) return 0;
  if (!(await readMailItems(ctx.tx)).includes('rectify')) return 0;
  const v = await viewOf(ctx.tx, n, ctx.zone, ctx.fmtDate);
  return sendToContacts(
    ctx.tx,
    ctx.org,
    [personId],
    (l) => ({
      ...renderNotice(v, l, ctx.now),
      headline: `${n.number} ${pick(l, { en: 'rectification by', zh: '整改期限' })} ${v.when(n.dueAt)}${pick(l, { en: ': ', zh: '：' })}${n.issue}`,
    }),
    `mail:rectify:${n.number}`,
  );
}

// A newcomer whose platform gives an email address that a person the bot knows already has (R-ORG-2) is
// told, privately, how to join the two accounts themselves. Never joined automatically: an email address
// is shared, mistyped or reused more often than a person holds both accounts.
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { people } from '../db/schema.ts';
import { pick } from '../i18n/locale.ts';
import { loadOrg } from './org.ts';
import { outboxWriter } from './outbox.ts';

export async function offerLinkByEmail(
  db: Queryable,
  person: { id: number; email: string | null },
  platform: string,
): Promise<boolean> {
  const email = person.email?.trim().toLowerCase();
  if (!email) return false;
  const [known] = await db
    .select({ id: people.id })
    .from(people)
    .where(
      and(ne(people.id, person.id), eq(people.active, true), sql`lower(trim(${people.email})) = ${email}`),
    )
    .limit(1);
  if (!known) return false;
  // The other person is not named: whoever typed here has not proven yet that they are them.
  await outboxWriter(db, await loadOrg(db), platform).send({ kind: 'person', personId: person.id }, (l) => ({
    text: pick(l, {
      en: `Someone with your email address (${email}) already uses the bot on another platform. If that is you, type me link there, then type the code here (me link <code>): both accounts become one person, with one role.`,
      zh: `使用您邮箱（${email}）的人员已在另一个平台使用机器人。如果是您本人，请在那边发送「我 关联」，再在这里输入验证码（我 关联 <验证码>），两个账号即合为同一人、同一角色。`,
    }),
  }));
  return true;
}

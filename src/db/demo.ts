// The demo organisation for a first start without any chat platform: seven departments with a chat each,
// and nine people, so every command can be tried at once from the console.
import { eq, sql } from 'drizzle-orm';
import type { Role } from '../core/actor.ts';
import type { Db } from './client.ts';
import { chatBindings, departments, identities, people } from './schema.ts';

/** The demo people are console identities: the console is the chat of a first start. */
export const PLATFORM = 'console';

type DemoPerson = { handle: string; name: string; role: Role; dept: string | null; locale?: 'en' | 'zh' };

export const DEMO_PEOPLE: DemoPerson[] = [
  { handle: 'li', name: 'Li Lei 李雷', role: 'sales_rep', dept: 'sales' },
  { handle: 'chen', name: 'Chen Jing 陈静', role: 'sales_rep', dept: 'sales' },
  { handle: 'wang', name: 'Wang Qiang 王强', role: 'sales_manager', dept: 'sales' },
  { handle: 'qian', name: 'Qian Hui 钱慧', role: 'head', dept: 'marketing' },
  { handle: 'wu', name: 'Wu Min 吴敏', role: 'head', dept: 'service' },
  { handle: 'zhao', name: 'Zhao Yun 赵云', role: 'head', dept: 'finance' },
  { handle: 'sun', name: 'Sun Li 孙立', role: 'head', dept: 'production' },
  { handle: 'zhou', name: 'Zhou Tao 周涛', role: 'head', dept: 'logistics' },
  { handle: 'admin', name: 'Admin 管理员', role: 'admin', dept: 'management' },
];

export const DEMO_CHATS = [
  'sales',
  'marketing',
  'service',
  'finance',
  'production',
  'logistics',
  'management',
];

/** Creates the demo organisation if nobody exists yet. Returns whether it did. */
export async function createDemoIfEmpty(db: Db): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Serialise two replicas starting at once on the same empty database.
    await tx.execute(sql`select pg_advisory_xact_lock(727275)`);
    const [any] = await tx.select({ id: people.id }).from(people).limit(1);
    if (any) return false;
    const depts = new Map((await tx.select().from(departments)).map((d) => [d.code, d.id]));
    for (const p of DEMO_PEOPLE) {
      const [row] = await tx
        .insert(people)
        .values({
          handle: p.handle,
          name: p.name,
          role: p.role,
          // Example addresses (example.com reaches nobody), so a channel that mails people can be tried.
          email: `${p.handle}@example.com`,
          departmentId: p.dept ? depts.get(p.dept)! : null,
        })
        .returning({ id: people.id });
      await tx
        .insert(identities)
        .values({ personId: row!.id, platform: PLATFORM, externalId: p.handle, displayName: p.name });
    }
    for (const chat of DEMO_CHATS) {
      await tx
        .insert(chatBindings)
        .values({ platform: PLATFORM, chatId: chat, title: chat, departmentId: depts.get(chat)! });
    }
    const [admin] = await tx.select({ id: people.id }).from(people).where(eq(people.handle, 'admin'));
    await tx.update(chatBindings).set({ boundBy: admin!.id });
    return true;
  });
}

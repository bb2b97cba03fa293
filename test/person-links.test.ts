// One person across platforms (R-ORG-2): the console's people and users of a second platform (typed into
// the core as its adapter would hand them over). An admin links an account (admin link), a person proves
// both ends with a one-time code (me link), a newcomer sharing an email is told how, never joined; every
// refusal writes nothing, and every link is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRef, InboundUser } from '../src/core/inbound.ts';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
let now = new Date('2026-12-03T02:00:00Z').getTime();
const clock = () => new Date(now);

// The second platform: its users write to the bot in their direct chat.
const other = (externalId: string, extra: Partial<InboundUser> = {}): InboundUser => ({
  platform: 'wecom',
  tenant: 'corp1',
  externalId,
  name: externalId,
  ...extra,
});
const dmOf = (u: InboundUser): ChatRef => ({
  platform: u.platform,
  tenant: u.tenant,
  chatId: `dm-${u.externalId}`,
  kind: 'dm',
});
async function sayAs(u: InboundUser, text: string): Promise<string> {
  const replies = await d.app.core.handleMessage({ user: u, chat: dmOf(u), text });
  return replies.map((r) => r.text).join('\n');
}

const personOf = async (platform: string, externalId: string) =>
  (
    await d.query<{
      id: number;
      name: string;
      role: string | null;
      active: boolean;
      merged_into: number | null;
    }>(
      `select p.id, p.name, p.role, p.active, p.merged_into from identities i join people p on p.id = i.person_id
         where i.platform = '${platform}' and i.external_id = '${externalId}'`,
    )
  )[0];

/** What a refusal must leave as it was. */
const state = () =>
  d.query(
    `select (select json_agg(i order by i.id) from identities i) as ids,
            (select json_agg(json_build_object('id', p.id, 'active', p.active, 'merged', p.merged_into, 'role', p.role) order by p.id) from people p) as people,
            (select count(*) from link_codes where used_at is not null) as used,
            (select count(*) from audit_log where action in ('admin.link', 'admin.unlink', 'me.link')) as links`,
  );

beforeAll(async () => {
  d = await startDriver({ clock });
  for (const p of ['li', 'chen', 'wang', 'admin']) await d.say(p, 'me lang=en');
});
afterAll(() => d?.close());

describe('admin link', () => {
  it('a newcomer with a known email is offered the link privately, and stays a person of their own', async () => {
    expect(
      await sayAs(other('zhangsan', { name: 'Zhang San', email: 'LI@example.com' }), 'me lang=en'),
    ).toMatch(/no role yet/);
    const hint = await d.query<{ payload: { text: string }; target_id: string }>(
      `select payload, target_id from outbox where platform = 'wecom' and target_kind = 'user'`,
    );
    expect(hint).toHaveLength(1);
    expect(hint[0]!.target_id).toBe('zhangsan');
    // Written when the bot first met them, in the organisation's language (they chose theirs after).
    expect(hint[0]!.payload.text).toMatch(/使用您邮箱（li@example\.com）.*「我 关联」/);
    // The person it matched is not named, and nothing was joined.
    expect(hint[0]!.payload.text).not.toMatch(/Li Lei/);
    const z = await personOf('wecom', 'zhangsan');
    const li = await personOf('console', 'li');
    expect(z!.id).not.toBe(li!.id);
    // A newcomer with an email nobody has gets no hint.
    await sayAs(other('nomail', { email: 'someone@elsewhere.example' }), 'me');
    expect(await d.query(`select 1 from outbox where target_id = 'nomail'`)).toHaveLength(0);
  });

  it('links wecom:zhangsan to li: one person, the empty one merged and kept for the history', async () => {
    const before = await personOf('wecom', 'zhangsan');
    const r = await d.say('admin', 'admin link @li wecom:zhangsan');
    expect(r.text).toMatch(
      /wecom:corp1\/zhangsan is now Li Lei 李雷's account\. Zhang San .* is merged into/,
    );
    const li = await personOf('console', 'li');
    expect((await personOf('wecom', 'zhangsan'))!.id).toBe(li!.id);
    const old = (
      await d.query<{ active: boolean; merged_into: number }>(
        `select active, merged_into from people where id = ${before!.id}`,
      )
    )[0]!;
    expect(old).toEqual({ active: false, merged_into: li!.id });
    // admin people lists li once, not the merged person as someone who left.
    expect((await d.say('admin', 'admin people')).text).not.toMatch(/Zhang San/);
    // On the other platform they are li now, with li's role.
    expect(await sayAs(other('zhangsan'), 'me')).toMatch(/Li Lei 李雷: sales rep, Sales/);
    const audit = await d.query<{ detail: { identity: string; merged: boolean } }>(
      `select detail from audit_log where action = 'admin.link'`,
    );
    expect(audit[0]!.detail).toMatchObject({ identity: 'wecom:corp1/zhangsan', merged: true });
    // li is told, and a message to li reaches her on one platform, not twice.
    expect((await d.messages('dm:li')).some((m) => /linked wecom:corp1\/zhangsan to you/.test(m.text))).toBe(
      true,
    );
  });

  it('refuses what it must, writing nothing', async () => {
    await sayAs(other('wangwu', { name: 'Wang Wu' }), 'me lang=en');
    await sayAs(other('lisi'), 'me');
    // wangwu was set up by an admin already (a role of their own).
    await d.query(
      `update people set role = 'sales_rep' where id = ${(await personOf('wecom', 'wangwu'))!.id}`,
    );
    const before = await state();
    const cases: [string, string, RegExp][] = [
      ['admin', 'admin link @li wecom:nobody', /I don't know wecom:nobody yet/],
      ['admin', 'admin link @li zhangsan', /"zhangsan" is not an account: write platform:user/],
      ['admin', 'admin link @li wecom:zhangsan', /already Li Lei 李雷's/],
      [
        'admin',
        'admin link @chen wecom:wangwu',
        /Wang Wu, who has a role .* hand it over first .*Nothing was changed/,
      ],
      ['admin', 'admin link @li wecom:lisi', /already has wecom:corp1\/zhangsan on that platform/],
      ['admin', 'admin link @nobody wecom:lisi', /I don't know @nobody/],
      ['admin', 'admin link wecom:lisi', /@/],
      ['li', 'admin link @li wecom:lisi', /may not|admin/i],
      ['admin', 'admin unlink @chen wecom:zhangsan', /not Chen Jing 陈静's account/],
      ['li', 'admin unlink @li wecom:zhangsan', /may not|admin/i],
    ];
    for (const [who, text, answer] of cases) expect((await d.say(who, text)).text, text).toMatch(answer);
    expect(await state()).toEqual(before);
  });

  it('in Chinese; and admin unlink gives the account back a person of its own', async () => {
    await d.say('admin', 'me lang=zh');
    try {
      expect((await d.say('admin', '管理 关联 @li wecom:zhangsan')).text).toMatch(
        /已经是 Li Lei 李雷 的账号/,
      );
      expect((await d.say('admin', '管理 取消关联 @li wecom:zhangsan')).text).toMatch(
        /wecom:corp1\/zhangsan 已不再是 Li Lei 李雷 的账号，现为独立人员（无角色）/,
      );
      expect((await d.say('admin', '管理 取消关联 @li console:li')).text).toMatch(/唯一的账号/);
    } finally {
      await d.say('admin', 'me lang=en');
    }
    const z = await personOf('wecom', 'zhangsan');
    expect(z).toMatchObject({ role: null, active: true });
    // A person of its own again, in the organisation's language until they choose theirs.
    expect(await sayAs(other('zhangsan'), 'me')).toMatch(/Zhang San：尚无角色/);
    expect(await d.query(`select 1 from audit_log where action = 'admin.unlink'`)).toHaveLength(1);
  });
});

describe('me link', () => {
  let code = '';

  it('asked for in a group, the code comes privately; it is kept only as a hash', async () => {
    const r = await d.say('chen', 'me link', 'sales');
    expect(r.text).toMatch(/sent you the code in a private message/);
    expect((await d.messages('sales')).some((m) => /[A-Z0-9]{4}-[A-Z0-9]{4}/.test(m.text))).toBe(false);
    const dm = (await d.messages('dm:chen')).findLast((m) => /Your code/.test(m.text))!;
    code = /([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(dm.text)![1]!;
    const rows = await d.query<{ code_hash: string }>('select code_hash from link_codes');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.code_hash).not.toContain(code.replace('-', ''));
  });

  it('typed on the other platform, it joins the two accounts into one person, once', async () => {
    const chenjing = other('chenjing', { name: 'Chen J' });
    await sayAs(chenjing, 'me lang=en');
    expect(await sayAs(chenjing, 'me link hello')).toMatch(/"hello" is not a link code/);
    expect(await sayAs(chenjing, 'me link ZZZZ-ZZZZ')).toMatch(/unknown, used or expired/);
    expect(await sayAs(chenjing, `me link ${code.toLowerCase()}`)).toMatch(
      /Linked: .* one person now, Chen Jing 陈静 \(wecom:corp1\/chenjing joined\)/,
    );
    expect(await sayAs(chenjing, 'me')).toMatch(/Chen Jing 陈静: sales rep, Sales/);
    expect((await personOf('wecom', 'chenjing'))!.id).toBe((await personOf('console', 'chen'))!.id);
    // Used once.
    expect(await sayAs(other('wangwu'), `me link ${code}`)).toMatch(/unknown, used or expired/);
    expect(await d.query(`select 1 from audit_log where action = 'me.link'`)).toHaveLength(1);
  });

  it('expires after 10 minutes; a code of your own is refused; two set-up accounts need an admin', async () => {
    const first = (await d.say('wang', 'me link')).text;
    const c1 = /([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(first)![1]!;
    expect(first).toMatch(/once, for 10 minutes/);
    expect((await d.say('wang', `me link ${c1}`)).text).toMatch(/from this same person/);
    const before = await state();
    // wangwu has a role of their own (set above): neither may silently absorb the other.
    expect(await sayAs(other('wangwu'), `me link ${c1}`)).toMatch(/Both accounts already have a role/);
    expect(await state()).toEqual(before);
    const c2 = /([A-Z0-9]{4}-[A-Z0-9]{4})/.exec((await d.say('wang', 'me link')).text)![1]!;
    await sayAs(other('fresh1'), 'me lang=en');
    // Asking again voided the first code.
    expect(await sayAs(other('fresh1'), `me link ${c1}`)).toMatch(/unknown, used or expired/);
    now += 10 * 60_000 + 1000;
    expect(await sayAs(other('fresh1'), `me link ${c2}`)).toMatch(/unknown, used or expired/);
    expect((await personOf('wecom', 'fresh1'))!.id).not.toBe((await personOf('console', 'wang'))!.id);
  });

  it('in Chinese', async () => {
    await d.say('li', 'me lang=zh');
    const r = (await d.say('li', '我 关联')).text;
    expect(r).toMatch(/您的验证码：.*我 关联/);
    const c = /([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(r)![1]!;
    const lisi = other('lisi');
    await sayAs(lisi, 'me lang=zh');
    expect(await sayAs(lisi, `我 关联 ${c}`)).toMatch(
      /已关联：此账号与您的另一个账号现为同一人：Li Lei 李雷/,
    );
    expect(await sayAs(lisi, '我 关联 12')).toMatch(/不是验证码/);
  });
});

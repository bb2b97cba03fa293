// People's contact addresses (issue 16): `me email=…` for oneself, `admin person @li email=…` for admins,
// validated when set (a bad one is answered and nothing is written), and the demo people have examples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
beforeAll(async () => {
  d = await startDriver();
  for (const who of ['li', 'admin', 'sun']) await d.say(who, 'me lang=en');
});
afterAll(() => d?.close());

const emailOf = async (handle: string) =>
  (await d.query<{ email: string | null }>(`select email from people where handle = '${handle}'`))[0]?.email;

describe('contact addresses', () => {
  it('the demo people have example addresses', async () => {
    expect(await emailOf('li')).toBe('li@example.com');
    expect(await emailOf('sun')).toBe('sun@example.com');
  });

  it('me email=… sets one’s own, recorded in the history and the audit', async () => {
    const r = await d.say('li', 'me email=li.lei@acme.test');
    expect(r.text).toContain('Saved.');
    expect(r.text).toContain('Email: li.lei@acme.test');
    expect(await emailOf('li')).toBe('li.lei@acme.test');
    const hist = await d.query<{ new_value: string }>(
      `select new_value from record_history where entity = 'person' and field = 'email'`,
    );
    expect(hist.map((h) => h.new_value)).toContain('li.lei@acme.test');
  });

  it('a bad address is answered clearly and nothing is written', async () => {
    const r = await d.say('li', 'me email=not-an-address');
    expect(r.text).toMatch(/li@example\.com/);
    expect(r.text).not.toContain('Saved');
    expect(await emailOf('li')).toBe('li.lei@acme.test');
    const zh = await d.say('sun', '我 邮箱=孙@');
    expect(zh.text).not.toMatch(/Saved|已保存/);
    expect(await emailOf('sun')).toBe('sun@example.com');
  });

  it('admin person @sun email=… sets another person’s; only admins may', async () => {
    const r = await d.say('admin', 'admin person @sun email=sun.li@factory.test');
    expect(r.text).toContain('sun.li@factory.test');
    expect(await emailOf('sun')).toBe('sun.li@factory.test');
    const zh = await d.say('admin', '管理 人员资料 @sun 邮箱=sun@factory.test');
    expect(zh.text).toContain('sun@factory.test');
    expect(await emailOf('sun')).toBe('sun@factory.test');
    const denied = await d.say('li', 'admin person @sun email=evil@x.test');
    expect(denied.text).toMatch(/may not use/);
    expect(await emailOf('sun')).toBe('sun@factory.test');
    const bad = await d.say('admin', 'admin person @sun email=a@b');
    expect(bad.text).not.toContain('Saved');
    expect(await emailOf('sun')).toBe('sun@factory.test');
  });

  it('the address a platform gives fills an empty one, never one a person or an admin set', async () => {
    const chat = { platform: 'console', tenant: '', chatId: 'dm:newbie', kind: 'dm' as const };
    const user = { platform: 'console', tenant: '', externalId: 'newbie', name: 'New Bie' };
    await d.app.core.handleMessage({ user, chat, text: 'me' });
    const email = async () =>
      (
        await d.query<{ email: string | null }>(
          `select p.email from people p join identities i on i.person_id = p.id where i.external_id = 'newbie'`,
        )
      )[0]?.email;
    expect(await email()).toBeNull();
    await d.app.core.handleMessage({ user: { ...user, email: 'not an address' }, chat, text: 'me' });
    expect(await email()).toBeNull();
    await d.app.core.handleMessage({ user: { ...user, email: 'newbie@corp.test' }, chat, text: 'me' });
    expect(await email()).toBe('newbie@corp.test');
    await d.app.core.handleMessage({ user, chat, text: 'me email=own@corp.test' });
    await d.app.core.handleMessage({ user: { ...user, email: 'platform@corp.test' }, chat, text: 'me' });
    expect(await email()).toBe('own@corp.test');
  });
});

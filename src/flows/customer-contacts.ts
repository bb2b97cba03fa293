// A customer's contacts (R-CUST-1): several people, one of them primary, added, edited, removed and made
// primary by the owner or a sales manager. Contacts are numbered per customer (#1, #2 … in the order they
// were added) as `customer show` lists them; every change is in the customer's history and the audit log.
import { and, asc, eq, ne } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseInput } from '../core/errors.ts';
import { isSales, isSalesManager } from '../core/permissions.ts';
import { contacts } from '../db/schema.ts';
import { command } from './common.ts';
import { resolveCustomer } from './customer-names.ts';
import { pinyinOf } from './customer-pinyin.ts';

type Contact = typeof contacts.$inferSelect;
type Action = 'add' | 'edit' | 'remove' | 'primary';

const ACTIONS: Record<Action, readonly string[]> = {
  add: ['add', 'new', '新增', '添加', '增加'],
  edit: ['edit', 'update', 'change', '修改', '编辑', '編輯'],
  remove: ['remove', 'delete', '删除', '刪除', '移除'],
  primary: ['primary', 'main', '主要', '设为主要', '首要'],
};

function actionOf(word: string | undefined): Action | null {
  if (!word) return null;
  const w = word.toLowerCase();
  return (Object.keys(ACTIONS) as Action[]).find((a) => ACTIONS[a].includes(w)) ?? null;
}

const USAGE = {
  en: 'customer contact add C-0001 name="Ms Hu" phone=13900000000 [email=… fax=… role=buyer primary=yes] | customer contact edit C-0001 2 phone=… | customer contact remove C-0001 2 | customer contact primary C-0001 2',
  zh: '客户 联系人 新增 C-0001 姓名=胡女士 电话=13900000000 [邮箱=… 传真=… 职位=采购 主要=是] | 客户 联系人 修改 C-0001 2 电话=… | 客户 联系人 删除 C-0001 2 | 客户 联系人 主要 C-0001 2',
};

async function contactsOf(ctx: FlowContext, customerId: number): Promise<Contact[]> {
  return ctx.tx.select().from(contacts).where(eq(contacts.customerId, customerId)).orderBy(asc(contacts.id));
}

const contactCommand = command({
  noun: 'customer',
  verbs: ['contact'],
  ref: { kind: 'customer', required: false },
  words: [
    { name: { en: 'add|edit|remove|primary', zh: '新增|修改|删除|主要' }, required: true },
    { name: { en: 'customer number or name', zh: '客户编号或名称' }, required: false },
    {
      name: { en: 'contact number (as customer show lists them)', zh: '联系人序号（同客户查看）' },
      required: false,
    },
  ],
  keys: {
    name: k.text(100).optional(),
    phone: k.phone().optional(),
    email: k.email().optional(),
    fax: k.phone().optional(),
    role: k.text(100).optional(),
    title: k.text(100).optional(),
    primary: k.bool().optional(),
  },
  usage: USAGE,
  summary: {
    en: "a customer's contacts: add, edit, remove, choose the primary one (owner, sales manager)",
    zh: '客户联系人：新增、修改、删除、设为主要联系人（负责人、销售经理）',
  },
  allow: isSales,
  async run(ctx, { ref, words, args }) {
    // The words are: action, then the customer (unless it came as a C- number), then the contact's number.
    const action = actionOf(words[0]);
    if (!action)
      refuseInput(
        `Say what to do: add, edit, remove or primary. Usage: ${USAGE.en}`,
        `请写明操作：新增、修改、删除 或 主要。用法：${USAGE.zh}`,
      );
    const rest = words.slice(1);
    const customerWord = ref ?? rest.shift();
    if (!customerWord) refuseInput('Say which customer: C-0001.', '请写明客户：C-0001。');
    const c = await resolveCustomer(ctx, customerWord!, true);
    if (!(isSalesManager(ctx.actor) || c.ownerId === ctx.actor.personId))
      refuse(
        `${c.number} belongs to another rep; ask them or the sales manager.`,
        `${c.number} 由其他销售负责，请联系负责人或销售经理。`,
      );
    const list = await contactsOf(ctx, c.id);
    const title = args.role ?? args.title;
    const pick = (): { contact: Contact; no: number } => {
      const raw = rest[0];
      const no = raw === undefined ? Number.NaN : Number(raw.replace(/^#/, ''));
      if (!Number.isInteger(no) || no < 1 || no > list.length)
        refuseInput(
          list.length === 0
            ? `${c.number} has no contacts yet: customer contact add ${c.number} name=… phone=…`
            : `Say which contact by its number, 1 to ${list.length} (as customer show ${c.number} lists them).`,
          list.length === 0
            ? `${c.number} 还没有联系人：客户 联系人 新增 ${c.number} 姓名=… 电话=…`
            : `请写明联系人序号，1 到 ${list.length}（同 客户 查看 ${c.number}）。`,
        );
      return { contact: list[no - 1]!, no };
    };
    const makePrimary = async (id: number) => {
      await ctx.tx
        .update(contacts)
        .set({ primary: false })
        .where(and(eq(contacts.customerId, c.id), ne(contacts.id, id)));
      await ctx.tx.update(contacts).set({ primary: true }).where(eq(contacts.id, id));
    };
    const who = (p: { name: string }, no: number) => `#${no} ${p.name}`;

    if (action === 'add') {
      if (!args.name) refuseInput('Give the contact’s name: name="Ms Hu".', '请写联系人姓名：姓名=胡女士。');
      if (!args.phone && !args.email && !args.fax)
        refuseInput(
          'Give a phone, an email or a fax for the contact.',
          '请至少写一种联系方式：电话、邮箱或传真。',
        );
      const [row] = await ctx.tx
        .insert(contacts)
        .values({
          customerId: c.id,
          name: args.name!,
          namePinyin: pinyinOf(args.name!),
          title: title ?? null,
          phone: args.phone ?? null,
          email: args.email ?? null,
          fax: args.fax ?? null,
          primary: list.length === 0,
        })
        .returning();
      const no = list.length + 1;
      if (args.primary) await makePrimary(row!.id);
      await ctx.history('customer', c.id, [{ field: `contact.${no}`, from: null, to: args.name }]);
      await ctx.audit('customer.contact.add', 'customer', c.number, { contact: no });
      const primary = list.length === 0 || args.primary;
      return {
        text: ctx.t({
          en: `Contact ${who(row!, no)} added to ${c.number}${primary ? ' as the primary contact' : ''}.`,
          zh: `已为 ${c.number} 添加联系人 ${who(row!, no)}${primary ? '，设为主要联系人' : ''}。`,
        }),
      };
    }

    const { contact, no } = pick();
    if (action === 'primary') {
      await makePrimary(contact.id);
      await ctx.history('customer', c.id, [
        { field: 'contact.primary', from: list.find((x) => x.primary)?.name ?? null, to: contact.name },
      ]);
      await ctx.audit('customer.contact.primary', 'customer', c.number, { contact: no });
      return {
        text: ctx.t({
          en: `${who(contact, no)} is now ${c.number}'s primary contact.`,
          zh: `${who(contact, no)} 现为 ${c.number} 的主要联系人。`,
        }),
      };
    }
    if (action === 'remove') {
      if (list.length === 1)
        refuse(
          `${who(contact, no)} is ${c.number}'s only contact; add another before removing this one.`,
          `${who(contact, no)} 是 ${c.number} 唯一的联系人，请先添加其他联系人再删除。`,
        );
      await ctx.tx.delete(contacts).where(eq(contacts.id, contact.id));
      const next = list.find((x) => x.id !== contact.id)!;
      if (contact.primary) await makePrimary(next.id);
      await ctx.history('customer', c.id, [{ field: `contact.${no}`, from: contact.name, to: null }]);
      await ctx.audit('customer.contact.remove', 'customer', c.number, { contact: no });
      return {
        text: ctx.t({
          en: `Contact ${who(contact, no)} removed from ${c.number}.${contact.primary ? ` The primary contact is now ${next.name}.` : ''}`,
          zh: `已删除 ${c.number} 的联系人 ${who(contact, no)}。${contact.primary ? `主要联系人改为 ${next.name}。` : ''}`,
        }),
      };
    }
    // edit
    const set = {
      name: args.name ?? contact.name,
      title: title ?? contact.title,
      phone: args.phone ?? contact.phone,
      email: args.email ?? contact.email,
      fax: args.fax ?? contact.fax,
    };
    const changed = (Object.keys(set) as (keyof typeof set)[]).filter((f) => set[f] !== contact[f]);
    if (changed.length === 0 && args.primary === undefined)
      refuseInput(
        'Say what to change, e.g. phone=13900000001.',
        '请写明要修改的内容，例如 电话=13900000001。',
      );
    await ctx.tx
      .update(contacts)
      .set({ ...set, namePinyin: pinyinOf(set.name) })
      .where(eq(contacts.id, contact.id));
    if (args.primary) await makePrimary(contact.id);
    await ctx.history(
      'customer',
      c.id,
      changed.map((f) => ({ field: `contact.${no}.${f}`, from: contact[f], to: set[f] })),
    );
    await ctx.audit('customer.contact.edit', 'customer', c.number, { contact: no, fields: changed });
    return {
      text: ctx.t({
        en: `Contact ${who(set, no)} of ${c.number} changed: ${changed.join(', ') || 'primary'}.`,
        zh: `已修改 ${c.number} 的联系人 ${who(set, no)}：${changed.join('、') || '主要联系人'}。`,
      }),
    };
  },
});

export const customerContactCommands = [contactCommand];

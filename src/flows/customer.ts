// Customers (R-CUST-1/2/3/4): register at first contact, show with contacts masked by role and chat, update
// with history, record needs, share with departments with a stated scope.
import { and, asc, desc, eq } from 'drizzle-orm';
import { runButton } from '../cards/actions.ts';
import type { Message } from '../cards/card.ts';
import { type DepartmentCode, k } from '../commands/keys.ts';
import type { FieldChange, FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { takeNumber } from '../core/numbering.ts';
import { isMarketing, isSales, isSalesManager, isStaff } from '../core/permissions.ts';
import {
  type ConfidentialClass,
  CUSTOMER_CLASSES,
  entitled,
  maskEmail,
  maskPhone,
  privateNote,
  Reveal,
  reveal,
} from '../core/visibility.ts';
import {
  contacts,
  customerNeeds,
  customerShares,
  customers,
  departments,
  orders,
  quotes,
} from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { submitForApproval } from './approval.ts';
import {
  command,
  DEPARTMENT_NAMES,
  departmentId,
  deptChoice,
  field,
  label,
  linesOf,
  loadCustomer,
  personName,
} from './common.ts';
import { tellCorrection } from './correction.ts';
import { customerMergeCommands, mergedNotice } from './customer-merge.ts';
import {
  customerOf,
  insertCustomerOnce,
  type LikelyDuplicate,
  likelyDuplicates,
  refuseDuplicate,
  refuseTakenName,
} from './customer-names.ts';
import { pinyinOf } from './customer-pinyin.ts';
import { customerUseCommands } from './customer-use.ts';
import {
  type FieldSpec,
  type HistorySpec,
  historyCommand,
  moneyField,
  readYesNo,
  unnamedField,
} from './history.ts';
import { CUSTOMER_STATUS, FIELD_NAMES, LEVEL3, nameOf, namesOf, SHARE_FIELD_NAMES } from './labels.ts';
import { LIST_KEYS, listFilters, pageFooter } from './list-filters.ts';
import { customerList } from './list-queries.ts';
import { orderStatus } from './order.ts';
import { quoteStatus } from './quote.ts';
import type { SubjectHandler } from './subjects.ts';

const SHARE_FIELDS = {
  contacts: ['联系方式', '联系人'],
  needs: ['需求'],
  intent: ['购买意向', '意向', 'budget', '预算'],
  history: ['交易记录', '历史'],
} as const;

/** The keys of a customer's own data, as update and correct take them. */
const CUSTOMER_KEYS = {
  name: k.text(200).optional(),
  contact: k.text(100).optional(),
  phone: k.phone().optional(),
  email: k.email().optional(),
  fax: k.phone().optional(),
  address: k.text(300).optional(),
  industry: k.text(100).optional(),
  scope: k.text(300).optional(),
  size: k.text(100).optional(),
  region: k.text(100).optional(),
};

/** A customer is named by its number or by its name. */
const CUSTOMER_REF = { kind: 'customer', required: false } as const;
const NAME_WORD = [{ name: { en: 'customer number or name', zh: '客户编号或名称' }, required: false }];
/**
 * `customer show Acme Trading` may leave the name unquoted; commands with key=value pairs take one word or
 * a quoted name, so `name=Acme Ltd` without quotes is still refused for its stray "Ltd", not read as a name.
 */
const NAME_WORDS = Array.from({ length: 8 }, () => NAME_WORD[0]!);

const LIKELIHOOD = { high: ['高'], medium: ['中'], low: ['低'] } as const;
const SENSITIVITY = { high: ['高'], medium: ['中'], low: ['低'] } as const;

const canOwn = (ctx: FlowContext, c: { ownerId: number | null }) =>
  isSalesManager(ctx.actor) || c.ownerId === ctx.actor.personId;

/** The fields of a customer shared with a department (customer share, R-CUST-4); none if not shared. */
export async function sharedFields(
  ctx: FlowContext,
  customerId: number,
  dept: DepartmentCode | null,
): Promise<string[]> {
  if (!dept) return [];
  const rows = await ctx.tx
    .select({ fields: customerShares.fields })
    .from(customerShares)
    .innerJoin(departments, eq(departments.id, customerShares.departmentId))
    .where(and(eq(customerShares.customerId, customerId), eq(departments.code, dept)));
  return rows[0]?.fields ?? [];
}

const add = command({
  noun: 'customer',
  verbs: ['add', 'new'],
  keys: {
    name: k.text(200),
    contact: k.text(100).optional(),
    phone: k.phone().optional(),
    email: k.email().optional(),
    fax: k.phone().optional(),
    address: k.text(300).optional(),
    industry: k.text(100).optional(),
    scope: k.text(300).optional(),
    size: k.text(100).optional(),
    region: k.text(100).optional(),
    key: k.bool().optional(),
  },
  usage: {
    en: 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000 [email=… industry=… address=… region=…]',
    zh: '客户 新增 名称=华星科技 联系人=王芳 电话=13900000000 [邮箱=… 行业=… 地址=… 地区=…]',
  },
  summary: { en: 'register a customer', zh: '登记客户' },
  // A likely duplicate (same name but for the legal form, or a contact's phone or email on another
  // customer) is asked about first: Confirm creates the customer anyway, Cancel leaves it.
  async confirm(ctx, { args }) {
    const dups = await likelyDuplicates(ctx, { name: args.name, phone: args.phone, email: args.email });
    if (dups.length === 0) return null;
    const why = (d: LikelyDuplicate, l: 'en' | 'zh') =>
      d.why === 'name'
        ? label(l, 'a name that reads the same', '名称相同（不计公司类型和标点）')
        : d.why === 'phone'
          ? label(l, 'the same phone number', '相同电话')
          : label(l, 'the same email', '相同邮箱');
    const list = (l: 'en' | 'zh') =>
      dups.map((d) => `${d.number} ${d.name} (${why(d, l)})`).join(pick(l, { en: '; ', zh: '；' }));
    return {
      en: `${args.name} looks like an existing customer: ${list('en')}. Use ${dups[0]!.number}, or register ${args.name} as a new customer anyway.`,
      zh: `${args.name} 与已有客户相似：${list('zh')}。可改用 ${dups[0]!.number}，或仍新增 ${args.name}。`,
      confirmLabel: { en: 'Create anyway', zh: '仍然新增' },
      // [Use C-0007] closes this card and carries on with that customer (customer-use.ts).
      actions: (id: string) =>
        dups.slice(0, 2).map((d) => ({
          id: runButton(`customer use ${d.number} from=${id}`),
          label: { en: `Use ${d.number}`, zh: `使用 ${d.number}` },
          style: 'primary' as const,
        })),
    };
  },
  allow: (a) => isSales(a) || isMarketing(a),
  async run(ctx, { args }) {
    if ((args.phone || args.email) && !args.contact) {
      refuse('Give the contact person too: contact="Li Lei".', '请同时填写联系人：联系人=王芳。');
    }
    // Asked first so a plain duplicate uses up no number; the insert below still decides a race.
    await refuseTakenName(ctx, args.name);
    // One statement decides a race: the loser is told which customer the winner registered.
    const { customer: c, created } = await insertCustomerOnce(ctx, {
      number: takeNumber('C'),
      name: args.name,
      industry: args.industry ?? null,
      address: args.address ?? null,
      scope: args.scope ?? null,
      size: args.size ?? null,
      region: args.region ?? null,
      keyAccount: isSalesManager(ctx.actor) ? (args.key ?? false) : false,
      // Marketing submits prospects (R-CUST-2); sales owns what it registers.
      status: isSales(ctx.actor) ? 'active' : 'prospect',
      ownerId: isSales(ctx.actor) ? ctx.actor.personId : null,
      createdBy: ctx.actor.personId,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
    if (!created) refuseDuplicate(c, args.name);
    const number = c.number;
    if (args.contact) {
      await ctx.tx.insert(contacts).values({
        customerId: c!.id,
        name: args.contact,
        namePinyin: pinyinOf(args.contact),
        phone: args.phone ?? null,
        email: args.email ?? null,
        fax: args.fax ?? null,
        primary: true,
      });
    }
    await ctx.history('customer', c!.id, [{ field: 'created', from: null, to: number }]);
    await ctx.audit('customer.add', 'customer', number);
    if (!isSales(ctx.actor)) {
      await ctx.out.send({ kind: 'department', code: 'sales' }, (l) => ({
        text: label(
          l,
          `New prospect from ${ctx.actor.name}: ${number} ${args.name}`,
          `${ctx.actor.name} 提交了潜在客户：${number} ${args.name}`,
        ),
      }));
    }
    return {
      text: ctx.t({
        en: `Customer ${number} ${args.name} registered.${args.contact ? ` Contact: ${args.contact}.` : ''} Next: lead add customer=${number} source=… or quote new customer=${number} item=…`,
        zh: `已登记客户 ${number} ${args.name}。${args.contact ? `联系人：${args.contact}。` : ''}下一步：线索 新增 客户=${number} 来源=… 或 报价 新建 客户=${number} 明细=…`,
      }),
    };
  },
});

const show = command({
  noun: 'customer',
  verbs: ['show'],
  ref: CUSTOMER_REF,
  words: NAME_WORDS,
  keys: {},
  usage: { en: 'customer show C-0001', zh: '客户 查看 C-0001' },
  summary: { en: 'show a customer', zh: '查看客户' },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { ref, words }) {
    const c = await customerOf(ctx, ref, words, false, 'keep');
    // A merged customer says where its records went (customer merge); nothing confidential is on it.
    if (c.mergedIntoId !== null) {
      const { title, text } = await mergedNotice(ctx, c);
      return { text, card: { title, fields: [], actions: [], note: text } } satisfies Message;
    }
    const shared = await sharedFields(ctx, c.id, ctx.actor.department);
    // One rule decides each confidential part (core/visibility.ts): full, masked in a group chat, or left out.
    const r = reveal(ctx, { kind: 'customer', ownerId: c.ownerId, shared });
    const l = ctx.locale;
    const fields = [
      field(label(l, 'Industry', '行业'), c.industry),
      field(label(l, 'Region', '地区'), c.region),
      field(label(l, 'Address', '地址'), c.address),
      field(label(l, 'Size', '规模'), c.size),
      field(label(l, 'Scope', '经营范围'), c.scope),
      field(label(l, 'Owner', '负责人'), await personName(ctx, c.ownerId)),
      field(
        label(l, 'Status', '状态'),
        nameOf(CUSTOMER_STATUS, c.status, l) +
          (c.keyAccount ? label(l, ' · key account', ' · 重点客户') : ''),
      ),
    ];
    if (r.show('contacts') !== 'omitted') {
      const people = await ctx.tx
        .select()
        .from(contacts)
        .where(eq(contacts.customerId, c.id))
        .orderBy(asc(contacts.id));
      for (const [i, p] of people.entries()) {
        const phone = r.text('contacts', 'contacts', p.phone ?? '—', maskPhone(p.phone));
        const email = r.text('contacts', 'contacts', p.email ?? '—', maskEmail(p.email));
        const fax = p.fax ? r.text('contacts', 'contacts', p.fax, maskPhone(p.fax)) : null;
        fields.push(
          field(
            // Numbered as customer contact edit|remove|primary take them; ★ the primary one.
            `${label(l, 'Contact', '联系人')} #${i + 1}${p.primary && people.length > 1 ? ' ★' : ''}`,
            `${p.name}${p.title ? ` (${p.title})` : ''} · ${phone} · ${email}${fax ? ` · ${label(l, 'fax', '传真')} ${fax}` : ''}`,
          ),
        );
      }
    }
    if (c.intentLikelihood || c.intentBudgetMinor !== null || c.intentProcess || c.intentDecisionMakers) {
      const intent = r.block(['intent', ...(c.intentBudgetMinor !== null ? ['budget'] : [])], 'intent', () =>
        [
          c.intentLikelihood && nameOf(LEVEL3, c.intentLikelihood, l),
          c.intentBudgetMinor !== null ? ctx.money(c.intentBudgetMinor) : null,
          c.intentProcess,
          c.intentDecisionMakers,
        ]
          .filter(Boolean)
          .join(' · '),
      );
      if (intent !== null) fields.push(field(label(l, 'Purchase intent', '购买意向'), intent));
    }
    if (r.show('needs') !== 'omitted') {
      const needs = await ctx.tx
        .select()
        .from(customerNeeds)
        .where(eq(customerNeeds.customerId, c.id))
        .orderBy(asc(customerNeeds.id));
      for (const n of needs) {
        const text = r.block(['needs'], 'needs', () =>
          [
            n.spec,
            n.model,
            n.quantity,
            n.quality,
            n.deliveryDate,
            n.priceSensitivity &&
              `${label(l, 'price sensitivity', '价格敏感度')} ${nameOf(LEVEL3, n.priceSensitivity, l)}`,
          ]
            .filter(Boolean)
            .join(' · '),
        );
        fields.push(field(label(l, 'Need', '需求'), text));
      }
    }
    if (r.show('history') !== 'omitted') {
      const q = await ctx.tx
        .select({ number: quotes.number, status: quotes.status })
        .from(quotes)
        .where(eq(quotes.customerId, c.id))
        .orderBy(desc(quotes.id))
        .limit(5);
      const o = await ctx.tx
        .select({ number: orders.number, status: orders.status })
        .from(orders)
        .where(eq(orders.customerId, c.id))
        .orderBy(desc(orders.id))
        .limit(5);
      if (q.length + o.length > 0) {
        const history = r.block(['history'], 'history', () =>
          [
            ...o.map((x) => `${x.number} ${orderStatus(x.status, l)}`),
            ...q.map((x) => `${x.number} ${quoteStatus(x.status, l)}`),
          ].join(label(l, ', ', '，')),
        );
        fields.push(field(label(l, 'Trade history', '交易记录'), history));
      }
    }
    const hidden = CUSTOMER_CLASSES.filter((cls) => r.show(cls) === 'omitted');
    if (hidden.length > 0) {
      const rep = ctx.actor.role === 'sales_rep';
      fields.push(
        field(
          label(l, 'Not shown', '未显示'),
          `${namesOf(SHARE_FIELD_NAMES, hidden, l)} (${
            rep
              ? label(
                  l,
                  'another rep’s customer: ask the owner or the sales manager',
                  '其他销售的客户，请联系负责人或销售经理',
                )
              : label(l, 'not shared with your department', '未共享给您的部门')
          })`,
        ),
      );
    }
    if (r.masked) fields.push(field(label(l, 'Note', '说明'), privateNote(l)));
    // Customer information is confidential as a whole (policy 5.1): opening a customer in a private chat is
    // a read even when no contact, need or history was shown ('profile': name, address, owner, status).
    // A group reply is masked and read by many, so it names no one reader and records none.
    await ctx.auditRead(
      'customer',
      c.number,
      r.fields.length > 0 || ctx.replyAudience === 'group' ? r.fields : ['profile'],
      // Read under a share (R-CUST-4): the audit says so.
      shared.length > 0 &&
        !entitled(r.viewer, 'contacts', { kind: 'customer', ownerId: c.ownerId, shared: [] })
        ? { share: ctx.actor.department }
        : {},
    );
    const title = `${c.number} ${c.name}`;
    return { text: linesOf(title, fields), card: { title, fields, actions: [] } } satisfies Message;
  },
});

const list = command({
  noun: 'customer',
  verbs: ['list'],
  keys: { name: k.text(100).optional(), industry: k.text(100).optional(), ...LIST_KEYS },
  usage: {
    en: 'customer list [name=acme] [industry=…] [owner=me|@li|none] [since=2026-11-01] [until=…] [page=2]',
    zh: '客户 列表 [名称=华星] [行业=…] [负责人=我|@li|无] [起始=2026-11-01] [截至=…] [页=2]',
  },
  summary: { en: 'list customers', zh: '客户列表' },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { args, text }) {
    const f = await listFilters(ctx, args);
    const { rows, total, pages } = await customerList(ctx.tx, args, f);
    if (rows.length === 0) return { text: ctx.t({ en: 'No customers found.', zh: '没有找到客户。' }) };
    const lines = rows.map(
      (r) =>
        `${r.number}  ${r.name}${r.industry ? ` · ${r.industry}` : ''} · ${r.owner ?? ctx.t({ en: 'no owner', zh: '无负责人' })}${r.status === 'prospect' ? ctx.t({ en: ' · prospect', zh: ' · 潜在' }) : ''}`,
    );
    return {
      text: `${ctx.t({ en: `Customers (${total}, newest first):`, zh: `客户（${total}，最新在前）：` })}\n${lines.join('\n')}${pageFooter(ctx, text, f.page, pages)}`,
    };
  },
});

const update = command({
  noun: 'customer',
  verbs: ['update'],
  ref: CUSTOMER_REF,
  words: NAME_WORD,
  keys: {
    ...CUSTOMER_KEYS,
    key: k.bool().optional(),
    likelihood: k.choice(LIKELIHOOD).optional(),
    budget: k.money().optional(),
    process: k.text(300).optional(),
    decision: k.text(300).optional(),
  },
  usage: {
    en: 'customer update C-0001 phone=13800000001 [address=… industry=… likelihood=high budget=500000 decision="…"]',
    zh: '客户 修改 C-0001 电话=13800000001 [地址=… 行业=… 可能性=高 预算=500000 决策人=…]',
  },
  summary: { en: 'change a customer (history is kept)', zh: '修改客户（保留修改记录）' },
  allow: isSales,
  async run(ctx, { ref, words, args }) {
    if (Object.keys(args).length === 0)
      refuse('Say what to change, e.g. phone=13800000001.', '请写明要修改的内容，例如 电话=13800000001。');
    const c = await customerOf(ctx, ref, words, true);
    if (!canOwn(ctx, c)) {
      refuse(
        `${c.number} belongs to another rep; ask them or the sales manager, or file a correction.`,
        `${c.number} 由其他销售负责，请联系负责人或销售经理，或提交更正申请。`,
      );
    }
    if (args.name) await refuseTakenName(ctx, args.name, c.id);
    if (args.key !== undefined && !isSalesManager(ctx.actor))
      refuse('Only the sales manager flags key accounts.', '只有销售经理可以标记重点客户。');
    const next = {
      name: args.name ?? c.name,
      industry: args.industry ?? c.industry,
      address: args.address ?? c.address,
      scope: args.scope ?? c.scope,
      size: args.size ?? c.size,
      region: args.region ?? c.region,
      keyAccount: args.key ?? c.keyAccount,
      intentLikelihood: args.likelihood ?? c.intentLikelihood,
      intentBudgetMinor: args.budget ?? c.intentBudgetMinor,
      intentProcess: args.process ?? c.intentProcess,
      intentDecisionMakers: args.decision ?? c.intentDecisionMakers,
    };
    const changes: FieldChange[] = (Object.keys(next) as (keyof typeof next)[]).map((f) => ({
      field: f,
      from: c[f],
      to: next[f],
    }));
    await ctx.tx
      .update(customers)
      .set({ ...next, namePinyin: pinyinOf(next.name), updatedAt: ctx.now })
      .where(eq(customers.id, c.id));
    if (args.contact || args.phone || args.email || args.fax) {
      const [primary] = await ctx.tx
        .select()
        .from(contacts)
        .where(and(eq(contacts.customerId, c.id), eq(contacts.primary, true)))
        .limit(1);
      if (primary) {
        const set = {
          name: args.contact ?? primary.name,
          phone: args.phone ?? primary.phone,
          email: args.email ?? primary.email,
          fax: args.fax ?? primary.fax,
        };
        await ctx.tx
          .update(contacts)
          .set({ ...set, namePinyin: pinyinOf(set.name) })
          .where(eq(contacts.id, primary.id));
        changes.push(
          ...(['name', 'phone', 'email', 'fax'] as const).map((f) => ({
            field: `contact.${f}`,
            from: primary[f],
            to: set[f],
          })),
        );
      } else {
        if (!args.contact)
          refuse('There is no contact yet: give contact="…" as well.', '还没有联系人，请同时填写 联系人=…。');
        await ctx.tx.insert(contacts).values({
          customerId: c.id,
          name: args.contact!,
          namePinyin: pinyinOf(args.contact!),
          phone: args.phone ?? null,
          email: args.email ?? null,
          fax: args.fax ?? null,
          primary: true,
        });
        changes.push({ field: 'contact', from: null, to: args.contact });
      }
    }
    await ctx.history('customer', c.id, changes);
    await ctx.audit('customer.update', 'customer', c.number, { fields: Object.keys(args) });
    const changed = namesOf(FIELD_NAMES, Object.keys(args), ctx.locale);
    return {
      text: ctx.t({
        en: `Customer ${c.number} updated (${changed}).`,
        zh: `客户 ${c.number} 已修改（${changed}）。`,
      }),
    };
  },
});

const need = command({
  noun: 'customer',
  verbs: ['need'],
  ref: CUSTOMER_REF,
  words: NAME_WORD,
  keys: {
    spec: k.text(200),
    model: k.text(100).optional(),
    quantity: k.quantity().optional(),
    quality: k.text(200).optional(),
    delivery: k.date().optional(),
    sensitivity: k.choice(SENSITIVITY).optional(),
  },
  usage: {
    en: 'customer need C-0001 spec="temperature sensor" model=X200 quantity=200 delivery=2027-01-15 sensitivity=high',
    zh: '客户 需求 C-0001 规格=温度传感器 型号=X200 数量=200 交期=2027-01-15 价格敏感度=高',
  },
  summary: { en: "record a customer's need", zh: '记录客户需求' },
  allow: isSales,
  async run(ctx, { ref, words, args }) {
    const c = await customerOf(ctx, ref, words);
    if (!canOwn(ctx, c)) refuse(`${c.number} belongs to another rep.`, `${c.number} 由其他销售负责。`);
    await ctx.tx.insert(customerNeeds).values({
      customerId: c.id,
      spec: args.spec,
      model: args.model ?? null,
      quantity: args.quantity ?? null,
      quality: args.quality ?? null,
      deliveryDate: args.delivery ? ctx.date(args.delivery).date : null,
      priceSensitivity: args.sensitivity ?? null,
      createdBy: ctx.actor.personId,
    });
    await ctx.history('customer', c.id, [{ field: 'need', from: null, to: args.spec }]);
    await ctx.audit('customer.need', 'customer', c.number);
    return {
      text: ctx.t({
        en: `Need recorded for ${c.number}: ${args.spec}.`,
        zh: `已记录 ${c.number} 的需求：${args.spec}。`,
      }),
    };
  },
});

const SHARE_USAGE = {
  en: 'customer share C-0001 dept=service fields=contacts,needs,history',
  zh: '客户 共享 C-0001 部门=客服 字段=联系方式,需求,交易记录',
};
const UNSHARE_USAGE = { en: 'customer unshare C-0001 dept=service', zh: '客户 取消共享 C-0001 部门=客服' };

/** The departments a share names: dept= (or to=, its older name), one or several. */
function shareDepartments(args: { dept?: DepartmentCode[]; to?: DepartmentCode[] }, usage: string) {
  const depts = [...new Set([...(args.dept ?? []), ...(args.to ?? [])])];
  if (depts.length === 0)
    refuse(
      `Say which department: dept=service (several: dept=service,finance). Usage: ${usage}`,
      `请写明部门：部门=客服（多个：部门=客服,财务）。用法：${usage}`,
    );
  return depts;
}

async function loadOwnCustomer(ctx: FlowContext, ref: string | null, words: string[], what: string) {
  const c = await customerOf(ctx, ref, words);
  if (!canOwn(ctx, c))
    refuse(
      `Only the owner of ${c.number} or the sales manager ${what} it.`,
      `只有 ${c.number} 的负责人或销售经理可以${what === 'shares' ? '共享' : '取消共享'}。`,
    );
  return c;
}

const share = command({
  noun: 'customer',
  verbs: ['share'],
  ref: CUSTOMER_REF,
  words: NAME_WORD,
  keys: {
    dept: k.choices(deptChoice).optional(),
    to: k.choices(deptChoice).optional(),
    fields: k.choices(SHARE_FIELDS),
  },
  usage: SHARE_USAGE,
  summary: {
    en: 'share a customer with a department: exactly the fields named (contacts, needs, intent, history)',
    zh: '向部门共享客户：只共享注明的字段（联系方式、需求、购买意向、交易记录）',
  },
  allow: isSales,
  async run(ctx, { ref, words, args }) {
    const depts = shareDepartments(args, ctx.t(SHARE_USAGE));
    const c = await loadOwnCustomer(ctx, ref, words, 'shares');
    const fields = CUSTOMER_CLASSES.filter((f) => args.fields.includes(f));
    for (const code of depts) {
      const deptId = await departmentId(ctx, code);
      const before = await sharedFields(ctx, c.id, code);
      // A share states the whole scope: sharing again replaces the fields, it does not add to them.
      await ctx.tx
        .insert(customerShares)
        .values({ customerId: c.id, departmentId: deptId, fields, sharedBy: ctx.actor.personId })
        .onConflictDoUpdate({
          target: [customerShares.customerId, customerShares.departmentId],
          set: { fields, sharedBy: ctx.actor.personId, createdAt: ctx.now },
        });
      await ctx.history('customer', c.id, [
        { field: `shared.${code}`, from: before.length ? before.join(',') : null, to: fields.join(',') },
      ]);
      await ctx.out.send({ kind: 'department', code }, (l) => ({
        text: label(
          l,
          `${ctx.actor.name} shared customer ${c.number} ${c.name} with ${DEPARTMENT_NAMES[code].en}: ${namesOf(SHARE_FIELD_NAMES, fields, 'en')}, nothing else. See it in a private chat with me: customer show ${c.number}`,
          `${ctx.actor.name} 向${DEPARTMENT_NAMES[code].zh}共享了客户 ${c.number} ${c.name}：仅${namesOf(SHARE_FIELD_NAMES, fields, 'zh')}。请在与我的私聊中查看：客户 查看 ${c.number}`,
        ),
      }));
    }
    await ctx.audit('customer.share', 'customer', c.number, { to: depts, fields });
    const names = depts.map((d) => DEPARTMENT_NAMES[d][ctx.locale]).join(ctx.t({ en: ', ', zh: '、' }));
    return {
      text: ctx.t({
        en: `${c.number} shared with ${names}: ${namesOf(SHARE_FIELD_NAMES, fields, 'en')} (only these). To end it: customer unshare ${c.number} dept=${depts.join(',')}`,
        zh: `${c.number} 已共享给${names}：${namesOf(SHARE_FIELD_NAMES, fields, 'zh')}（仅限这些）。取消：客户 取消共享 ${c.number} 部门=${depts.map((d) => DEPARTMENT_NAMES[d].zh).join(',')}`,
      }),
    };
  },
});

const unshare = command({
  noun: 'customer',
  verbs: ['unshare'],
  ref: CUSTOMER_REF,
  words: NAME_WORD,
  keys: { dept: k.choices(deptChoice).optional(), to: k.choices(deptChoice).optional() },
  usage: UNSHARE_USAGE,
  summary: { en: 'end sharing a customer with a department', zh: '取消向部门共享客户' },
  allow: isSales,
  async run(ctx, { ref, words, args }) {
    const depts = shareDepartments(args, ctx.t(UNSHARE_USAGE));
    const c = await loadOwnCustomer(ctx, ref, words, 'unshares');
    const ended: DepartmentCode[] = [];
    for (const code of depts) {
      const before = await sharedFields(ctx, c.id, code);
      if (before.length === 0) continue;
      await ctx.tx
        .delete(customerShares)
        .where(
          and(
            eq(customerShares.customerId, c.id),
            eq(customerShares.departmentId, await departmentId(ctx, code)),
          ),
        );
      await ctx.history('customer', c.id, [{ field: `shared.${code}`, from: before.join(','), to: null }]);
      ended.push(code);
    }
    const names = (list: DepartmentCode[], l: Locale) =>
      list.map((d) => DEPARTMENT_NAMES[d][l]).join(pick(l, { en: ', ', zh: '、' }));
    if (ended.length === 0)
      refuse(
        `${c.number} is not shared with ${names(depts, 'en')}; nothing to end.`,
        `${c.number} 未共享给${names(depts, 'zh')}，无需取消。`,
      );
    for (const code of ended)
      await ctx.out.send({ kind: 'department', code }, (l) => ({
        text: label(
          l,
          `${ctx.actor.name} ended sharing customer ${c.number} ${c.name} with ${DEPARTMENT_NAMES[code].en}.`,
          `${ctx.actor.name} 已取消向${DEPARTMENT_NAMES[code].zh}共享客户 ${c.number} ${c.name}。`,
        ),
      }));
    await ctx.audit('customer.unshare', 'customer', c.number, { to: ended });
    const skipped = depts.filter((d) => !ended.includes(d));
    return {
      text: ctx.t({
        en: `${c.number} is no longer shared with ${names(ended, 'en')}.${skipped.length ? ` (It was not shared with ${names(skipped, 'en')}.)` : ''}`,
        zh: `${c.number} 已不再共享给${names(ended, 'zh')}。${skipped.length ? `（未曾共享给${names(skipped, 'zh')}。）` : ''}`,
      }),
    };
  },
});

type Correction = Partial<
  Record<
    'name' | 'industry' | 'address' | 'scope' | 'size' | 'region' | 'contact' | 'phone' | 'email' | 'fax',
    string
  >
>;
const CUSTOMER_FIELDS = ['name', 'industry', 'address', 'scope', 'size', 'region'] as const;
const CONTACT_FIELDS = { contact: 'name', phone: 'phone', email: 'email', fax: 'fax' } as const;

const correct = command({
  noun: 'customer',
  verbs: ['correct'],
  ref: CUSTOMER_REF,
  words: NAME_WORD,
  keys: {
    ...CUSTOMER_KEYS,
    reason: k.text(1000),
  },
  usage: {
    en: 'customer correct C-0001 phone=13800000001 reason="number changed, told by the customer"',
    zh: '客户 更正 C-0001 电话=13800000001 原因="客户告知号码已变更"',
  },
  summary: { en: 'report wrong customer data; sales verifies it', zh: '报告客户信息有误，由销售核实' },
  allow: isStaff,
  async run(ctx, { ref, words, args }) {
    const c = await customerOf(ctx, ref, words);
    const { reason, ...fields } = args;
    const payload = Object.fromEntries(
      Object.entries(fields).filter(([, v]) => v !== undefined),
    ) as Correction;
    if (Object.keys(payload).length === 0)
      refuse(
        'Say what is wrong and the right value, e.g. phone=13800000001.',
        '请写明正确的值，例如 电话=13800000001。',
      );
    if (payload.name) await refuseTakenName(ctx, payload.name, c.id);
    const a = await submitForApproval(ctx, {
      subjectType: 'customer_correction',
      subjectId: c.id,
      subjectRef: c.number,
      facts: { type: 'customer_correction', ownerId: c.ownerId },
      reason,
      payload,
    });
    return {
      text: ctx.t({
        en: `Correction of ${c.number} filed (${a.number}); the owning rep or the sales manager will verify it.`,
        zh: `已提交 ${c.number} 的更正（${a.number}），将由负责销售或销售经理核实。`,
      }),
    };
  },
});

const CONTACT_KEYS = new Set(['phone', 'email', 'fax']);

/** A correction's new values; phone, email and fax are contacts, shown by the one rule like everywhere. */
function describeCorrection(p: Correction, r: Reveal, l: Locale): string {
  return Object.entries(p)
    .map(([key, v]) => {
      if (!CONTACT_KEYS.has(key)) return `${nameOf(FIELD_NAMES, key, l)} → ${v}`;
      const shown = r.text('contacts', 'contacts', v, key === 'email' ? maskEmail(v) : maskPhone(v));
      return `${nameOf(FIELD_NAMES, key, l)} → ${shown ?? label(l, '(not shown to you)', '（无权查看）')}`;
    })
    .join('\n');
}

export const correctionSubject: SubjectHandler = {
  async summary(ctx, a) {
    // A decided correction of a customer since merged still reads as it was.
    const c = await loadCustomer(ctx, a.subjectRef, false, 'keep');
    const p = a.payload as Correction;
    return (l, viewer) => {
      const r = new Reveal(viewer, { kind: 'customer', ownerId: c.ownerId, shared: [] }, ctx.org.currency);
      const fields = [
        field(label(l, 'Customer', '客户'), `${c.number} ${c.name}`),
        field(label(l, 'Correct to', '更正为'), describeCorrection(p, r, l)),
      ];
      return {
        fields,
        details: `customer show ${c.number}`,
        entity: 'customer',
        read: r.fields,
        masked: r.masked,
      };
    };
  },
  async approved(ctx, a) {
    const c = await loadCustomer(ctx, a.subjectRef, true);
    const p = a.payload as Correction;
    // Another customer may have taken the name since the correction was filed.
    if (p.name) await refuseTakenName(ctx, p.name, c.id);
    const changes: FieldChange[] = [];
    const set: Record<string, string> = {};
    for (const f of CUSTOMER_FIELDS) {
      if (p[f] !== undefined) {
        set[f] = p[f]!;
        changes.push({ field: f, from: c[f], to: p[f] });
      }
    }
    if (Object.keys(set).length)
      await ctx.tx
        .update(customers)
        .set({ ...set, ...(set.name ? { namePinyin: pinyinOf(set.name) } : {}), updatedAt: ctx.now })
        .where(eq(customers.id, c.id));
    const contactSet: Record<string, string> = {};
    for (const [key, column] of Object.entries(CONTACT_FIELDS)) {
      const v = p[key as keyof Correction];
      if (v !== undefined) contactSet[column] = v;
    }
    if (Object.keys(contactSet).length) {
      const [primary] = await ctx.tx
        .select()
        .from(contacts)
        .where(and(eq(contacts.customerId, c.id), eq(contacts.primary, true)))
        .limit(1);
      if (primary) {
        await ctx.tx
          .update(contacts)
          .set({ ...contactSet, ...(contactSet.name ? { namePinyin: pinyinOf(contactSet.name) } : {}) })
          .where(eq(contacts.id, primary.id));
        for (const [column, v] of Object.entries(contactSet))
          changes.push({ field: `contact.${column}`, from: primary[column as 'name'], to: v });
      } else {
        await ctx.tx.insert(contacts).values({
          customerId: c.id,
          name: contactSet.name ?? c.name,
          namePinyin: pinyinOf(contactSet.name ?? c.name),
          phone: contactSet.phone ?? null,
          email: contactSet.email ?? null,
          fax: contactSet.fax ?? null,
          primary: true,
        });
        changes.push({ field: 'contact', from: null, to: contactSet.name ?? contactSet.phone ?? '' });
      }
    }
    await ctx.history('customer', c.id, [
      ...changes,
      { field: 'correction', from: null, to: `${a.number}: ${a.reason ?? ''}` },
    ]);
    // Everyone who received this customer hears of the correction, old → new (R-CUST-3, correction.ts).
    await tellCorrection(ctx, a, c, p, changes);
  },
  async rejected() {},
  async withdrawn() {},
};

/** Contact data as customer show prints it: names and roles as they are, numbers and emails masked. */
const CONTACT_PARTS: Record<string, { en: string; zh: string; mask: (v: string) => string }> = {
  name: { en: 'name', zh: '姓名', mask: (v) => v },
  title: { en: 'role', zh: '职务', mask: (v) => v },
  phone: { en: 'phone', zh: '电话', mask: maskPhone },
  email: { en: 'email', zh: '邮箱', mask: maskEmail },
  fax: { en: 'fax', zh: '传真', mask: maskPhone },
};
const secret = (cls: ConfidentialClass, audit: string, mask?: (v: string) => string) =>
  ({ cls, audit, ...(mask ? { mask } : {}) }) satisfies FieldSpec['secret'];
const plain = (key: string): FieldSpec => ({ name: FIELD_NAMES[key]! });
const HISTORY_FIELDS: Record<string, FieldSpec> = {
  created: { name: { en: 'created', zh: '创建' }, bare: true },
  name: plain('name'),
  industry: plain('industry'),
  address: plain('address'),
  scope: plain('scope'),
  size: plain('size'),
  region: plain('region'),
  status: { name: { en: 'status', zh: '状态' }, read: (v, ctx) => nameOf(CUSTOMER_STATUS, v, ctx.locale) },
  key_account: { name: FIELD_NAMES.key!, read: readYesNo },
  owner: { name: { en: 'owner', zh: '负责人' } },
  handover_reason: { name: { en: 'handed over', zh: '交接原因' }, event: true },
  intent_likelihood: {
    name: FIELD_NAMES.likelihood!,
    read: (v, ctx) => nameOf(LEVEL3, v, ctx.locale),
    secret: secret('intent', 'intent'),
  },
  intent_budget_minor: moneyField(FIELD_NAMES.budget!, 'intent', 'budget'),
  intent_process: { name: FIELD_NAMES.process!, secret: secret('intent', 'intent') },
  intent_decision_makers: { name: FIELD_NAMES.decision!, secret: secret('intent', 'intent') },
  need: { name: { en: 'need', zh: '需求' }, event: true, secret: secret('needs', 'needs') },
  correction: { name: { en: 'correction upheld', zh: '更正已通过' }, event: true },
  merged: { name: { en: 'merged in', zh: '并入客户' }, event: true },
  merged_into: { name: { en: 'merged into', zh: '合并至' }, event: true },
  'contact.primary': {
    name: { en: 'primary contact', zh: '主要联系人' },
    secret: secret('contacts', 'contacts', (v) => v),
  },
};

/** A customer's history (R-REC-1): contacts, intent and needs follow customer show's rule exactly. */
export const CUSTOMER_HISTORY: HistorySpec = {
  entity: 'customer',
  approvals: ['customer_correction'],
  // A correction filed changes nothing until it is upheld: its request is a line of its own.
  requests: ['customer_correction'],
  field(name, l) {
    // contact (a first contact), contact.<part> (the primary one), contact.<no>, contact.<no>.<part>.
    const c = /^contact(?:\.(\d+))?(?:\.(name|title|phone|email|fax))?$/.exec(name);
    if (c) {
      const part = CONTACT_PARTS[c[2] ?? 'name']!;
      const who = c[1] ? label(l, `contact #${c[1]}`, `联系人 #${c[1]}`) : label(l, 'contact', '联系人');
      const what = c[2] && c[2] !== 'name' ? label(l, ` ${part.en}`, part.zh) : '';
      return { name: { en: who + what, zh: who + what }, secret: secret('contacts', 'contacts', part.mask) };
    }
    const shared = /^shared\.(\w+)$/.exec(name);
    if (shared) {
      const dept = DEPARTMENT_NAMES[shared[1] as DepartmentCode]?.[l] ?? shared[1]!;
      return {
        name: { en: `shared with ${dept}`, zh: `共享给${dept}` },
        read: (v, ctx) => namesOf(SHARE_FIELD_NAMES, v.split(','), ctx.locale),
      };
    }
    return HISTORY_FIELDS[name] ?? unnamedField(name, { cls: 'intent', audit: 'budget' });
  },
};

const history = historyCommand({
  noun: 'customer',
  ref: CUSTOMER_REF,
  words: NAME_WORDS,
  spec: CUSTOMER_HISTORY,
  example: 'C-0001',
  allow: isStaff,
  async open(ctx, { ref, words }) {
    // A merged customer's own history stays readable (it ends with "merged into …").
    const c = await customerOf(ctx, ref, words, false, 'keep');
    const shared = await sharedFields(ctx, c.id, ctx.actor.department);
    const r = reveal(ctx, { kind: 'customer', ownerId: c.ownerId, shared });
    return {
      id: c.id,
      number: c.number,
      reveal: r,
      // As customer show: opening a customer in a private chat is a read ('profile' if nothing secret showed).
      audit: (r) =>
        ctx.auditRead(
          'customer',
          c.number,
          r.fields.length > 0 || r.viewer.audience === 'group' ? r.fields : ['profile'],
          shared.length > 0 &&
            !entitled(r.viewer, 'contacts', { kind: 'customer', ownerId: c.ownerId, shared: [] })
            ? { share: ctx.actor.department }
            : {},
        ),
    };
  },
});

export const customerCommands = [
  add,
  show,
  list,
  update,
  need,
  share,
  unshare,
  correct,
  history,
  ...customerMergeCommands,
  ...customerUseCommands,
];

// Customers (R-CUST-1/2/3/4): register at first contact, show with contacts masked by role and chat, update
// with history, record needs, share with departments with a stated scope.
import { and, asc, desc, eq, ilike } from 'drizzle-orm';
import type { Message } from '../cards/card.ts';
import { type DepartmentCode, k } from '../commands/keys.ts';
import type { FieldChange, FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { isMarketing, isSales, isSalesManager, isStaff, isSupervisor } from '../core/permissions.ts';
import {
  contacts,
  customerNeeds,
  customerShares,
  customers,
  departments,
  orders,
  quotes,
} from '../db/schema.ts';
import type { Locale } from '../i18n/locale.ts';
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
  maskEmail,
  maskPhone,
  personName,
} from './common.ts';
import { customerOf, insertCustomerOnce, refuseDuplicate, refuseTakenName } from './customer-names.ts';
import { CUSTOMER_STATUS, FIELD_NAMES, LEVEL3, nameOf, namesOf, SHARE_FIELD_NAMES } from './labels.ts';
import { cutNote, LIST_SIZE } from './list-lines.ts';
import { orderStatus } from './order.ts';
import { quoteStatus } from './quote.ts';
import type { SubjectHandler } from './subjects.ts';

const SHARE_FIELDS = {
  contacts: ['联系方式', '联系人'],
  needs: ['需求'],
  intent: ['购买意向', '意向'],
  history: ['交易记录', '历史'],
} as const;
type ShareField = keyof typeof SHARE_FIELDS;

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

/** Which confidential parts of a customer this person may see (R-SEC-1, R-CUST-4). */
async function visibleParts(ctx: FlowContext, customerId: number): Promise<Set<ShareField>> {
  if (isSales(ctx.actor) || isSupervisor(ctx.actor))
    return new Set(['contacts', 'needs', 'intent', 'history']);
  if (!ctx.actor.department) return new Set();
  const rows = await ctx.tx
    .select({ fields: customerShares.fields })
    .from(customerShares)
    .innerJoin(departments, eq(departments.id, customerShares.departmentId))
    .where(and(eq(customerShares.customerId, customerId), eq(departments.code, ctx.actor.department)));
  return new Set((rows[0]?.fields ?? []) as ShareField[]);
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
  allow: (a) => isSales(a) || isMarketing(a),
  async run(ctx, { args }) {
    if ((args.phone || args.email) && !args.contact) {
      refuse('Give the contact person too: contact="Li Lei".', '请同时填写联系人：联系人=王芳。');
    }
    // Asked first so a plain duplicate uses up no number; the insert below still decides a race.
    await refuseTakenName(ctx, args.name);
    const number = await ctx.nextNumber('C');
    // One statement decides a race: the loser is told which customer the winner registered.
    const { customer: c, created } = await insertCustomerOnce(ctx, {
      number,
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
    if (args.contact) {
      await ctx.tx.insert(contacts).values({
        customerId: c!.id,
        name: args.contact,
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
    const c = await customerOf(ctx, ref, words);
    const parts = await visibleParts(ctx, c.id);
    const l = ctx.locale;
    const read: string[] = [];
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
    if (parts.has('contacts')) {
      const people = await ctx.tx
        .select()
        .from(contacts)
        .where(eq(contacts.customerId, c.id))
        .orderBy(asc(contacts.id));
      // In a group chat contact details are masked (R-SEC-1); full details only in a direct chat.
      const masked = ctx.chat.kind === 'group';
      for (const p of people) {
        const phone = masked ? maskPhone(p.phone) : (p.phone ?? '—');
        const email = masked ? maskEmail(p.email) : (p.email ?? '—');
        fields.push(
          field(
            label(l, 'Contact', '联系人'),
            `${p.name} · ${phone} · ${email}${p.fax ? ` · fax ${p.fax}` : ''}`,
          ),
        );
      }
      if (people.length > 0) read.push('contacts');
      if (masked && people.length > 0) {
        fields.push(
          field(
            label(l, 'Note', '说明'),
            label(
              l,
              'Contact details are masked in group chats; ask me in a direct chat.',
              '群聊中联系方式已隐藏，请在私聊中查看。',
            ),
          ),
        );
      }
    } else {
      fields.push(
        field(
          label(l, 'Contacts', '联系方式'),
          label(l, 'not shared with your department', '未共享给您的部门'),
        ),
      );
    }
    if (parts.has('intent') && (c.intentLikelihood || c.intentBudgetMinor !== null)) {
      if (c.intentBudgetMinor !== null) read.push('budget');
      fields.push(
        field(
          label(l, 'Purchase intent', '购买意向'),
          [
            c.intentLikelihood && nameOf(LEVEL3, c.intentLikelihood, l),
            c.intentBudgetMinor !== null ? ctx.money(c.intentBudgetMinor) : null,
            c.intentProcess,
            c.intentDecisionMakers,
          ]
            .filter(Boolean)
            .join(' · '),
        ),
      );
    }
    if (parts.has('needs')) {
      const needs = await ctx.tx
        .select()
        .from(customerNeeds)
        .where(eq(customerNeeds.customerId, c.id))
        .orderBy(asc(customerNeeds.id));
      for (const n of needs) {
        fields.push(
          field(
            label(l, 'Need', '需求'),
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
          ),
        );
      }
    }
    if (parts.has('history')) {
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
        fields.push(
          field(
            label(l, 'Trade history', '交易记录'),
            [
              ...o.map((r) => `${r.number} ${orderStatus(r.status, l)}`),
              ...q.map((r) => `${r.number} ${quoteStatus(r.status, l)}`),
            ].join(label(l, ', ', '，')),
          ),
        );
      }
    }
    await ctx.auditRead('customer', c.number, read);
    const title = `${c.number} ${c.name}`;
    return { text: linesOf(title, fields), card: { title, fields, actions: [] } } satisfies Message;
  },
});

const list = command({
  noun: 'customer',
  verbs: ['list'],
  keys: { name: k.text(100).optional(), industry: k.text(100).optional() },
  usage: { en: 'customer list [name=acme] [industry=…]', zh: '客户 列表 [名称=华星] [行业=…]' },
  summary: { en: 'list customers', zh: '客户列表' },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { args }) {
    const conds = [
      args.name ? ilike(customers.name, `%${args.name.replace(/[%_\\]/g, '\\$&')}%`) : undefined,
      args.industry ? ilike(customers.industry, `%${args.industry.replace(/[%_\\]/g, '\\$&')}%`) : undefined,
    ].filter(Boolean);
    const rows = await ctx.tx
      .select({
        number: customers.number,
        name: customers.name,
        industry: customers.industry,
        status: customers.status,
      })
      .from(customers)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(customers.id))
      .limit(LIST_SIZE + 1);
    const cut = cutNote(ctx, rows, { en: 'name=… or industry=…', zh: '名称=… 或 行业=…' });
    if (rows.length === 0) return { text: ctx.t({ en: 'No customers found.', zh: '没有找到客户。' }) };
    const lines = rows.map(
      (r) =>
        `${r.number}  ${r.name}${r.industry ? ` · ${r.industry}` : ''}${r.status === 'prospect' ? ctx.t({ en: ' · prospect', zh: ' · 潜在' }) : ''}`,
    );
    return {
      text: `${ctx.t({ en: 'Customers (newest first):', zh: '客户（最新在前）：' })}\n${lines.join('\n')}${cut}`,
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
      .set({ ...next, updatedAt: ctx.now })
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
        await ctx.tx.update(contacts).set(set).where(eq(contacts.id, primary.id));
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

const share = command({
  noun: 'customer',
  verbs: ['share'],
  ref: CUSTOMER_REF,
  words: NAME_WORD,
  keys: { to: k.choices(deptChoice), fields: k.choices(SHARE_FIELDS) },
  usage: {
    en: 'customer share C-0001 to=finance,service fields=contacts,history',
    zh: '客户 共享 C-0001 给=财务,客服 字段=联系方式,交易记录',
  },
  summary: {
    en: 'share a customer with departments, stating which fields',
    zh: '向部门共享客户，注明共享范围',
  },
  allow: isSales,
  async run(ctx, { ref, words, args }) {
    const c = await customerOf(ctx, ref, words);
    if (!canOwn(ctx, c))
      refuse(
        `Only the owner of ${c.number} or the sales manager shares it.`,
        `只有 ${c.number} 的负责人或销售经理可以共享。`,
      );
    for (const code of args.to) {
      const deptId = await departmentId(ctx, code);
      await ctx.tx
        .insert(customerShares)
        .values({ customerId: c.id, departmentId: deptId, fields: args.fields, sharedBy: ctx.actor.personId })
        .onConflictDoUpdate({
          target: [customerShares.customerId, customerShares.departmentId],
          set: { fields: args.fields, sharedBy: ctx.actor.personId, createdAt: ctx.now },
        });
      await ctx.out.send({ kind: 'department', code }, (l) => ({
        text: label(
          l,
          `${ctx.actor.name} shared customer ${c.number} ${c.name} with ${DEPARTMENT_NAMES[code].en} (${namesOf(SHARE_FIELD_NAMES, args.fields, 'en')}). See: customer show ${c.number}`,
          `${ctx.actor.name} 向${DEPARTMENT_NAMES[code].zh}共享了客户 ${c.number} ${c.name}（${namesOf(SHARE_FIELD_NAMES, args.fields, 'zh')}）。查看：客户 查看 ${c.number}`,
        ),
      }));
    }
    await ctx.history('customer', c.id, [
      { field: 'shared', from: null, to: `${args.to.join(',')}:${args.fields.join(',')}` },
    ]);
    await ctx.audit('customer.share', 'customer', c.number, { to: args.to, fields: args.fields });
    const names = args.to.map((d) => DEPARTMENT_NAMES[d][ctx.locale]).join(ctx.t({ en: ', ', zh: '、' }));
    return {
      text: ctx.t({
        en: `${c.number} shared with ${names}: ${namesOf(SHARE_FIELD_NAMES, args.fields, 'en')}.`,
        zh: `${c.number} 已共享给${names}：${namesOf(SHARE_FIELD_NAMES, args.fields, 'zh')}。`,
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

function describeCorrection(p: Correction, masked: boolean, l: Locale): string {
  return Object.entries(p)
    .map(
      ([key, v]) =>
        `${nameOf(FIELD_NAMES, key, l)} → ${masked && (key === 'phone' || key === 'email' || key === 'fax') ? (key === 'email' ? maskEmail(v) : maskPhone(v)) : v}`,
    )
    .join('\n');
}

export const correctionSubject: SubjectHandler = {
  async summary(ctx, a) {
    const c = await loadCustomer(ctx, a.subjectRef);
    const p = a.payload as Correction;
    return (l, audience) => ({
      fields: [
        field(label(l, 'Customer', '客户'), `${c.number} ${c.name}`),
        field(label(l, 'Correct to', '更正为'), describeCorrection(p, audience === 'group', l)),
      ],
      details: `customer show ${c.number}`,
    });
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
        .set({ ...set, updatedAt: ctx.now })
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
        await ctx.tx.update(contacts).set(contactSet).where(eq(contacts.id, primary.id));
        for (const [column, v] of Object.entries(contactSet))
          changes.push({ field: `contact.${column}`, from: primary[column as 'name'], to: v });
      } else {
        await ctx.tx.insert(contacts).values({
          customerId: c.id,
          name: contactSet.name ?? c.name,
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
    // Everyone who was given this customer hears of the correction (R-CUST-3).
    const shared = await ctx.tx
      .select({ code: departments.code })
      .from(customerShares)
      .innerJoin(departments, eq(departments.id, customerShares.departmentId))
      .where(eq(customerShares.customerId, c.id));
    const notice = (l: 'en' | 'zh', audience: 'private' | 'group') => ({
      text: `${label(
        l,
        `Customer ${c.number} ${c.name} corrected (${a.number}):`,
        `客户 ${c.number} ${c.name} 信息已更正（${a.number}）：`,
      )}\n${describeCorrection(p, audience === 'group', l)}`,
    });
    for (const s of shared)
      await ctx.out.send({ kind: 'department', code: s.code as DepartmentCode }, notice);
    if (c.ownerId && c.ownerId !== ctx.actor.personId)
      await ctx.out.send({ kind: 'person', personId: c.ownerId }, notice);
  },
  async rejected() {},
  async withdrawn() {},
};

export const customerCommands = [add, show, list, update, need, share, correct];

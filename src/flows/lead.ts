// Leads (R-LEAD-1..5): register with source and a first plan, the manager assigns with a deadline (the rep
// gets a card with Accept), reps record follow-ups, conversion makes a customer and closes the lead.
import { and, desc, eq } from 'drizzle-orm';
import { runButton } from '../cards/actions.ts';
import type { Card } from '../cards/card.ts';
import type { DateExpr } from '../commands/dates.ts';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseAudited } from '../core/errors.ts';
import { takeNumber } from '../core/numbering.ts';
import { isMarketing, isSales, isSalesManager } from '../core/permissions.ts';
import { reveal } from '../core/visibility.ts';
import { contacts, customers, leadFollowups, leads, people } from '../db/schema.ts';
import type { Locale } from '../i18n/locale.ts';
import { autoAssign, ruleRef, suggest, type Turn, takeTurn } from '../leads/assignment-rules.ts';
import { leadLinkFields } from '../leads/links.ts';
import { SOURCES } from '../leads/sources.ts';
import { clip, command, field, label, linesOf, loadLead, personName } from './common.ts';
import { customerKey, customerNamed, insertCustomerOnce, resolveCustomer } from './customer-names.ts';
import { pinyinOf } from './customer-pinyin.ts';
import {
  type FieldSpec,
  type HistorySpec,
  historyCommand,
  readInstant,
  readYesNo,
  unnamedField,
} from './history.ts';
import { LEAD_STATUS, nameOf, SOURCE_NAMES } from './labels.ts';
import { LIST_KEYS, listFilters, pageFooter } from './list-filters.ts';
import { dueMark } from './list-lines.ts';
import { leadList } from './list-queries.ts';
import { mayReadLead, readsLeads } from './read-scopes.ts';
import { cancelFollowups, scheduleFollowup } from './reminder-sources.ts';

const STATUS = LEAD_STATUS;
const statusName = (s: string, l: Locale) => STATUS[s as keyof typeof STATUS]?.[l] ?? s;
const OPEN = ['new', 'assigned', 'following'];

type Lead = typeof leads.$inferSelect;

const canWork = (ctx: FlowContext, lead: Lead) =>
  isSalesManager(ctx.actor) || lead.ownerId === ctx.actor.personId;

async function leadTitle(ctx: FlowContext, lead: Lead): Promise<string> {
  if (lead.customerId) {
    const [c] = await ctx.tx
      .select({ number: customers.number, name: customers.name })
      .from(customers)
      .where(eq(customers.id, lead.customerId));
    if (c) return `${c.number} ${c.name}`;
  }
  return lead.prospectName ?? '—';
}

/**
 * A lead to read (lead show, lead history): refused, as a denial in the audit log and nothing else written,
 * when it is not the reader's to open (read-scopes.ts, the web lead page's rule too).
 */
async function readableLead(ctx: FlowContext, ref: string, verb: string): Promise<Lead> {
  const lead = await loadLead(ctx, ref);
  if (!mayReadLead(ctx.actor, lead))
    refuseAudited(
      { action: 'denied', entity: 'lead', ref: lead.number, detail: { verb } },
      `${lead.number} is assigned to someone else: you see your own leads, the unassigned ones and those you recorded; ask the sales manager.`,
      `${lead.number} 已分配给其他人：您可以查看自己负责的、未分配的和自己登记的线索；如需查看请联系销售经理。`,
    );
  return lead;
}

async function salesManagers(ctx: FlowContext): Promise<number[]> {
  const rows = await ctx.tx
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.role, 'sales_manager'), eq(people.active, true)));
  return rows.map((r) => r.id);
}

const add = command({
  noun: 'lead',
  verbs: ['add', 'new'],
  keys: {
    customer: customerKey().optional(),
    name: k.text(200).optional(),
    contact: k.text(100).optional(),
    phone: k.phone().optional(),
    source: k.choice(SOURCES),
    desc: k.text(2000).optional(),
    industry: k.text(100).optional(),
    region: k.text(100).optional(),
    next: k.text(300).optional(),
    due: k.date().optional(),
    important: k.bool().optional(),
  },
  usage: {
    en: 'lead add customer=C-0001 source=expo desc="needs 200 sensors" next="send catalogue" due=+3d [important=yes]',
    zh: '线索 新增 客户=C-0001 来源=展会 描述="需要200个传感器" 下一步=寄送目录 截止=+3d [重要=是]',
  },
  summary: {
    en: 'register a lead (name=… when there is no customer yet)',
    zh: '登记线索（尚无客户时用 名称=…）',
  },
  allow: (a) => isSales(a) || isMarketing(a),
  async run(ctx, { args }) {
    if (!args.customer && !args.name) {
      refuse(
        'Say who the lead is: customer=C-0001, or name="Company" for someone not yet a customer.',
        '请写明线索对象：客户=C-0001，或尚未登记的用 名称=公司名。',
      );
    }
    // A prospect name that is already a customer's is that customer: the lead is put on it.
    const customer = args.customer
      ? await resolveCustomer(ctx, args.customer)
      : ((await customerNamed(ctx, args.name!)) ?? null);
    const due = args.due ? ctx.date(args.due) : null;
    if (due && due.at < ctx.now && due.date < ctx.fmtDate(ctx.now))
      refuse('The due date is in the past.', '截止日期已过。');
    // A rep's own lead is theirs to follow; marketing and managers hand leads to the manager to assign.
    const ownLead = ctx.actor.role === 'sales_rep';
    const [lead] = await ctx.tx
      .insert(leads)
      .values({
        number: takeNumber('L'),
        customerId: customer?.id ?? null,
        prospectName: customer ? null : args.name!,
        contactName: args.contact ?? null,
        phone: args.phone ?? null,
        source: args.source,
        description: args.desc ?? null,
        industry: args.industry ?? customer?.industry ?? null,
        region: args.region ?? customer?.region ?? null,
        status: ownLead ? 'following' : 'new',
        important: args.important ?? false,
        ownerId: ownLead ? ctx.actor.personId : null,
        nextStep: args.next ?? null,
        nextDueAt: due?.at ?? null,
        createdBy: ctx.actor.personId,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    const number = lead!.number;
    await ctx.history('lead', lead!.id, [{ field: 'created', from: null, to: number }]);
    if (ownLead && due) await scheduleFollowup(ctx, lead!, due.at, args.next ?? null, { newLead: true });
    await ctx.audit('lead.add', 'lead', number, { source: args.source, important: args.important ?? false });
    const who = customer ? `${customer.number} ${customer.name}` : args.name!;
    // Marketing's hand-over is assigned by the rules at once when the organisation says so (R-LEAD-3);
    // otherwise the rules' suggestion is on the managers' card.
    let auto: { turn: Turn; due: Date } | undefined;
    if (!ownLead && isMarketing(ctx.actor) && (await autoAssign(ctx.tx))) {
      const turn = await takeTurn(ctx.tx, lead!);
      if (turn) auto = { turn, due: await assignTo(ctx, lead!, turn.rep, { turn, auto: true }) };
    }
    const suggested = !ownLead && !auto ? await suggest(ctx.tx, lead!) : undefined;
    if (!ownLead || args.important) {
      // Handed over (R-LEAD-2) or important (R-LEAD-4): the sales managers hear of it at once.
      for (const id of await salesManagers(ctx)) {
        if (id === ctx.actor.personId) continue;
        await ctx.out.send(
          { kind: 'person', personId: id },
          (l) => {
            const text = label(
              l,
              `${args.important ? '❗ Important lead' : 'New lead'} ${number} from ${ctx.actor.name}: ${who} (${nameOf(SOURCE_NAMES, args.source, 'en')})${args.desc ? ` — ${args.desc}` : ''}.`,
              `${args.important ? '❗ 重要线索' : '新线索'} ${number}（${ctx.actor.name}）：${who}（${nameOf(SOURCE_NAMES, args.source, 'zh')}）${args.desc ? `——${args.desc}` : ''}。`,
            );
            if (ownLead) return { text };
            const next = auto
              ? label(
                  l,
                  `Assigned to ${auto.turn.rep.name} by ${ruleRef(auto.turn.rule, l)}.`,
                  `已按${ruleRef(auto.turn.rule, l)}分配给 ${auto.turn.rep.name}。`,
                )
              : suggested
                ? label(
                    l,
                    `Suggested: ${suggested.rep.name} (${ruleRef(suggested.rule, l)}). Assign: lead assign ${number}`,
                    `建议：${suggested.rep.name}（${ruleRef(suggested.rule, l)}）。分配：线索 分配 ${number}`,
                  )
                : label(
                    l,
                    `Assign it: lead assign ${number} @rep due=+2d`,
                    `请分配：线索 分配 ${number} @销售 截止=+2d`,
                  );
            const card = handOverCard(l, lead!, who, ctx.actor.name, next, auto ? undefined : suggested);
            return { text: `${text} ${next}`, card };
          },
          ownLead ? undefined : `lead-handover:${number}`,
        );
      }
    }
    const plan = args.next
      ? ctx.t({
          en: ` Next: ${args.next}${due ? ` by ${ctx.fmtDate(due.at)}` : ''}.`,
          zh: `下一步：${args.next}${due ? `（${ctx.fmtDate(due.at)} 前）` : ''}。`,
        })
      : '';
    return {
      text: ctx.t({
        en: `Lead ${number} registered: ${who}, source ${nameOf(SOURCE_NAMES, args.source, 'en')}.${plan}${ownLead ? '' : auto ? ` Assigned by the rules to ${auto.turn.rep.name}; follow up by ${ctx.fmtDate(auto.due, true)}.` : ' The sales manager will assign it.'}`,
        zh: `已登记线索 ${number}：${who}，来源 ${nameOf(SOURCE_NAMES, args.source, 'zh')}。${plan}${ownLead ? '' : auto ? `已按规则分配给 ${auto.turn.rep.name}，跟进期限 ${ctx.fmtDate(auto.due, true)}。` : '销售经理将进行分配。'}`,
      }),
    };
  },
});

const show = command({
  noun: 'lead',
  verbs: ['show'],
  ref: { kind: 'lead', required: true },
  keys: {},
  usage: { en: 'lead show L-0001', zh: '线索 查看 L-0001' },
  summary: { en: 'show a lead and its follow-ups', zh: '查看线索及跟进记录' },
  allow: readsLeads,
  readOnly: true,
  async run(ctx, { ref }) {
    const lead = await readableLead(ctx, ref!, 'show');
    const l = ctx.locale;
    const fields = [
      field(label(l, 'Who', '对象'), await leadTitle(ctx, lead)),
      field(
        label(l, 'Status', '状态'),
        statusName(lead.status, l) + (lead.important ? label(l, ' · important', ' · 重要') : ''),
      ),
      field(label(l, 'Source', '来源'), nameOf(SOURCE_NAMES, lead.source, l)),
      field(label(l, 'Description', '描述'), lead.description),
      field(label(l, 'Owner', '负责人'), await personName(ctx, lead.ownerId)),
      field(
        label(l, 'Follow up by', '跟进期限'),
        lead.followDueAt ? ctx.fmtDate(lead.followDueAt, true) : null,
      ),
      field(
        label(l, 'Next step', '下一步'),
        lead.nextStep
          ? `${lead.nextStep}${lead.nextDueAt ? ` (${ctx.fmtDate(lead.nextDueAt, true)})` : ''}`
          : null,
      ),
    ];
    const follows = await ctx.tx
      .select({
        at: leadFollowups.createdAt,
        note: leadFollowups.note,
        next: leadFollowups.nextStep,
        by: people.name,
      })
      .from(leadFollowups)
      .innerJoin(people, eq(people.id, leadFollowups.personId))
      .where(eq(leadFollowups.leadId, lead.id))
      .orderBy(desc(leadFollowups.id))
      .limit(10);
    if (!lead.ownerId && OPEN.includes(lead.status) && isSalesManager(ctx.actor)) {
      const s = await suggest(ctx.tx, lead);
      fields.push(
        field(
          label(l, 'Suggested rep', '建议人选'),
          s
            ? `${s.rep.name} (${ruleRef(s.rule, l)}): lead assign ${lead.number}`
            : label(l, 'no rule matches', '没有匹配的规则'),
        ),
      );
    }
    fields.push(...(await leadLinkFields(ctx, lead)));
    for (const f of follows) {
      fields.push(field(`${ctx.fmtDate(f.at, true)} ${f.by}`, `${f.note}${f.next ? ` → ${f.next}` : ''}`));
    }
    const title = `${lead.number} ${await leadTitle(ctx, lead)}`;
    return { text: linesOf(title, fields), card: { title, fields, actions: [] } };
  },
});

const LEAD_FIELDS: Record<string, FieldSpec> = {
  created: { name: { en: 'created', zh: '创建' }, bare: true },
  status: { name: { en: 'status', zh: '状态' }, event: true, read: (v, ctx) => statusName(v, ctx.locale) },
  owner: { name: { en: 'owner', zh: '负责人' } },
  follow_due_at: { name: { en: 'follow up by', zh: '跟进期限' }, read: readInstant },
  assignment_rule: { name: { en: 'assigned by rule', zh: '按分配规则' }, event: true },
  followup: { name: { en: 'follow-up', zh: '跟进' }, event: true },
  next_step: { name: { en: 'next step', zh: '下一步' } },
  next_due_at: { name: { en: 'next step due', zh: '下一步期限' }, read: readInstant },
  important: { name: { en: 'important', zh: '重要' }, read: readYesNo },
  escalation: { name: { en: 'escalated to the manager', zh: '已上报经理' }, event: true },
  quote: { name: { en: 'quote made', zh: '已出报价' }, event: true },
  handover_reason: { name: { en: 'handed over', zh: '交接原因' }, event: true },
};

/** A lead's history: assignment, follow-ups, escalations, conversion (R-REC-1). Nothing in it is secret. */
export const LEAD_HISTORY: HistorySpec = {
  entity: 'lead',
  approvals: [],
  field: (name) => LEAD_FIELDS[name] ?? unnamedField(name, { cls: 'prices', audit: 'prices' }),
};

const history = historyCommand({
  noun: 'lead',
  ref: { kind: 'lead', required: true },
  spec: LEAD_HISTORY,
  example: 'L-0001',
  allow: readsLeads,
  async open(ctx, { ref }) {
    const lead = await readableLead(ctx, ref!, 'history');
    return { id: lead.id, number: lead.number, reveal: reveal(ctx, { kind: 'deal', ownerId: lead.ownerId }) };
  },
});

const list = command({
  noun: 'lead',
  verbs: ['list'],
  keys: {
    status: k
      .choice({
        open: ['未完成', '进行中'],
        all: ['全部', '所有'],
        ...Object.fromEntries(Object.entries(STATUS).map(([s, n]) => [s, [n.zh]])),
      } as unknown as Record<'open' | 'all' | keyof typeof STATUS, readonly string[]>)
      .optional(),
    ...LIST_KEYS,
  },
  usage: {
    en: 'lead list [status=open|all|new|assigned|following|converted|closed] [owner=me|@li|none] [since=2026-11-01] [until=…] [page=2]',
    zh: '线索 列表 [状态=未完成|全部|新建|已分配|跟进中|已转化|已关闭] [负责人=我|@li|无] [起始=2026-11-01] [截至=…] [页=2]',
  },
  summary: {
    en: 'list leads (reps: their own, the unassigned and those they recorded)',
    zh: '线索列表（销售代表：自己的、未分配的和自己登记的）',
  },
  allow: readsLeads,
  readOnly: true,
  async run(ctx, { args, text }) {
    const status = args.status ?? 'open';
    const rep = ctx.actor.role === 'sales_rep';
    const f = await listFilters(ctx, args);
    const owner = f.owner;
    if (rep && owner !== undefined && owner !== null && owner !== ctx.actor.personId)
      refuse(
        'You see your own leads, the unassigned ones and those you recorded; the sales manager sees everyone’s.',
        '您可以查看自己的、未分配的和自己登记的线索；其他人的线索请找销售经理。',
      );
    // What the status left out is counted too, so an empty list after a conversion does not read as
    // "no leads at all".
    const { rows, pages, hidden } = await leadList(
      ctx.tx,
      ctx.actor,
      status === 'all' ? null : status === 'open' ? OPEN : [status],
      f,
    );
    const whose =
      owner === undefined
        ? null
        : owner === null
          ? ctx.t({ en: 'unassigned', zh: '未分配' })
          : owner === ctx.actor.personId
            ? ctx.t({ en: 'yours', zh: '我的' })
            : await personName(ctx, owner);
    const parts = [
      status === 'all'
        ? null
        : status === 'open'
          ? ctx.t({ en: 'open', zh: '未完成' })
          : statusName(status, ctx.locale),
      whose,
    ].filter(Boolean);
    const shown =
      parts.length === 0 ? '' : ctx.t({ en: ` (${parts.join(', ')})`, zh: `（${parts.join('，')}）` });
    const more =
      hidden > 0
        ? ctx.t({
            en: `\n${hidden} more not shown by this filter; see them all: lead list status=all`,
            zh: `\n另有 ${hidden} 条不在此筛选内；查看全部：线索 列表 状态=全部`,
          })
        : '';
    if (rows.length === 0)
      return { text: ctx.t({ en: `No leads${shown}.`, zh: `没有线索${shown}。` }) + more };
    const lines = rows.map(
      ({ lead, customer, owner }) =>
        `${lead.number}  ${customer ?? lead.prospectName ?? '—'} · ${statusName(lead.status, ctx.locale)} · ${owner ?? ctx.t({ en: 'unassigned', zh: '未分配' })}${lead.important ? ' ❗' : ''}${OPEN.includes(lead.status) ? dueMark(ctx, lead.nextDueAt ?? lead.followDueAt) : ''}`,
    );
    return {
      text: `${ctx.t({ en: `Leads${shown}:`, zh: `线索${shown}：` })}\n${lines.join('\n')}${pageFooter(ctx, text, f.page, pages)}${more}`,
    };
  },
});

function assignmentCard(
  l: Locale,
  lead: Lead,
  who: string,
  by: string,
  dueText: string,
  state: { accepted?: string } = {},
  turn?: Turn,
): Card {
  const fields = [
    field(label(l, 'Lead', '线索'), `${lead.number} ${who}`),
    field(label(l, 'Source', '来源'), nameOf(SOURCE_NAMES, lead.source, l)),
    field(label(l, 'Description', '描述'), clip(lead.description, 200)),
    field(label(l, 'Follow up by', '跟进期限'), dueText),
    field(label(l, 'Assigned by', '分配人'), turn ? `${by} · ${ruleRef(turn.rule, l)}` : by),
  ];
  return {
    title: label(l, `Lead assigned to you: ${lead.number}`, `分配给您的线索：${lead.number}`),
    fields,
    actions: state.accepted
      ? []
      : [
          {
            id: runButton(`lead accept ${lead.number}`),
            label: label(l, 'Accept', '接受'),
            style: 'primary',
          },
        ],
    note:
      state.accepted ??
      label(
        l,
        `Record follow-ups with: lead follow ${lead.number} note="…" next="…" due=…`,
        `跟进后记录：线索 跟进 ${lead.number} 备注=… 下一步=… 截止=…`,
      ),
  };
}

/** The managers' card of a hand-over: who, from where, and what the rules suggest, with a button for it. */
function handOverCard(l: Locale, lead: Lead, who: string, by: string, next: string, suggested?: Turn): Card {
  return {
    title: label(l, `New lead ${lead.number} to assign`, `待分配线索 ${lead.number}`),
    fields: [
      field(label(l, 'Lead', '线索'), `${lead.number} ${who}`),
      field(label(l, 'Source', '来源'), nameOf(SOURCE_NAMES, lead.source, l)),
      field(label(l, 'Region', '地区'), lead.region),
      field(label(l, 'Industry', '行业'), lead.industry),
      field(label(l, 'Description', '描述'), clip(lead.description, 200)),
      field(label(l, 'Handed over by', '移交人'), by),
    ],
    actions: suggested
      ? [
          {
            id: runButton(
              `lead assign ${lead.number}${suggested.rep.handle ? ` @${suggested.rep.handle}` : ''}`,
            ),
            label: label(l, `Assign to ${suggested.rep.name}`, `分配给 ${suggested.rep.name}`),
            style: 'primary',
          },
        ]
      : [],
    note: next,
  };
}

/**
 * Gives a lead to a rep with a follow-up deadline (default two days, so that no assignment is open-ended):
 * the record, its history and audit, the follow-up reminders, and the rep's card with Accept. Returns the
 * deadline. `auto`: done by the rules on a hand-over, not by a manager.
 */
async function assignTo(
  ctx: FlowContext,
  lead: Lead,
  rep: { id: number; name: string },
  opts: { due?: DateExpr; note?: string; turn?: Turn; auto?: boolean },
): Promise<Date> {
  const due = ctx.date(opts.due ?? { kind: 'relative', days: 2 });
  await ctx.tx
    .update(leads)
    .set({
      ownerId: rep.id,
      assignedBy: opts.auto ? null : ctx.actor.personId,
      assignedAt: ctx.now,
      acceptedAt: null,
      followDueAt: due.at,
      status: 'assigned',
      updatedAt: ctx.now,
    })
    .where(eq(leads.id, lead.id));
  await ctx.history('lead', lead.id, [
    { field: 'owner', from: await personName(ctx, lead.ownerId), to: rep.name },
    { field: 'follow_due_at', from: lead.followDueAt, to: due.at },
    { field: 'status', from: lead.status, to: 'assigned' },
    ...(opts.turn ? [{ field: 'assignment_rule', from: null, to: `#${opts.turn.rule.id}` }] : []),
  ]);
  await ctx.audit(opts.auto ? 'lead.assign.auto' : 'lead.assign', 'lead', lead.number, {
    to: rep.id,
    due: due.at.toISOString(),
    note: opts.note,
    rule: opts.turn?.rule.id,
  });
  const who = await leadTitle(ctx, lead);
  await scheduleFollowup(ctx, { ...lead, ownerId: rep.id }, due.at, opts.note ?? null);
  const by = opts.auto ? ctx.t({ en: 'the rules (automatic)', zh: '规则（自动）' }) : ctx.actor.name;
  const cardKey = `lead-assign:${lead.number}`;
  if (lead.ownerId && lead.ownerId !== rep.id) {
    await ctx.out.update(cardKey, (l) => {
      const card = assignmentCard(l, lead, who, ctx.actor.name, '—', {
        accepted: label(l, `Reassigned to ${rep.name}`, `已改派给 ${rep.name}`),
      });
      return { text: card.note!, card };
    });
  }
  if (!lead.ownerId && !opts.auto) {
    // The managers' hand-over card: assigned now, its button gone.
    await ctx.out.update(`lead-handover:${lead.number}`, (l) => {
      const note = label(
        l,
        `Assigned to ${rep.name} by ${ctx.actor.name}`,
        `${ctx.actor.name} 已分配给 ${rep.name}`,
      );
      return { text: note, card: { ...handOverCard(l, lead, who, '—', note), fields: [] } };
    });
  }
  const updated = { ...lead, ownerId: rep.id };
  await ctx.out.send(
    { kind: 'person', personId: rep.id },
    (l) => {
      const card = assignmentCard(l, updated, who, by, ctx.fmtDate(due.at, true), {}, opts.turn);
      return { text: `${card.title}\n${who}${opts.note ? `\n${opts.note}` : ''}`, card };
    },
    cardKey,
  );
  return due.at;
}

const assign = command({
  noun: 'lead',
  verbs: ['assign'],
  ref: { kind: 'lead', required: true },
  mention: 'optional',
  keys: { due: k.date().optional(), note: k.text(500).optional() },
  usage: {
    en: 'lead assign L-0001 @chen due=2026-12-10   (without @name: the rep the assignment rules give)',
    zh: '线索 分配 L-0001 @chen 截止=2026-12-10   （不写 @姓名：按分配规则）',
  },
  summary: {
    en: 'assign a lead to a rep with a follow-up deadline; without a name, as the rules say (sales manager)',
    zh: '分配线索并设定跟进期限；不写姓名则按分配规则（销售经理）',
  },
  allow: isSalesManager,
  async run(ctx, { ref, mentions, args }) {
    const lead = await loadLead(ctx, ref!, true);
    if (!OPEN.includes(lead.status))
      refuse(
        `${lead.number} is ${statusName(lead.status, 'en')}; only open leads are assigned.`,
        `${lead.number} ${statusName(lead.status, 'zh')}，只能分配未完成的线索。`,
      );
    let rep: { id: number; name: string };
    let turn: Turn | undefined;
    if (mentions[0]) {
      const { person } = await ctx.person(mentions[0]);
      if (person.role !== 'sales_rep' && person.role !== 'sales_manager') {
        refuse(
          `${person.name} is not in sales; leads go to sales reps.`,
          `${person.name} 不是销售人员，线索只能分配给销售。`,
        );
      }
      if (!person.active) refuse(`${person.name} has left.`, `${person.name} 已离职。`);
      rep = person;
      // Naming the rep whose turn it was takes that turn, so the round robin stays fair.
      turn = await takeTurn(ctx.tx, lead, person.id);
    } else {
      turn = await takeTurn(ctx.tx, lead);
      if (!turn)
        refuse(
          `No assignment rule gives ${lead.number} (region ${lead.region ?? '—'}, industry ${lead.industry ?? '—'}, source ${nameOf(SOURCE_NAMES, lead.source, 'en')}) to anyone; name the rep: lead assign ${lead.number} @chen, or ask an admin for a rule (admin rule add …).`,
          `没有分配规则适用于 ${lead.number}（地区 ${lead.region ?? '—'}，行业 ${lead.industry ?? '—'}，来源 ${nameOf(SOURCE_NAMES, lead.source, 'zh')}）；请指定销售：线索 分配 ${lead.number} @chen，或请管理员添加规则（管理 分配规则 新增 …）。`,
        );
      rep = turn!.rep;
    }
    const due = await assignTo(ctx, lead, rep, {
      ...(args.due ? { due: args.due } : {}),
      ...(args.note ? { note: args.note } : {}),
      ...(turn && !mentions[0] ? { turn } : {}),
    });
    const why =
      turn && !mentions[0]
        ? ctx.t({ en: ` by ${ruleRef(turn.rule, 'en')}`, zh: `（${ruleRef(turn.rule, 'zh')}）` })
        : '';
    return {
      text: ctx.t({
        en: `${lead.number} assigned to ${rep.name}${why}; follow up by ${ctx.fmtDate(due, true)}. ${rep.name} got a card to accept it.`,
        zh: `${lead.number} 已分配给 ${rep.name}${why}，跟进期限 ${ctx.fmtDate(due, true)}。已向 ${rep.name} 发送接受卡片。`,
      }),
    };
  },
});

const accept = command({
  noun: 'lead',
  verbs: ['accept'],
  ref: { kind: 'lead', required: true },
  keys: {},
  usage: { en: 'lead accept L-0001', zh: '线索 接受 L-0001' },
  summary: { en: 'accept a lead assigned to you', zh: '接受分配给您的线索' },
  allow: isSales,
  async run(ctx, { ref }) {
    const lead = await loadLead(ctx, ref!, true);
    if (lead.ownerId !== ctx.actor.personId)
      refuse(`${lead.number} is not assigned to you.`, `${lead.number} 没有分配给您。`);
    if (lead.acceptedAt) {
      return {
        text: ctx.t({
          en: `You accepted ${lead.number} on ${ctx.fmtDate(lead.acceptedAt, true)}.`,
          zh: `您已于 ${ctx.fmtDate(lead.acceptedAt, true)} 接受 ${lead.number}。`,
        }),
      };
    }
    await ctx.tx
      .update(leads)
      .set({ acceptedAt: ctx.now, status: 'following', updatedAt: ctx.now })
      .where(eq(leads.id, lead.id));
    await ctx.history('lead', lead.id, [{ field: 'status', from: lead.status, to: 'following' }]);
    await ctx.audit('lead.accept', 'lead', lead.number);
    const who = await leadTitle(ctx, lead);
    const assigner = await personName(ctx, lead.assignedBy);
    const when = ctx.fmtDate(ctx.now, true);
    await ctx.out.update(`lead-assign:${lead.number}`, (l) => {
      const card = assignmentCard(
        l,
        lead,
        who,
        assigner,
        lead.followDueAt ? ctx.fmtDate(lead.followDueAt, true) : '—',
        {
          accepted: label(
            l,
            `Accepted by ${ctx.actor.name} at ${when}`,
            `${ctx.actor.name} 已于 ${when} 接受`,
          ),
        },
      );
      return { text: `${card.title} — ${card.note}`, card };
    });
    if (lead.assignedBy && lead.assignedBy !== ctx.actor.personId) {
      await ctx.out.send({ kind: 'person', personId: lead.assignedBy }, (l) => ({
        text: label(
          l,
          `${ctx.actor.name} accepted lead ${lead.number}.`,
          `${ctx.actor.name} 已接受线索 ${lead.number}。`,
        ),
      }));
    }
    return {
      text: ctx.t({
        en: `Accepted ${lead.number}. Record follow-ups with: lead follow ${lead.number} note="…" next="…" due=…`,
        zh: `已接受 ${lead.number}。跟进后记录：线索 跟进 ${lead.number} 备注=… 下一步=… 截止=…`,
      }),
    };
  },
});

const follow = command({
  noun: 'lead',
  verbs: ['follow'],
  ref: { kind: 'lead', required: true },
  keys: { note: k.text(2000), next: k.text(300).optional(), due: k.date().optional() },
  usage: {
    en: 'lead follow L-0001 note="called; wants a quote" next="send quote" due=tomorrow',
    zh: '线索 跟进 L-0001 备注="已电话沟通，需要报价" 下一步=发送报价 截止=明天',
  },
  summary: { en: 'record a follow-up and the next step', zh: '记录跟进和下一步' },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const lead = await loadLead(ctx, ref!, true);
    if (!canWork(ctx, lead))
      refuse(
        `${lead.number} is not yours; ask the sales manager to assign it.`,
        `${lead.number} 不是您负责的，请销售经理分配。`,
      );
    if (!OPEN.includes(lead.status))
      refuse(
        `${lead.number} is ${statusName(lead.status, 'en')}.`,
        `${lead.number} ${statusName(lead.status, 'zh')}。`,
      );
    if (args.due && !args.next) refuse('Say what the next step is: next="…".', '请写明下一步：下一步=…。');
    const due = args.due ? ctx.date(args.due) : null;
    const status = lead.ownerId === ctx.actor.personId ? 'following' : lead.status;
    // Two independent statements, sent together.
    await Promise.all([
      ctx.tx.insert(leadFollowups).values({
        leadId: lead.id,
        personId: ctx.actor.personId,
        note: args.note,
        nextStep: args.next ?? null,
        nextDueAt: due?.at ?? null,
        createdAt: ctx.now,
      }),
      ctx.tx
        .update(leads)
        .set({
          nextStep: args.next ?? null,
          nextDueAt: due?.at ?? null,
          status,
          acceptedAt: lead.acceptedAt ?? (lead.ownerId === ctx.actor.personId ? ctx.now : null),
          updatedAt: ctx.now,
        })
        .where(eq(leads.id, lead.id)),
    ]);
    await ctx.history('lead', lead.id, [
      { field: 'followup', from: null, to: args.note },
      { field: 'next_step', from: lead.nextStep, to: args.next ?? null },
      { field: 'next_due_at', from: lead.nextDueAt, to: due?.at ?? null },
      { field: 'status', from: lead.status, to: status },
    ]);
    await ctx.audit('lead.follow', 'lead', lead.number);
    await scheduleFollowup(ctx, lead, due?.at ?? null, args.next ?? null);
    const next = args.next
      ? ctx.t({
          en: ` Next: ${args.next}${due ? ` by ${ctx.fmtDate(due.at, due.hasTime)}` : ''}.`,
          zh: `下一步：${args.next}${due ? `（${ctx.fmtDate(due.at, due.hasTime)} 前）` : ''}。`,
        })
      : '';
    return {
      text: ctx.t({
        en: `Follow-up recorded on ${lead.number}.${next}`,
        zh: `已记录 ${lead.number} 的跟进。${next}`,
      }),
    };
  },
});

const convert = command({
  noun: 'lead',
  verbs: ['convert'],
  ref: { kind: 'lead', required: true },
  keys: {},
  usage: { en: 'lead convert L-0001', zh: '线索 转化 L-0001' },
  summary: {
    en: 'convert a lead: creates the customer if needed and closes the lead (asks to confirm)',
    zh: '转化线索：必要时创建客户并关闭线索（需确认）',
  },
  allow: isSales,
  async confirm(ctx, { ref }) {
    const lead = await checkConvertible(ctx, ref!);
    const who = await leadTitle(ctx, lead);
    const existing = lead.customerId ? undefined : await customerNamed(ctx, lead.prospectName!);
    if (existing)
      return {
        en: `Convert ${lead.number}: "${who}" is already customer ${existing.number} ${existing.name}; the lead goes to that customer (no new one) and is closed.`,
        zh: `转化 ${lead.number}：“${who}”已是客户 ${existing.number} ${existing.name}，线索将归入该客户（不新建）并关闭。`,
      };
    return lead.customerId
      ? {
          en: `Convert ${lead.number} (${who}) and close it.`,
          zh: `转化 ${lead.number}（${who}）并关闭该线索。`,
        }
      : {
          en: `Convert ${lead.number}: create customer "${who}" and close the lead.`,
          zh: `转化 ${lead.number}：新建客户“${who}”并关闭该线索。`,
        };
  },
  async run(ctx, { ref }) {
    const lead = await checkConvertible(ctx, ref!);
    let customerId = lead.customerId;
    let created = '';
    // A customer of the same name (registered before, or by a racing conversion) is used, not doubled.
    const existing = customerId ? undefined : await customerNamed(ctx, lead.prospectName!);
    if (existing) customerId = existing.id;
    if (!customerId) {
      const number = await ctx.nextNumber('C');
      const { customer: c, created: isNew } = await insertCustomerOnce(ctx, {
        number,
        name: lead.prospectName!,
        industry: lead.industry,
        region: lead.region,
        ownerId: lead.ownerId ?? ctx.actor.personId,
        createdBy: ctx.actor.personId,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      });
      customerId = c.id;
      if (isNew) created = number;
    }
    if (created) {
      if (lead.contactName) {
        await ctx.tx.insert(contacts).values({
          customerId,
          name: lead.contactName,
          namePinyin: pinyinOf(lead.contactName),
          phone: lead.phone,
          primary: true,
        });
      }
      await ctx.history('customer', customerId, [
        { field: 'created', from: null, to: `${created} (from ${lead.number})` },
      ]);
    }
    await ctx.tx
      .update(leads)
      .set({
        status: 'converted',
        convertedCustomerId: customerId,
        convertedAt: ctx.now,
        customerId,
        updatedAt: ctx.now,
      })
      .where(eq(leads.id, lead.id));
    await ctx.history('lead', lead.id, [{ field: 'status', from: lead.status, to: 'converted' }]);
    await ctx.audit('lead.convert', 'lead', lead.number, { customer: created || undefined });
    await cancelFollowups(ctx, lead.number);
    const [c] = await ctx.tx
      .select({ number: customers.number, name: customers.name })
      .from(customers)
      .where(eq(customers.id, customerId));
    const newText = created
      ? ctx.t({ en: ` Customer ${created} created.`, zh: `已新建客户 ${created}。` })
      : lead.customerId
        ? ''
        : ctx.t({
            en: ` ${c!.number} already had this name, so no new customer was made.`,
            zh: `${c!.number} 已是同名客户，未新建客户。`,
          });
    return {
      text: ctx.t({
        en: `Lead ${lead.number} converted to ${c!.number} ${c!.name}.${newText} Next: quote new lead=${lead.number} item="name | model | qty | price"`,
        zh: `线索 ${lead.number} 已转化为 ${c!.number} ${c!.name}。${newText}下一步：报价 新建 线索=${lead.number} 明细="名称 | 型号 | 数量 | 单价"`,
      }),
    };
  },
});

async function checkConvertible(ctx: FlowContext, ref: string): Promise<Lead> {
  const lead = await loadLead(ctx, ref, true);
  if (!canWork(ctx, lead))
    refuse(`${lead.number} is not yours to convert.`, `${lead.number} 不是您负责的线索。`);
  if (lead.status === 'converted') refuse(`${lead.number} is already converted.`, `${lead.number} 已转化。`);
  if (lead.status === 'closed') refuse(`${lead.number} is closed.`, `${lead.number} 已关闭。`);
  return lead;
}

const escalate = command({
  noun: 'lead',
  verbs: ['escalate'],
  ref: { kind: 'lead', required: true },
  keys: { note: k.text(1000) },
  usage: {
    en: 'lead escalate L-0001 note="customer asks for the director"',
    zh: '线索 上报 L-0001 备注="客户要求总监出面"',
  },
  summary: {
    en: 'mark a lead important and tell the sales manager at once',
    zh: '标记为重要线索并立即上报销售经理',
  },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const lead = await loadLead(ctx, ref!, true);
    if (!canWork(ctx, lead)) refuse(`${lead.number} is not yours.`, `${lead.number} 不是您负责的线索。`);
    if (!OPEN.includes(lead.status))
      refuse(
        `${lead.number} is ${statusName(lead.status, 'en')}.`,
        `${lead.number} ${statusName(lead.status, 'zh')}。`,
      );
    await ctx.tx.update(leads).set({ important: true, updatedAt: ctx.now }).where(eq(leads.id, lead.id));
    await ctx.history('lead', lead.id, [
      { field: 'important', from: lead.important, to: true },
      { field: 'escalation', from: null, to: args.note },
    ]);
    await ctx.audit('lead.escalate', 'lead', lead.number);
    const who = await leadTitle(ctx, lead);
    for (const id of await salesManagers(ctx)) {
      if (id === ctx.actor.personId) continue;
      await ctx.out.send({ kind: 'person', personId: id }, (l) => ({
        text: label(
          l,
          `❗ ${ctx.actor.name} escalates lead ${lead.number} (${who}): ${args.note}`,
          `❗ ${ctx.actor.name} 上报线索 ${lead.number}（${who}）：${args.note}`,
        ),
      }));
    }
    return {
      text: ctx.t({
        en: `${lead.number} marked important; the sales manager was told.`,
        zh: `${lead.number} 已标记为重要并上报销售经理。`,
      }),
    };
  },
});

export const leadCommands = [add, show, list, assign, accept, follow, convert, escalate, history];

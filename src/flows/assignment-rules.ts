// Lead assignment rules and teams, for admins (R-LEAD-3): `admin rule add|list|remove`, the organisation's
// switch for assigning marketing's hand-overs at once (`admin rule auto=on`), and who reports to which
// manager (`admin team`), which is the team a round-robin rule takes turns over and a digest reports on.
import { and, eq, isNull } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import { tokenize } from '../commands/lexer.ts';
import type { Mention } from '../commands/spec.ts';
import type { FlowContext, Someone } from '../core/context.ts';
import { refuse, refuseInput } from '../core/errors.ts';
import { isAdmin } from '../core/permissions.ts';
import { assignmentRules, people } from '../db/schema.ts';
import {
  ASSIGNABLE,
  activeRules,
  autoAssign,
  criteriaText,
  type Rule,
  setAutoAssign,
  teamOf,
} from '../leads/assignment-rules.ts';
import { SOURCES } from '../leads/sources.ts';
import { command } from './common.ts';

const ACTIONS = {
  add: ['add', 'new', '新增', '添加'],
  list: ['list', 'ls', '列表', '列出'],
  remove: ['remove', 'delete', 'rm', '删除', '刪除', '移除'],
} as const;
/** auto=on|off, 自动=开|关 (and the yes/no words). */
const SWITCH = {
  on: ['开', '開', '打开', 'yes', 'true', '是', '1'],
  off: ['关', '關', '关闭', 'no', 'false', '否', '0'],
} as const;
const ROUND_ROBIN = ['roundrobin', 'round-robin', 'round_robin', 'rr', '轮流', '輪流', '轮询', '轮换'];

function actionOf(word: string | undefined): keyof typeof ACTIONS | undefined {
  if (word === undefined) return undefined;
  const w = word.toLowerCase();
  return (Object.keys(ACTIONS) as (keyof typeof ACTIONS)[]).find((a) =>
    (ACTIONS[a] as readonly string[]).includes(w),
  );
}

/** `to=@li`, `team=@wang` (or a platform mention as the value): the one person it names. */
function mentionIn(value: string, key: { en: string; zh: string }): Mention {
  let tokens: ReturnType<typeof tokenize> = [];
  try {
    tokens = tokenize(value);
  } catch {
    // Not a mention; answered below.
  }
  const [t] = tokens;
  if (tokens.length === 1 && t?.kind === 'mention') return t;
  return refuseInput(
    `${key.en}= names one person: ${key.en}=@wang (the value "${value}" is not a mention).`,
    `${key.zh}= 应写一个人：${key.zh}=@wang（“${value}”不是 @某人）。`,
  );
}

const TO = { en: 'to', zh: '给' };
const TEAM = { en: 'team', zh: '团队' };
const MANAGER = { en: 'manager', zh: '上级' };

function assertAssignable(s: Someone): void {
  if (!s.person.active) refuse(`${s.person.name} has left.`, `${s.person.name} 已离职。`);
  if (!ASSIGNABLE.includes(s.person.role ?? ''))
    refuse(
      `${s.person.name} is not in sales; leads go to sales reps or managers. Nothing was changed.`,
      `${s.person.name} 不是销售人员，线索只能分配给销售。未做任何修改。`,
    );
}

function assertManager(s: Someone): void {
  if (!s.person.active) refuse(`${s.person.name} has left.`, `${s.person.name} 已离职。`);
  if (s.person.role !== 'sales_manager')
    refuse(
      `${s.person.name} is not a sales manager; a team is the reps who report to a sales manager. Nothing was changed.`,
      `${s.person.name} 不是销售经理；团队是向某位销售经理汇报的销售代表。未做任何修改。`,
    );
}

async function ruleLine(ctx: FlowContext, r: Rule): Promise<string> {
  const l = ctx.locale;
  let target: string;
  if (r.teamManagerId !== null) {
    const [m] = await ctx.tx.select({ name: people.name }).from(people).where(eq(people.id, r.teamManagerId));
    const members = await teamOf(ctx.tx, r.teamManagerId);
    target = ctx.t({
      en: `round robin over ${m?.name ?? '—'}'s team (${members.length ? members.map((x) => x.name).join(', ') : 'nobody yet'})`,
      zh: `在 ${m?.name ?? '—'} 的团队中轮流（${members.length ? members.map((x) => x.name).join('、') : '暂无成员'}）`,
    });
  } else {
    const [p] = await ctx.tx
      .select({ name: people.name, active: people.active })
      .from(people)
      .where(eq(people.id, r.assigneeId!));
    target = `${p?.name ?? '—'}${p && !p.active ? ctx.t({ en: ' (has left: passed over)', zh: '（已离职，跳过）' }) : ''}`;
  }
  const used = ctx.t({ en: `, used ${r.assignedCount}×`, zh: `，已使用 ${r.assignedCount} 次` });
  return `#${r.id}  ${criteriaText(r, l)} → ${target}${r.assignedCount ? used : ''}`;
}

async function listText(ctx: FlowContext, lead?: string): Promise<string> {
  const rules = await activeRules(ctx.tx);
  const auto = await autoAssign(ctx.tx);
  const head = ctx.t({
    en: `Assignment rules: ${rules.length}. Marketing's hand-overs are ${auto ? 'assigned by them at once (auto=on)' : 'suggested, the manager assigns (auto=off)'}.`,
    zh: `分配规则：${rules.length} 条。市场部移交的线索${auto ? '按规则立即分配（自动=开）' : '仅给出建议，由销售经理分配（自动=关）'}。`,
  });
  const lines = await Promise.all(rules.map((r) => ruleLine(ctx, r)));
  const order = rules.length
    ? ctx.t({
        en: 'The most specific matching rule wins (then the oldest).',
        zh: '匹配条件最多的规则优先（相同则取最早的）。',
      })
    : ctx.t({
        en: 'Add one: admin rule add region=华南 to=@li, or admin rule add source=expo team=@wang roundrobin',
        zh: '新增：管理 分配规则 新增 地区=华南 给=@li，或 管理 分配规则 新增 来源=展会 团队=@wang 轮流',
      });
  return [lead, head, ...lines, order].filter(Boolean).join('\n');
}

const rule = command({
  noun: 'admin',
  verbs: ['rule'],
  mention: 'optional',
  words: [
    { name: { en: 'add|list|remove', zh: '新增|列表|删除' }, required: false },
    { name: { en: 'rule number or roundrobin', zh: '规则编号或 轮流' }, required: false },
  ],
  keys: {
    region: k.text(100).optional(),
    industry: k.text(100).optional(),
    source: k.choice(SOURCES).optional(),
    to: k.text(200).optional(),
    team: k.text(200).optional(),
    auto: k.choice(SWITCH).optional(),
  },
  usage: {
    en: 'admin rule add region=华南 to=@li | admin rule add source=expo team=@wang roundrobin | admin rule list | admin rule remove 3 | admin rule auto=on',
    zh: '管理 分配规则 新增 地区=华南 给=@li | 管理 分配规则 新增 来源=展会 团队=@wang 轮流 | 管理 分配规则 列表 | 管理 分配规则 删除 3 | 管理 分配规则 自动=开',
  },
  summary: {
    en: 'lead assignment rules: by region, industry, source, or round robin in a team (admins)',
    zh: '线索分配规则：按地区、行业、来源，或在团队内轮流（管理员）',
  },
  allow: isAdmin,
  async run(ctx, { words, args, mentions }) {
    const action = words[0] === undefined ? undefined : actionOf(words[0]);
    if (words[0] !== undefined && !action)
      refuseInput(
        `"${words[0]}" is not something admin rule does: add, list or remove.`,
        `“${words[0]}”不是分配规则的操作：新增、列表 或 删除。`,
      );
    const criteria = args.region || args.industry || args.source;
    const target = args.to || args.team || mentions.length > 0;

    if (args.auto !== undefined) {
      if (action || criteria || target)
        refuseInput(
          'auto= goes alone: admin rule auto=on (or off).',
          '自动= 单独使用：管理 分配规则 自动=开（或 关）。',
        );
      const on = args.auto === 'on';
      const before = await autoAssign(ctx.tx);
      await setAutoAssign(ctx.tx, on);
      await ctx.audit('admin.rule.auto', 'org', 'lead_auto_assign', { from: before, to: on });
      return {
        text: ctx.t(
          on
            ? {
                en: "Marketing's hand-overs are now assigned by the rules at once; a lead no rule matches waits for the manager.",
                zh: '市场部移交的线索现按规则立即分配；没有匹配规则的线索仍由销售经理分配。',
              }
            : {
                en: "Marketing's hand-overs now wait for the manager; the rules suggest a rep on the card.",
                zh: '市场部移交的线索现由销售经理分配，卡片上显示规则建议的人选。',
              },
        ),
      };
    }

    if (action === 'remove') {
      const n = Number(words[1]?.replace(/^#/, ''));
      if (!words[1] || !Number.isInteger(n) || n <= 0)
        refuseInput(
          'Say which rule: admin rule remove 3 (see admin rule list).',
          '请写明规则编号：管理 分配规则 删除 3（见 管理 分配规则 列表）。',
        );
      if (criteria || target)
        refuseInput('admin rule remove takes only the rule number.', '删除规则只需规则编号。');
      const [removed] = await ctx.tx
        .update(assignmentRules)
        .set({ removedAt: ctx.now })
        .where(and(eq(assignmentRules.id, n), isNull(assignmentRules.removedAt)))
        .returning();
      if (!removed)
        refuseInput(
          `There is no rule #${n}; see admin rule list.`,
          `没有规则 #${n}；见 管理 分配规则 列表。`,
        );
      await ctx.history('assignment_rule', removed!.id, [{ field: 'removed', from: null, to: ctx.now }]);
      await ctx.audit('admin.rule.remove', 'assignment_rule', `#${removed!.id}`, {
        criteria: criteriaText(removed!, 'en'),
      });
      return {
        text: await listText(ctx, ctx.t({ en: `Rule #${n} removed.`, zh: `已删除规则 #${n}。` })),
      };
    }

    if (action !== 'add') {
      if (criteria || target || words.length > 1)
        refuseInput(
          'To add a rule say add: admin rule add region=华南 to=@li',
          '新增规则请写 新增：管理 分配规则 新增 地区=华南 给=@li',
        );
      return { text: await listText(ctx) };
    }

    // add
    const roundRobin = words[1] !== undefined && ROUND_ROBIN.includes(words[1].toLowerCase());
    if (words[1] !== undefined && !roundRobin)
      refuseInput(
        `"${words[1]}" is not understood here; did you mean roundrobin?`,
        `无法理解“${words[1]}”；是否要写 轮流？`,
      );
    const named = [args.to, args.team, mentions[0]].filter(Boolean).length;
    if (named === 0)
      refuseInput(
        'Say who gets the leads: to=@li, or team=@wang roundrobin (the reps who report to Wang, in turn).',
        '请写明分配给谁：给=@li，或 团队=@wang 轮流（向王经理汇报的销售代表轮流）。',
      );
    if (named > 1)
      refuseInput(
        'A rule gives leads to one rep (to=@li) or to a team in turn (team=@wang), not both.',
        '一条规则只能分配给一个人（给=@li）或一个团队轮流（团队=@wang），不能同时。',
      );
    if (roundRobin && !args.team)
      refuseInput(
        'Round robin is over a team: team=@wang roundrobin (the reps who report to Wang).',
        '轮流分配需指定团队：团队=@wang 轮流（向王经理汇报的销售代表）。',
      );
    const region = args.region ?? null;
    const industry = args.industry ?? null;
    const source = args.source ?? null;
    let assigneeId: number | null = null;
    let teamManagerId: number | null = null;
    if (args.team) {
      const m = await ctx.person(mentionIn(args.team, TEAM));
      assertManager(m);
      const members = await teamOf(ctx.tx, m.person.id);
      if (members.length === 0)
        refuse(
          `Nobody reports to ${m.person.name} yet; first: admin team @li @chen manager=@${m.person.handle ?? '…'}. Nothing was changed.`,
          `还没有人向 ${m.person.name} 汇报；请先：管理 团队 @li @chen 上级=@${m.person.handle ?? '…'}。未做任何修改。`,
        );
      teamManagerId = m.person.id;
    } else {
      const p = args.to ? await ctx.person(mentionIn(args.to, TO)) : await ctx.person(mentions[0]!);
      assertAssignable(p);
      assigneeId = p.person.id;
    }
    // The same criteria twice would leave the second never used: say which rule already decides.
    const same = (await activeRules(ctx.tx)).find(
      (r) =>
        (r.region ?? null) === region && (r.industry ?? null) === industry && (r.source ?? null) === source,
    );
    if (same)
      refuse(
        `Rule #${same.id} already decides ${criteriaText(same, 'en')}; remove it first: admin rule remove ${same.id}. Nothing was changed.`,
        `规则 #${same.id} 已处理 ${criteriaText(same, 'zh')}；请先删除：管理 分配规则 删除 ${same.id}。未做任何修改。`,
      );
    const [created] = await ctx.tx
      .insert(assignmentRules)
      .values({
        region,
        industry,
        source,
        assigneeId,
        teamManagerId,
        createdBy: ctx.actor.personId,
        createdAt: ctx.now,
      })
      .returning();
    await ctx.history('assignment_rule', created!.id, [
      { field: 'created', from: null, to: criteriaText(created!, 'en') },
    ]);
    await ctx.audit('admin.rule.add', 'assignment_rule', `#${created!.id}`, {
      region,
      industry,
      source,
      to: assigneeId ?? undefined,
      team: teamManagerId ?? undefined,
    });
    return {
      text: await listText(
        ctx,
        ctx.t({ en: `Rule #${created!.id} added.`, zh: `已新增规则 #${created!.id}。` }),
      ),
    };
  },
});

const team = command({
  noun: 'admin',
  verbs: ['team'],
  mention: 'many',
  keys: { manager: k.text(200) },
  usage: {
    en: 'admin team @li @chen manager=@wang   (admin team manager=@wang lists the team; manager=none: reports to nobody)',
    zh: '管理 团队 @li @chen 上级=@wang   （管理 团队 上级=@wang 查看团队；上级=无：不向任何人汇报）',
  },
  summary: {
    en: 'who reports to which sales manager: their team for round robin and the weekly digest (admins)',
    zh: '设置销售代表向哪位销售经理汇报：用于轮流分配和每周汇总（管理员）',
  },
  allow: isAdmin,
  async run(ctx, { mentions, args }) {
    const none = ['none', 'nobody', '无', '無', '没有'].includes(args.manager.trim().toLowerCase());
    const manager = none ? null : await ctx.person(mentionIn(args.manager, MANAGER));
    if (manager) assertManager(manager);
    if (mentions.length === 0) {
      if (!manager)
        refuseInput('Say whose team: admin team manager=@wang', '请写明哪位经理：管理 团队 上级=@wang');
      const members = await teamOf(ctx.tx, manager!.person.id);
      return {
        text: ctx.t({
          en: `${manager!.person.name}'s team: ${members.length ? members.map((m) => m.name).join(', ') : 'nobody reports to them yet'}.`,
          zh: `${manager!.person.name} 的团队：${members.length ? members.map((m) => m.name).join('、') : '暂无人员汇报'}。`,
        }),
      };
    }
    // Everyone is checked before anything is written.
    const reps: Someone[] = [];
    for (const m of mentions) {
      const s = await ctx.person(m);
      if (!s.person.active)
        refuse(`${s.person.name} has left. Nothing was changed.`, `${s.person.name} 已离职。未做任何修改。`);
      if (s.person.role !== 'sales_rep')
        refuse(
          `${s.person.name} is not a sales rep; teams are of sales reps. Nothing was changed.`,
          `${s.person.name} 不是销售代表，团队成员须为销售代表。未做任何修改。`,
        );
      if (!reps.some((r) => r.person.id === s.person.id)) reps.push(s);
    }
    for (const r of reps) {
      const to = manager?.person.id ?? null;
      if (r.person.managerId === to) continue;
      await ctx.tx.update(people).set({ managerId: to }).where(eq(people.id, r.person.id));
      const before = r.person.managerId
        ? ((
            await ctx.tx.select({ name: people.name }).from(people).where(eq(people.id, r.person.managerId))
          )[0]?.name ?? null)
        : null;
      await ctx.history('person', r.person.id, [
        { field: 'manager', from: before, to: manager?.person.name ?? null },
      ]);
      await ctx.audit('admin.team', 'person', String(r.person.id), { manager: to });
    }
    const names = reps.map((r) => r.person.name);
    if (!manager)
      return {
        text: ctx.t({
          en: `${names.join(', ')} now report to no manager.`,
          zh: `${names.join('、')} 现不向任何经理汇报。`,
        }),
      };
    const members = await teamOf(ctx.tx, manager.person.id);
    return {
      text: ctx.t({
        en: `${names.join(', ')} now report to ${manager.person.name}. Team: ${members.map((m) => m.name).join(', ')}.`,
        zh: `${names.join('、')} 现向 ${manager.person.name} 汇报。团队：${members.map((m) => m.name).join('、')}。`,
      }),
    };
  },
});

export const assignmentRuleCommands = [rule, team];

// Administration: give people roles and departments, bind chats to departments, list people.
import { asc, eq, isNull } from 'drizzle-orm';
import { readSettings, storeSettings } from '../approvals/policy.ts';
import { k } from '../commands/keys.ts';
import { ROLE_NAMES, ROLES, type Role } from '../core/actor.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseInput } from '../core/errors.ts';
import { isAdmin } from '../core/permissions.ts';
import { departments, orgSettings, people } from '../db/schema.ts';
import { pick } from '../i18n/locale.ts';
import { REQUIRED_KEYS, type RequiredKey, TARGET_KEYS, type TargetKey } from '../kpi/policy-keys.ts';
import { FIELDS, fieldNames, parseFields, RECORD_TYPES, typeOfKey } from '../kpi/required.ts';
import { readKpiSettings, storeKpiSettings } from '../kpi/settings.ts';
import { formatTarget, parseTarget, shortTarget } from '../kpi/targets.ts';
import { rerouteApprovals } from './approval.ts';
import { chatBindingCommands } from './chat-binding.ts';
import { command, DEPARTMENT_NAMES, departmentId, deptChoice, label } from './common.ts';
import { directoryCommands } from './directory.ts';
import { mailPolicy } from './mail-policy.ts';
import { departmentForRole, offboard, reinstate } from './offboard.ts';
import { ensureDigests } from './reminder-sources.ts';

function parseRole(word: string): Role | undefined {
  const w = word.toLowerCase();
  return (Object.keys(ROLES) as Role[]).find((r) => r === w || (ROLES[r] as readonly string[]).includes(w));
}

function refuseRole(word: string): never {
  const names = (Object.keys(ROLES) as Role[]).map((x) => `${x} (${ROLE_NAMES[x].zh})`).join(', ');
  return refuse(`"${word}" is not a role. Roles: ${names}.`, `“${word}”不是角色。角色：${names}。`);
}

const role = command({
  noun: 'admin',
  verbs: ['role'],
  mention: 'required',
  words: [{ name: { en: 'role', zh: '角色' }, required: true }],
  keys: { dept: k.choice(deptChoice).optional() },
  usage: {
    en: 'admin role @li sales_rep   (roles: sales_rep, sales_manager, member, head, supervisor, admin; dept=finance for member/head)',
    zh: '管理 角色 @li 销售代表   （角色：销售代表、销售经理、部门成员、部门负责人、监督组、管理员；成员/负责人需 部门=财务）',
  },
  summary: { en: "set a person's role and department", zh: '设置人员角色和部门' },
  allow: isAdmin,
  async run(ctx, { mentions, words, args }) {
    const r = parseRole(words[0]!) ?? refuseRole(words[0]!);
    const { person, department } = await ctx.person(mentions[0]!);
    if (!person.active)
      refuse(
        `${person.name} has left; admin reinstate @${person.handle ?? '…'} role=${r} gives access back.`,
        `${person.name} 已离职；恢复权限请用 管理 复职 @${person.handle ?? '…'} 角色=${ROLE_NAMES[r].zh}。`,
      );
    const dept = departmentForRole(r, args.dept, department);
    if (person.id === ctx.actor.personId && r !== 'admin') {
      const admins = await ctx.tx.select({ id: people.id }).from(people).where(eq(people.role, 'admin'));
      if (admins.length <= 1)
        refuse(
          'You are the last admin; make someone else admin first.',
          '您是最后一位管理员，请先指定其他管理员。',
        );
    }
    const deptId = dept ? await departmentId(ctx, dept) : null;
    await ctx.tx.update(people).set({ role: r, departmentId: deptId }).where(eq(people.id, person.id));
    await ctx.history('person', person.id, [
      { field: 'role', from: person.role, to: r },
      { field: 'department', from: department, to: dept ?? null },
    ]);
    await ctx.audit('admin.role', 'person', String(person.id), { role: r, dept });
    if (r === 'sales_manager') await ensureDigests(ctx.tx, ctx.org.timezone);
    // Decisions follow the role: seats they may no longer hold go to whoever holds it now.
    const rerouted = await rerouteApprovals(ctx, person.id);
    const moved = rerouted.filter((x) => !x.unstaffed).map((x) => x.number);
    const stuck = rerouted.filter((x) => x.unstaffed).map((x) => x.number);
    const routing = ctx.t({
      en: `${moved.length ? ` Pending approvals re-routed to the current role holders: ${moved.join(', ')}.` : ''}${stuck.length ? ` ⚠️ Nobody holds the role to decide ${stuck.join(', ')}: give someone that role.` : ''}`,
      zh: `${moved.length ? `待审批事项已转给现任人员：${moved.join('、')}。` : ''}${stuck.length ? `⚠️ 无人担任审批 ${stuck.join('、')} 所需的角色，请指定人员。` : ''}`,
    });
    await ctx.out.send({ kind: 'person', personId: person.id }, (l) => ({
      text: label(
        l,
        `${ctx.actor.name} made you ${ROLE_NAMES[r].en}${dept ? ` in ${DEPARTMENT_NAMES[dept].en}` : ''}. Type help to see what you can do.`,
        `${ctx.actor.name} 已将您设为${dept ? DEPARTMENT_NAMES[dept].zh : ''}${ROLE_NAMES[r].zh}。输入「帮助」查看可用命令。`,
      ),
    }));
    return {
      text:
        ctx.t({
          en: `${person.name} is now ${ROLE_NAMES[r].en}${dept ? ` in ${DEPARTMENT_NAMES[dept].en}` : ''}.`,
          zh: `${person.name} 现为${dept ? DEPARTMENT_NAMES[dept].zh : ''}${ROLE_NAMES[r].zh}。`,
        }) + routing,
    };
  },
});

const peopleList = command({
  noun: 'admin',
  verbs: ['people'],
  keys: {},
  usage: { en: 'admin people', zh: '管理 人员' },
  summary: { en: 'list people, roles and departments', zh: '人员、角色和部门列表' },
  allow: isAdmin,
  readOnly: true,
  async run(ctx) {
    const rows = await ctx.tx
      .select({
        name: people.name,
        handle: people.handle,
        role: people.role,
        dept: departments.code,
        active: people.active,
      })
      .from(people)
      .leftJoin(departments, eq(departments.id, people.departmentId))
      // Someone merged into another person (admin link, me link) is that person now: listed once.
      .where(isNull(people.mergedInto))
      .orderBy(asc(people.id))
      .limit(200);
    const lines = rows.map(
      (p) =>
        `${p.name}${p.handle ? ` (@${p.handle})` : ''} · ${p.role ? ROLE_NAMES[p.role as Role][ctx.locale] : ctx.t({ en: 'no role', zh: '无角色' })}${p.dept ? ` · ${DEPARTMENT_NAMES[p.dept as keyof typeof DEPARTMENT_NAMES][ctx.locale]}` : ''}${p.active ? '' : ctx.t({ en: ' · left', zh: ' · 已离职' })}`,
    );
    return { text: `${ctx.t({ en: 'People:', zh: '人员：' })}\n${lines.join('\n')}` };
  },
});

const optionalText = () => k.text(300).optional();
const kpiKeys = Object.fromEntries([
  ...Object.keys(TARGET_KEYS).map((key) => [key, k.text(20).optional()]),
  ...Object.keys(REQUIRED_KEYS).map((key) => [key, k.text(300).optional()]),
]) as Record<TargetKey | RequiredKey, ReturnType<typeof optionalText>>;

/** The KPI part of `admin policy`: targets (in working time) and required fields, changed when given. */
async function kpiPolicy(ctx: FlowContext, args: Partial<Record<TargetKey | RequiredKey, string>>) {
  const before = await readKpiSettings(ctx.tx);
  const after = { targets: { ...before.targets }, required: { ...before.required } };
  for (const key of Object.keys(TARGET_KEYS) as TargetKey[]) {
    const raw = args[key];
    if (raw === undefined) continue;
    after.targets[key] =
      parseTarget(raw) ??
      refuseInput(
        `${key}=${raw} is not a target: write working minutes, hours or days, e.g. ${key}=30m, 8h or 1d.`,
        `${key}=${raw} 不是时限：请写工作分钟、小时或天，例如 30m、8h 或 1d。`,
      );
  }
  for (const key of Object.keys(REQUIRED_KEYS) as RequiredKey[]) {
    const raw = args[key];
    if (raw === undefined) continue;
    const type = typeOfKey(key);
    const parsed = parseFields(type, raw);
    if ('unknown' in parsed)
      refuseInput(
        `"${parsed.unknown}" is not a field of ${type}: ${Object.keys(FIELDS[type]).join(', ')}.`,
        `“${parsed.unknown}”不是${type}的字段：${Object.keys(FIELDS[type]).join('、')}。`,
      );
    else after.required[type] = parsed.fields;
  }
  const changed = JSON.stringify(before) !== JSON.stringify(after);
  if (changed) {
    await storeKpiSettings(ctx.tx, after, ctx.now);
    await ctx.audit('admin.policy', 'org', 'kpi', { before, after });
  }
  const l = ctx.locale;
  const targets = (Object.keys(TARGET_KEYS) as TargetKey[])
    .map((key) => `${key}=${shortTarget(after.targets[key])} (${formatTarget(after.targets[key], l)})`)
    .join('\n  ');
  const required = RECORD_TYPES.map(
    (t) => `required.${t}=${after.required[t].join(',')} (${fieldNames(t, after.required[t], l)})`,
  ).join('\n  ');
  return ctx.t({
    en: `\n• KPI targets, in working time (lead follow-up: its deadline; target.lead.follow when it has none):\n  ${targets}\n• Required fields (completeness):\n  ${required}`,
    zh: `\n• 考核时限（按工作时间；线索跟进以其截止时间为准，无截止时间时用 target.lead.follow）：\n  ${targets}\n• 必填项（完整性）：\n  ${required}`,
  });
}

const policy = command({
  noun: 'admin',
  verbs: ['policy'],
  keys: {
    threshold: k.money().optional(),
    joint: k.choices(deptChoice).optional(),
    email: k.text(300).optional(),
    ...kpiKeys,
  },
  usage: {
    en: 'admin policy [threshold=100000] [joint=finance,marketing] [target.order.ack=8h] [required.customer=contact,phone,address] [email=order.distribution,order.change,order.cancel,report.month,rectify]',
    zh: '管理 规则 [阈值=100000] [会签=财务,市场] [时限.订单.确认=8h] [必填.客户=联系人,电话,地址] [邮件=order.distribution,order.change,order.cancel,report.month,rectify]',
  },
  summary: {
    en: 'show or change the approval policy, KPI targets and required fields',
    zh: '查看或修改审批规则、考核时限和必填项',
  },
  allow: isAdmin,
  async run(ctx, { args }) {
    const [row] = await ctx.tx.select({ settings: orgSettings.settings }).from(orgSettings).limit(1);
    const before = readSettings(row?.settings?.approvals);
    const after = {
      quoteThresholdMinor: args.threshold ?? before.quoteThresholdMinor,
      quoteJoint: args.joint ?? before.quoteJoint,
    };
    if (args.threshold !== undefined || args.joint !== undefined) {
      await ctx.tx
        .update(orgSettings)
        .set({ settings: { ...(row?.settings ?? {}), approvals: storeSettings(after) }, updatedAt: ctx.now })
        .where(eq(orgSettings.id, 1));
      await ctx.audit('admin.policy', 'org', 'approvals', {
        before: storeSettings(before),
        after: storeSettings(after),
      });
    }
    const kpiText =
      (await kpiPolicy(ctx, args as Partial<Record<TargetKey | RequiredKey, string>>)) +
      (await mailPolicy(ctx, args.email));
    const joint = after.quoteJoint
      .map((d) => DEPARTMENT_NAMES[d][ctx.locale])
      .join(pick(ctx.locale, { en: ' and ', zh: '和' }));
    return {
      text:
        ctx.t({
          en: `Approval policy:\n• quote: sales manager; above ${ctx.money(after.quoteThresholdMinor)} or for key accounts also ${joint} heads, all of them\n• order: sales manager\n• order change: heads of the affected departments, all of them (delivery/place → production and logistics; items/payment → production and finance)\n• order cancellation: sales manager\n• customer correction: the owning rep or a sales manager`,
          zh: `审批规则：\n• 报价：销售经理；超过 ${ctx.money(after.quoteThresholdMinor)} 或重点客户，另需${joint}负责人会签\n• 订单：销售经理\n• 订单变更：受影响部门负责人会签（交期/地点 → 生产和物流；明细/付款 → 生产和财务）\n• 订单取消：销售经理\n• 客户信息更正：负责销售或销售经理（或签）`,
        }) + kpiText,
    };
  },
});

// Offboarding and reinstating: the work is in offboard.ts.
const offboardCommand = command({
  noun: 'admin',
  verbs: ['offboard'],
  mention: 'required',
  keys: { to: k.text(200).optional(), reason: k.text(500).optional() },
  usage: {
    en: 'admin offboard @li to=@chen [reason="left the company"]   (without to=: their manager)',
    zh: '管理 离职 @li 交接=@chen [原因="已离职"]   （不写交接=：交给其上级）',
  },
  summary: {
    en: "revoke someone's access and hand their open work over",
    zh: '收回离职人员的权限并交接其未完成工作',
  },
  allow: isAdmin,
  run: (ctx, { mentions, args }) =>
    offboard(ctx, { mention: mentions[0]!, to: args.to, reason: args.reason }),
});

const reinstateCommand = command({
  noun: 'admin',
  verbs: ['reinstate'],
  mention: 'required',
  keys: { role: k.text(40).optional(), dept: k.choice(deptChoice).optional() },
  usage: {
    en: 'admin reinstate @li [role=sales_rep]   (without role=: the role held before)',
    zh: '管理 复职 @li [角色=销售代表]   （不写角色=：恢复离职前的角色）',
  },
  summary: { en: 'give access back to someone who left', zh: '恢复离职人员的权限' },
  allow: isAdmin,
  run: (ctx, { mentions, args }) =>
    reinstate(ctx, {
      mention: mentions[0]!,
      role: args.role === undefined ? undefined : (parseRole(args.role) ?? refuseRole(args.role)),
      dept: args.dept,
    }),
});

export const adminCommands = [
  role,
  ...chatBindingCommands,
  peopleList,
  policy,
  offboardCommand,
  reinstateCommand,
  ...directoryCommands,
];

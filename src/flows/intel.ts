// Market information (R-MKT-1/2): marketing shares reports with chosen departments at a confidentiality
// level; anyone may submit a tip, which goes to marketing to verify. Who reads confidential text where is
// core/visibility.ts's rule (never in full in a group chat, R-SEC-1); reading it is audited.
import { desc } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { isMarketing, isStaff, isSupervisor } from '../core/permissions.ts';
import { entitled, Reveal, reveal, type Subject, viewerOf } from '../core/visibility.ts';
import { intel } from '../db/schema.ts';
import type { Locale } from '../i18n/locale.ts';
import { clip, command, DEPARTMENT_NAMES, deptChoice, label } from './common.ts';
import { INTEL_KINDS, nameOf } from './labels.ts';

const KINDS = {
  industry: ['行业', '行业动态', 'news', 'trend', 'policy'],
  competitor: ['竞争对手', '竞品', 'rival'],
  campaign: ['市场活动', '活动反馈', 'feedback'],
  tip: ['线索', '爆料', '信息'],
} as const;
const LEVELS = {
  public: ['公开'],
  internal: ['内部'],
  confidential: ['机密', '保密', 'secret'],
} as const;
const LEVEL_NAMES: Record<string, { en: string; zh: string }> = {
  public: { en: 'public', zh: '公开' },
  internal: { en: 'internal', zh: '内部' },
  confidential: { en: 'confidential', zh: '机密' },
};

type Intel = typeof intel.$inferSelect;

const subjectOf = (row: Intel): Subject => ({
  kind: 'intel',
  level: row.level,
  createdBy: row.createdBy,
  sharedWith: row.sharedWith,
});

/** Whether this person may read the item at all (core/visibility.ts decides; a group only masks it). */
const canRead = (ctx: FlowContext, row: Intel) => entitled(viewerOf(ctx), 'intel', subjectOf(row));

/** The text of an item for this reader: confidential text only in full in a private chat. */
function body(row: Intel, r: Reveal, l: Locale): string {
  if (row.level !== 'confidential') return clip(row.body, 500);
  return (
    r.text(
      'body',
      'intel',
      clip(row.body, 500),
      label(
        l,
        `(confidential: ask me "intel list" in a private chat)`,
        '（机密：请在与我的私聊中输入「情报 列表」查看）',
      ),
    ) ?? ''
  );
}

const add = command({
  noun: 'intel',
  verbs: ['add', 'new'],
  keys: {
    kind: k.choice(KINDS),
    title: k.text(200),
    body: k.text(4000).optional(),
    level: k.choice(LEVELS).optional(),
    share: k.choices(deptChoice).optional(),
  },
  usage: {
    en: 'intel add kind=competitor title="Rival cuts X200 price" body="…" level=confidential share=sales,management',
    zh: '情报 新增 类型=竞争对手 标题="对手X200降价" 内容=… 密级=机密 共享给=销售,管理层',
  },
  summary: {
    en: 'submit market information (from outside marketing it is a tip to verify)',
    zh: '提交市场信息（市场部以外提交的为待核实线索）',
  },
  allow: isStaff,
  async run(ctx, { args }) {
    const fromMarketing = isMarketing(ctx.actor) || ctx.actor.role === 'admin';
    const level = args.level ?? 'internal';
    const share = args.share ?? [];
    const number = await ctx.nextNumber('I');
    const [row] = await ctx.tx
      .insert(intel)
      .values({
        number,
        kind: fromMarketing ? args.kind : 'tip',
        title: args.title,
        body: args.body ?? null,
        level,
        sharedWith: fromMarketing ? share : [],
        verified: fromMarketing,
        createdBy: ctx.actor.personId,
        createdAt: ctx.now,
      })
      .returning();
    await ctx.history('intel', row!.id, [{ field: 'created', from: null, to: number }]);
    await ctx.audit('intel.add', 'intel', number, { level, share });
    if (fromMarketing) {
      for (const code of share) {
        await ctx.out.send({ kind: 'department', code }, (l, audience) => {
          const r = new Reveal({ audience, department: code }, subjectOf(row!), ctx.org.currency);
          return {
            text: `${label(l, 'Market information', '市场信息')} ${number} [${LEVEL_NAMES[level]![l]}] ${args.title}\n${body(row!, r, l)}`,
          };
        });
      }
      const to = share.map((d) => DEPARTMENT_NAMES[d][ctx.locale]).join(', ');
      return {
        text: ctx.t({
          en: `Intel ${number} recorded (${LEVEL_NAMES[level]!.en})${to ? `, shared with ${to}` : ''}.`,
          zh: `已记录情报 ${number}（${LEVEL_NAMES[level]!.zh}）${to ? `，已共享给${to}` : ''}。`,
        }),
      };
    }
    await ctx.out.send({ kind: 'department', code: 'marketing' }, (l) => ({
      text: label(
        l,
        `Tip ${number} from ${ctx.actor.name} to verify: ${args.title}`,
        `${ctx.actor.name} 提交的待核实信息 ${number}：${args.title}`,
      ),
    }));
    return {
      text: ctx.t({
        en: `Thank you: tip ${number} went to marketing to verify${share.length ? '; marketing decides whom to share it with' : ''}.`,
        zh: `谢谢：信息 ${number} 已交市场部核实${share.length ? '，由市场部决定共享范围' : ''}。`,
      }),
    };
  },
});

const list = command({
  noun: 'intel',
  verbs: ['list'],
  keys: { kind: k.choice(KINDS).optional() },
  usage: { en: 'intel list [kind=competitor]', zh: '情报 列表 [类型=竞争对手]' },
  summary: { en: 'list market information you may read', zh: '可查看的市场信息' },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { args }) {
    const rows = await ctx.tx.select().from(intel).orderBy(desc(intel.id)).limit(200);
    const readable = rows
      .filter((r) => !args.kind || r.kind === args.kind)
      .filter(
        (r) =>
          r.verified ||
          isMarketing(ctx.actor) ||
          isSupervisor(ctx.actor) ||
          r.createdBy === ctx.actor.personId,
      )
      .filter((r) => canRead(ctx, r))
      .slice(0, 20);
    if (readable.length === 0)
      return { text: ctx.t({ en: 'No market information for you yet.', zh: '暂无可查看的市场信息。' }) };
    const lines: string[] = [];
    for (const row of readable) {
      const r = reveal(ctx, subjectOf(row));
      const text = body(row, r, ctx.locale);
      await ctx.auditRead('intel', row.number, r.fields);
      lines.push(
        `${row.number} [${LEVEL_NAMES[row.level]?.[ctx.locale] ?? row.level}] ${nameOf(INTEL_KINDS, row.kind, ctx.locale)}${row.verified ? '' : ctx.t({ en: ' (unverified)', zh: '（待核实）' })}: ${row.title}\n    ${text}`,
      );
    }
    return { text: `${ctx.t({ en: 'Market information:', zh: '市场信息：' })}\n${lines.join('\n')}` };
  },
});

export const intelCommands = [add, list];
